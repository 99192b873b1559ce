"""The one error handler: ids and a traceback in the log, a kind apology to the user."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Chat, Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.telegram_errors import kind_of
from casework import blocking
from casework.ports import ErrorKind
from storage import clients, visitors
from storage.ids import pk
from texts.fmt import Formatter
from texts.i18n import Translator
from texts.locales import choose_locale

log = logging.getLogger(__name__)


def apology(t: Translator, _f: Formatter) -> str:
    return t("Sorry, something went wrong on our side. Please try again in a moment.")


def _ids(update: object) -> dict[str, object]:
    if not isinstance(update, Update):
        return {}
    chat = update.effective_chat
    return {"update_id": update.update_id, "chat_id": chat.id if chat else None}


async def _blocked(update: object, context: BotContext) -> None:
    """A client who blocked the bot gets nothing until they write again (see the gate)."""
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != Chat.PRIVATE:
        return
    async with context.db.transaction() as session:
        client = await clients.by_chat(session, chat_id=chat.id)
        if client is not None:
            await blocking.block(session, client_ids=[pk(client)])
            log.info("client marked blocked_bot", extra={"client_id": client.id})


async def _use_their_language(update: Update, context: BotContext) -> None:
    """The error handler gets a fresh context: find the user's language again."""
    chat, user = update.effective_chat, update.effective_user
    stored = None
    if chat is not None:
        try:
            async with context.db.reading() as session:
                client = await clients.by_chat(session, chat_id=chat.id)
                stored = client.locale if client else None
                stored = stored or await visitors.locale_of(session, chat_id=chat.id)
        except (SQLAlchemyError, OSError):  # the database may be what failed
            log.warning("no language for the apology", extra=_ids(update))
    context.use_locale(
        choose_locale(
            stored=stored,
            telegram_code=user.language_code if user else None,
            default=context.settings.default_locale,
            shipped=context.services.shipped_locales,
        )
    )


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    ids = _ids(update)
    kind = kind_of(error) if isinstance(error, TelegramError) else None
    if kind == ErrorKind.BLOCKED:
        log.info("telegram refused the message (blocked or kicked)", extra=ids)
        await _blocked(update, context)
        return
    if kind in (ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT):
        log.warning("telegram unavailable: %s", type(error).__name__, extra=ids)
        return
    # A refused request is our mistake, not an outage; so is anything unexpected.
    # Never log the update itself: it carries names and message texts.
    log.error("error while handling an update", exc_info=error, extra=ids)
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.effective_chat.id == context.settings.staff_chat_id:
            return
        await _use_their_language(update, context)
        try:
            await context.bot.send_message(
                update.effective_chat.id, apology(context.t, context.fmt)
            )
        except Exception:  # the apology is best effort; the original error is already logged
            log.warning("could not send the apology", extra=ids)
