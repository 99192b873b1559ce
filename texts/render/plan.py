"""The client's plan (PIP) as a message: route, parts, period, people; and, where the Zaken API
is configured, their zaak: its steps and deadlines (docs/common-ground.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from storage.models import Plan, PlanPart, Staff
from texts.fmt import Formatter
from texts.html import Html, escape
from texts.i18n import N_, Translator

if TYPE_CHECKING:  # a value of the core's port, read here only
    from casework.ports import ZaakState

# Translator comments: the Dutch names of the routes stay next to the translation.
ROUTE_NAMES = {
    "b1": ("B1-route", N_("Dutch up to level B1, and taking part in work or society.")),
    "education": (
        "onderwijsroute",
        N_("Dutch to prepare for a school or study in the Netherlands."),
    ),
    "z": ("Z-route", N_("About 800 hours of Dutch and taking part, at your own pace.")),
}
PART_ICONS = {"planned": "⏳", "in_progress": "▶️", "done": "✅", "exempt": "➖"}
PART_KINDS = {
    "reading": ("lezen", N_("Reading")),
    "listening": ("luisteren", N_("Listening")),
    "writing": ("schrijven", N_("Writing")),
    "speaking": ("spreken", N_("Speaking")),
    "knm": ("KNM", N_("Knowledge of Dutch society")),
    "map": ("MAP", N_("Labour market and participation")),
    "pvt": ("PVT", N_("Participation statement workshop")),
    "z_language_hours": ("Z-route taal", N_("Language hours")),
    "z_participation_hours": ("Z-route participatie", N_("Participation hours")),
    "education_bridge": ("schakeltraject", N_("Preparing for school or study")),
    "literacy": ("alfabetisering", N_("Learning to read and write")),
    "work_or_volunteering": ("werk of vrijwilligerswerk", N_("Work or volunteering")),
    "social_guidance": ("maatschappelijke begeleiding", N_("Social guidance")),
    "other": ("", N_("Other")),
}


@dataclass(frozen=True)
class PlanPage:
    plan: Plan
    parts: Sequence[PlanPart]
    caseworker: Staff | None
    social_guide: Staff | None
    today: date
    now: datetime


def dutch_term(f: Formatter, dutch: str, translated: str) -> str:
    """'Translation (Dutch term)', unless they are the same words."""
    if not dutch or dutch.lower() == translated.lower():
        return escape(translated)
    return f"{escape(translated)} ({f.ltr(Html(f'<i>{escape(dutch)}</i>'))})"


def beside(t: Translator, f: Formatter, label: str, dutch: str) -> str:
    """' (dutch term)' after a translated label, unless the text is Dutch already."""
    if t.locale == "nl" or dutch.lower() in label.lower():
        return ""
    return f" ({f.ltr(Html(f'<i>{escape(dutch)}</i>'))})"


def plan_text(t: Translator, f: Formatter, page: PlanPage) -> str:
    plan = page.plan
    route_dutch, route_explained = ROUTE_NAMES.get(plan.learning_route, ("", N_("Other")))
    lines = [
        "📋 <b>" + t("Your plan") + "</b> (" + f.ltr("PIP") + ")",
        "",
        "<b>"
        + t("Learning route")
        + "</b>"
        + beside(t, f, t("Learning route"), "leerroute")
        + ": "
        + f.ltr(route_dutch),
        escape(t(route_explained)),
        t("Your goal: Dutch at level {level}.", level=f.ltr(plan.target_level)),
    ]
    if plan.summary:
        lines += ["", f.auto(escape(plan.summary))]
    lines += ["", "<b>" + t("Parts of your plan") + "</b>"]
    for part in page.parts:
        dutch, english = PART_KINDS.get(part.kind, ("", N_("Other")))
        line = f"{PART_ICONS.get(part.status, '•')} " + dutch_term(f, dutch, t(english))
        if part.title and part.title.lower() != english.lower():
            line += " — " + f.auto(escape(part.title))
        if part.target_date and part.status not in ("done", "exempt"):
            line += " · " + t("before {date}", date=f.date(part.target_date, with_weekday=False))
        lines.append(line)
    end = plan.extended_until or plan.period_end
    lines += [
        "",
        "⏱ "
        + t(
            "You must finish before {date} ({term}).",
            date=f.date(end, with_weekday=False),
            term=f.ltr(Html("<i>inburgeringstermijn</i>")),
        ),
    ]
    lines.append(_time_left(t, f, end, page.today))
    if page.caseworker:
        lines.append(
            "👤 " + t("Your caseworker: {name}", name=f.auto(escape(page.caseworker.name)))
        )
    if page.social_guide:
        lines.append(
            "🤝 "
            + t("Your social guide: {name}", name=f.auto(escape(page.social_guide.name)))
            + beside(t, f, t("Your social guide: {name}"), "maatschappelijke begeleiding")
        )
    lines.append(
        "🗓 " + t("Plan decided on {date}.", date=f.date(plan.decision_date, with_weekday=False))
    )
    return "\n".join(lines)


def _time_left(t: Translator, f: Formatter, end: date, today: date) -> str:
    days = (end - today).days
    if days < 0:
        return t("The end date has passed. Please talk to your caseworker.")
    months = days // 30
    if months >= 2:
        return t.ngettext("That is {n} month from now.", "That is {n} months from now.", months)
    return t.ngettext("That is {n} day from now.", "That is {n} days from now.", days)


def zaak_text(t: Translator, f: Formatter, zaak: ZaakState, zone: tzinfo) -> str:
    """The client's zaak as the Zaken API holds it: closed or not, its steps, its deadlines.

    The steps' notes are the municipality's own words (Dutch), shown as they are.
    """

    def day(moment: datetime) -> str:
        return f.date(moment.astimezone(zone).date(), with_weekday=False)

    heading = "🏛 <b>" + t("Your case at the municipality") + "</b>"
    if zaak.reference:
        heading += " (" + f.ltr(Html(f"<i>zaak {escape(zaak.reference)}</i>")) + ")"
    lines = [heading]
    if zaak.closed is not None:
        lines.append(
            "✅ "
            + t(
                "Your municipality closed this case on {date}.",
                date=f.date(zaak.closed, with_weekday=False),
            )
        )
    if zaak.steps:
        latest, *earlier = zaak.steps
        lines.append(t("Latest step, on {date}:", date=day(latest.at)))
        if latest.note:
            lines.append(f.auto(escape(latest.note)))
        if earlier:
            lines.append(t("Earlier steps:"))
            lines += [
                "• " + day(step.at) + (" — " + f.auto(escape(step.note)) if step.note else "")
                for step in earlier
            ]
    if zaak.closed is None and zaak.planned_end is not None:
        lines.append(
            "⏱ "
            + t(
                "Planned to be finished by {date}.",
                date=f.date(zaak.planned_end, with_weekday=False),
            )
        )
    if zaak.closed is None and zaak.latest_end is not None:
        lines.append(
            t(
                "To be finished at the latest by {date}.",
                date=f.date(zaak.latest_end, with_weekday=False),
            )
        )
    return "\n".join(lines)


def no_plan_text(t: Translator, _f: Formatter) -> str:
    return t(
        "There is no plan (PIP) here yet. Your municipality makes the plan with you after "
        "the intake. Ask your caseworker if you have questions."
    )
