"""The outbox dispatcher: claim due reminders, re-check them, render, send, mark.

One round (`Dispatcher.run_once`):
1. claim up to `dispatch_batch_size` due rows atomically with a lease (storage/reminders.py);
2. load their clients and subjects and re-check each at send time (`decide`): the client is
   active, linked and agreed, wants this kind of reminder, the appointment is still planned and
   not started, the task still open, the event not passed, and it is not night for the client;
3. render in the client's language (texts/render/reminders.py) and send through the client channel
   (casework/ports.py; the composition root hands in the Telegram one), concurrently (a bounded
   `asyncio.gather`, one chat's reminders in order) and, when the bot is rate limited, paced
   just under Telegram's 30 messages a second in total over all dispatcher processes: each send
   claims its slot from a budget row in the database (`SharedPacer`, storage/pace.py), so three
   processes send no faster than one;
4. mark every row in one transaction: sent (with the message id), skipped (with a reason),
   pending again (429: after retry_after, not counted as a failed attempt; 5xx and time-outs:
   exponential backoff), failed (with the error class and Telegram's description, never the
   message text) or, on 403, the client becomes `blocked_bot` and all their waiting reminders
   are cancelled.
`Dispatcher.drain` repeats rounds until nothing is due; the periodic job (scheduler/jobs.py)
starts a drain every INBURGERBOT_DISPATCH_INTERVAL_SECONDS unless one is still running.

Delivery is at least once. A lease that runs out is claimed again, so a crash between claim and
send delays a reminder by at most a lease plus one tick but never drops it. The price is a
possible duplicate: when the process dies after Telegram accepted a message but before the
batch's marks were committed, the row is still `claimed` and is sent again after its lease. That
window is small: it holds only the batch in flight (at most `dispatch_batch_size` messages, about
1.7 s of sending at Telegram's rate) and the marks are written in one short transaction right
after the batch. A mark only applies while the claim is still ours (same claimer and lease), so a
re-planned or re-claimed row is never overwritten by a late dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from casework import blocking
from casework.planning import PlanningRules
from casework.ports import ChannelError, ClientChannel, ErrorKind, Listen
from casework.timewindows import QuietHours
from storage import pace
from storage import reminders as reminder_rows
from storage.enums import (
    AppointmentStatus,
    ClientStatus,
    PlanStatus,
    ReminderKind,
    ReminderStatus,
    TaskStatus,
)
from storage.models import Client
from storage.reminders import Batch, Claimed, Mark
from texts.render.reminders import Contact, Subject, can_render, render, speakable
from texts.speakable import REMINDER

if TYPE_CHECKING:
    from casework.clock import Clock
    from casework.settings import Settings
    from storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# Enough to keep Telegram's 30/s busy over a real network; more only makes httpx's pool slower.
SEND_CONCURRENCY = 16
# Under Telegram's 30 messages a second, evenly spaced, with room for requests that bunch up on
# their way (a busy host or network delays some, then several arrive together): at 28.5/s a
# strict one-second window saw 31 from three processes on a loaded CI machine. AIORateLimiter's
# bucket would allow a burst of 30 on top of the steady rate, so it is not used for this.
SAFE_RATE = 25.0
# A send that wakes more than half an interval after its shared slot takes a new one, this often.
LATE_RECLAIMS = 3
DIGEST_WINDOW = timedelta(days=7)
PREFERENCES = {
    ReminderKind.APPOINTMENT: "remind_appointments",
    ReminderKind.TASK: "remind_tasks",
    ReminderKind.DEADLINE: "remind_deadlines",
    ReminderKind.DIGEST: "weekly_digest",
}


# -- rules (plain functions, tested without Telegram) -----------------------------------------


@dataclass(frozen=True)
class Send:
    """Go ahead."""


@dataclass(frozen=True)
class Skip:
    """Do not send, ever; the reason is stored."""

    reason: str


@dataclass(frozen=True)
class Defer:
    """Not now: try again at `until` (quiet hours at send time)."""

    until: datetime
    reason: str


Decision = Send | Skip | Defer


def decide(
    subject: Subject | None,
    reminder: Claimed,
    *,
    now: datetime,
    quiet: QuietHours,
    rules: PlanningRules,
) -> Decision:
    """Whether a claimed reminder should go out now, checked against the rows as they are now."""
    if subject is None:
        return Skip("client_gone")
    client = subject.client
    if client.status != ClientStatus.ACTIVE:
        return Skip(f"client_{client.status}")
    if client.telegram_chat_id is None:
        return Skip("no_chat")
    if client.consent_at is None:
        return Skip("no_consent")
    preference = PREFERENCES.get(ReminderKind(reminder.kind))
    if preference is not None and not getattr(client, preference):
        return Skip("turned_off")
    if not can_render(reminder.kind):
        return Skip("unsupported_kind")
    if reminder.event_at is not None and reminder.event_at <= now:
        return Skip("event_passed")
    subject_check = _subject_decision(subject, reminder, now=now)
    if subject_check is not None:
        return subject_check
    if quiet.contains(now, rules.zone):
        until = quiet.end_after(now, rules.zone)
        if reminder.event_at is not None and until >= reminder.event_at:
            return Skip("quiet_hours")
        return Defer(until, "quiet_hours")
    return Send()


def _subject_decision(subject: Subject, reminder: Claimed, *, now: datetime) -> Decision | None:
    kind = reminder.kind
    if kind == ReminderKind.APPOINTMENT:
        appointment = subject.appointment
        if appointment is None:
            return Skip("subject_gone")
        if appointment.status != AppointmentStatus.PLANNED:
            return Skip(f"appointment_{appointment.status}")
        if appointment.starts_at <= now:
            return Skip("event_passed")
    elif kind == ReminderKind.TASK:
        if subject.task is None:
            return Skip("subject_gone")
        if subject.task.status != TaskStatus.OPEN:
            return Skip(f"task_{subject.task.status}")
        if subject.task.due_date is None:
            return Skip("no_due_date")
    elif kind == ReminderKind.DEADLINE:
        if subject.plan is None:
            return Skip("subject_gone")
        if subject.plan.status not in (PlanStatus.ESTABLISHED, PlanStatus.REVISED):
            return Skip("plan_not_in_force")
    elif kind == ReminderKind.DIGEST and not (subject.week_appointments or subject.week_tasks):
        return Skip("nothing_to_tell")
    return None


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, ... capped at an hour."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_CAP)


def error_text(error: BaseException) -> str:
    """What is stored of a failed send: the channel's safe text, else the error's class."""
    if isinstance(error, ChannelError):
        return error.error[:500]
    return type(error).__name__


@dataclass(frozen=True)
class Retry:
    until: datetime
    attempts: int
    error: str


@dataclass(frozen=True)
class Fail:
    attempts: int
    error: str


@dataclass(frozen=True)
class Blocked:
    attempts: int
    error: str


def after_error(error: Exception, *, attempts: int, now: datetime) -> Retry | Fail | Blocked:
    """What a failed send means for the row: 429 waits, 403 blocks, 400 fails, others back off.

    The kind comes from the channel (bot/telegram_errors.py sorts Telegram's errors); an error
    the channel did not sort counts as transient."""
    text = error_text(error)
    kind = error.kind if isinstance(error, ChannelError) else ErrorKind.TRANSIENT
    if kind == ErrorKind.RATE_LIMITED:
        assert isinstance(error, ChannelError)
        return Retry(now + (error.retry_after or timedelta(seconds=1)), attempts, text)
    if kind == ErrorKind.BLOCKED:
        return Blocked(attempts + 1, text)
    if kind == ErrorKind.REFUSED:  # the same request would fail again
        return Fail(attempts + 1, text)
    attempts += 1  # 5xx, time-outs, dropped connections: maybe better in a while
    if attempts >= MAX_ATTEMPTS:
        return Fail(attempts, text)
    return Retry(now + backoff(attempts), attempts, text)


# -- the dispatcher ----------------------------------------------------------------------------


class Pacer:
    """Spaces sends evenly at a rate (None: no pacing)."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SharedPacer:
    """Spaces sends evenly at a rate shared by every process on the database.

    Each send claims the next free slot from the budget row (one short transaction) and sleeps
    until it starts: the processes take turns through the row, not each at its own pace.
    """

    def __init__(
        self,
        db: Database,
        per_second: float,
        *,
        key: str = pace.TELEGRAM,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.interval = 1.0 / per_second
        self.key = key
        self.now = now

    async def wait(self) -> None:
        for _ in range(LATE_RECLAIMS + 1):
            async with self.db.transaction() as session:
                slot = await pace.claim(
                    session, key=self.key, now=self.now(), interval=self.interval
                )
            delay = slot - self.now()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.now() - slot <= self.interval / 2:
                return
            # Woken late (a busy machine): sent now, this message would crowd the next slots'
            # messages into one second. The slot is given up and a fresh one taken.


@dataclass
class Tally:
    """What rounds did, by outcome (for logs and the benchmark)."""

    counts: Counter[str] = field(default_factory=Counter)
    rounds: int = 0

    @property
    def claimed(self) -> int:
        return self.counts["claimed"]

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.rounds += other.rounds


@dataclass(frozen=True)
class _Prepared:
    """A claimed batch with what it is about, ready to send."""

    claimed: Sequence[Claimed]
    batch: Batch
    weeks: dict[int, reminder_rows.Week]
    lease_until: datetime


class Dispatcher:
    """Claims, re-checks, renders, sends and marks reminders; one per process."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        rules: PlanningRules,
        instance: str,
        rate_per_second: float | None = None,
        concurrency: int = SEND_CONCURRENCY,
        send_timeout: float | None = None,
        shared_pace: bool = True,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.rules = rules
        # Processes started the same way may share a host name and an object id; the pid keeps
        # their claims apart.
        self.claimer = f"{instance}/{os.getpid()}"[-80:]
        # With a rate: one budget for every process on this database (or, for tests, this one).
        self.pacer: Pacer | SharedPacer = (
            SharedPacer(db, rate_per_second)
            if rate_per_second and shared_pace
            else Pacer(rate_per_second)
        )
        self.concurrency = concurrency
        self.send_timeout = send_timeout
        self.lease = timedelta(seconds=settings.reminder_lease_seconds)
        # Do not start a send in the last part of a lease: another dispatcher may take it over.
        self.margin = min(timedelta(seconds=5), self.lease / 4)
        self.contact = Contact(settings.team_phone, settings.team_email)
        self.busy = False
        self.idle = asyncio.Event()  # set while no drain runs (for whoever must wait for one)
        self.idle.set()
        self.blocked_clients: set[int] = set()  # blocked during this drain (403)
        # This process's writes go one at a time: on SQLite, writers of one process that wait
        # for each other in SQLite's busy handler sleep far longer than they need to.
        self.writing = asyncio.Lock()

    async def drain(
        self, channel: ClientChannel, *, should_stop: Callable[[], bool] = lambda: False
    ) -> Tally:
        """Run rounds until nothing is due (or until asked to stop); never raises.

        The next batch is claimed and loaded while the current one is being sent, so Telegram
        is kept busy between batches. Only the batch being sent can be duplicated by a crash;
        the one claimed ahead was not sent yet and simply goes out after its lease.
        """
        total = Tally()
        if self.busy:
            return total
        self.busy = True
        self.idle.clear()
        self.blocked_clients = set()
        ahead: asyncio.Task[_Prepared | None] | None = None
        try:
            prepared = await self._prepare()
            total.rounds += 1
            while prepared is not None:
                if not should_stop():
                    ahead = asyncio.create_task(self._prepare())
                total.add(await self._deliver(channel, prepared))
                prepared, ahead = (await ahead if ahead else None), None
                total.rounds += 1
        except Exception:
            log.exception("dispatch round failed; the next tick tries again")
        finally:
            if ahead is not None:
                ahead.cancel()  # its rows, if claimed, go out after their lease
            self.busy = False
            self.idle.set()
        return total

    async def run_once(self, channel: ClientChannel) -> Tally:
        """Claim one batch, send it and mark it."""
        prepared = await self._prepare()
        tally = Tally(rounds=1)
        if prepared is not None:
            tally.add(await self._deliver(channel, prepared))
        return tally

    async def _prepare(self) -> _Prepared | None:
        """Claim a batch and load what it is about."""
        now = self.clock.now()
        lease_until = now + self.lease
        async with self.writing, self.db.transaction() as session:
            claimed = await reminder_rows.claim(
                session,
                now=now,
                lease_until=lease_until,
                claimer=self.claimer,
                limit=self.settings.dispatch_batch_size,
            )
        if not claimed:
            return None
        async with self.db.reading() as session:
            batch = await reminder_rows.load_batch(session, reminders=claimed)
            weeks = await self._weeks(session, batch, now)
        return _Prepared(claimed, batch, weeks, lease_until)

    async def _deliver(self, channel: ClientChannel, prepared: _Prepared) -> Tally:
        """Send a claimed batch and mark it."""
        claimed = prepared.claimed
        tally = Tally()
        tally.counts["claimed"] = len(claimed)
        run = _Round(self, channel, prepared.batch, prepared.weeks, prepared.lease_until)
        marks = await run.send_all()
        async with self.writing, self.db.transaction() as session:
            await reminder_rows.apply_marks(session, marks=marks, claimer=self.claimer)
        done = [*marks, *run.written]
        tally.counts.update(str(mark.status) for mark in done)
        tally.counts["left"] = len(claimed) - len(done)
        log.info(
            "dispatched %d: %s",
            len(claimed),
            ", ".join(f"{k}={v}" for k, v in sorted(tally.counts.items()) if k != "claimed" and v),
        )
        return tally

    async def _weeks(
        self, session: Any, batch: Batch, now: datetime
    ) -> dict[int, reminder_rows.Week]:
        weeks = {}
        for reminder in batch.reminders:
            if reminder.kind == ReminderKind.DIGEST and reminder.client_id not in weeks:
                weeks[reminder.client_id] = await reminder_rows.week_of(
                    session, client_id=reminder.client_id, start=now, end=now + DIGEST_WINDOW
                )
        return weeks

    def listen_hint(self, subject: Subject, now: datetime) -> Listen | None:
        """🔊 Listen under appointment and task reminders: the channel adds the button where
        there is audio in the client's language (a press reads the reminder as it reads then)."""
        spoken = speakable(subject, now, self.contact)
        return None if spoken is None else Listen(REMINDER, subject.reminder.id, spoken)


class _Round:
    """One claimed batch on its way out."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        channel: ClientChannel,
        batch: Batch,
        weeks: dict[int, reminder_rows.Week],
        lease_until: datetime,
    ) -> None:
        self.d = dispatcher
        self.channel = channel
        self.batch = batch
        self.weeks = weeks
        self.lease_until = lease_until
        self.marks: list[Mark] = []
        self.blocked: set[int] = set()
        self.written: list[Mark] = []  # marks written at once (403), not with the batch
        self.blocking: list[tuple[Mark, int]] = []  # 403s waiting for their transaction

    async def send_all(self) -> list[Mark]:
        by_client: dict[int, list[Claimed]] = defaultdict(list)
        for reminder in self.batch.reminders:
            by_client[reminder.client_id].append(reminder)
        gate = asyncio.Semaphore(self.d.concurrency)

        async def one_chat(reminders: Sequence[Claimed]) -> None:
            async with gate:
                for reminder in sorted(reminders, key=lambda r: (r.available_at, r.id)):
                    await self.one(reminder)

        await asyncio.gather(*(one_chat(group) for group in by_client.values()))
        return self.marks

    def subject(self, reminder: Claimed) -> Subject | None:
        client: Client | None = self.batch.clients.get(reminder.client_id)
        if client is None:
            return None
        subject_id = reminder.subject_id or 0
        week = self.weeks.get(reminder.client_id)
        appointment = (
            self.batch.appointments.get(subject_id)
            if reminder.kind == ReminderKind.APPOINTMENT
            else None
        )
        return Subject(
            reminder=reminder,
            client=client,
            appointment=appointment,
            task=self.batch.tasks.get(subject_id) if reminder.kind == ReminderKind.TASK else None,
            plan=self.batch.plans.get(subject_id)
            if reminder.kind == ReminderKind.DEADLINE
            else None,
            staff_name=(
                self.batch.staff_names.get(appointment.staff_id)
                if appointment is not None and appointment.staff_id is not None
                else None
            ),
            week_appointments=week.appointments if week else (),
            week_tasks=week.tasks if week else (),
        )

    def mark(self, reminder: Claimed, status: str, **values: Any) -> None:
        values.setdefault("attempts", reminder.attempts)
        values.setdefault("available_at", reminder.available_at)
        self.marks.append(Mark(reminder.id, self.lease_until, status, **values))

    async def one(self, reminder: Claimed) -> None:
        """Re-check, render, send and record the outcome of one reminder."""
        if reminder.client_id in self.blocked or reminder.client_id in self.d.blocked_clients:
            self.mark(reminder, ReminderStatus.CANCELLED, reason="blocked_bot")
            return
        now = self.d.clock.now()
        if now >= self.lease_until - self.d.margin:
            return  # left claimed: the lease runs out and a later round takes it
        subject = self.subject(reminder)
        quiet = self.d.rules.quiet_for(subject.client) if subject else self.d.rules.default_quiet
        decision = decide(subject, reminder, now=now, quiet=quiet, rules=self.d.rules)
        if isinstance(decision, Skip):
            self.mark(reminder, ReminderStatus.SKIPPED, reason=decision.reason)
            return
        if isinstance(decision, Defer):
            self.mark(
                reminder,
                ReminderStatus.PENDING,
                available_at=decision.until,
                reason=decision.reason,
            )
            return
        assert subject is not None and subject.client.telegram_chat_id is not None
        try:
            outgoing = render(
                subject,
                now=now,
                zone=self.d.rules.zone,
                default_locale=self.d.settings.default_locale,
                contact=self.d.contact,
            )
        except Exception as exc:
            log.exception("reminder %s could not be rendered", reminder.id)
            self.mark(
                reminder, ReminderStatus.FAILED, last_error=f"RenderError: {type(exc).__name__}"
            )
            return
        await self.d.pacer.wait()
        try:
            message_id = await self.channel.send(
                subject.client.telegram_chat_id,
                outgoing.text,
                buttons=outgoing.markup,
                send_timeout=self.d.send_timeout,
                listen=self.d.listen_hint(subject, now),
                locale=subject.client.locale or self.d.settings.default_locale,
            )
        except Exception as exc:
            await self.after(reminder, exc)
            return
        self.mark(
            reminder,
            ReminderStatus.SENT,
            sent_at=self.d.clock.now(),
            telegram_message_id=message_id,
            last_error=reminder.last_error,
        )

    async def block_now(self, failed: Mark, client_id: int) -> None:
        """At once, not with the batch: nothing more may go to this chat from any dispatcher.

        403s that arrive while one is being written are written together in the next
        transaction, so a burst of them does not queue up one transaction each.
        """
        self.blocking.append((failed, client_id))
        self.d.blocked_clients.add(client_id)
        async with self.d.writing:
            if not self.blocking:
                return  # written by the one before us
            due, self.blocking = self.blocking, []
            async with self.d.db.transaction() as session:
                await reminder_rows.apply_marks(
                    session, marks=[mark for mark, _ in due], claimer=self.d.claimer
                )
                await blocking.block(session, client_ids=[client_id for _, client_id in due])

    async def after(self, reminder: Claimed, error: Exception) -> None:
        outcome = after_error(error, attempts=reminder.attempts, now=self.d.clock.now())
        if isinstance(outcome, Retry):
            self.mark(
                reminder,
                ReminderStatus.PENDING,
                available_at=outcome.until,
                attempts=outcome.attempts,
                last_error=outcome.error,
            )
        elif isinstance(outcome, Blocked):
            log.info("client %s blocked the bot (reminder %s)", reminder.client_id, reminder.id)
            self.blocked.add(reminder.client_id)
            failed = Mark(
                reminder.id,
                self.lease_until,
                ReminderStatus.FAILED,
                attempts=outcome.attempts,
                available_at=reminder.available_at,
                last_error=outcome.error,
                reason="blocked_bot",
            )
            self.written.append(failed)
            await self.block_now(failed, reminder.client_id)
        else:
            log.warning(
                "reminder %s failed after %d attempts: %s",
                reminder.id,
                outcome.attempts,
                type(error).__name__,
            )
            self.mark(
                reminder, ReminderStatus.FAILED, attempts=outcome.attempts, last_error=outcome.error
            )


def for_services(services: Any, *, rate_limited: bool) -> Dispatcher:
    """The dispatcher of a process's services (scheduler/services.py, or the bot's)."""
    return Dispatcher(
        db=services.db,
        clock=services.clock,
        settings=services.settings,
        rules=services.rules,
        instance=services.instance,
        rate_per_second=SAFE_RATE if rate_limited else None,
    )
