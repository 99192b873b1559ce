"""⚙️ Settings: one message, edited in place; every choice is stored and moves reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.handlers.settings import (
    QUIET_OFF,
    Choice,
    apply,
    choice_of,
    effective_quiet,
    settings_keyboard,
    settings_text,
)
from casework.planning import replan_appointment
from casework.settings import planning_rules
from casework.timewindows import QuietHours
from fakebot import SimUser, StoredMessage
from storage.enums import ReminderKind, ReminderStatus
from storage.models import Client, Reminder
from tests import factories
from tests.e2e.conftest import Harness
from texts import bidi
from texts.callbacks import parse
from texts.fmt import Formatter
from texts.i18n import translator

STALE = "This button is no longer valid."
# Thursday 26 November 2026, 09:00 in Amsterdam: the two-hours-before reminder (07:00) falls in
# the default quiet hours (21:00-08:00) and moves to 08:00; with 22:00-07:00 it stays at 07:00.
MORNING_MEETING = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


async def linked(harness: Harness, **fields: object) -> tuple[Client, SimUser]:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Amina", locale="en", **fields)
    user = await harness.linked_user(client, language_code="en")
    return client, user


async def open_settings(user: SimUser) -> StoredMessage:
    await user.send_command("/settings")
    return await user.next_message()


async def tap(user: SimUser, message: StoredMessage, data: str) -> dict[str, object]:
    return await (await user.press(message, data, strict=False)).answer()


async def with_morning_meeting(harness: Harness, client: Client) -> int:
    async with harness.db.transaction() as session:
        row = await factories.appointment(
            session, client=client, starts_at=MORNING_MEETING, ends_at=None
        )
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        await replan_appointment(
            session,
            appointment=row,
            client=fresh,
            rules=planning_rules(harness.settings),
            now=harness.clock.now(),
        )
    assert row.id is not None
    return row.id


async def pending_moments(harness: Harness, appointment_id: int) -> list[datetime]:
    async with harness.db.reading() as session:
        rows = await session.exec(
            select(Reminder).where(
                Reminder.kind == ReminderKind.APPOINTMENT,
                Reminder.subject_id == appointment_id,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
        return sorted(row.due_at for row in rows.all())


async def test_settings_show_every_choice_with_buttons(harness: Harness) -> None:
    _, user = await linked(harness)
    message = await open_settings(user)
    text = message.text or ""
    assert "Language: English" in text
    assert "You get reminders for appointments." in text
    assert "You get reminders for tasks." in text
    assert "end of your integration period (inburgeringstermijn)" in text
    assert "no reminders between 21:00 and 08:00" in text
    assert "Messages come only in your language." in text
    assert "You get no weekly overview." in text
    assert message.callback_data == [
        "lang:v1:pick:",
        "set:v1:appt:off",
        "set:v1:task:off",
        "set:v1:deadline:off",
        "set:v1:quiet:2100_0800",
        "set:v1:quiet:2200_0700",
        "set:v1:quiet:2000_0900",
        "set:v1:quiet:off",
        "set:v1:dutch:on",
        "set:v1:digest:on",
    ]
    assert message.button_texts[1] == "✓ Appointments"
    assert message.button_texts[4].startswith("✓ ")  # the default quiet hours are chosen


async def test_the_settings_button_of_the_menu_opens_the_same_message(harness: Harness) -> None:
    _, user = await linked(harness)
    await user.send_text("⚙️ Settings")
    message = await user.next_message()
    assert "set:v1:appt:off" in message.callback_data


async def test_turning_appointment_reminders_off_edits_the_message_in_place(
    harness: Harness,
) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    await tap(user, message, "set:v1:appt:off")
    assert (await harness.reload(client)).remind_appointments is False
    assert "You get no reminders for appointments." in (message.text or "")
    assert message.button_texts[1] == "✗ Appointments"
    assert "set:v1:appt:on" in message.callback_data
    assert len(user.inbox) == 3  # consent, menu and the one settings message: nothing new
    await tap(user, message, "set:v1:appt:on")
    assert (await harness.reload(client)).remind_appointments is True
    assert message.button_texts[1] == "✓ Appointments"


async def test_tasks_and_deadline_reminders_are_stored_separately(harness: Harness) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    await tap(user, message, "set:v1:task:off")
    await tap(user, message, "set:v1:deadline:off")
    stored = await harness.reload(client)
    assert (stored.remind_appointments, stored.remind_tasks, stored.remind_deadlines) == (
        True,
        False,
        False,
    )
    assert "You get no reminders for tasks." in (message.text or "")


async def test_new_quiet_hours_re_plan_the_reminders(harness: Harness) -> None:
    client, user = await linked(harness)
    meeting = await with_morning_meeting(harness, client)
    eight = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    seven = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    day_before = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert await pending_moments(harness, meeting) == [day_before, eight]
    message = await open_settings(user)
    await tap(user, message, "set:v1:quiet:2200_0700")
    assert (await harness.reload(client)).quiet_hours == "22:00-07:00"
    assert await pending_moments(harness, meeting) == [day_before, seven]
    assert "no reminders between 22:00 and 07:00" in (message.text or "")
    assert message.button_texts[5].startswith("✓ ")
    assert not message.button_texts[4].startswith("✓ ")


async def test_quiet_hours_off(harness: Harness) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    await tap(user, message, "set:v1:quiet:off")
    stored = await harness.reload(client)
    assert stored.quiet_hours == QUIET_OFF
    assert not QuietHours.parse(stored.quiet_hours).contains(MORNING_MEETING, harness.settings.zone)
    assert "Quiet hours are off." in (message.text or "")
    assert message.button_texts[7].startswith("✓ ")


async def test_also_show_dutch_adds_the_dutch_text_at_once(harness: Harness) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    assert "Nederlands" not in (message.text or "")
    await tap(user, message, "set:v1:dutch:on")
    assert (await harness.reload(client)).show_dutch is True
    assert "🇳🇱 Nederlands" in (message.text or "")
    assert "Messages also come in simple Dutch." in (message.text or "")
    await user.send_command("/help")
    assert "Nederlands" in ((await user.next_message()).text or "")


async def test_weekly_overview_opt_in_plans_the_digest(harness: Harness) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    await tap(user, message, "set:v1:digest:on")
    assert (await harness.reload(client)).weekly_digest is True
    assert "You get a weekly overview on Monday morning." in (message.text or "")
    async with harness.db.reading() as session:
        digests = (
            await session.exec(
                select(Reminder).where(
                    Reminder.client_id == client.id, Reminder.kind == ReminderKind.DIGEST
                )
            )
        ).all()
    assert [row.status for row in digests] == [ReminderStatus.PENDING]


async def test_the_language_button_opens_the_picker(harness: Harness) -> None:
    _, user = await linked(harness)
    message = await open_settings(user)
    await tap(user, message, "lang:v1:pick:")
    picker = await user.next_message()
    assert "lang:v1:set:nl" in picker.callback_data


async def test_forged_and_old_buttons_change_nothing(harness: Harness) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    before = await harness.reload(client)
    for data in (
        "set:v1:quiet:2300_0600",  # not a preset
        "set:v1:appt:maybe",
        "set:v1:locale:ar",
        "set:v1:quiet:",
        "set:v0:appt:off",  # an older version
        "set:v1:appt:off:extra",
    ):
        answer = await tap(user, message, data)
        assert answer.get("text") == STALE, data
        assert answer.get("show_alert") is True
    after = await harness.reload(client)
    assert after.model_dump(exclude={"updated_at"}) == before.model_dump(exclude={"updated_at"})
    assert message.edit_count == 0


async def test_a_double_tap_sets_the_same_value_again(harness: Harness) -> None:
    client, user = await linked(harness)
    message = await open_settings(user)
    await tap(user, message, "set:v1:appt:off")
    answer = await tap(user, message, "set:v1:appt:off")  # the old button, pressed again
    assert answer.get("text") is None
    assert (await harness.reload(client)).remind_appointments is False
    assert not harness.fake.calls_for("sendMessage", ok=False)


async def test_settings_need_a_linked_account(harness: Harness) -> None:
    stranger = harness.fake.user(7301, "Stranger", "en")
    await stranger.send_command("/settings")
    refusal = await stranger.next_message()
    assert "I do not know you yet" in (refusal.text or "")
    forged = await stranger.press(refusal, "set:v1:appt:off", strict=False)
    assert "I do not know you yet" in str((await forged.answer()).get("text"))


async def test_another_clients_settings_are_never_touched(harness: Harness) -> None:
    other, _ = await linked(harness)
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Yonas", locale="en")
    user = await harness.linked_user(client, user_id=7302, language_code="en")
    message = await open_settings(user)
    await tap(user, message, "set:v1:appt:off")
    assert (await harness.reload(other)).remind_appointments is True
    assert "Amina" not in (message.text or "")


# -- the rules, without Telegram ------------------------------------------------------------------


def test_buttons_name_the_value_they_set() -> None:
    assert choice_of(parse("set:v1:appt:off")) == Choice("remind_appointments", False)
    assert choice_of(parse("set:v1:digest:on")) == Choice("weekly_digest", True)
    assert choice_of(parse("set:v1:quiet:2000_0900")) == Choice("quiet_hours", "20:00-09:00")
    assert choice_of(parse("set:v1:quiet:off")) == Choice("quiet_hours", QUIET_OFF)
    for data in ("set:v1:appt:", "set:v1:quiet:0000_2359", "priv:v1:appt:on", "set:v1:x:on", None):
        assert choice_of(parse(data)) is None


def test_apply_says_whether_something_changed() -> None:
    client = Client(ref="C-1", first_name="Amina", municipality="Hoorn")
    assert apply(client, Choice("show_dutch", True)) is True
    assert apply(client, Choice("show_dutch", True)) is False
    assert client.show_dutch is True


def test_effective_quiet_hours_fall_back_to_the_default() -> None:
    default = QuietHours.parse("21:00-08:00")
    client = Client(ref="C-1", first_name="Amina", municipality="Hoorn")
    assert effective_quiet(client, default) == default
    client.quiet_hours = "nonsense"
    assert effective_quiet(client, default) == default
    client.quiet_hours = "22:00-07:00"
    assert effective_quiet(client, default) == QuietHours.parse("22:00-07:00")


def test_right_to_left_settings_isolate_times_and_keep_buttons_short() -> None:
    t = translator("ar")
    f = Formatter("ar", ZoneInfo("Europe/Amsterdam"))
    client = Client(ref="C-1", first_name="Amina", municipality="Hoorn")
    quiet = QuietHours.parse("21:00-08:00")
    text = settings_text(t, f, client, quiet, language="العربية")
    assert f"{bidi.LRI}21:00{bidi.PDI}" in text
    assert bidi.balanced(text)
    keyboard = settings_keyboard(t, f, client, quiet)
    buttons = [b for row in keyboard.inline_keyboard for b in row]
    assert all(len(str(b.callback_data).encode()) <= 64 for b in buttons)
    assert buttons[1].text.startswith(f"✓ {bidi.RLM}")
