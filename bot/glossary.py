"""Dutch words of the integration programme, explained in plain words (the /words glossary).

The Dutch term itself is never translated: learning it is part of the programme. The explanation
is a message id like any other, so it is read in the client's language (and, with "Also show
Dutch", in simple Dutch under it).
"""

from __future__ import annotations

from dataclasses import dataclass

from texts.fmt import Formatter
from texts.html import Html, escape
from texts.i18n import N_, Translator


@dataclass(frozen=True)
class Term:
    """One Dutch word: a language-neutral key (for buttons), the word, its full name."""

    key: str
    dutch: str
    explanation: str  # an English message id, marked with N_
    full_dutch: str = ""  # what an abbreviation stands for, in Dutch


# Order: as a client meets them, from the plan to the end of the period.
TERMS: tuple[Term, ...] = (
    Term(
        "pip",
        "PIP",
        N_(
            "Your personal plan for the integration programme. It says what you learn, "
            "what you do and until when. The municipality makes it with you."
        ),
        "Persoonlijk Plan Inburgering en Participatie",
    ),
    Term(
        "intake",
        "brede intake",
        N_(
            "The first talks with the municipality. They ask about your school, work, health "
            "and family. Then they make your plan."
        ),
    ),
    Term(
        "caseworker",
        "klantregisseur",
        N_("Your caseworker at the municipality. This person helps you with your plan."),
    ),
    Term(
        "route",
        "leerroute",
        N_(
            "The way you learn Dutch. There are three routes: the B1-route, the "
            "onderwijsroute and the Z-route."
        ),
    ),
    Term(
        "b1",
        "B1-route",
        N_(
            "You learn Dutch up to level B1. You also take part in work or society. "
            "At the end you take exams."
        ),
    ),
    Term(
        "education",
        "onderwijsroute",
        N_(
            "You learn Dutch to go to a school or study in the Netherlands. "
            "This route is mostly for young people."
        ),
    ),
    Term(
        "z",
        "Z-route",
        N_(
            "The self-reliance route. You learn Dutch at your own pace, about 800 hours. "
            "You also take part in activities. There is no B1 exam."
        ),
        "zelfredzaamheidsroute",
    ),
    Term(
        "knm",
        "KNM",
        N_(
            "Knowledge of Dutch society: how life in the Netherlands works. "
            "For example health care, work, school and the law. There is an exam."
        ),
        "Kennis van de Nederlandse Maatschappij",
    ),
    Term(
        "map",
        "MAP",
        N_(
            "A course about work in the Netherlands. You learn how to find work or "
            "volunteer work that suits you."
        ),
        "Module Arbeidsmarkt en Participatie",
    ),
    Term(
        "pvt",
        "PVT",
        N_(
            "A workshop about the main values in the Netherlands, such as freedom and "
            "equality. At the end you sign a statement."
        ),
        "Participatieverklaringstraject",
    ),
    Term(
        "term",
        "inburgeringstermijn",
        N_(
            "The time you have to finish the programme. Usually this is 3 years. "
            "Sometimes you can get more time."
        ),
    ),
    Term(
        "progress",
        "voortgangsgesprek",
        N_(
            "A meeting with your caseworker about your plan. You talk about how it goes "
            "and what you need."
        ),
    ),
    Term(
        "duo",
        "DUO",
        N_(
            "A government office. DUO runs the exams and keeps track of your time to "
            "finish the programme."
        ),
        "Dienst Uitvoering Onderwijs",
    ),
    Term(
        "ontzorgen",
        "financieel ontzorgen",
        N_(
            "In your first months, the municipality pays some bills for you from your "
            "benefit. For example rent, energy, water and health insurance."
        ),
    ),
    Term(
        "guidance",
        "maatschappelijke begeleiding",
        N_(
            "Help in your first period in the Netherlands. For example with letters, the "
            "doctor and the school. Often VluchtelingenWerk gives this help."
        ),
    ),
)
BY_KEY = {term.key: term for term in TERMS}


def find(word: str) -> Term | None:
    """A term by its key or its Dutch word, ignoring case, spaces and hyphens."""

    def norm(text: str) -> str:
        return "".join(text.lower().split()).replace("-", "")

    wanted = norm(word)
    return next(
        (term for term in TERMS if wanted in (norm(term.key), norm(term.dutch))),
        None,
    )


def entry_text(t: Translator, f: Formatter, term: Term) -> str:
    """'PIP (Persoonlijk Plan ...)' in bold, then the explanation in the reader's language."""
    head = "<b>" + escape(term.dutch) + "</b>"
    if term.full_dutch:
        head += " (<i>" + escape(term.full_dutch) + "</i>)"
    return f"📖 {f.ltr(Html(head))}\n{escape(t(term.explanation))}"


def all_text(t: Translator, f: Formatter) -> str:
    """The whole glossary as one text (split under Telegram's limit when sent)."""
    return "\n\n".join([intro_text(t, f), *(entry_text(t, f, term) for term in TERMS)])


def intro_text(t: Translator, f: Formatter) -> str:
    return "\n".join(
        [
            "📖 <b>"
            + t("Dutch words")
            + "</b> ("
            + f.ltr(Html("<i>Nederlandse woorden</i>"))
            + ")",
            t(
                "You will see these Dutch words in your plan and in letters. "
                "Tap a word to read what it means."
            ),
        ]
    )
