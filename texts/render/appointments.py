"""📅 An appointment as a message, its buttons, its calendar file and the rules behind them.

Reminder messages attach the same buttons (`appointment_buttons`), so the actions in the callback
data (`appt:v1:<action>:<id>`) are a contract: confirm, cannot, ics and the reasons r_*; the list
in one message adds open (a card in place) and list (back to the list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from storage.enums import AppointmentStatus, ClientResponse
from storage.models import Appointment
from texts import ics
from texts.bidi import strip_isolates
from texts.callbacks import button
from texts.fmt import Formatter, babel_locale
from texts.html import Html, escape
from texts.i18n import N_, Translator
from texts.render import lists

PREFIX = "appt"
CONFIRM = "confirm"
CANNOT = "cannot"
ICS = "ics"
OTHER_REASON = "r_other"
OPEN = lists.OPEN  # appt:v1:open:<id>, a button of the list: the card in place
LIST = lists.LIST  # appt:v1:list:, under a card opened from the list: the list again

# Translators: the Dutch word stays next to the translation, because learning it is part of
# the programme (brede intake, leerbaarheidstoets, voortgangsgesprek, ...).
KINDS: dict[str, tuple[str, str]] = {
    "intake": ("brede intake", N_("Intake")),
    "learnability_test": ("leerbaarheidstoets", N_("Learnability test")),
    "pip_meeting": ("PIP-gesprek", N_("PIP meeting")),
    "progress_meeting": ("voortgangsgesprek", N_("Progress meeting")),
    "map_final_interview": ("MAP-eindgesprek", N_("MAP final interview")),
    "pvt_meeting": ("PVT-bijeenkomst", N_("PVT meeting")),
    "exam": ("examen", N_("Exam")),
    "lesson": ("les", N_("Lesson")),
    "home_visit": ("huisbezoek", N_("Home visit")),
    "other": ("afspraak", N_("Appointment")),
}

# One tap for the common reasons; the Dutch words are what the caseworker reads.
REASONS: dict[str, tuple[str, str, str]] = {
    "r_sick": ("🤒", "ziek", N_("I am sick")),
    "r_work": ("💼", "werk", N_("I have to work")),
    "r_child": ("👶", "geen kinderopvang", N_("I have no childcare")),
    "r_transport": ("🚌", "geen vervoer", N_("I have no transport")),
}


class State(StrEnum):
    """Where an appointment stands for the client at a moment."""

    OPEN = "open"  # planned and not started: can be confirmed or declined
    STARTED = "started"
    OVER = "over"
    CANCELLED = "cancelled"


def state(appointment: Appointment, now: datetime) -> State:
    if appointment.status == AppointmentStatus.CANCELLED:
        return State.CANCELLED
    if appointment.status != AppointmentStatus.PLANNED:
        return State.OVER
    if appointment.starts_at > now:
        return State.OPEN
    if (appointment.ends_at or appointment.starts_at) > now:
        return State.STARTED
    return State.OVER


def can_answer(appointment: Appointment, now: datetime) -> bool:
    """Only a planned appointment that has not started can be confirmed or declined."""
    return state(appointment, now) == State.OPEN


def cannot_come_note(reason_action: str) -> str:
    """What the caseworker reads for a one-tap reason, in Dutch: 'Kan niet komen: ziek'."""
    return f"Kan niet komen: {REASONS[reason_action][1]}"


def typed_reason_note(words: str) -> str:
    return f"Kan niet komen: {words}"


@dataclass(frozen=True)
class AppointmentCard:
    """What one appointment message shows."""

    appointment: Appointment
    staff_name: str | None
    now: datetime


def kind_words(t: Translator, kind: str) -> tuple[str, str]:
    """The kind in the reader's language and its Dutch term."""
    dutch, english = KINDS.get(kind, KINDS["other"])
    return t(english), dutch


def kind_html(t: Translator, f: Formatter, kind: str) -> str:
    """'<b>Progress meeting</b> (<i>voortgangsgesprek</i>)'."""
    translated, dutch = kind_words(t, kind)
    return f"<b>{escape(translated)}</b> ({f.ltr(Html(f'<i>{escape(dutch)}</i>'))})"


def kind_plain(t: Translator, kind: str) -> str:
    """'Progress meeting (voortgangsgesprek)', for calendar files and venue titles."""
    translated, dutch = kind_words(t, kind)
    return f"{translated} ({dutch})"


def map_url(appointment: Appointment) -> str | None:
    """OpenStreetMap at the coordinates, else a search for the address."""
    lat, lon = appointment.latitude, appointment.longitude
    if lat is not None and lon is not None:
        return (
            f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
            f"#map=17/{lat:.6f}/{lon:.6f}"
        )
    if appointment.address:
        return f"https://www.openstreetmap.org/search?query={quote_plus(appointment.address)}"
    return None


def has_coordinates(appointment: Appointment) -> bool:
    return appointment.latitude is not None and appointment.longitude is not None


def venue(t: Translator, appointment: Appointment) -> tuple[str, str]:
    """Title and address for sendVenue (Telegram needs both to be non-empty)."""
    title = appointment.place_name or kind_plain(t, appointment.kind)
    return title, appointment.address or appointment.place_name or title


def language_name(f: Formatter, code: str) -> str:
    """A language's name in the reader's language (Babel), the code when unknown."""
    names = babel_locale(f.locale).languages
    return names.get(code) or names.get(code.split("_")[0]) or code


def reason_words(t: Translator, stored: str) -> str:
    """A stored reason for the client: a one-tap reason translated back, else their words."""
    for _icon, dutch, english in REASONS.values():
        if stored == dutch:
            return t(english)
    return stored


def _link(url: str, label: str) -> Html:
    return Html(f'<a href="{escape(url)}">{escape(label)}</a>')


def _when(t: Translator, f: Formatter, card: AppointmentCard) -> str:
    appointment = card.appointment
    start = appointment.starts_at
    if appointment.ends_at and appointment.ends_at > start:
        text = t(
            "{date}, {start} to {end}",
            date=f.date(start),
            start=f.time(start),
            end=f.time(appointment.ends_at),
        )
    else:
        text = t("{date} at {time}", date=f.date(start), time=f.time(start))
    if state(appointment, card.now) == State.OPEN:
        text += f" ({f.relative(start, now=card.now)})"
    return "🕐 " + text


def _where(t: Translator, f: Formatter, appointment: Appointment) -> list[str]:
    lines = []
    if appointment.place_name:
        lines.append("📍 " + f.auto(escape(appointment.place_name)))
    if appointment.address:
        prefix = "     " if appointment.place_name else "📍 "
        lines.append(prefix + f.ltr(escape(appointment.address)))
    url = map_url(appointment)
    if url:
        lines.append("🗺 " + _link(url, t("Open the map")) + " " + f.ltr("(OpenStreetMap)"))
    if appointment.phone:
        lines.append("📞 " + t("By phone: {phone}", phone=f.ltr(escape(appointment.phone))))
    if appointment.video_url:
        video = appointment.video_url
        shown = _link(video, video) if video.startswith("https://") else escape(video)
        lines.append("💻 " + t("Video call: {link}", link=f.ltr(shown)))
    return lines


def _people(t: Translator, f: Formatter, card: AppointmentCard) -> list[str]:
    appointment = card.appointment
    lines = []
    if card.staff_name:
        lines.append("👤 " + t("With: {name}", name=f.auto(escape(card.staff_name))))
    if appointment.interpreter_needed:
        if appointment.interpreter_language:
            language = language_name(f, appointment.interpreter_language)
            lines.append(
                "🗣 "
                + t(
                    "An interpreter ({tolk}) for {language} will be there.",
                    tolk=f.ltr(Html("<i>tolk</i>")),
                    language=f.auto(escape(language)),
                )
            )
        else:
            lines.append(
                "🗣 " + t("An interpreter ({tolk}) will be there.", tolk=f.ltr(Html("<i>tolk</i>")))
            )
    if appointment.bring:
        lines.append("🎒 " + t("Please bring: {things}", things=f.auto(escape(appointment.bring))))
    return lines


def _answer_line(t: Translator, f: Formatter, card: AppointmentCard) -> list[str]:
    appointment = card.appointment
    current = state(appointment, card.now)
    if current == State.CANCELLED:
        return ["🚫 <b>" + t("This appointment is cancelled. You do not need to come.") + "</b>"]
    if current == State.STARTED:
        return ["⏳ " + t("This appointment has started.")]
    if current == State.OVER:
        return ["⌛ " + t("This appointment is over.")]
    if appointment.client_response == ClientResponse.CONFIRMED:
        return ["👍 " + t("You said you will come. Thank you!")]
    if appointment.client_response == ClientResponse.CANNOT_COME:
        lines = ["👎 " + t("You said you cannot come. Your caseworker knows.")]
        if appointment.response_reason:
            reason = reason_words(t, appointment.response_reason)
            lines.append(t("Your reason: {reason}", reason=f.auto(escape(reason))))
        return lines
    return ["❔ " + t("Please tell us if you can come.")]


def appointment_text(t: Translator, f: Formatter, card: AppointmentCard) -> str:
    """One appointment: what, when, where, with whom, what to bring, and the client's answer."""
    appointment = card.appointment
    lines = ["📅 " + kind_html(t, f, appointment.kind)]
    if appointment.title:
        lines.append(f.auto(escape(appointment.title)))
    lines.append(_when(t, f, card))
    lines += _where(t, f, appointment)
    lines += _people(t, f, card)
    lines.append("")
    lines += _answer_line(t, f, card)
    return "\n".join(lines)


def appointment_buttons(
    t: Translator, appointment: Appointment, now: datetime
) -> InlineKeyboardMarkup:
    """The buttons under an appointment (and under its reminders); none once it has started.

    The chosen answer carries a ✓ and stays pressable, so a client can change their mind.
    """
    if appointment.id is None or not can_answer(appointment, now):
        return InlineKeyboardMarkup([])
    response = appointment.client_response
    come = ("✓ " if response == ClientResponse.CONFIRMED else "👍 ") + t("I will come")
    cannot = ("✓ " if response == ClientResponse.CANNOT_COME else "👎 ") + t("I cannot come")
    return InlineKeyboardMarkup(
        [
            [
                button(come, PREFIX, CONFIRM, appointment.id),
                button(cannot, PREFIX, CANNOT, appointment.id),
            ],
            [button("🗓 " + t("Add to my calendar"), PREFIX, ICS, appointment.id)],
        ]
    )


def reason_buttons(t: Translator, appointment_id: int) -> InlineKeyboardMarkup:
    """Why the client cannot come: one tap for the common reasons, or their own words."""
    rows = [
        [button(f"{icon} {t(english)}", PREFIX, action, appointment_id)]
        for action, (icon, _dutch, english) in REASONS.items()
    ]
    rows.append([button("✏️ " + t("Another reason"), PREFIX, OTHER_REASON, appointment_id)])
    rows.append([button("👍 " + t("I can come after all"), PREFIX, CONFIRM, appointment_id)])
    return InlineKeyboardMarkup(rows)


def _where_short(t: Translator, f: Formatter, appointment: Appointment) -> list[str]:
    """The first line of where: the place, else the address, the phone or the video link."""
    lines = [line for line in _where(t, f, appointment) if not line.startswith(("🗺", " "))]
    return lines[:1]


def appointment_list_text(
    t: Translator, f: Formatter, cards: Sequence[AppointmentCard], *, more_later: bool
) -> str:
    """Several appointments in one message: per appointment its number, what, when, where."""
    lines = ["📅 <b>" + t("Your appointments") + "</b>", ""]
    for n, card in enumerate(cards, 1):
        appointment = card.appointment
        lines.append(f"{lists.number(n)} {kind_html(t, f, appointment.kind)}")
        if appointment.title:
            lines.append(f.auto(escape(appointment.title)))
        lines.append(_when(t, f, card))
        lines += _where_short(t, f, appointment)
        lines.append("")
    lines.append("👇 " + t("Tap a number to see the appointment and to answer."))
    if more_later:
        lines += ["", more_later_text(t, f)]
    return "\n".join(lines)


def appointment_list_buttons(
    t: Translator, f: Formatter, cards: Sequence[AppointmentCard]
) -> InlineKeyboardMarkup:
    """One button per appointment, '1️⃣ Thu 26 Nov · Intake', that opens its card in place."""
    rows = []
    for n, card in enumerate(cards, 1):
        appointment = card.appointment
        if appointment.id is None:
            continue
        label = f"{f.day_month(appointment.starts_at)} · {kind_words(t, appointment.kind)[0]}"
        rows.append([lists.item_button(f, n, label, PREFIX, appointment.id)])
    return InlineKeyboardMarkup(rows)


def back_to_list_row(t: Translator, f: Formatter) -> list[InlineKeyboardButton]:
    return lists.back_row(f, t("All appointments"), PREFIX)


def kept_rows(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    """The way back to the list, kept from the pressed message (none under a reminder)."""
    return lists.kept_rows(markup, LIST)


def no_appointments_text(t: Translator, _f: Formatter) -> str:
    return "\n".join(
        [
            "📅 " + t("You have no appointments planned now."),
            t("When your caseworker plans one, you will see it here and get a reminder."),
        ]
    )


def more_later_text(t: Translator, _f: Formatter) -> str:
    return t("You have more appointments later. You will see them here when they come closer.")


def why_not_prompt(t: Translator, _f: Formatter) -> str:
    return t("Why can you not come? Tap a reason.")


def reason_prompt(t: Translator, _f: Formatter) -> str:
    return "\n".join(
        [
            "✏️ " + t("Please write in one sentence why you cannot come."),
            t("Your caseworker will read it."),
        ]
    )


def confirmed_toast(t: Translator, _f: Formatter) -> str:
    return t("Thank you! We have saved that you will come. 👍")


def cannot_come_toast(t: Translator, _f: Formatter) -> str:
    return t("Thank you for telling us. We have told your caseworker.")


def already_text(t: Translator, _f: Formatter) -> str:
    return t("We already have this answer. Thank you!")


def closed_text(t: Translator, f: Formatter, current: State) -> str:
    """Why an appointment cannot be answered any more."""
    if current == State.CANCELLED:
        return t("This appointment is cancelled. You do not need to come.")
    return t(
        "This appointment has already started or is over. You cannot answer it any more. "
        "Please contact your caseworker if you have a question."
    )


def reason_saved_text(t: Translator, f: Formatter, card: AppointmentCard) -> str:
    appointment = card.appointment
    return "👎 " + t(
        "We have saved that you cannot come to this appointment: {kind}, {date}.",
        kind=kind_html(t, f, appointment.kind),
        date=f.short_datetime(appointment.starts_at),
    )


def reason_too_late_text(t: Translator, _f: Formatter) -> str:
    return t(
        "This appointment cannot be answered any more. I send your message to your "
        "caseworker as a question."
    )


def calendar_caption(t: Translator, _f: Formatter) -> str:
    return t("Open this file to add the appointment to your calendar. 🗓")


def calendar_filename(appointment: Appointment, zone: ZoneInfo) -> str:
    """'afspraak-2026-11-26.ics' (the local date)."""
    return f"afspraak-{appointment.starts_at.astimezone(zone).date().isoformat()}.ics"


def _location(t: Translator, appointment: Appointment) -> str:
    parts = [p for p in (appointment.place_name, appointment.address) if p]
    if appointment.phone:
        parts.append(t("By phone: {phone}", phone=appointment.phone))
    if appointment.video_url:
        parts.append(t("Video call: {link}", link=appointment.video_url))
    return ", ".join(parts)


def calendar_event(t: Translator, f: Formatter, card: AppointmentCard) -> ics.Event:
    """The calendar event for an appointment, its texts in the client's language."""
    appointment = card.appointment
    summary = kind_plain(t, appointment.kind)
    description = []
    if appointment.title:
        description.append(appointment.title)
    if card.staff_name:
        description.append(t("With: {name}", name=card.staff_name))
    if appointment.interpreter_needed:
        language = language_name(f, appointment.interpreter_language or "")
        description.append(
            t(
                "An interpreter ({tolk}) for {language} will be there.",
                tolk="tolk",
                language=language,
            )
            if appointment.interpreter_language
            else t("An interpreter ({tolk}) will be there.", tolk="tolk")
        )
    if appointment.bring:
        description.append(t("Please bring: {things}", things=appointment.bring))
    return ics.Event(
        uid=f"appointment-{appointment.id}@inburgerbot",
        starts_at=appointment.starts_at,
        ends_at=ics.default_end(appointment.starts_at, appointment.ends_at),
        stamp=card.now,
        summary=strip_isolates(summary),
        location=strip_isolates(_location(t, appointment)),
        description=strip_isolates("\n".join(description)),
        alarm_text=strip_isolates(t("Tomorrow: {what}", what=summary)),
        cancelled=appointment.status == AppointmentStatus.CANCELLED,
    )
