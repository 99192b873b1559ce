"""The checked values of string columns (stored as strings, never as native enums)."""

from __future__ import annotations

from enum import StrEnum


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    REGIONAL_TEAM = "regional_team"
    PARTNER = "partner"


class InviteOrigin(StrEnum):
    CASEWORKER = "caseworker"
    PORTAL = "portal"


class StaffRole(StrEnum):
    CASEWORKER = "caseworker"
    SOCIAL_GUIDE = "social_guide"
    TEAM_LEAD = "team_lead"
    ADMIN = "admin"


class TargetGroup(StrEnum):
    ASYLUM_PERMIT_HOLDER = "asylum_permit_holder"
    FAMILY_MIGRANT = "family_migrant"
    OTHER_MIGRANT = "other_migrant"
    VOLUNTARY = "voluntary"


class LiteracySupport(StrEnum):
    TEXT = "text"
    TEXT_AND_AUDIO = "text_and_audio"


class ClientStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    PAUSED = "paused"
    BLOCKED_BOT = "blocked_bot"
    CLOSED = "closed"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ESTABLISHED = "established"
    REVISED = "revised"
    WITHDRAWN = "withdrawn"


class LearningRoute(StrEnum):
    B1 = "b1"
    EDUCATION = "education"
    Z = "z"


class Level(StrEnum):
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"


class Intensity(StrEnum):
    NONE = "none"
    LIGHT = "light"
    REGULAR = "regular"
    INTENSIVE = "intensive"


class PlanPartKind(StrEnum):
    READING = "reading"
    LISTENING = "listening"
    WRITING = "writing"
    SPEAKING = "speaking"
    KNM = "knm"
    MAP = "map"
    PVT = "pvt"
    Z_LANGUAGE_HOURS = "z_language_hours"
    Z_PARTICIPATION_HOURS = "z_participation_hours"
    EDUCATION_BRIDGE = "education_bridge"
    LITERACY = "literacy"
    WORK_OR_VOLUNTEERING = "work_or_volunteering"
    SOCIAL_GUIDANCE = "social_guidance"
    OTHER = "other"


class PartStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    EXEMPT = "exempt"


class ExamComponent(StrEnum):
    READING = "reading"
    LISTENING = "listening"
    WRITING = "writing"
    SPEAKING = "speaking"
    KNM = "knm"


class ExamResult(StrEnum):
    PLANNED = "planned"
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"


class AppointmentKind(StrEnum):
    INTAKE = "intake"
    LEARNABILITY_TEST = "learnability_test"
    PIP_MEETING = "pip_meeting"
    PROGRESS_MEETING = "progress_meeting"
    MAP_FINAL_INTERVIEW = "map_final_interview"
    PVT_MEETING = "pvt_meeting"
    EXAM = "exam"
    LESSON = "lesson"
    HOME_VISIT = "home_visit"
    OTHER = "other"


class AppointmentStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    DONE = "done"
    NO_SHOW = "no_show"


class ClientResponse(StrEnum):
    NONE = "none"
    CONFIRMED = "confirmed"
    CANNOT_COME = "cannot_come"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Direction(StrEnum):
    FROM_CLIENT = "from_client"
    FROM_STAFF = "from_staff"


class MessageKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    LOCATION = "location"


class ReminderKind(StrEnum):
    APPOINTMENT = "appointment"
    TASK = "task"
    DEADLINE = "deadline"
    QUESTION_WAITING = "question_waiting"
    DIGEST = "digest"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ActorKind(StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    SYSTEM = "system"


class ContactStatus(StrEnum):
    """A contact moment in the case system's outbox (storage/models.py CaseContact)."""

    PENDING = "pending"  # to be sent (again) at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # refused by the case system (400) or undeliverable: kept, alerted


class ContactKind(StrEnum):
    QUESTION = "question"  # a client's message
    ANSWER = "answer"  # a staff member's answer that went to the client
