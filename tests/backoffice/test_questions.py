"""The question page: thread, seen notice, answers in the client's language, notes, close,
reopen, assign, substitute and files fetched through the Bot API."""

from __future__ import annotations

from datetime import timedelta

from casework.clock import FixedClock
from fakebot import FakeTelegram
from storage.db import Database
from storage.enums import ClientStatus, QuestionStatus
from storage.models import Client, Message, Question
from tests.backoffice.conftest import (
    BackofficeClient,
    World,
    audit_actions,
    messages_of,
    reload,
)
from texts.bidi import strip_isolates
from texts.i18n import translator
from texts.ready_answers import READY_ANSWERS

AR = translator("ar")


def question_url(world: World, party: str = "own") -> str:
    return f"/questions/{getattr(world, party).question.id}"


async def test_the_page_shows_the_thread_in_the_clients_direction(
    bo: BackofficeClient, world: World
):
    await bo.login(world.me)
    page = await bo.get(question_url(world))
    assert page.status_code == 200
    assert "Vraag van " + world.own.client.ref in page.text
    assert "Ik heb een brief gekregen. Wat moet ik doen?" in page.text
    assert 'class="message-text" dir="auto" lang="ar"' in page.text
    assert f'src="/questions/{world.own.question.id}/files/{world.own.photo.id}"' in page.text
    assert 'alt="Foto gestuurd door de cliënt"' in page.text
    assert "العربية" in page.text  # the client's language, named in itself


async def test_opening_marks_seen_and_tells_the_client_once_in_their_language(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    user = world.own.user
    assert user is not None
    notice = await user.next_message()
    assert strip_isolates(notice.text or "") == strip_isolates(
        AR("👀 Your caseworker has seen your question. You will get an answer soon.")
    )
    stored = await reload(db, Question, world.own.question.id)
    assert stored.seen_at is not None and stored.seen_notified_at is not None
    await bo.get(question_url(world))
    assert len(user.inbox) == 1
    actions = await audit_actions(db, client_id=world.own.client.id)
    assert actions.count("question.view") == 2 and actions.count("question.seen") == 1


async def test_ready_made_answer_reaches_the_client_in_arabic(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    sent = await bo.post(question_url(world) + "/answer", {"ready": "send_photo"})
    assert sent.status_code == 303
    page = await bo.get(sent.headers["location"])
    assert "Het antwoord is naar de cliënt gestuurd." in page.text
    user = world.own.user
    assert user is not None
    received = user.inbox[-1]
    arabic = AR(READY_ANSWERS["send_photo"])
    assert arabic != READY_ANSWERS["send_photo"]  # the Arabic catalogue translates it
    assert strip_isolates(received.text or "") == strip_isolates(arabic)
    answer = (await messages_of(db, world.own.question.id))[-1]
    assert answer.text == arabic and answer.staff_id == world.me.id
    assert answer.delivered_at == clock.now() and answer.next_attempt_at is None
    assert answer.client_message_id == received.message_id
    assert (await reload(db, Question, world.own.question.id)).status == QuestionStatus.ANSWERED
    assert "question.answer" in await audit_actions(db, client_id=world.own.client.id)


async def test_preview_shows_the_ready_answer_as_the_client_reads_it(
    bo: BackofficeClient, world: World
):
    await bo.login(world.me)
    preview = await bo.get(question_url(world) + "/preview?ready=interpreter")
    assert AR(READY_ANSWERS["interpreter"]) in preview.text
    assert 'dir="rtl" lang="ar"' in preview.text
    nothing = await bo.get(question_url(world) + "/preview?ready=nonsense")
    assert nothing.status_code == 200 and "<blockquote" not in nothing.text
    full = await bo.get(question_url(world) + "?ready=interpreter")
    assert AR(READY_ANSWERS["interpreter"]) in full.text  # works without JavaScript too


async def test_own_answer_is_sent_as_written(bo: BackofficeClient, world: World, db: Database):
    await bo.login(world.me)
    await bo.get(question_url(world, "team"))
    await bo.post(question_url(world, "team") + "/answer", {"text": "Come <b>tomorrow</b> at 10."})
    user = world.team.user
    assert user is not None
    received = user.inbox[-1]
    assert received.text == "Come <b>tomorrow</b> at 10."  # escaped, not bold
    assert all(entity["type"] != "bold" for entity in received.entities)
    stored = (await messages_of(db, world.team.question.id))[-1]
    assert stored.text == "Come <b>tomorrow</b> at 10."


async def test_empty_answer_and_unknown_ready_answer_are_refused(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    before = len(await messages_of(db, world.own.question.id))
    empty = await bo.post(question_url(world) + "/answer", {"text": "   "})
    assert empty.status_code == 400 and "Schrijf eerst een antwoord" in empty.text
    unknown = await bo.post(question_url(world) + "/answer", {"ready": "nope"})
    assert unknown.status_code == 400 and "Kies een van de standaardantwoorden" in unknown.text
    assert len(await messages_of(db, world.own.question.id)) == before


async def test_answer_to_a_client_who_blocked_the_bot(
    bo: BackofficeClient, world: World, db: Database
):
    user = world.own.user
    assert user is not None
    user.chat.blocked = True
    await bo.login(world.me)
    await bo.get(question_url(world))
    sent = await bo.post(question_url(world) + "/answer", {"text": "Hallo"})
    page = await bo.get(sent.headers["location"])
    assert "deze cliënt heeft de bot geblokkeerd. Het gaat alsnog weg" in page.text
    assert (await reload(db, Client, world.own.client.id)).status == ClientStatus.BLOCKED_BOT
    stored = (await messages_of(db, world.own.question.id))[-1]
    assert stored.delivered_at is None
    assert stored.next_attempt_at is not None  # the retry job sends it when they are back
    assert "niet afgeleverd" in page.text


async def test_answer_to_a_client_without_telegram_is_stored_only(
    bo: BackofficeClient, world: World, db: Database
):
    async with db.transaction() as session:
        client = await session.get(Client, world.own.client.id)
        assert client is not None
        client.telegram_chat_id = None
        client.status = ClientStatus.INVITED
    await bo.login(world.me)
    await bo.get(question_url(world))
    sent = await bo.post(question_url(world) + "/answer", {"text": "Hallo"})
    page = await bo.get(sent.headers["location"])
    assert "geen gekoppelde Telegram-chat" in page.text
    stored = (await messages_of(db, world.own.question.id))[-1]
    assert stored.text == "Hallo" and stored.delivered_at is None


async def test_telegram_refusing_the_message_is_reported(
    bo: BackofficeClient, world: World, db: Database, fake: FakeTelegram
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    fake.inject("sendMessage", status=400, description="Bad Request: message is too long")
    sent = await bo.post(question_url(world) + "/answer", {"text": "Hallo"})
    page = await bo.get(sent.headers["location"])
    assert "Telegram weigerde het bericht" in page.text
    stored = (await messages_of(db, world.own.question.id))[-1]
    assert stored.delivered_at is None and stored.delivery_error == "BadRequest"


async def test_telegram_down_leaves_the_answer_for_the_retry_job(
    bo: BackofficeClient, world: World, db: Database, fake: FakeTelegram, clock: FixedClock
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    fake.inject("sendMessage", status=500, description="Internal Server Error", times=None)
    sent = await bo.post(question_url(world) + "/answer", {"text": "Hallo"})
    page = await bo.get(sent.headers["location"])
    assert "wordt later vanzelf opnieuw verstuurd" in page.text
    stored = (await messages_of(db, world.own.question.id))[-1]
    assert stored.delivered_at is None and stored.next_attempt_at is not None
    assert stored.next_attempt_at > clock.now()


async def test_closed_question_takes_no_answer_until_reopened(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    user = world.own.user
    assert user is not None
    await user.next_message()  # the seen notice
    closed = await bo.post(question_url(world) + "/close")
    told = await user.next_message()
    assert strip_isolates(told.text or "") == strip_isolates(
        AR("✅ Your caseworker closed your question. Do you need more help? Just write again.")
    )
    page = await bo.get(closed.headers["location"])
    assert "De vraag is gesloten." in page.text and "Heropenen" in page.text
    assert (await reload(db, Question, world.own.question.id)).status == QuestionStatus.CLOSED
    refused = await bo.post(question_url(world) + "/answer", {"text": "Hallo"})
    assert refused.status_code == 409
    await bo.get(question_url(world))
    await bo.post(question_url(world) + "/reopen")
    assert (await reload(db, Question, world.own.question.id)).status == QuestionStatus.OPEN
    reopened = await user.next_message()
    assert strip_isolates(reopened.text or "") == strip_isolates(
        AR("Your caseworker opened your question again. You will get an answer soon.")
    )
    actions = await audit_actions(db, client_id=world.own.client.id)
    assert "question.close" in actions and "question.reopen" in actions


async def test_internal_note_never_reaches_the_client(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    user = world.own.user
    assert user is not None
    seen_notice = len(user.inbox)
    done = await bo.post(question_url(world) + "/note", {"text": "Belastingdienst, toeslag."})
    page = await bo.get(done.headers["location"])
    assert "Interne notitie: de cliënt ziet dit niet" in page.text
    assert len(user.inbox) == seen_notice
    note = (await messages_of(db, world.own.question.id))[-1]
    assert note.internal and note.next_attempt_at is None
    assert (await reload(db, Question, world.own.question.id)).status == QuestionStatus.OPEN
    empty = await bo.post(question_url(world) + "/note", {"text": ""})
    assert empty.status_code == 400


async def test_assign_to_a_colleague_but_not_to_another_region(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    await bo.get(question_url(world))
    done = await bo.post(question_url(world) + "/assign", {"staff_id": world.colleague.id})
    assert done.status_code == 303
    stored = await reload(db, Question, world.own.question.id)
    assert stored.assigned_staff_id == world.colleague.id
    await bo.get(question_url(world))
    refused = await bo.post(question_url(world) + "/assign", {"staff_id": world.stranger.id})
    assert refused.status_code == 400 and "Kies een actieve collega" in refused.text
    assert (await reload(db, Question, world.own.question.id)).assigned_staff_id == (
        world.colleague.id
    )


async def test_substitute_takes_over_and_without_one_nothing_changes(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    page = await bo.get(question_url(world))
    assert "Naar de vervanger: Colleague Jansen" in page.text
    await bo.post(question_url(world) + "/substitute")
    assert (await reload(db, Question, world.own.question.id)).assigned_staff_id == (
        world.colleague.id
    )
    async with db.transaction() as session:
        from storage.models import Staff

        colleague = await session.get(Staff, world.colleague.id)
        assert colleague is not None
        colleague.substitute_id = None
    await bo.get(question_url(world))
    refused = await bo.post(question_url(world) + "/substitute")
    assert refused.status_code == 409


async def test_photo_is_fetched_from_telegram_and_not_cached(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    photo = await bo.get(f"{question_url(world)}/files/{world.own.photo.id}")
    assert photo.status_code == 200
    assert photo.content == b"\xff\xd8\xff\xe0fake-jpeg"
    assert photo.headers["content-type"] == "image/jpeg"
    assert "no-store" in photo.headers["cache-control"]
    assert "question.file" in await audit_actions(db, client_id=world.own.client.id)


async def test_file_telegram_cannot_give_is_a_clear_error(
    bo: BackofficeClient, world: World, fake: FakeTelegram
):
    await bo.login(world.me)
    fake.inject("getFile", status=400, description="Bad Request: file is too big")
    failed = await bo.get(f"{question_url(world)}/files/{world.own.photo.id}")
    assert failed.status_code == 502
    assert "kon niet uit Telegram worden opgehaald" in failed.text


async def test_erased_file_is_gone(bo: BackofficeClient, world: World, db: Database, clock):
    async with db.transaction() as session:
        message = await session.get(Message, world.own.photo.id)
        assert message is not None
        message.erased_at = clock.now() - timedelta(days=1)
        message.file_id = None
    await bo.login(world.me)
    assert (await bo.get(f"{question_url(world)}/files/{world.own.photo.id}")).status_code == 404
    page = await bo.get(question_url(world))
    assert "Verwijderd na de bewaartermijn." in page.text


async def test_a_text_message_has_no_file(bo: BackofficeClient, world: World, db: Database):
    first = (await messages_of(db, world.own.question.id))[0]
    await bo.login(world.me)
    assert (await bo.get(f"{question_url(world)}/files/{first.id}")).status_code == 404


async def test_unknown_question_is_not_found(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    assert (await bo.get("/questions/999999")).status_code == 404
