"""The tables of DESIGN section 3 as SQLModel classes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
    event,
)
from sqlmodel import Field, SQLModel

from storage import import_digest
from storage.enums import (
    ActorKind,
    AppointmentKind,
    AppointmentStatus,
    ClientResponse,
    ClientStatus,
    ContactKind,
    ContactStatus,
    Direction,
    ExamComponent,
    ExamResult,
    Intensity,
    InviteOrigin,
    LearningRoute,
    Level,
    LiteracySupport,
    MessageKind,
    OrganisationKind,
    PartStatus,
    PlanPartKind,
    PlanStatus,
    QuestionStatus,
    ReminderKind,
    ReminderStatus,
    StaffRole,
    TargetGroup,
    TaskStatus,
)
from storage.types import UTCDateTime, utcnow

BigInt = BigInteger().with_variant(Integer, "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING


def one_of(column: str, values: type[StrEnum], *, nullable: bool = False) -> CheckConstraint:
    """A check constraint that keeps a string column within an enum's values."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    condition = f"{column} IN ({allowed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=column)


def fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True):
    """An integer foreign-key column (SQLModel needs a fresh Column per field)."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


def moment(*, nullable: bool = True, index: bool = False):
    """A UTC-aware datetime column."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Timestamped(SQLModel):
    """Columns every table has."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )


class Organisation(Timestamped, table=True):
    __table_args__ = (one_of("kind", OrganisationKind),)

    key: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    default_locale: str = Field(default="nl", max_length=10)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    desk: str = Field(default="", max_length=300)


class OrganisationMunicipality(Timestamped, table=True):
    """A municipality an organisation serves (its staff reach that municipality's clients)."""

    __tablename__ = "organisation_municipality"
    __table_args__ = (UniqueConstraint("organisation_id", "municipality"),)

    organisation_id: int = fk("organisation.id")
    municipality: str = Field(max_length=100, index=True)


class Staff(Timestamped, table=True):
    __table_args__ = (one_of("role", StaffRole),)

    key: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    organisation_id: int = fk("organisation.id", ondelete="RESTRICT")
    role: str = Field(default=StaffRole.CASEWORKER, max_length=20)
    telegram_user_id: int | None = Field(default=None, unique=True, sa_type=BigInt)
    telegram_username: str | None = Field(default=None, max_length=64)
    login: str | None = Field(default=None, max_length=200, unique=True)
    password_hash: str | None = Field(default=None, max_length=300)
    totp_secret: str | None = Field(default=None, max_length=64)
    # The 30-second step of the last accepted code: a code is never accepted twice (RFC 6238).
    totp_last_step: int | None = Field(default=None, sa_type=BigInt)
    failed_logins: int = 0
    locked_until: datetime | None = moment()
    # A first password an administrator set (or reset): changed by its owner at the next login.
    must_change_password: bool = False
    locale: str = Field(default="nl", max_length=10)
    active: bool = True
    away_until: date | None = None
    substitute_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL", index=False)


class Client(Timestamped, table=True):
    __table_args__ = (
        one_of("target_group", TargetGroup),
        one_of("literacy_support", LiteracySupport),
        one_of("status", ClientStatus),
    )

    ref: str = Field(max_length=64, unique=True)
    first_name: str = Field(max_length=100)
    municipality: str = Field(max_length=100, index=True)
    caseworker_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL")
    social_guide_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL", index=False)
    target_group: str = Field(default=TargetGroup.ASYLUM_PERMIT_HOLDER, max_length=30)
    locale: str | None = Field(default=None, max_length=10)
    literacy_support: str = Field(default=LiteracySupport.TEXT, max_length=20)
    telegram_chat_id: int | None = Field(default=None, unique=True, sa_type=BigInt)
    telegram_user_id: int | None = Field(default=None, unique=True, sa_type=BigInt)
    status: str = Field(default=ClientStatus.INVITED, max_length=20, index=True)
    consent_at: datetime | None = moment()
    linked_at: datetime | None = moment()
    remind_appointments: bool = True
    remind_tasks: bool = True
    remind_deadlines: bool = True
    weekly_digest: bool = False
    show_dutch: bool = False
    quiet_hours: str | None = Field(default=None, max_length=20)
    integration_start: date | None = None
    integration_end: date | None = None
    # What the bot waits for from this client next (e.g. a reason typed after "I cannot come").
    # Kept in the database, not in memory, so that several bot processes agree.
    awaiting: str | None = Field(default=None, max_length=60)
    # Common Ground (docs/common-ground.md): the client's party in Open Klant and their
    # inburgering zaak, as UUIDs delivered with the client record. Never a BSN.
    party_uuid: str | None = Field(default=None, max_length=36)
    zaak_uuid: str | None = Field(default=None, max_length=36)
    # The digest of the import record this client's plan, exams, appointments and tasks were
    # last written from; any other change to those rows is noted in import_change
    # (storage/import_digest.py). Not personal data: a hash of a record that holds no BSN.
    import_digest: str | None = Field(default=None, max_length=import_digest.LENGTH)


class Invite(Timestamped, table=True):
    __table_args__ = (
        CheckConstraint("(client_id IS NULL) <> (staff_id IS NULL)", name="for_client_or_staff"),
        one_of("origin", InviteOrigin),
    )

    code_hash: str = Field(max_length=128, unique=True)
    client_id: int | None = fk("client.id", nullable=True)
    staff_id: int | None = fk("staff.id", nullable=True)
    created_by_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL", index=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = moment()
    failed_attempts: int = 0
    # Who asked for it: a caseworker (console, back-office) or the municipal portal after DigiD.
    origin: str = Field(default=InviteOrigin.CASEWORKER, max_length=20)


class LinkFailure(Timestamped, table=True):
    """A wrong invitation code typed in a chat; counted to slow down guessing."""

    __tablename__ = "link_failure"
    __table_args__ = (Index("ix_link_failure_chat_at", "chat_id", "created_at"),)

    chat_id: int = Field(sa_type=BigInt)


class Visitor(Timestamped, table=True):
    """A private chat that has not linked yet: only the language it chose is kept."""

    chat_id: int = Field(sa_type=BigInt, unique=True)
    locale: str = Field(max_length=10)


class ImportChange(SQLModel, table=True):
    """A change to a client's imported rows by another path than the import, noted by the
    database (storage/import_digest.py): the next import compares that client again."""

    __tablename__ = "import_change"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(index=True)  # no foreign key: a note waits on no client's lock


class ImportRunning(SQLModel, table=True):
    """A row while a transaction imports, seen by that transaction only: its own writes are not
    noted as changes (storage/import_digest.py)."""

    __tablename__ = "import_running"
    id: int | None = Field(default=None, primary_key=True)


class SendPace(Timestamped, table=True):
    """The next free moment to send on a shared budget (Telegram's 30 messages a second).

    Every dispatcher process claims its send slots here, so together they keep to the rate
    (storage/pace.py). `next_at` is in seconds since the epoch (UTC).
    """

    __tablename__ = "send_pace"
    key: str = Field(max_length=40, unique=True)
    next_at: float = Field(default=0.0)


class AudioClip(Timestamped, table=True):
    """A voice message made once per text, language and voice, and Telegram's id to send it again.

    `key` is a hash of (language, voice, spoken text); the text itself is not kept. `message_id`
    and `values_hash` name the message a municipality could record instead (docs/audio.md).
    """

    __tablename__ = "audio_clip"
    key: str = Field(max_length=64, unique=True)
    message_id: str = Field(max_length=40)
    values_hash: str = Field(max_length=16)
    locale: str = Field(max_length=10)
    voice: str = Field(max_length=120)
    computer_voice: bool = Field(default=False)
    seconds: float = Field(default=0.0)
    file_id: str | None = Field(default=None, max_length=255)
    uses: int = Field(default=0)


class Plan(Timestamped, table=True):
    __table_args__ = (
        UniqueConstraint("client_id", "version"),
        one_of("status", PlanStatus),
        one_of("learning_route", LearningRoute),
        one_of("target_level", Level),
        one_of("map_intensity", Intensity),
        one_of("pvt_intensity", Intensity),
    )

    client_id: int = fk("client.id")
    version: int = 1
    status: str = Field(default=PlanStatus.ESTABLISHED, max_length=20)
    decision_date: date
    period_start: date
    period_end: date
    extended_until: date | None = None
    learning_route: str = Field(max_length=20)
    target_level: str = Field(default=Level.B1, max_length=2)
    lowered_to_a2: bool = False
    lowered_at: date | None = None
    route_switch_deadline: date | None = None
    map_applies: bool = True
    map_intensity: str = Field(default=Intensity.REGULAR, max_length=20)
    pvt_intensity: str = Field(default=Intensity.REGULAR, max_length=20)
    ontzorgen_applies: bool = False
    ontzorgen_until: date | None = None
    childcare_arranged: bool = False
    travel_costs_covered: bool = False
    monitoring: str = Field(default="", max_length=1000)
    summary: str = Field(default="", max_length=2000)


class PlanPart(Timestamped, table=True):
    __tablename__ = "plan_part"
    __table_args__ = (
        UniqueConstraint("plan_id", "external_id"),
        one_of("kind", PlanPartKind),
        one_of("status", PartStatus),
    )

    plan_id: int = fk("plan.id")
    external_id: str = Field(max_length=64)
    kind: str = Field(max_length=30)
    title: str = Field(max_length=200)
    required: bool = True
    planned_hours: int | None = None
    done_hours: int | None = None
    status: str = Field(default=PartStatus.PLANNED, max_length=20)
    target_date: date | None = None
    provider: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=500)
    position: int = 0


class ExamAttempt(Timestamped, table=True):
    __tablename__ = "exam_attempt"
    __table_args__ = (
        UniqueConstraint("client_id", "external_id"),
        one_of("component", ExamComponent),
        one_of("level", Level),
        one_of("result", ExamResult),
    )

    client_id: int = fk("client.id")
    external_id: str = Field(max_length=64)
    component: str = Field(max_length=20)
    level: str = Field(default=Level.B1, max_length=2)
    exam_date: date
    place: str = Field(default="", max_length=200)
    result: str = Field(default=ExamResult.PLANNED, max_length=20)


class Appointment(Timestamped, table=True):
    __table_args__ = (
        UniqueConstraint("client_id", "external_id"),
        Index("ix_appointment_client_starts", "client_id", "starts_at"),
        one_of("kind", AppointmentKind),
        one_of("status", AppointmentStatus),
        one_of("client_response", ClientResponse),
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
    )

    client_id: int = fk("client.id", index=False)
    external_id: str = Field(max_length=64)
    staff_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL")
    kind: str = Field(max_length=30)
    title: str = Field(default="", max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime | None = moment()
    interpreter_needed: bool = False
    interpreter_language: str | None = Field(default=None, max_length=10)
    place_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    phone: str = Field(default="", max_length=40)
    video_url: str = Field(default="", max_length=500)
    bring: str = Field(default="", max_length=500)
    status: str = Field(default=AppointmentStatus.PLANNED, max_length=20)
    client_response: str = Field(default=ClientResponse.NONE, max_length=20)
    response_reason: str = Field(default="", max_length=500)
    responded_at: datetime | None = moment()


class Task(Timestamped, table=True):
    __table_args__ = (
        UniqueConstraint("client_id", "external_id"),
        Index("ix_task_client_status_due", "client_id", "status", "due_date"),
        one_of("status", TaskStatus),
        one_of("done_by", ActorKind, nullable=True),
    )

    client_id: int = fk("client.id", index=False)
    external_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=1000)
    due_date: date | None = None
    status: str = Field(default=TaskStatus.OPEN, max_length=20)
    set_by_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL", index=False)
    done_at: datetime | None = moment()
    done_by: str | None = Field(default=None, max_length=20)
    done_by_staff_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL", index=False)
    # A task from the case system's Objects API (external_id "objects:<uuid>"): its link, and
    # when its status is next to be written back there (None: nothing to write back).
    link: str = Field(default="", max_length=500)
    remote_due_at: datetime | None = moment(index=True)
    remote_attempts: int = 0


class Question(Timestamped, table=True):
    __table_args__ = (
        Index("ix_question_status_activity", "status", "last_activity_at"),
        Index("ix_question_client_status", "client_id", "status"),
        one_of("status", QuestionStatus),
    )

    client_id: int = fk("client.id", index=False)
    status: str = Field(default=QuestionStatus.OPEN, max_length=20)
    assigned_staff_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL")
    topic_id: int | None = Field(default=None, sa_type=BigInt)
    appointment_id: int | None = fk(
        "appointment.id", nullable=True, ondelete="SET NULL", index=False
    )
    task_id: int | None = fk("task.id", nullable=True, ondelete="SET NULL", index=False)
    first_client_message_at: datetime | None = moment()
    first_answer_at: datetime | None = moment()
    last_activity_at: datetime | None = moment()
    seen_at: datetime | None = moment()
    closed_at: datetime | None = moment()
    overdue_flagged_at: datetime | None = moment()
    # Since when the client waits for an answer (their first message after the last answer).
    waiting_since: datetime | None = moment()
    # The "your caseworker has seen your question" notice goes out once per question.
    seen_notified_at: datetime | None = moment()
    # The header card of this question in the staff chat (replies to it map back here).
    staff_chat_id: int | None = Field(default=None, sa_type=BigInt)
    staff_header_message_id: int | None = Field(default=None, sa_type=BigInt)


class Message(Timestamped, table=True):
    __table_args__ = (
        Index("ix_message_question", "question_id", "id"),
        Index("ix_message_staff_message", "staff_chat_id", "staff_message_id"),
        one_of("direction", Direction),
        one_of("kind", MessageKind),
    )

    question_id: int = fk("question.id", index=False)
    direction: str = Field(max_length=20)
    kind: str = Field(default=MessageKind.TEXT, max_length=20)
    text: str | None = Field(default=None, max_length=4096)
    file_id: str | None = Field(default=None, max_length=300)
    staff_id: int | None = fk("staff.id", nullable=True, ondelete="SET NULL", index=False)
    internal: bool = False
    client_message_id: int | None = Field(default=None, sa_type=BigInt)
    staff_chat_id: int | None = Field(default=None, sa_type=BigInt)
    staff_message_id: int | None = Field(default=None, sa_type=BigInt)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime | None = moment()
    erased_at: datetime | None = moment()
    media_group_id: str | None = Field(default=None, max_length=64)  # an album's photos
    # A staff member edited a sent message: the correction is a message of its own.
    correction_of_id: int | None = fk("message.id", nullable=True, ondelete="SET NULL", index=False)
    # Undelivered messages are sent again from next_attempt_at on (None: nothing to send).
    delivery_attempts: int = 0
    next_attempt_at: datetime | None = moment(index=True)
    delivery_error: str | None = Field(default=None, max_length=60)
    # Machine translation (casework/translation.py): the original stays in `text`; the
    # translation, its engine and model version sit beside it, erased with it.
    translation: str | None = Field(default=None, max_length=8192)
    translation_status: str | None = Field(default=None, max_length=20)
    translation_source: str | None = Field(default=None, max_length=10)
    translation_target: str | None = Field(default=None, max_length=10)
    translation_engine: str | None = Field(default=None, max_length=40)
    translation_model: str | None = Field(default=None, max_length=120)
    translation_at: datetime | None = moment()
    translation_attempts: int = 0
    # The translation job works on the message from then on (None: nothing to do).
    translation_next_at: datetime | None = moment(index=True)
    # When the translation (or "no machine translation") reached the other side.
    translation_shown_at: datetime | None = moment()
    # The staff-chat note "machine translation follows", edited when it is there.
    translation_note_id: int | None = Field(default=None, sa_type=BigInt)


class StaffTopic(Timestamped, table=True):
    """A client's topic in the Telegram staff chat, reused across their questions.

    The row is claimed before createForumTopic: the unique (chat, client) pair and the claim
    lease keep two processes from creating two topics for one client.
    """

    __tablename__ = "staff_topic"
    __table_args__ = (
        UniqueConstraint("chat_id", "client_id"),
        Index("ix_staff_topic_thread", "chat_id", "topic_id"),
    )

    chat_id: int = Field(sa_type=BigInt)
    client_id: int = fk("client.id", index=False)
    topic_id: int | None = Field(default=None, sa_type=BigInt)
    title: str = Field(default="", max_length=128)
    claimed_by: str | None = Field(default=None, max_length=80)
    claim_until: datetime | None = moment()


class Reminder(Timestamped, table=True):
    __table_args__ = (
        Index("ix_reminder_status_available", "status", "available_at"),
        Index("ix_reminder_client_status", "client_id", "status"),
        Index("ix_reminder_kind_subject", "kind", "subject_id"),
        one_of("kind", ReminderKind),
        one_of("status", ReminderStatus),
    )

    client_id: int = fk("client.id", index=False)
    kind: str = Field(max_length=20)
    subject_id: int | None = None
    dedup_key: str = Field(max_length=120, unique=True)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    event_at: datetime | None = moment()
    available_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default=ReminderStatus.PENDING, max_length=20)
    lease_until: datetime | None = moment()
    claimed_by: str | None = Field(default=None, max_length=80)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    # Why a reminder was skipped or cancelled (a short code such as "event_passed").
    reason: str | None = Field(default=None, max_length=60)
    sent_at: datetime | None = moment()
    telegram_message_id: int | None = Field(default=None, sa_type=BigInt)


class CaseContact(Timestamped, table=True):
    """The outbox of contact moments for the case system (Open Klant's klantcontacten).

    One row per relayed client message or answer (`kind`), written when the desk publishes the
    act and sent by casework/contacts.py with retries. `key` is sent along (as the klantcontact's
    referentienummer) so that a retry after an unclear failure finds the earlier one instead of
    making a second. No text is copied here: it is read from the message when sent.
    """

    __tablename__ = "case_contact"
    __table_args__ = (one_of("status", ContactStatus), one_of("kind", ContactKind))

    client_id: int = fk("client.id")
    message_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("message.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    question_id: int = fk("question.id")
    kind: str = Field(max_length=20)
    key: str = Field(max_length=10, unique=True)
    status: str = Field(default=ContactStatus.PENDING, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = moment(index=True)
    last_error: str | None = Field(default=None, max_length=200)
    remote_uuid: str | None = Field(default=None, max_length=36)
    task_uuid: str | None = Field(default=None, max_length=36)
    queued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = moment()


class AuditEvent(Timestamped, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_subject", "subject_kind", "subject_id"),
        Index("ix_audit_event_actor", "actor_kind", "actor_id"),
        one_of("actor_kind", ActorKind),
    )

    actor_kind: str = Field(max_length=20)
    actor_id: int | None = None
    action: str = Field(max_length=60)
    subject_kind: str = Field(default="", max_length=30)
    subject_id: int | None = None
    client_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="", max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class StaffSession(Timestamped, table=True):
    """A back-office session, kept server-side: the cookie holds only a random id, of which
    this row keeps a SHA-256 hash. Revoking the row ends the session wherever the cookie is;
    a revoked row never comes back (docs/security.md, V3)."""

    __tablename__ = "staff_session"

    token_hash: str = Field(max_length=64, unique=True)
    staff_id: int | None = fk("staff.id", nullable=True, ondelete="CASCADE")
    stage: str = Field(default="anonymous", max_length=20)
    # CSRF token, language, flashes, the pending second-factor seed, the OIDC attempt.
    data: dict[str, object] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    address: str = Field(default="", max_length=64)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    seen_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    revoked_at: datetime | None = moment()


class PortalKey(Timestamped, table=True):
    """A key with which an organisation's resident portal signs its calls (docs/portal.md).

    The secret is kept as issued: an HMAC check needs it (docs/portal.md says why that is
    accepted). Several keys of one organisation may be live at once, for rotation.
    """

    __tablename__ = "portal_key"

    key_id: str = Field(max_length=40, unique=True)
    organisation_id: int = fk("organisation.id")
    secret: str = Field(max_length=100)
    label: str = Field(default="", max_length=100)
    revoked_at: datetime | None = moment()
    last_used_at: datetime | None = moment()


class PortalNonce(Timestamped, table=True):
    """A nonce a portal key used: a second request with it is a replay (every process sees it).
    Counted per key over the last minute for the rate limit; dropped after the replay window."""

    __tablename__ = "portal_nonce"
    __table_args__ = (
        UniqueConstraint("key_id", "nonce"),
        Index("ix_portal_nonce_key_seen", "key_id", "seen_at"),
    )

    key_id: str = Field(max_length=40)
    nonce: str = Field(max_length=64)
    seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


event.listen(SQLModel.metadata, "after_create", import_digest.create_triggers)
