"""The plan in Dutch does not repeat Dutch terms in brackets; other languages keep them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from storage.models import Plan, Staff
from texts.fmt import Formatter
from texts.i18n import translator
from texts.render.plan import PlanPage, plan_text

ZONE = ZoneInfo("Europe/Amsterdam")


def page() -> PlanPage:
    plan = Plan(
        client_id=1,
        decision_date=date(2025, 3, 1),
        period_start=date(2025, 3, 2),
        period_end=date(2028, 3, 2),
        learning_route="b1",
    )
    guide = Staff(key="g", name="Joke", organisation_id=1, role="social_guide")
    return PlanPage(plan, [], None, guide, date(2026, 11, 23), datetime(2026, 11, 23, tzinfo=UTC))


def test_dutch_plan_has_no_bracketed_dutch_terms_for_route_and_guide() -> None:
    text = plan_text(translator("nl"), Formatter("nl", ZONE), page())
    assert "(<i>leerroute</i>)" not in text
    assert "(<i>maatschappelijke begeleiding</i>)" not in text


def test_english_plan_keeps_the_dutch_terms_beside_the_translation() -> None:
    text = plan_text(translator("en"), Formatter("en", ZONE), page())
    assert "(<i>leerroute</i>)" in text
    assert "(<i>maatschappelijke begeleiding</i>)" in text
