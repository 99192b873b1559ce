"""A client who sends a BSN: the number is stored and relayed masked, and the client is told
kindly, in their language, not to send it (issue 19)."""

from __future__ import annotations

from storage.bsn import MASK
from tests.e2e.conftest import Harness
from tests.e2e.test_questions import linked, stored, topic_of
from texts.i18n import translator

BSN_NOTE = (
    "Please do not send your BSN (burgerservicenummer) in this chat. We hid the number. "
    "Your caseworker does not need it here."
)
A_BSN = "111222333"


async def test_a_bsn_in_a_question_is_stored_and_relayed_masked(harness: Harness) -> None:
    client, user, group = await linked(harness, locale="ar")
    await user.send_text(f"رقمي هو {A_BSN} شكرا")
    replies = [await user.next_message(), await user.next_message()]
    texts = " ".join(reply.text or "" for reply in replies)
    assert translator("ar")(BSN_NOTE) in texts
    assert translator("ar")(BSN_NOTE) != BSN_NOTE  # really in Arabic
    messages = await stored(harness, client)
    assert [m.text for m in messages] == [f"رقمي هو {MASK} شكرا"]
    relayed = group.messages(await topic_of(harness, client))
    assert all(A_BSN not in (m.text or "") for m in relayed)
    assert any(MASK in (m.text or "") for m in relayed)


async def test_a_bsn_in_a_photo_caption_is_masked_too(harness: Harness) -> None:
    client, user, group = await linked(harness, locale="nl")
    await user.send_photo(caption="BSN 1112.22.333 staat op de brief")
    replies = [await user.next_message(), await user.next_message()]
    assert any(translator("nl")(BSN_NOTE) in (reply.text or "") for reply in replies)
    messages = await stored(harness, client)
    assert messages[0].text == f"BSN {MASK} staat op de brief"
    relayed = group.messages(await topic_of(harness, client))
    assert all("333" not in (m.text or "") for m in relayed)


async def test_a_message_without_a_bsn_gets_no_note(harness: Harness) -> None:
    client, user, _group = await linked(harness, locale="en")
    await user.send_text("My phone is 0612345678 and my postcode 1621 AB")
    reply = await user.next_message()
    assert "BSN" not in (reply.text or "")
    assert (await stored(harness, client))[0].text == (
        "My phone is 0612345678 and my postcode 1621 AB"
    )
