"""What a 🔊 Listen button reads: a message's identity, its values and its text (plain data, so
the bot, the back-office and the scheduler name the same message the same way; the clip itself
is the bot's, bot/audio.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.models import Appointment, Task
from texts.readers import TextFn
from texts.render.appointments import AppointmentCard, appointment_text
from texts.render.plan import PlanPage, plan_text
from texts.render.tasks import task_text

LISTEN = "say"  # the callback prefix of the 🔊 Listen button: say:v1:<plan|appt|task|rem>:<id>
PLAN, APPOINTMENT, TASK, REMINDER = "plan", "appt", "task", "rem"
# The message ids of the audio catalogue (audio/manifest.json).
MESSAGE_IDS = {PLAN: "plan", APPOINTMENT: "appointment", TASK: "task"}


@dataclass(frozen=True)
class Speakable:
    """A message that can be listened to: its identity, the values it carries, its text.

    `values` are the row's fields the message shows, the same in every language and without
    relative phrases ('in 3 days'), so a recording stays right until a value changes.
    """

    message_id: str
    text: TextFn
    values: Mapping[str, object]


def values_hash(values: Mapping[str, object]) -> str:
    """Twelve hex digits naming a message's values (the `__<values-hash>` of a recording)."""
    canonical = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def appointment_values(appointment: Appointment, staff_name: str | None) -> dict[str, object]:
    return {
        "kind": appointment.kind,
        "title": appointment.title,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat() if appointment.ends_at else None,
        "place": [appointment.place_name, appointment.address, appointment.phone],
        "video": bool(appointment.video_url),
        "interpreter": appointment.interpreter_language if appointment.interpreter_needed else None,
        "bring": appointment.bring,
        "with": staff_name,
        "status": appointment.status,
        "response": [appointment.client_response, appointment.response_reason],
    }


def task_values(task: Task) -> dict[str, object]:
    return {
        "title": task.title,
        "description": task.description,
        "due": task.due_date.isoformat() if task.due_date else None,
        "status": task.status,
    }


def plan_values(page: PlanPage) -> dict[str, object]:
    plan = page.plan
    return {
        "route": plan.learning_route,
        "level": plan.target_level,
        "summary": plan.summary,
        "end": (plan.extended_until or plan.period_end).isoformat(),
        "decided": plan.decision_date.isoformat(),
        "parts": [
            [part.kind, part.title, part.status, str(part.target_date or "")] for part in page.parts
        ],
        "caseworker": page.caseworker.name if page.caseworker else None,
        "social_guide": page.social_guide.name if page.social_guide else None,
    }


def plan_speakable(page: PlanPage) -> Speakable:
    return Speakable(MESSAGE_IDS[PLAN], lambda t, f: plan_text(t, f, page), plan_values(page))


def appointment_speakable(card: AppointmentCard) -> Speakable:
    return Speakable(
        MESSAGE_IDS[APPOINTMENT],
        lambda t, f: appointment_text(t, f, card),
        appointment_values(card.appointment, card.staff_name),
    )


def task_speakable(task: Task, now: datetime, zone: ZoneInfo) -> Speakable:
    today = now.astimezone(zone).date()
    return Speakable(
        MESSAGE_IDS[TASK],
        lambda t, f: task_text(t, f, task, today=today, now=now),
        task_values(task),
    )
