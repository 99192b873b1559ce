"""All handlers, registered in explicit order.

Group -1 is the gate (loads the user, stops unauthorised updates). In group 0 the first matching
handler wins, so order matters: commands and buttons first, then free text, then the fallbacks
that answer anything left over.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.handlers import errors, fallback, gate, help, onboarding, plan, questions, text


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handlers(gate.handlers(), group=-1)
    application.add_handlers(
        [
            *onboarding.handlers(),
            *plan.handlers(),
            *help.handlers(),
            *questions.handlers(),
            *text.handlers(awaiting={}),
            *fallback.handlers(),  # last: answers what nothing above took
        ],
        group=0,
    )
    application.add_error_handler(errors.on_error)
