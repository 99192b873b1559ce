"""Clients: the list, a client's page (plan, appointments, tasks, link status, reminder history),
appointment and task changes that re-plan reminders and tell the client, invitation codes."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import segno
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from backoffice import notify
from backoffice.i18n import N_
from backoffice.rules import FormProblem, parse_day, parse_local
from backoffice.web import (
    NOT_FOUND,
    Denied,
    Refused,
    audit_read,
    backoffice,
    form_of,
    int_param,
    page,
    redirect,
    render,
    session_of,
    staff_of,
    text_field,
)
from casework import case
from casework.linking import link_origin
from casework.ports import Listen, Outcome
from storage import access, appointments, audit, invites, plans, tasks
from storage import backoffice as queries
from storage import clients as client_queries
from storage import questions as question_queries
from storage import staff as staff_queries
from storage.enums import ActorKind, AppointmentKind, AppointmentStatus, ClientStatus, TaskStatus
from storage.ids import pk
from storage.models import Appointment, Client, Organisation, Task
from texts.i18n import BY_CODE
from texts.render.appointments import KINDS

log = logging.getLogger(__name__)


async def reachable_client(
    session: AsyncSession, request: Request, client_id: int | None
) -> Client:
    """The client, or 404 (and an audit event) when the staff member may not reach them."""
    client = await client_queries.by_id(session, client_id=client_id or 0)
    if client is None:
        raise Refused(404, NOT_FOUND)
    if not await access.can_reach(session, staff=staff_of(request), client=client):
        raise Refused(404, NOT_FOUND, denied=Denied("client", client.id, client_id=client.id))
    return client


def _client_id(request: Request) -> int | None:
    return int_param(request.path_params["client_id"])


def _actor(request: Request) -> case.Actor:
    return case.Actor(ActorKind.STAFF, staff_of(request).id)


@page()
async def client_list(request: Request) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    search = (request.query_params.get("q") or "").strip()[:100] or None
    only_own = request.query_params.get("own") == "1"
    async with bo.db.transaction() as session:
        rows = await client_queries.for_staff(
            session, staff=staff, only_own=only_own, search=search, limit=200
        )
        audit_read(
            session, request, "client.list", subject_kind="", subject_id=None, client_id=None
        )
    return render(
        request,
        "clients.html",
        {"clients": rows, "search": search or "", "only_own": only_own, "languages": BY_CODE},
    )


@page()
async def show(request: Request) -> Response:
    bo = backoffice(request)
    async with bo.db.transaction() as session:
        client = await reachable_client(session, request, _client_id(request))
        context = await _page_context(session, client)
        audit_read(
            session,
            request,
            "client.view",
            subject_kind="client",
            subject_id=client.id,
            client_id=client.id,
        )
    return render(request, "client.html", context)


async def _page_context(session: AsyncSession, client: Client) -> dict[str, object]:
    client_id = pk(client)
    plan = await plans.current(session, client_id=client_id)
    exams = await plans.exams(session, client_id=client_id)
    appointment_rows = await appointments.for_client(session, client_id=client_id)
    task_rows = await tasks.for_client(session, client_id=client_id)
    question_rows = await question_queries.for_client(session, client_id=client_id)
    reminders = await queries.reminders_of_client(session, client_id=client_id)
    people = {client.caseworker_id, client.social_guide_id}
    people |= {a.staff_id for a in appointment_rows}
    names = await queries.staff_names(session, ids={i for i in people if i})
    language = BY_CODE.get(client.locale or "")
    unlinks = await audit.events(session, client_id=client_id, action="client.unlink", limit=1)
    return {
        "client": client,
        "link_origin": await link_origin(session, client=client),
        "last_unlink": unlinks[0] if unlinks else None,
        "plan": plan,
        "exams": exams,
        "appointments": appointment_rows,
        "tasks": task_rows,
        "questions": question_rows,
        "reminders": reminders,
        "names": names,
        "language": language,
        "kinds": [
            (kind.value, KINDS[kind.value][1], KINDS[kind.value][0]) for kind in AppointmentKind
        ],
    }


async def _organisation(session: AsyncSession, request: Request) -> Organisation | None:
    return await staff_queries.organisation(
        session, organisation_id=staff_of(request).organisation_id
    )


def _times(form: FormData, request: Request) -> tuple[datetime, datetime | None]:
    zone = backoffice(request).settings.zone
    day = text_field(form, "date", limit=20)
    starts_at = parse_local(day, text_field(form, "start", limit=10), zone)
    end = text_field(form, "end", limit=10)
    ends_at = parse_local(day, end, zone) if end else None
    if ends_at is not None and ends_at <= starts_at:
        raise FormProblem(N_("The end time must be after the start time."))
    return starts_at, ends_at


async def _tell(
    request: Request,
    client: Client,
    text: notify.ClientText,
    markup: object,
    listen: Listen | None = None,
) -> None:
    """Send the client the news; the caseworker reads whether it arrived."""
    bo = backoffice(request)
    delivery = await notify.tell(bo.channels, client, text, buttons=markup, listen=listen)
    flash = session_of(request).flash
    if delivery.delivered:
        flash(N_("Saved. The client got a message about it."), kind="success")
    elif delivery.outcome == Outcome.NOT_LINKED:
        flash(N_("Saved. The client has no linked Telegram chat, so they were not told."))
    elif delivery.outcome == Outcome.BLOCKED:
        flash(N_("Saved, but the client has blocked the bot and was not told."), kind="error")
    else:
        flash(
            N_("Saved, but Telegram could not be reached. The client was not told."), kind="error"
        )


# The case rules' refusals (casework/case.py), as the caseworker reads them.
CASE_REFUSALS = {
    "only a planned appointment can be moved": N_("Only a planned appointment can be moved."),
    "an appointment cannot end before it starts": N_("The end time must be after the start time."),
    "the appointment is already cancelled": N_("This appointment is already cancelled."),
}


def _problem(request: Request, client_id: int | None, problem: Exception) -> Response:
    message = str(problem)
    if isinstance(problem, case.CaseError):
        message = CASE_REFUSALS.get(message, N_("This change is not possible."))
    session_of(request).flash(message, kind="error")
    return redirect(f"/clients/{client_id}")


async def _appointment_news(
    request: Request,
    session: AsyncSession,
    appointment: Appointment,
    news: notify.AppointmentNews,
) -> notify.ClientText:
    names = await queries.staff_names(
        session, ids={appointment.staff_id} if appointment.staff_id else set()
    )
    return notify.appointment_news_text(
        news,
        appointment,
        staff_name=names.get(appointment.staff_id or 0),
        now=backoffice(request).clock.now(),
        organisation=await _organisation(session, request),
    )


@page()
async def add_appointment(request: Request) -> Response:
    bo, form = backoffice(request), form_of(request)
    client_id = _client_id(request)
    kind = text_field(form, "kind", limit=30)
    try:
        if kind not in {k.value for k in AppointmentKind}:
            raise FormProblem(N_("Choose the kind of appointment."))
        starts_at, ends_at = _times(form, request)
        if starts_at <= bo.clock.now():
            raise FormProblem(N_("The appointment must be in the future."))
        async with bo.db.transaction() as session:
            client = await reachable_client(session, request, client_id)
            draft = case.AppointmentDraft(
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                external_id=f"bo-{secrets.token_hex(6)}",
                title=text_field(form, "title", limit=200),
                staff_id=staff_of(request).id,
                place_name=text_field(form, "place_name", limit=200),
                address=text_field(form, "address", limit=300),
                phone=text_field(form, "phone", limit=40),
                video_url=text_field(form, "video_url", limit=500),
                bring=text_field(form, "bring", limit=500),
            )
            appointment = await case.add_appointment(
                session,
                client=client,
                draft=draft,
                rules=bo.rules,
                now=bo.clock.now(),
                actor=_actor(request),
            )
            text = await _appointment_news(
                request, session, appointment, notify.AppointmentNews.ADDED
            )
    except (FormProblem, case.CaseError) as problem:
        return _problem(request, client_id, problem)
    now = bo.clock.now()
    markup = notify.appointment_keyboard(bo.readers, appointment, client, now)
    listen = await notify.appointment_listen(bo.db, appointment, now)
    await _tell(request, client, text, markup, listen)
    return redirect(f"/clients/{client.id}#appointments")


async def _appointment(session: AsyncSession, request: Request) -> tuple[Client, Appointment]:
    client = await reachable_client(session, request, _client_id(request))
    appointment = await appointments.of_client(
        session,
        client_id=pk(client),
        appointment_id=int_param(request.path_params["appointment_id"]) or 0,
    )
    if appointment is None:
        raise Refused(404, NOT_FOUND)
    return client, appointment


@page()
async def move_appointment(request: Request) -> Response:
    bo, form = backoffice(request), form_of(request)
    client_id = _client_id(request)
    try:
        starts_at, ends_at = _times(form, request)
        if starts_at <= bo.clock.now():
            raise FormProblem(N_("The appointment must be in the future."))
        async with bo.db.transaction() as session:
            client, appointment = await _appointment(session, request)
            await case.move_appointment(
                session,
                client=client,
                appointment=appointment,
                starts_at=starts_at,
                ends_at=ends_at,
                rules=bo.rules,
                now=bo.clock.now(),
                actor=_actor(request),
            )
            text = await _appointment_news(
                request, session, appointment, notify.AppointmentNews.MOVED
            )
    except (FormProblem, case.CaseError) as problem:
        return _problem(request, client_id, problem)
    now = bo.clock.now()
    markup = notify.appointment_keyboard(bo.readers, appointment, client, now)
    listen = await notify.appointment_listen(bo.db, appointment, now)
    await _tell(request, client, text, markup, listen)
    return redirect(f"/clients/{client.id}#appointments")


@page()
async def cancel_appointment(request: Request) -> Response:
    bo = backoffice(request)
    client_id = _client_id(request)
    try:
        async with bo.db.transaction() as session:
            client, appointment = await _appointment(session, request)
            if appointment.status != AppointmentStatus.PLANNED:
                raise FormProblem(N_("Only a planned appointment can be cancelled."))
            await case.cancel_appointment(
                session,
                client=client,
                appointment=appointment,
                rules=bo.rules,
                now=bo.clock.now(),
                actor=_actor(request),
            )
            text = await _appointment_news(
                request, session, appointment, notify.AppointmentNews.CANCELLED
            )
    except (FormProblem, case.CaseError) as problem:
        return _problem(request, client_id, problem)
    await _tell(request, client, text, None)
    return redirect(f"/clients/{client.id}#appointments")


@page()
async def add_task(request: Request) -> Response:
    bo, form = backoffice(request), form_of(request)
    client_id = _client_id(request)
    try:
        title = text_field(form, "title", limit=200)
        if not title:
            raise FormProblem(N_("Give the task a title."))
        due = parse_day(text_field(form, "due", limit=20))
        today = bo.clock.now().astimezone(bo.settings.zone).date()
        if due is not None and due < today:
            raise FormProblem(N_("The due date cannot be in the past."))
        async with bo.db.transaction() as session:
            client = await reachable_client(session, request, client_id)
            task = await case.add_task(
                session,
                client=client,
                external_id=f"bo-{secrets.token_hex(6)}",
                title=title,
                description=text_field(form, "description", limit=1000),
                due_date=due,
                set_by_id=staff_of(request).id,
                rules=bo.rules,
                now=bo.clock.now(),
                actor=_actor(request),
            )
    except FormProblem as problem:
        return _problem(request, client_id, problem)
    await _tell_task(request, client, task, notify.TaskNews.ADDED)
    return redirect(f"/clients/{client.id}#tasks")


async def _tell_task(request: Request, client: Client, task: Task, news: notify.TaskNews) -> None:
    bo = backoffice(request)
    now = bo.clock.now()
    today = now.astimezone(bo.settings.zone).date()
    text = notify.task_news_text(news, task, today=today, now=now)
    added = news == notify.TaskNews.ADDED
    markup = notify.task_keyboard(bo.readers, task, client, now) if added else None
    listen = notify.task_listen(task, now, bo.settings.zone) if added else None
    await _tell(request, client, text, markup, listen)


@page()
async def task_done(request: Request) -> Response:
    bo = backoffice(request)
    client_id = _client_id(request)
    try:
        async with bo.db.transaction() as session:
            client = await reachable_client(session, request, client_id)
            task = await tasks.of_client(
                session,
                client_id=pk(client),
                task_id=int_param(request.path_params["task_id"]) or 0,
            )
            if task is None:
                raise Refused(404, NOT_FOUND)
            if task.status != TaskStatus.OPEN:
                raise FormProblem(N_("This task is not open."))
            await case.set_task_status(
                session,
                client=client,
                task=task,
                status=TaskStatus.DONE,
                rules=bo.rules,
                now=bo.clock.now(),
                actor=_actor(request),
            )
    except FormProblem as problem:
        return _problem(request, client_id, problem)
    await _tell_task(request, client, task, notify.TaskNews.DONE)
    return redirect(f"/clients/{client.id}#tasks")


@page()
async def invite(request: Request) -> Response:
    """A new single-use invitation code: shown once, with its deep link and a QR code."""
    bo = backoffice(request)
    now = bo.clock.now()
    valid_for = timedelta(days=bo.settings.invite_valid_days)
    async with bo.db.transaction() as session:
        client = await reachable_client(session, request, _client_id(request))
        if client.status == ClientStatus.CLOSED:
            raise Refused(409, N_("This client's case is closed. No invitation can be made."))
        code = await invites.create(
            session,
            now=now,
            valid_for=valid_for,
            client_id=client.id,
            created_by_id=staff_of(request).id,
        )
        audit_read(
            session,
            request,
            "invite.create",
            subject_kind="client",
            subject_id=client.id,
            client_id=client.id,
        )
    link = invites.deep_link(bo.settings.bot_username, code)
    qr = segno.make(link, error="m")
    return render(
        request,
        "invite.html",
        {
            "client": client,
            "code": invites.pretty(code),
            "link": link,
            "qr_svg": qr.svg_inline(scale=6, dark="#000", light="#fff"),
            "expires_at": now + valid_for,
            "bot_username": bo.settings.bot_username.removeprefix("@"),
        },
    )
