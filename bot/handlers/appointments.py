"""📅 The client's appointments: list, confirm, cannot come (with a reason), calendar file.

The buttons (`appt:v1:<action>:<id>`) also sit under reminder messages; every press is checked
against the presser: an id of another client, or of no appointment, changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import listen, questions
from bot.handlers.fallback import stale_button
from bot.keyboards import ICON_APPOINTMENTS, MENU_ICONS, pressed_markup, under_card
from bot.replies import Text, answer, edit, list_in_place, render
from casework.case import CaseError, respond_to_appointment
from storage import appointments, clients
from storage.bsn import mask_bsn
from storage.enums import ClientResponse
from storage.ids import pk
from storage.models import Appointment
from texts import callbacks, ics
from texts.render import appointments as view
from texts.render.appointments import AppointmentCard

log = logging.getLogger(__name__)

MAX_SHOWN = 10
AWAITING_REASON = "appt_reason"

Action = Callable[[Update, BotContext, Appointment, str], Awaitable[None]]


async def show_appointments(update: Update, context: BotContext) -> None:
    """Upcoming appointments, soonest first, in one message; a single one as its card."""
    cards, more_later = await _upcoming(context)
    if not cards:
        await answer(update, context, view.no_appointments_text)
    elif len(cards) == 1 and not more_later:
        await _send_card(update, context, cards[0])
    else:
        await answer(
            update,
            context,
            _list_text(cards, more_later),
            reply_markup=view.appointment_list_buttons(context.t, context.fmt, cards),
        )


async def _upcoming(context: BotContext) -> tuple[list[AppointmentCard], bool]:
    """The appointments the list shows (one query), and whether more come later."""
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.reading() as session:
        found = await appointments.upcoming_with_staff(
            session, client_id=pk(client), now=now, limit=MAX_SHOWN + 1
        )
    return [AppointmentCard(a, name, now) for a, name in found[:MAX_SHOWN]], len(found) > MAX_SHOWN


def _list_text(cards: list[AppointmentCard], more_later: bool) -> Text:
    return lambda t, f: view.appointment_list_text(t, f, cards, more_later=more_later)


async def show_list(update: Update, context: BotContext) -> None:
    """‹ All appointments: the list again, in the pressed message."""
    cards, more_later = await _upcoming(context)
    if cards:
        text = _list_text(cards, more_later)
        markup = _markup(view.appointment_list_buttons(context.t, context.fmt, cards))
    else:
        text, markup = view.no_appointments_text, None
    await list_in_place(
        update,
        context,
        render(context, text),
        markup,
        lambda body, m: _edit(update, context, body, m),
    )


async def open_card(update: Update, context: BotContext, appointment: Appointment, _: str) -> None:
    """A button of the list: the appointment's card in the same message, and its venue."""
    await _refresh(update, context, appointment, back=True)
    await _toast(update, context, None)
    await _send_venue(update, context, appointment)


async def _card(session: AsyncSession, appointment: Appointment, now: datetime) -> AppointmentCard:
    return await listen.card_of(session, appointment, now)


def _markup(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup | None:
    return markup if markup.inline_keyboard else None


async def _buttons(context: BotContext, card: AppointmentCard) -> InlineKeyboardMarkup:
    """The answer buttons, and 🔊 Listen where there is audio in the client's language."""
    appointment = card.appointment
    markup = view.appointment_buttons(context.t, appointment, card.now)
    row = await listen.listen_row(
        context.services.audio,
        context.t,
        context.locale,
        listen.appointment_speakable(card),
        listen.APPOINTMENT,
        appointment.id,
    )
    return InlineKeyboardMarkup([*markup.inline_keyboard, row]) if row else markup


async def _send_card(update: Update, context: BotContext, card: AppointmentCard) -> None:
    buttons = await _buttons(context, card)
    await answer(
        update,
        context,
        lambda t, f: view.appointment_text(t, f, card),
        reply_markup=_markup(buttons),
    )
    await _send_venue(update, context, card.appointment)


async def _send_venue(update: Update, context: BotContext, appointment: Appointment) -> None:
    """The place on the map, as a venue message, when the appointment has coordinates."""
    if not view.has_coordinates(appointment):
        return
    chat = update.effective_chat
    assert chat is not None
    title, address = view.venue(context.t, appointment)
    await context.bot.send_venue(
        chat.id,
        latitude=appointment.latitude,
        longitude=appointment.longitude,
        title=title,
        address=address,
    )


# -- buttons ----------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    """Dispatch `appt:v1:<action>:<id>` after checking the appointment is the presser's."""
    query = update.callback_query
    client = context.client
    assert query is not None and client is not None
    parsed = callbacks.parse(query.data)
    if parsed is not None and parsed.action == view.LIST and not parsed.arg:
        await show_list(update, context)
        return
    appointment_id = parsed.int_arg() if parsed else None
    action = ACTIONS.get(parsed.action) if parsed else None
    appointment = None
    if appointment_id is not None and action is not None:
        async with context.db.reading() as session:
            appointment = await appointments.of_client(
                session, client_id=pk(client), appointment_id=appointment_id
            )
    if parsed is None or action is None or appointment is None:
        log.info("stale appointment button", extra={"client_id": client.id})
        await stale_button(update, context)
        return
    await action(update, context, appointment, parsed.action)


async def _refuse_if_closed(update: Update, context: BotContext, appointment: Appointment) -> bool:
    """A past, started or cancelled appointment: say so kindly and show its current state."""
    now = context.clock.now()
    if view.can_answer(appointment, now):
        return False
    current = view.state(appointment, now)
    await _refresh(update, context, appointment)
    await _toast(update, context, view.closed_text(context.t, context.fmt, current), alert=True)
    return True


async def confirm(update: Update, context: BotContext, appointment: Appointment, _: str) -> None:
    if await _refuse_if_closed(update, context, appointment):
        return
    if appointment.client_response == ClientResponse.CONFIRMED:
        await _refresh(update, context, appointment)
        await _toast(update, context, view.already_text(context.t, context.fmt))
        return
    saved = await _respond(context, appointment, ClientResponse.CONFIRMED, "")
    await _refresh(update, context, saved or appointment)
    await _toast(update, context, view.confirmed_toast(context.t, context.fmt))


async def cannot(update: Update, context: BotContext, appointment: Appointment, _: str) -> None:
    """Show the reasons; nothing is stored until the client picks one."""
    if await _refuse_if_closed(update, context, appointment):
        return
    if appointment.client_response == ClientResponse.CANNOT_COME:
        await _refresh(update, context, appointment)
        await _toast(update, context, view.already_text(context.t, context.fmt))
        return
    reasons = view.reason_buttons(context.t, pk(appointment))
    kept = view.kept_rows(pressed_markup(update))
    await _edit_markup(update, InlineKeyboardMarkup([*reasons.inline_keyboard, *kept]))
    await _toast(update, context, view.why_not_prompt(context.t, context.fmt))


async def reason(
    update: Update, context: BotContext, appointment: Appointment, action: str
) -> None:
    """A one-tap reason: store the answer, and tell the caseworker as a linked question."""
    if await _refuse_if_closed(update, context, appointment):
        return
    dutch = view.REASONS[action][1]
    saved = await _respond(context, appointment, ClientResponse.CANNOT_COME, dutch)
    await _refresh(update, context, saved or appointment)
    if saved is None:
        await _toast(update, context, view.closed_text(context.t, context.fmt, view.State.OVER))
        return
    await _toast(update, context, view.cannot_come_toast(context.t, context.fmt))
    await questions.ask(
        update,
        context,
        appointment_id=appointment.id,
        text_override=view.cannot_come_note(action),
    )


async def other_reason(
    update: Update, context: BotContext, appointment: Appointment, _: str
) -> None:
    """Wait for the reason in the client's own words (the next text message)."""
    if await _refuse_if_closed(update, context, appointment):
        return
    await _set_awaiting(context, f"{AWAITING_REASON}:{appointment.id}")
    await _refresh(update, context, appointment)
    await _toast(update, context, None)
    await answer(update, context, view.reason_prompt)


async def calendar_file(
    update: Update, context: BotContext, appointment: Appointment, _: str
) -> None:
    """An .ics file the phone's calendar can import."""
    now = context.clock.now()
    if view.state(appointment, now) in (view.State.CANCELLED, view.State.OVER):
        await _toast(
            update,
            context,
            view.closed_text(context.t, context.fmt, view.state(appointment, now)),
            alert=True,
        )
        return
    async with context.db.reading() as session:
        card = await _card(session, appointment, now)
    event = view.calendar_event(context.t, context.fmt, card)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id,
        document=ics.calendar(event, context.settings.zone),
        filename=view.calendar_filename(appointment, context.settings.zone),
        caption=render(context, view.calendar_caption),
        parse_mode=ParseMode.HTML,
    )
    await _toast(update, context, None)


ACTIONS: dict[str, Action] = {
    view.OPEN: open_card,
    view.CONFIRM: confirm,
    view.CANNOT: cannot,
    view.ICS: calendar_file,
    view.OTHER_REASON: other_reason,
    **dict.fromkeys(view.REASONS, reason),
}


# -- the reason in the client's own words --------------------------------------------------


async def typed_reason(update: Update, context: BotContext, arg: str) -> None:
    """The text after "Another reason": store it and send it to the caseworker."""
    message = update.message
    assert message is not None and message.text is not None
    words = mask_bsn(message.text.strip())  # no BSN stored (the client is told in `ask`)
    appointment, saved = await _store_typed_reason(context, arg, words)
    if not saved or appointment is None:
        await answer(update, context, view.reason_too_late_text)
        await questions.ask(update, context, appointment_id=appointment.id if appointment else None)
        return
    card = AppointmentCard(appointment, None, context.clock.now())
    await answer(update, context, lambda t, f: view.reason_saved_text(t, f, card))
    await questions.ask(
        update, context, appointment_id=appointment.id, text_override=view.typed_reason_note(words)
    )


async def _store_typed_reason(
    context: BotContext, arg: str, words: str
) -> tuple[Appointment | None, bool]:
    """End the wait and store the reason, if the appointment can still be answered."""
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.transaction() as session:
        fresh = await clients.by_id(session, client_id=pk(client))
        assert fresh is not None
        fresh.awaiting = None
        session.add(fresh)
        appointment = (
            await appointments.of_client(session, client_id=pk(fresh), appointment_id=int(arg))
            if arg.isdigit()
            else None
        )
        if appointment is None or not view.can_answer(appointment, now):
            return appointment, False
        await respond_to_appointment(
            session,
            client=fresh,
            appointment=appointment,
            response=ClientResponse.CANNOT_COME,
            reason=words,
            now=now,
        )
    log.info("appointment answered", extra={"appointment_id": appointment.id, "response": "typed"})
    return appointment, True


# -- helpers ----------------------------------------------------------------------------------


async def _respond(
    context: BotContext, appointment: Appointment, response: ClientResponse, reason: str
) -> Appointment | None:
    """Store the client's answer; None when the appointment can no longer be answered."""
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.transaction() as session:
        fresh = await appointments.of_client(
            session, client_id=pk(client), appointment_id=pk(appointment)
        )
        if fresh is None:
            return None
        try:
            saved = await respond_to_appointment(
                session, client=client, appointment=fresh, response=response, reason=reason, now=now
            )
        except CaseError:
            return None
    log.info("appointment answered", extra={"appointment_id": saved.id, "response": str(response)})
    return saved


async def _set_awaiting(context: BotContext, value: str | None) -> None:
    client = context.client
    assert client is not None
    async with context.db.transaction() as session:
        fresh = await clients.by_id(session, client_id=pk(client))
        assert fresh is not None
        fresh.awaiting = value
        session.add(fresh)
    client.awaiting = value


async def _refresh(
    update: Update, context: BotContext, appointment: Appointment, *, back: bool = False
) -> None:
    """Show the appointment's current state in the pressed message (text and buttons).

    The way back to the list stays when the card was opened from it (`back` when it is opened).
    """
    query = update.callback_query
    assert query is not None
    now = context.clock.now()
    async with context.db.reading() as session:
        card = await _card(session, appointment, now)
    markup = _markup(
        under_card(
            update,
            await _buttons(context, card),
            back=view.back_to_list_row(context.t, context.fmt) if back else None,
            kept=view.kept_rows,
        )
    )
    text = render(context, lambda t, f: view.appointment_text(t, f, card))
    await _edit(update, context, text, markup)


async def _edit(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Edit the pressed message; where its text cannot change, at least its buttons."""
    query = update.callback_query
    assert query is not None
    try:
        await edit(query, text, reply_markup=markup)
    except BadRequest as error:
        if not _not_modified(error):
            # e.g. a reminder sent as media: its caption cannot become the card, the buttons can.
            log.info("could not edit the appointment message: %s", error.message)
            await _edit_markup(update, markup)


async def _edit_markup(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as error:
        if not _not_modified(error):
            raise


def _not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


async def _toast(
    update: Update, context: BotContext, text: str | None, *, alert: bool = False
) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(text, show_alert=alert)


# -- a command or a menu button ends a wait ----------------------------------------------------


async def forget_awaiting(update: Update, context: BotContext) -> None:
    """After a /command or a menu button the bot no longer waits for an answer.

    Runs after group 0, and only clears the wait the gate saw, so a command that starts a new
    wait keeps it.
    """
    client = context.client
    if client is None or not client.awaiting:
        return
    async with context.db.transaction() as session:
        fresh = await clients.by_id(session, client_id=pk(client))
        if fresh is not None and fresh.awaiting == client.awaiting:
            fresh.awaiting = None
            session.add(fresh)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("appointments", show_appointments, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_APPOINTMENTS}"), show_appointments),
        CallbackQueryHandler(on_button, pattern=callbacks.pattern(view.PREFIX)),
    ]


def awaiting_reset_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """For a group after the feature handlers: commands and menu buttons end any wait."""
    menu = "|".join(re.escape(icon) for icon in MENU_ICONS)
    ends_wait = filters.COMMAND | filters.Regex(f"^(?:{menu})")
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ends_wait, forget_awaiting
        )
    ]
