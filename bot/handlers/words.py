"""📖 /words: the Dutch words of the programme explained, and "Also show Dutch" for learners."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import glossary
from bot.context import BotContext
from bot.replies import Text, answer
from storage import clients
from storage.ids import pk
from texts import callbacks
from texts.callbacks import button
from texts.fmt import Formatter
from texts.i18n import Translator

log = logging.getLogger(__name__)
PREFIX = "words"


def words_keyboard(t: Translator, f: Formatter, *, show_dutch: bool) -> InlineKeyboardMarkup:
    """A button per Dutch word, 'All words', and the switch for Dutch under every message."""
    words = [button(term.dutch, PREFIX, "show", term.key) for term in glossary.TERMS]
    rows = [words[i : i + 2] for i in range(0, len(words), 2)]
    rows.append([button(f.button(t("All words"), icon="📚"), PREFIX, "all")])
    if show_dutch:
        rows.append([button(f.button(t("Stop showing Dutch"), icon="🇳🇱"), PREFIX, "dutch", "off")])
    else:
        rows.append([button(f.button(t("Also show Dutch"), icon="🇳🇱"), PREFIX, "dutch", "on")])
    return InlineKeyboardMarkup(rows)


def unknown_word_text(t: Translator, f: Formatter) -> str:
    return (
        t("I do not know this word. Tap one of the words below.")
        + "\n\n"
        + glossary.intro_text(t, f)
    )


def dutch_switched_text(on: bool) -> Text:
    def text(t: Translator, _f: Formatter) -> str:
        if on:
            return t(
                "From now on you also see every message in simple Dutch (Nederlands). "
                "This helps you learn."
            )
        return t("From now on you see messages only in your own language.")

    return text


async def words(update: Update, context: BotContext) -> None:
    """/words, or /words KNM for one word."""
    client = context.client
    assert client is not None
    markup = words_keyboard(context.t, context.fmt, show_dutch=client.show_dutch)
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await answer(update, context, glossary.intro_text, reply_markup=markup)
        return
    term = glossary.find(wanted)
    if term is None:
        await answer(update, context, unknown_word_text, reply_markup=markup)
        return
    await answer(update, context, lambda t, f: glossary.entry_text(t, f, term))


async def pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.client is not None
    parsed = callbacks.parse(query.data)
    term = glossary.BY_KEY.get(parsed.arg) if parsed else None
    if parsed is None or not (
        (parsed.action == "show" and term is not None)
        or parsed.action == "all"
        or (parsed.action == "dutch" and parsed.arg in ("on", "off"))
    ):
        await query.answer(context.t("This button is no longer valid."), show_alert=True)
        return
    await query.answer()
    if parsed.action == "dutch":
        await _switch_dutch(update, context, on=parsed.arg == "on")
    elif parsed.action == "all":
        await answer(update, context, glossary.all_text)
    elif term is not None:
        await answer(update, context, lambda t, f: glossary.entry_text(t, f, term))


async def _switch_dutch(update: Update, context: BotContext, *, on: bool) -> None:
    client = context.client
    assert client is not None
    async with context.db.transaction() as session:
        fresh = await clients.by_id(session, client_id=pk(client))
        assert fresh is not None
        fresh.show_dutch = on
        session.add(fresh)
    context.client = fresh
    log.info("show dutch changed", extra={"client_id": fresh.id, "on": on})
    await answer(update, context, dutch_switched_text(on))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("words", words, filters=private),
        CallbackQueryHandler(pressed, pattern=callbacks.pattern(PREFIX)),
    ]
