"""The one error handler: ids and a traceback in the log, a kind apology to the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.context import BotContext
from bot.fmt import Formatter
from bot.i18n import Translator

log = logging.getLogger(__name__)


def apology(t: Translator, _f: Formatter) -> str:
    return t("Sorry, something went wrong on our side. Please try again in a moment.")


def _ids(update: object) -> dict[str, object]:
    if not isinstance(update, Update):
        return {}
    chat = update.effective_chat
    return {"update_id": update.update_id, "chat_id": chat.id if chat else None}


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    ids = _ids(update)
    if isinstance(error, Forbidden):
        log.info("telegram refused the message (blocked or kicked)", extra=ids)
        return
    if isinstance(error, RetryAfter | TimedOut | NetworkError):
        log.warning("telegram unavailable: %s", type(error).__name__, extra=ids)
        return
    # Never log the update itself: it carries names and message texts.
    log.error("error while handling an update", exc_info=error, extra=ids)
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.effective_chat.id == context.settings.staff_chat_id:
            return
        try:
            await context.bot.send_message(
                update.effective_chat.id, apology(context.t, context.fmt)
            )
        except Exception:  # the apology is best effort; the original error is already logged
            log.warning("could not send the apology", extra=ids)
