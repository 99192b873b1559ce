"""The client blocked the bot: one use case, whichever place noticed it first.

The gate sees Telegram's membership update, the error handler and the relay see a 403 on a
reply or an answer, the dispatcher sees a 403 on a reminder, the back-office on a notice. Each
calls `block`, so the effect is the same everywhere: an active client becomes `blocked_bot` and
nothing waits to be sent to them any more; what waited comes back when they write again (the gate
re-plans their reminders).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import clients
from storage import reminders as reminder_rows

BLOCKED_BOT = "blocked_bot"  # the reason on the reminders it stops


async def block(session: AsyncSession, *, client_ids: Sequence[int]) -> None:
    """These clients blocked the bot: mark the active ones and stop every waiting reminder."""
    if not client_ids:
        return
    await clients.mark_blocked(session, client_ids=client_ids)
    await reminder_rows.cancel_active_for_clients(
        session, client_ids=client_ids, reason=BLOCKED_BOT
    )
