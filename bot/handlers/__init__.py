"""All handlers, registered in explicit order.

Group -1 is the gate (loads the user, stops unauthorised updates). In group 0 the first matching
handler wins, so order matters: commands and buttons first, then free text, then the fallbacks
that answer anything left over.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot import request
from bot.handlers import (
    appointments,
    errors,
    fallback,
    gate,
    help,
    listen,
    onboarding,
    plan,
    privacy,
    questions,
    settings,
    staff,
    tasks,
    text,
    words,
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Before the gate: Telegram calls made for an update are retried on time-outs and 5xx.
    application.add_handlers(request.handlers(), group=-2)
    # Before the gate (which records a blocked bot and stops the update): tell the staff chat.
    application.add_handlers(questions.membership_handlers(), group=-3)
    application.add_handlers(gate.handlers(), group=-1)
    services = application.bot_data.services
    staff_chat_id = services.settings.staff_chat_id if services is not None else None
    application.add_handlers(
        [
            # The staff chat first, behind one chat filter; everything below is private chats.
            *(staff.handlers(staff_chat_id) if staff_chat_id is not None else []),
            *onboarding.handlers(),
            *plan.handlers(),
            *help.handlers(),
            *questions.handlers(),
            *appointments.handlers(),
            *tasks.handlers(),
            *listen.handlers(),
            *words.handlers(),
            *settings.handlers(),
            *privacy.handlers(),
            *text.handlers(
                awaiting={
                    appointments.AWAITING_REASON: appointments.typed_reason,
                    tasks.AWAITING_QUESTION: tasks.typed_question,
                }
            ),
            *fallback.handlers(),  # last: answers what nothing above took
        ],
        group=0,
    )
    # After group 0: a /command or a menu button ends a wait for typed text (client.awaiting).
    application.add_handlers(appointments.awaiting_reset_handlers(), group=1)
    application.add_error_handler(errors.on_error)
