"""Invitation codes: random, unambiguous, single use, expiring, stored only as a hash."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from storage import invites
from storage.db import Database
from storage.models import Invite
from tests import factories
from tests.factories import NOW

codes = st.text(
    alphabet=invites.ALPHABET, min_size=invites.CODE_LENGTH, max_size=invites.CODE_LENGTH
)
separators = st.sampled_from([" ", "-", "  ", " - ", "_", ".", "\t"])


def test_codes_carry_at_least_40_bits() -> None:
    assert len(set(invites.ALPHABET)) == len(invites.ALPHABET)
    assert invites.CODE_LENGTH * math.log2(len(invites.ALPHABET)) >= 40


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIl") & set(invites.ALPHABET)
    assert invites.ALPHABET.upper() == invites.ALPHABET


def test_new_codes_use_the_alphabet_and_differ() -> None:
    made = {invites.new_code() for _ in range(500)}
    assert len(made) == 500
    assert all(len(c) == invites.CODE_LENGTH and set(c) <= set(invites.ALPHABET) for c in made)


@given(code=codes, cut=st.integers(min_value=1, max_value=invites.CODE_LENGTH - 1), sep=separators)
def test_normalise_undoes_what_people_do_to_a_code(code: str, cut: int, sep: str) -> None:
    typed = f"  {code[:cut].lower()}{sep}{code[cut:]} "
    assert invites.normalise(typed) == code
    assert invites.looks_like_code(typed)
    assert invites.hash_code(typed) == invites.hash_code(code)


@given(code=codes)
def test_pretty_round_trips(code: str) -> None:
    shown = invites.pretty(code)
    assert shown == f"{code[:5]}-{code[5:]}"
    assert invites.normalise(shown) == code


@given(text=st.text(max_size=30))
def test_only_well_formed_text_looks_like_a_code(text: str) -> None:
    code = invites.normalise(text)
    expected = len(code) == invites.CODE_LENGTH and set(code) <= set(invites.ALPHABET)
    assert invites.looks_like_code(text) is expected


async def test_only_the_hash_is_stored(db: Database) -> None:
    async with db.transaction() as session:
        person = await factories.client(session)
        code = await invites.create(
            session, now=NOW, valid_for=timedelta(days=14), client_id=person.id
        )
    async with db.reading() as session:
        stored = (await session.exec(select(Invite))).one()
    row = stored.model_dump()
    assert not any(code in str(value) for value in row.values())
    assert not any(invites.pretty(code) in str(value) for value in row.values())
    assert stored.code_hash == invites.hash_code(code)
    assert stored.expires_at == NOW + timedelta(days=14)


async def test_a_code_is_found_in_any_typed_form(db: Database) -> None:
    async with db.transaction() as session:
        person = await factories.client(session)
        code = await invites.create(
            session, now=NOW, valid_for=timedelta(days=1), client_id=person.id
        )
    typed = f" {invites.pretty(code).lower().replace('-', ' - ')} "
    async with db.reading() as session:
        state, found = await invites.find(session, code=typed, now=NOW)
    assert state == invites.InviteState.OK
    assert found is not None and found.client_id == person.id


async def test_a_code_works_once(db: Database) -> None:
    async with db.transaction() as session:
        person = await factories.client(session)
        code = await invites.create(
            session, now=NOW, valid_for=timedelta(days=1), client_id=person.id
        )
    async with db.transaction() as session:
        state, found = await invites.find(session, code=code, now=NOW)
        assert state == invites.InviteState.OK and found is not None
        assert await invites.consume(session, invite=found, now=NOW)
    async with db.reading() as session:
        state, _ = await invites.find(session, code=code, now=NOW + timedelta(minutes=1))
    assert state == invites.InviteState.USED


async def test_two_chats_racing_for_one_code_only_one_consumes_it(db: Database) -> None:
    async with db.transaction() as session:
        person = await factories.client(session)
        code = await invites.create(
            session, now=NOW, valid_for=timedelta(days=1), client_id=person.id
        )
    async with db.reading() as session:
        _, first_copy = await invites.find(session, code=code, now=NOW)
        _, second_copy = await invites.find(session, code=code, now=NOW)
    assert first_copy is not None and second_copy is not None
    async with db.transaction() as session:
        assert await invites.consume(session, invite=first_copy, now=NOW)
    async with db.transaction() as session:
        assert not await invites.consume(session, invite=second_copy, now=NOW)


async def test_a_code_expires(db: Database) -> None:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        member = await factories.staff(session, organisation=org)
        code = await invites.create(
            session, now=NOW, valid_for=timedelta(days=14), staff_id=member.id
        )
    async with db.reading() as session:
        just_before = await invites.find(
            session, code=code, now=NOW + timedelta(days=14, seconds=-1)
        )
        at_expiry = await invites.find(session, code=code, now=NOW + timedelta(days=14))
    assert just_before[0] == invites.InviteState.OK
    assert at_expiry[0] == invites.InviteState.EXPIRED


async def test_an_unknown_code_is_unknown(db: Database) -> None:
    async with db.reading() as session:
        state, found = await invites.find(session, code=invites.new_code(), now=NOW)
    assert state == invites.InviteState.UNKNOWN and found is None


async def test_an_invite_is_for_a_client_or_a_staff_member(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(ValueError):
            await invites.create(session, now=NOW, valid_for=timedelta(days=1))
        with pytest.raises(ValueError):
            await invites.create(
                session, now=NOW, valid_for=timedelta(days=1), client_id=1, staff_id=1
            )


async def test_wrong_codes_are_counted_per_chat_for_an_hour(db: Database) -> None:
    async with db.transaction() as session:
        for minutes in (0, 20, 40):
            await invites.record_failure(session, chat_id=7, now=NOW + timedelta(minutes=minutes))
        await invites.record_failure(session, chat_id=8, now=NOW)
    async with db.reading() as session:
        assert (
            await invites.recent_failures(session, chat_id=7, now=NOW + timedelta(minutes=50)) == 3
        )
        assert (
            await invites.recent_failures(session, chat_id=7, now=NOW + timedelta(minutes=70)) == 2
        )
        assert (
            await invites.recent_failures(session, chat_id=8, now=NOW + timedelta(minutes=1)) == 1
        )
