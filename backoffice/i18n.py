"""The back-office's own interface language: Dutch by default, English as the second option.

Why a dict and not a gettext domain: the interface has two languages and a few hundred short
labels, written by the team itself; a Python dict keeps them reviewable in one file and needs no
compile step. Message ids are the English texts (like the bot's catalogues), with named
placeholders filled after translation. `tests/backoffice/test_i18n.py` checks that every id used
in the templates and the code has a Dutch entry. What the *clients* read (answers, appointment
news) is not here: it goes through the bot's gettext catalogues in the client's language.
"""

from __future__ import annotations

from functools import cache

from backoffice.texts_nl import DUTCH

UI_LOCALES = ("nl", "en")
DEFAULT_UI_LOCALE = "nl"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class UiTranslator:
    """Translate an English message id into the interface language."""

    def __init__(self, locale: str, table: dict[str, str]) -> None:
        self.locale = locale
        self._table = table

    def __call__(self, message: str, /, **values: object) -> str:
        text = self._table.get(message, message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        message = singular if n == 1 else plural
        text = self._table.get(message, message)
        return text.format(n=n, **values)


@cache
def ui_translator(locale: str) -> UiTranslator:
    return UiTranslator(locale, DUTCH if locale == "nl" else {})


def N_(message: str) -> str:
    """Mark an interface text for translation where it is defined (translated when shown)."""
    return message


# Stored values (enums) as English interface texts; shown through the translator.
VALUE_LABELS: dict[str, str] = {  # the values are message ids (extracted like N_)
    # inbox filters
    "all": "Mine, my team's and unassigned",
    "mine": "Mine",
    "team": "My team's",
    "unassigned": "Unassigned",
    "unclosed": "Open or answered",
    # questions
    "open": "open",
    "answered": "answered",
    "closed": "closed",
    # clients
    "invited": "invited, not linked yet",
    "active": "linked and active",
    "paused": "paused",
    "blocked_bot": "blocked the bot",
    "asylum_permit_holder": "asylum permit holder (asielstatushouder)",
    "family_migrant": "family migrant (gezinsmigrant)",
    "other_migrant": "other migrant (overige migrant)",
    "voluntary": "voluntary (vrijwillige inburgeraar)",
    # appointments
    "planned": "planned",
    "cancelled": "cancelled",
    "done": "done",
    "no_show": "did not come",
    "none": "no answer yet",
    "confirmed": "will come",
    "cannot_come": "cannot come",
    # plans
    "draft": "draft",
    "established": "established",
    "revised": "revised",
    "withdrawn": "withdrawn",
    "in_progress": "in progress",
    "exempt": "exempt (vrijgesteld)",
    "route_b1": "B1 route (B1-route)",
    "route_education": "education route (onderwijsroute)",
    "route_z": "Z route (zelfredzaamheidsroute)",
    "passed": "passed",
    "failed": "failed",
    "unknown": "unknown",
    # reminders
    "appointment": "appointment",
    "task": "task",
    "deadline": "end of the integration period",
    "question_waiting": "question waiting",
    "digest": "weekly overview",
    "pending": "waiting to be sent",
    "claimed": "being sent",
    "sent": "sent",
    "skipped": "skipped",
    # people
    "caseworker": "caseworker (klantregisseur)",
    "social_guide": "social guide (maatschappelijk begeleider)",
    "team_lead": "team lead",
    "admin": "administrator",
    "by_staff": "by staff",
    "by_client": "by the client",
    "by_system": "the system",
}


def value_label(t: UiTranslator, value: str | None) -> str:
    if value is None:
        return "–"
    return t(VALUE_LABELS.get(str(value), str(value)))
