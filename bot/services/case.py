"""Only for storage/importer.py until it moves (branch imp): the case desk is casework.case."""

from casework.case import (
    AppointmentDraft,
    CaseError,
    add_appointment,
    add_task,
    cancel_appointment,
    move_appointment,
    set_task_status,
)

__all__ = [
    "AppointmentDraft",
    "CaseError",
    "add_appointment",
    "add_task",
    "cancel_appointment",
    "move_appointment",
    "set_task_status",
]
