"""Long, realistic data to render messages with (field lengths at their maximum)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from bot.replies import Text, render
from storage.models import Appointment, Plan, PlanPart, Staff, Task
from texts.fmt import Formatter
from texts.i18n import translator
from texts.render.appointments import AppointmentCard
from texts.render.plan import PART_KINDS, PlanPage

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
LONG_NAME = "Maria-Fernanda van der Heijden-Abdirahman " * 4  # about 170 characters
SUMMARY = (
    "Nederlandse les vier ochtenden per week bij het Taalhuis, daarna KNM en MAP. "
    "Kinderopvang is geregeld. Reiskosten worden vergoed. "
) * 15


def _cut(text: str, limit: int) -> str:
    return text[:limit].strip()


def plan_page(parts: int = 24) -> PlanPage:
    plan = Plan(
        id=1,
        client_id=1,
        decision_date=date(2025, 3, 1),
        period_start=date(2025, 3, 2),
        period_end=date(2028, 3, 2),
        learning_route="b1",
        summary=_cut(SUMMARY, 2000),
    )
    kinds = list(PART_KINDS)
    rows = [
        PlanPart(
            id=i + 1,
            plan_id=1,
            external_id=f"part-{i}",
            kind=kinds[i % len(kinds)],
            title=_cut(
                f"Module {i}: " + "Lezen en schrijven op niveau B1 met oefenexamen " * 5, 200
            ),
            status=["planned", "in_progress", "done", "exempt"][i % 4],
            target_date=date(2026, 1, 1) + timedelta(days=40 * i),
            position=i,
        )
        for i in range(parts)
    ]
    person = Staff(id=1, key="s1", name=_cut(LONG_NAME, 200), organisation_id=1)
    return PlanPage(plan, rows, person, person, TODAY, NOW)


def appointment(**fields: Any) -> Appointment:
    values: dict[str, Any] = {
        "id": 42,
        "client_id": 1,
        "external_id": "a-42",
        "kind": "progress_meeting",
        "title": _cut("Voortgangsgesprek over uw PIP en de keuze voor de leerroute " * 4, 200),
        "starts_at": NOW + timedelta(days=3),
        "ends_at": NOW + timedelta(days=3, hours=1, minutes=30),
        "interpreter_needed": True,
        "interpreter_language": "ti",
        "place_name": _cut("Gemeentehuis Hoorn, Klantcontactcentrum, Balie Inburgering " * 4, 200),
        "address": _cut("Nieuwe Steen 1, 1625 HV Hoorn, ingang aan de achterkant " * 6, 300),
        "phone": "+31 229 252 200",
        "video_url": "https://video.example.nl/room/" + "x" * 100,
        "bring": _cut("Paspoort of verblijfsdocument, brief van DUO, diploma's " * 10, 500),
        "client_response": "cannot_come",
        "response_reason": _cut("Ik heb die dag een examen bij het taalinstituut " * 12, 500),
    }
    values.update(fields)
    return Appointment(**values)


def appointment_card() -> AppointmentCard:
    return AppointmentCard(appointment(), _cut(LONG_NAME, 200), NOW)


def task() -> Task:
    return Task(
        id=7,
        client_id=1,
        external_id="t-7",
        title=_cut("Breng uw diploma en cijferlijst naar de taalschool in Hoorn " * 4, 200),
        description=_cut("Neem het origineel mee en een kopie. " * 40, 1000),
        due_date=date(2026, 12, 1),
    )


def formatter(locale: str) -> Formatter:
    return Formatter(locale, ZONE)


def with_dutch(locale: str, text: Text) -> str:
    """What replies.render sends a client who also wants to see Dutch."""
    context: Any = SimpleNamespace(
        t=translator(locale),
        fmt=formatter(locale),
        client=SimpleNamespace(show_dutch=True),
        locale=locale,
        settings=SimpleNamespace(zone=ZONE),
    )
    return render(context, text)
