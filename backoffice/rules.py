"""Business rules of the back-office, as plain functions (tested without a browser)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backoffice.i18n import N_
from casework.questions import office_time_waited
from casework.timewindows import OfficeHours
from storage.enums import QuestionStatus, StaffRole
from storage.models import Question, Staff


@dataclass(frozen=True)
class Waiting:
    """How long a question has waited for an answer, counting office hours only."""

    office_time: timedelta
    overdue: bool

    @property
    def hours(self) -> int:
        return int(self.office_time.total_seconds() // 3600)

    @property
    def minutes(self) -> int:
        return int(self.office_time.total_seconds() % 3600 // 60)


def waiting(
    question: Question, *, now: datetime, office: OfficeHours, zone: ZoneInfo, deadline: timedelta
) -> Waiting | None:
    """Open questions wait from the client's first message after the last answer (the question
    store keeps that moment); answered and closed ones do not wait."""
    if question.status != QuestionStatus.OPEN or question.waiting_since is None:
        return None
    spent = office_time_waited(question, now=now, office=office, zone=zone)
    return Waiting(office_time=spent, overdue=spent >= deadline)


def may_see_audit(staff: Staff) -> bool:
    return staff.role in (StaffRole.TEAM_LEAD, StaffRole.ADMIN)


def may_manage_staff(staff: Staff) -> bool:
    return staff.role == StaffRole.ADMIN


class FormProblem(ValueError):
    """A form value that cannot be used; the message is an interface message id."""


def parse_local(day: str, clock: str, zone: ZoneInfo) -> datetime:
    """A date and time typed in a form (local time) as a UTC instant.

    Refuses a time that does not exist because the clocks go forward.
    """
    try:
        local_day = date.fromisoformat(day.strip())
    except ValueError as exc:
        raise FormProblem(N_("Give a date like 2026-12-01.")) from exc
    try:
        hours, minutes = (int(part) for part in clock.strip().split(":")[:2])
        local_time = time(hours, minutes)
    except (ValueError, TypeError) as exc:
        raise FormProblem(N_("Give a time like 14:30.")) from exc
    wall = datetime.combine(local_day, local_time)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise FormProblem(N_("This time does not exist on that day: the clocks go forward."))
    return instant


def parse_day(day: str) -> date | None:
    if not day.strip():
        return None
    try:
        return date.fromisoformat(day.strip())
    except ValueError as exc:
        raise FormProblem(N_("Give a date like 2026-12-01.")) from exc


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar day (for the audit filters)."""
    start = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
    return start, end
