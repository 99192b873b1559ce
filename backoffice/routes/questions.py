"""A question's page: the thread (with photos, documents and voice notes fetched through the Bot
API), the linked appointment or task, answering (own words or a ready-made answer in the
client's language), internal notes, close, reopen, assign and substitute."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from backoffice.i18n import N_
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
    ui_locale,
)
from casework import questions as question_service
from casework.events import Answered, Assigned, Closed, QuestionEvent, Reopened, Seen
from casework.ports import ChannelError, Delivery, Outcome, publish
from storage import access, appointments, tasks
from storage import backoffice as queries
from storage import questions as question_queries
from storage import staff as staff_queries
from storage.enums import MessageKind, QuestionStatus
from storage.ids import pk
from storage.models import Client, Message, Question, Staff
from texts import ready_answers
from texts.fmt import Formatter
from texts.i18n import BY_CODE, translator
from texts.render import questions as texts

if TYPE_CHECKING:
    from backoffice.app import Backoffice

log = logging.getLogger(__name__)
MEDIA_TYPES = {
    MessageKind.PHOTO: "image/jpeg",
    MessageKind.VOICE: "audio/ogg",
    MessageKind.DOCUMENT: "application/octet-stream",
}
NOT_DELIVERED = {
    Outcome.NOT_LINKED: N_("Saved, but not sent: this client has no linked Telegram chat."),
    Outcome.BLOCKED: N_(
        "Saved, but not sent: this client has blocked the bot. It is sent when they are back."
    ),
    Outcome.RETRY: N_(
        "Saved, but Telegram could not be reached now. The answer is sent again automatically."
    ),
    Outcome.FAILED: N_(
        "Saved, but Telegram refused the message. Please reach the client another way."
    ),
}


async def reachable_question(
    session: AsyncSession, request: Request, question_id: int | None
) -> tuple[Question, Client]:
    """The question and its client, or 404 (and an audit event) when out of reach."""
    found = await queries.question_with_client(session, question_id=question_id or 0)
    if found is None:
        raise Refused(404, NOT_FOUND)
    question, client = found
    if not await access.can_reach(session, staff=staff_of(request), client=client):
        raise Refused(404, NOT_FOUND, denied=Denied("question", question.id, client_id=client.id))
    return question, client


def ready_choices(client_locale: str, ui_locale: str) -> list[tuple[str, str, str]]:
    """(key, label in the interface language, text in the client's language)."""
    label_t, client_t = translator(ui_locale), translator(client_locale)
    return [
        (key, label_t(text), client_t(text)) for key, text in ready_answers.READY_ANSWERS.items()
    ]


@dataclass(frozen=True)
class ThreadEntry:
    message: Message
    author: str | None
    from_client: bool


@page()
async def show(request: Request) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    question_id = int_param(request.path_params["question_id"])
    now = bo.clock.now()
    async with bo.db.transaction() as session:
        question, client = await reachable_question(session, request, question_id)
        first_seen = await question_service.mark_seen(
            session, question=question, staff_id=pk(staff), now=now
        )
        messages = await question_queries.messages(session, question_id=pk(question))
        names = await queries.staff_names(
            session,
            ids={m.staff_id for m in messages if m.staff_id}
            | ({question.assigned_staff_id} if question.assigned_staff_id else set()),
        )
        appointment = (
            await appointments.of_client(
                session, client_id=pk(client), appointment_id=question.appointment_id
            )
            if question.appointment_id
            else None
        )
        task = (
            await tasks.of_client(session, client_id=pk(client), task_id=question.task_id)
            if question.task_id
            else None
        )
        colleagues = await staff_queries.colleagues(session, staff=staff)
        substitute = await _substitute_for(session, question, staff)
        audit_read(
            session,
            request,
            "question.view",
            subject_kind="question",
            subject_id=question.id,
            client_id=client.id,
        )
    if first_seen:
        await _announce(request, Seen(client=client, question_id=pk(question), by=staff.name))
    locale = client.locale or bo.settings.default_locale
    language = BY_CODE.get(locale)
    context = {
        "question": question,
        "client": client,
        "entries": [
            ThreadEntry(
                m, names.get(m.staff_id) if m.staff_id else None, m.direction == "from_client"
            )
            for m in messages
        ],
        "assigned_name": names.get(question.assigned_staff_id or 0),
        "appointment": appointment,
        "task": task,
        "colleagues": [c for c in colleagues if c.id != staff.id],
        "substitute": substitute,
        "client_language": language.native_name if language else locale,
        "client_rtl": bool(language and language.rtl),
        "client_locale": locale,
        "ready": ready_choices(locale, ui_locale(request)),
        "preview_key": request.query_params.get("ready"),
        "client_fmt": Formatter(locale, bo.settings.zone),
        "language_name": functools.partial(texts.language_name, locale=ui_locale(request)),
    }
    return render(request, "question.html", context)


async def _substitute_for(session: AsyncSession, question: Question, staff: Staff) -> Staff | None:
    """Whom this question goes to when its caseworker is away (their substitute), if anyone."""
    if question.assigned_staff_id is None:
        return None
    assigned = await staff_queries.by_id(session, staff_id=question.assigned_staff_id)
    if assigned is None or assigned.substitute_id is None:
        return None
    substitute = await staff_queries.by_id(session, staff_id=assigned.substitute_id)
    if substitute is None or not substitute.active or substitute.id == question.assigned_staff_id:
        return None
    return substitute


@page()
async def preview(request: Request) -> Response:
    """A ready-made answer as the client will read it (htmx fragment)."""
    bo = backoffice(request)
    question_id = int_param(request.path_params["question_id"])
    async with bo.db.transaction() as session:
        _question, client = await reachable_question(session, request, question_id)
    key = request.query_params.get("ready", "")
    locale = client.locale or bo.settings.default_locale
    text = ready_answers.READY_ANSWERS.get(key)
    language = BY_CODE.get(locale)
    return render(
        request,
        "_ready_preview.html",
        {
            "preview": translator(locale)(text) if text else None,
            "client_locale": locale,
            "client_rtl": bool(language and language.rtl),
        },
    )


async def _send_answer(request: Request, *, ready_key: str | None, own_text: str) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    question_id = int_param(request.path_params["question_id"])
    now = bo.clock.now()
    async with bo.db.transaction() as session:
        question, client = await reachable_question(session, request, question_id)
        if question.status == QuestionStatus.CLOSED:
            raise Refused(409, N_("This question is closed. Reopen it first."))
        if ready_key is not None:  # stored as the client reads it, in their language
            locale = bo.readers.locale_of(client)
            stored_text = translator(locale)(ready_answers.READY_ANSWERS[ready_key])
        else:
            stored_text = own_text
        message = await question_service.answer(
            session,
            question=question,
            staff_id=pk(staff),
            kind=MessageKind.TEXT,
            text=stored_text,
            now=now,
            # A ready-made answer is in the client's language already.
            translate_for=None if ready_key else translation_locale(bo, client),
        )
    outcome: str = Outcome.NOT_LINKED
    if bo.channels is not None:
        outcome = (await bo.channels.client.deliver(pk(message))).outcome
        event = Answered(
            client=client,
            question_id=pk(question),
            by=staff.name,
            message_id=pk(message),
            text=stored_text,
            outcome=outcome,
            ready_key=ready_key,
        )
        await publish(bo.channels.all, event)
    delivery = Delivery(Outcome(outcome))
    flash = session_of(request).flash
    if delivery.delivered:
        flash(N_("The answer was sent to the client."), kind="success")
    else:
        flash(NOT_DELIVERED[delivery.outcome], kind="error")
    return redirect(f"/questions/{question.id}")


@page()
async def answer(request: Request) -> Response:
    form = form_of(request)
    key = text_field(form, "ready", limit=100)
    if key:
        if key not in ready_answers.READY_ANSWERS:
            raise Refused(400, N_("Choose one of the ready-made answers."))
        return await _send_answer(request, ready_key=key, own_text="")
    text = text_field(form, "text")
    if not text:
        raise Refused(400, N_("Write an answer first."))
    return await _send_answer(request, ready_key=None, own_text=text)


@page()
async def note(request: Request) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    text = text_field(form_of(request), "text")
    if not text:
        raise Refused(400, N_("Write a note first."))
    async with bo.db.transaction() as session:
        question, _client = await reachable_question(
            session, request, int_param(request.path_params["question_id"])
        )
        await question_service.answer(
            session,
            question=question,
            staff_id=pk(staff),
            kind=MessageKind.TEXT,
            text=text,
            internal=True,
            now=bo.clock.now(),
        )
    session_of(request).flash(N_("The note is saved. The client does not see it."))
    return redirect(f"/questions/{question.id}")


async def _announce(request: Request, event: QuestionEvent) -> None:
    """One act, fanned out to the client and the staff chat, as the staff chat's commands do."""
    bo = backoffice(request)
    if bo.channels is not None:
        await publish(bo.channels.all, event)


@page()
async def close(request: Request) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    async with bo.db.transaction() as session:
        question, client = await reachable_question(
            session, request, int_param(request.path_params["question_id"])
        )
        closed = await question_service.close(
            session, question=question, staff_id=pk(staff), now=bo.clock.now()
        )
    if closed:
        await _announce(request, Closed(client=client, question_id=pk(question), by=staff.name))
    session_of(request).flash(N_("The question is closed."))
    return redirect(f"/questions/{question.id}")


@page()
async def reopen(request: Request) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    async with bo.db.transaction() as session:
        question, client = await reachable_question(
            session, request, int_param(request.path_params["question_id"])
        )
        reopened = await question_service.reopen(
            session, question=question, staff_id=pk(staff), now=bo.clock.now()
        )
    if reopened:
        await _announce(request, Reopened(client=client, question_id=pk(question), by=staff.name))
    session_of(request).flash(N_("The question is open again."))
    return redirect(f"/questions/{question.id}")


@page()
async def assign(request: Request) -> Response:
    """Give the question to oneself or to a colleague of the same organisation."""
    bo, staff = backoffice(request), staff_of(request)
    assignee_id = int_param(form_of(request).get("staff_id"))
    async with bo.db.transaction() as session:
        question, client = await reachable_question(
            session, request, int_param(request.path_params["question_id"])
        )
        assignee = await staff_queries.by_id(session, staff_id=assignee_id or 0)
        if (
            assignee is None
            or assignee.organisation_id != staff.organisation_id
            or not await access.can_reach(session, staff=assignee, client=client)
        ):
            raise Refused(400, N_("Choose an active colleague who can reach this client."))
        await question_service.assign(
            session,
            question=question,
            staff_id=pk(staff),
            assignee_id=pk(assignee),
            now=bo.clock.now(),
        )
    event = Assigned(client=client, question_id=pk(question), by=staff.name, assignee=assignee.name)
    await _announce(request, event)
    session_of(request).flash(N_("The question is assigned."))
    return redirect(f"/questions/{question.id}")


@page()
async def substitute(request: Request) -> Response:
    """Hand the question to the substitute of the caseworker it is assigned to."""
    bo, staff = backoffice(request), staff_of(request)
    async with bo.db.transaction() as session:
        question, _client = await reachable_question(
            session, request, int_param(request.path_params["question_id"])
        )
        replacement = await question_service.substitute(
            session, question=question, staff_id=pk(staff), now=bo.clock.now()
        )
    if replacement is None:
        raise Refused(409, N_("The caseworker of this question has no active substitute."))
    session_of(request).flash(N_("The question went to the substitute."))
    return redirect(f"/questions/{question.id}")


@page()
async def file(request: Request) -> Response:
    """A photo, document or voice note, fetched from Telegram now and never stored here."""
    bo = backoffice(request)
    async with bo.db.transaction() as session:
        question, client = await reachable_question(
            session, request, int_param(request.path_params["question_id"])
        )
        message = await queries.message_of_question(
            session,
            question_id=pk(question),
            message_id=int_param(request.path_params["message_id"]) or 0,
        )
        if message is None or not message.file_id or message.erased_at is not None:
            raise Refused(404, NOT_FOUND)
        audit_read(
            session,
            request,
            "question.file",
            subject_kind="message",
            subject_id=message.id,
            client_id=client.id,
        )
    if bo.channels is None:
        raise Refused(503, N_("Telegram is not configured, so files cannot be fetched."))
    try:
        data, file_path = await bo.channels.client.file(message.file_id)
    except ChannelError as exc:
        log.warning("file fetch failed", extra={"message_id": message.id, "error": exc.kind})
        raise Refused(
            502, N_("The file could not be fetched from Telegram. Try again later.")
        ) from exc
    kind = MessageKind(message.kind)
    inline = kind in (MessageKind.PHOTO, MessageKind.VOICE)
    name = f"question-{question.id}-{message.id}" + _extension(file_path)
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=MEDIA_TYPES.get(kind, "application/octet-stream"),
        headers={
            "content-disposition": f'{disposition}; filename="{escape(name)}"',
            "cache-control": "no-store, private",
        },
    )


def _extension(path: str | None) -> str:
    if not path or "." not in path.rsplit("/", 1)[-1]:
        return ""
    extension = path.rsplit(".", 1)[-1].lower()
    return f".{extension}" if extension.isalnum() and len(extension) <= 5 else ""


def translation_locale(bo: Backoffice, client: Client) -> str | None:
    """The client's language when an answer is to be translated for them, else None (machine
    translation off)."""
    if bo.settings.translation == "none":
        return None
    return bo.readers.locale_of(client)
