"""Texts of the question channel: what clients read in their language, and what the team reads
in the staff chat (rendered in Dutch there; the message ids are English like everywhere)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel import Locale, UnknownLocaleError

from storage.enums import QuestionStatus
from storage.models import Appointment, Client, Question, Staff, Task
from texts import bidi
from texts.fmt import Formatter
from texts.html import escape
from texts.i18n import BY_CODE, N_, Translator
from texts.readers import TextFn
from texts.render.appointments import AppointmentCard, appointment_text, kind_plain
from texts.render.tasks import task_text

STATUS_ICONS = {
    QuestionStatus.OPEN: "🟢",
    QuestionStatus.ANSWERED: "💬",
    QuestionStatus.CLOSED: "✅",
}
TOPIC_TITLE_LIMIT = 128


def topic_title(client: Client, status: str, locale: str) -> str:
    """'🟢 C-00012 Amina (ar)': status, reference, first name and language, nothing more."""
    icon = STATUS_ICONS.get(QuestionStatus(status), "🟢")
    return f"{icon} {client.ref} {client.first_name} ({locale})"[:TOPIC_TITLE_LIMIT]


def language_label(locale: str) -> str:
    language = BY_CODE.get(locale)
    return f"{language.native_name} ({locale})" if language else locale


# -- what the client reads ----------------------------------------------------------------------


def seen_text(t: Translator, _f: Formatter) -> str:
    return t("👀 Your caseworker has seen your question. You will get an answer soon.")


def closed_text(t: Translator, _f: Formatter) -> str:
    return t("✅ Your caseworker closed your question. Do you need more help? Just write again.")


def reopened_text(t: Translator, _f: Formatter) -> str:
    return t("Your caseworker opened your question again. You will get an answer soon.")


def correction_text(words: str) -> TextFn:
    """A staff member edited a message the client already got."""

    def text(t: Translator, f: Formatter) -> str:
        return "✏️ <b>" + t("Correction:") + "</b>\n" + f.auto(escape(words))

    return text


def plain_text(words: str) -> TextFn:
    """A stored text as it is (a ready-made answer already in the client's language)."""

    def text(_t: Translator, f: Formatter) -> str:
        return f.auto(escape(words))

    return text


# -- the header card of a question in the staff chat --------------------------------------------


@dataclass(frozen=True)
class HeaderCard:
    client: Client
    question: Question
    locale: str
    caseworker: Staff | None
    assignee: Staff | None
    appointment: Appointment | None
    task: Task | None


def header_text(t: Translator, f: Formatter, card: HeaderCard) -> str:
    client = card.client
    icon = STATUS_ICONS.get(QuestionStatus(card.question.status), "🟢")
    lines = [
        f"{icon} <b>" + t("Question from {name}", name=escape(client.first_name)) + "</b>",
        t("Reference: {ref}", ref=f"<code>{escape(client.ref)}</code>"),
        t("Municipality: {name}", name=escape(client.municipality)),
        t("Language: {language}", language=escape(language_label(card.locale))),
        t(
            "Caseworker: {name}",
            name=escape(card.caseworker.name) if card.caseworker else t("nobody yet"),
        ),
    ]
    if card.assignee is not None and card.assignee.id != (card.caseworker and card.caseworker.id):
        lines.append(t("Assigned to: {name} (substitute)", name=escape(card.assignee.name)))
    if card.appointment is not None:
        lines.append(
            "📅 "
            + t(
                "About the appointment: {what} on {when}",
                what=escape(kind_plain(t, card.appointment.kind)),
                when=f.datetime(card.appointment.starts_at),
            )
        )
    if card.task is not None:
        lines.append("📝 " + t("About the task: {title}", title=escape(card.task.title)))
    lines += ["", "<i>" + staff_help_line(t) + "</i>"]
    return "\n".join(lines)


def staff_help_line(t: Translator) -> str:
    return t(
        "Answer in this topic. Start with // for a note only the team sees. "
        "Commands: /answers, /close, /reopen, /assign me."
    )


# -- notes in the client's topic ----------------------------------------------------------------


def topic_recreated_text(t: Translator, _f: Formatter) -> str:
    return t(
        "♻️ The earlier topic of this client was deleted, so this is a new one. "
        "Earlier messages are in the back-office."
    )


def blocked_text(t: Translator, _f: Formatter) -> str:
    return t(
        "⛔ The client has blocked the bot. Messages do not reach them now. "
        "Please reach them by phone, e-mail or letter."
    )


def unblocked_text(t: Translator, _f: Formatter) -> str:
    return t("✅ The client can receive messages from the bot again.")


def not_linked_text(t: Translator, _f: Formatter) -> str:
    return t(
        "⚠️ Saved, but not sent: this client has no linked Telegram chat now. "
        "Please use another channel."
    )


def will_retry_text(t: Translator, _f: Formatter) -> str:
    return t(
        "⏳ Telegram did not take the message now. It is saved and the bot sends it again soon."
    )


def gave_up_text(t: Translator, _f: Formatter) -> str:
    return t(
        "❌ The bot could not deliver a message to the client. It is saved in the back-office. "
        "Please use another channel."
    )


def overdue_topic_text(hours: float, mentions: Sequence[str]) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        whole = int(hours)
        line = "⏰ " + t.ngettext(
            "This question has waited more than {n} office hour for an answer.",
            "This question has waited more than {n} office hours for an answer.",
            whole,
        )
        if mentions:
            line += "\n" + t("Team lead: {names}", names=", ".join(mentions))
        return line

    return text


def overdue_lead_text(client: Client, hours: float, link: str | None) -> TextFn:
    """The private message to a team lead about a question that waits too long."""

    def text(t: Translator, _f: Formatter) -> str:
        line = "⏰ " + t.ngettext(
            "A question of client {ref} ({municipality}) has waited more than {n} office hour "
            "for an answer.",
            "A question of client {ref} ({municipality}) has waited more than {n} office hours "
            "for an answer.",
            int(hours),
            ref=f"<code>{escape(client.ref)}</code>",
            municipality=escape(client.municipality),
        )
        if link:
            line += "\n" + t("Open the topic: {link}", link=escape(link))
        return line

    return text


# -- replies to staff in the staff chat ---------------------------------------------------------


def not_registered_text(t: Translator, _f: Formatter) -> str:
    return t("You are not registered as staff of this bot, so nothing was sent to the client.")


def not_your_client_text(t: Translator, _f: Formatter) -> str:
    return t("You cannot reach this client (not a client of your organisation). Nothing was sent.")


def unsupported_staff_text(t: Translator, _f: Formatter) -> str:
    return t(
        "This kind of message cannot go to the client. Please send text, a photo, "
        "a document or a voice message."
    )


def only_in_topic_text(t: Translator, _f: Formatter) -> str:
    return t("Use this command in the topic of a client (or as a reply to their message).")


def nothing_to_close_text(t: Translator, _f: Formatter) -> str:
    return t("This question is closed already.")


def nothing_to_reopen_text(t: Translator, _f: Formatter) -> str:
    return t("There is no closed question here to reopen.")


def closed_staff_text(name: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t("✅ {name} closed the question. The client was told.", name=escape(name))

    return text


def reopened_staff_text(name: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t("🟢 {name} opened the question again. The client was told.", name=escape(name))

    return text


def assigned_text(name: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t("👤 The question is assigned to {name}.", name=escape(name))

    return text


def assign_usage_text(t: Translator, _f: Formatter) -> str:
    return t("Write /assign me, or /assign @username of a colleague.")


def unknown_staff_text(username: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t("I do not know @{username} as active staff.", username=escape(username))

    return text


def cannot_reach_text(name: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t(
            "{name} cannot reach this client, so the question was not assigned.",
            name=escape(name),
        )

    return text


def ready_list_text(answers: dict[str, str]) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        lines = [
            "<b>" + t("Ready-made answers") + "</b>",
            t("The client gets them in their own language. Send one with /answer and the key."),
            "",
        ]
        for key, msgid in answers.items():
            command = bidi.ltr(f"<code>/answer {escape(key)}</code>", rtl=t.rtl)
            lines.append(command + " — " + escape(t(msgid)))
        return "\n".join(lines)

    return text


def ready_sent_text(key: str, msgid: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        heading = t("📨 Ready-made answer “{key}” sent to the client:", key=escape(key))
        return f"{heading}\n<i>{escape(t(msgid))}</i>"

    return text


def unknown_ready_text(key: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t("There is no ready-made answer “{key}”. See /answers.", key=escape(key))

    return text


def away_usage_text(t: Translator, _f: Formatter) -> str:
    return t("Write /away @username until 2026-12-31, or /away off when you are back.")


def away_set_text(substitute: str, until: date) -> TextFn:
    def text(t: Translator, f: Formatter) -> str:
        return t(
            "🌴 You are away until {date}. New questions of your clients go to {name}.",
            date=f.date(until, with_weekday=False),
            name=escape(substitute),
        )

    return text


def away_cleared_text(t: Translator, _f: Formatter) -> str:
    return t("👋 Welcome back. New questions of your clients come to you again.")


AWAY_REFUSALS = {
    "substitute_is_self": N_("You cannot be your own substitute."),
    "substitute_not_colleague": N_(
        "The substitute must be an active colleague of your organisation."
    ),
    "until_in_past": N_("This date has passed. Choose a date from today on."),
}
AWAY_REFUSED_OTHERWISE = N_("This did not work. Please try again.")


def away_refused_text(reason: str) -> TextFn:
    def text(t: Translator, _f: Formatter) -> str:
        return t(AWAY_REFUSALS.get(reason, AWAY_REFUSED_OTHERWISE))

    return text


# -- the case data a caseworker asks for in a topic ---------------------------------------------


def case_heading(t: Translator, what: str, client: Client) -> str:
    ref = bidi.ltr(f"<code>{escape(client.ref)}</code>", rtl=t.rtl)
    return f"<b>{escape(what)}</b> · {ref} {bidi.auto(escape(client.first_name), rtl=t.rtl)}"


def appointments_text(
    t: Translator, f: Formatter, client: Client, found: Sequence[Appointment], now: datetime
) -> str:
    heading = case_heading(t, t("Appointments"), client)
    if not found:
        return heading + "\n" + t("No upcoming appointments.")
    cards = [appointment_text(t, f, AppointmentCard(item, None, now)) for item in found]
    return "\n\n".join([heading, *cards])


def tasks_text(
    t: Translator, f: Formatter, client: Client, found: Sequence[Task], today: date, now: datetime
) -> str:
    heading = case_heading(t, t("Open tasks"), client)
    if not found:
        return heading + "\n" + t("No open tasks.")
    cards = [task_text(t, f, item, today=today, now=now) for item in found]
    return "\n\n".join([heading, *cards])


# -- machine translation (casework/translation.py) ----------------------------------------------


def language_name(code: str, locale: str) -> str:
    """A language's name in the reader's language (Tigrinya, Perzisch (Afghanistan) ...)."""
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, UnknownLocaleError):
        return code


def translation_follows_text(t: Translator, _f: Formatter) -> str:
    return "🌐 <i>" + t("A machine translation follows.") + "</i>"


def translation_in_text(engine: str, language: str, words: str) -> TextFn:
    """Under a client's message in their topic: what it says in Dutch, and who said so."""

    def text(t: Translator, f: Formatter) -> str:
        label = t("Machine translation ({engine}) from {language}:").format(
            engine=escape(engine), language=escape(language_name(language, f.locale))
        )
        return f"🌐 <i>{label}</i>\n{f.auto(words)}"

    return text


def translation_out_text(engine: str, language: str, words: str) -> TextFn:
    """In the topic after an answer: the translation the client got with it."""

    def text(t: Translator, f: Formatter) -> str:
        label = t("The client also got this machine translation ({engine}) into {language}:")
        label = label.format(
            engine=escape(engine), language=escape(language_name(language, f.locale))
        )
        return f"🌐 <i>{label}</i>\n{f.auto(words)}"

    return text


def no_translation_text(language: str) -> TextFn:
    def text(t: Translator, f: Formatter) -> str:
        return "⚠️ " + t("No machine translation for {language}: use an interpreter.").format(
            language=escape(language_name(language, f.locale))
        )

    return text


def other_language_text(language: str) -> TextFn:
    def text(t: Translator, f: Formatter) -> str:
        return "⚠️ " + t(
            "Not machine-translated: this text does not seem to be in {language}."
        ).format(language=escape(language_name(language, f.locale)))

    return text


def translation_failed_text(t: Translator, _f: Formatter) -> str:
    return "⚠️ " + t(
        "The machine translation did not work. Read the original, or use an interpreter."
    )


def client_translation_text(engine: str, words: str) -> TextFn:
    """What the client gets under the Dutch answer: the machine translation, labelled."""

    def text(t: Translator, f: Formatter) -> str:
        label = t("Machine translation ({engine}):").format(engine=escape(engine))
        return f"🌐 <i>{label}</i>\n{f.auto(words)}"

    return text
