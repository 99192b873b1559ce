"""A staff member reaches the clients of the municipalities their organisation serves, while
they are active, and nobody else."""

from __future__ import annotations

from storage import access
from storage import clients as client_queries
from storage.db import Database
from storage.enums import OrganisationKind, StaffRole
from storage.ids import pk
from storage.models import Client, Staff
from tests import factories


async def region(db: Database) -> dict[str, int]:
    """Two regions and a partner serving one municipality of each; returns ids by name."""
    async with db.transaction() as session:
        westfriesland = await factories.organisation(
            session, key="rit-wf", municipalities=("Hoorn", "Enkhuizen")
        )
        drechtsteden = await factories.organisation(
            session, key="sd-drecht", municipalities=("Dordrecht", "Zwijndrecht")
        )
        partner = await factories.organisation(
            session,
            key="partner",
            kind=OrganisationKind.PARTNER,
            municipalities=("Hoorn", "Dordrecht"),
        )
        ids = {
            "wf_caseworker": await factories.staff(session, organisation=westfriesland),
            "drecht_caseworker": await factories.staff(session, organisation=drechtsteden),
            "guide": await factories.staff(
                session, organisation=partner, role=StaffRole.SOCIAL_GUIDE
            ),
            "retired": await factories.staff(session, organisation=westfriesland, active=False),
            "hoorn": await factories.client(session, ref="HRN-1", municipality="Hoorn"),
            "enkhuizen": await factories.client(session, ref="ENK-1", municipality="Enkhuizen"),
            "dordrecht": await factories.client(session, ref="DOR-1", municipality="Dordrecht"),
        }
        return {name: pk(row) for name, row in ids.items()}


async def reach(db: Database, ids: dict[str, int], staff: str, client: str) -> bool:
    async with db.reading() as session:
        member = await session.get(Staff, ids[staff])
        person = await session.get(Client, ids[client])
        assert member is not None and person is not None
        return await access.can_reach(session, staff=member, client=person)


async def visible_refs(db: Database, ids: dict[str, int], staff: str) -> list[str]:
    async with db.reading() as session:
        member = await session.get(Staff, ids[staff])
        assert member is not None
        return [c.ref for c in await client_queries.for_staff(session, staff=member)]


async def test_a_caseworker_reaches_the_clients_of_their_region_only(db: Database) -> None:
    ids = await region(db)
    assert await reach(db, ids, "wf_caseworker", "hoorn")
    assert await reach(db, ids, "wf_caseworker", "enkhuizen")
    assert not await reach(db, ids, "wf_caseworker", "dordrecht")
    assert not await reach(db, ids, "drecht_caseworker", "hoorn")
    assert await reach(db, ids, "drecht_caseworker", "dordrecht")


async def test_for_staff_lists_exactly_the_reachable_clients(db: Database) -> None:
    ids = await region(db)
    assert await visible_refs(db, ids, "wf_caseworker") == ["ENK-1", "HRN-1"]
    assert await visible_refs(db, ids, "drecht_caseworker") == ["DOR-1"]


async def test_a_partner_reaches_the_municipalities_it_has_a_contract_with(db: Database) -> None:
    ids = await region(db)
    assert await visible_refs(db, ids, "guide") == ["DOR-1", "HRN-1"]
    assert not await reach(db, ids, "guide", "enkhuizen")


async def test_an_inactive_staff_member_reaches_nobody(db: Database) -> None:
    ids = await region(db)
    assert not await reach(db, ids, "retired", "hoorn")
    assert await visible_refs(db, ids, "retired") == []


async def test_a_client_moving_away_leaves_the_old_region(db: Database) -> None:
    ids = await region(db)
    async with db.transaction() as session:
        person = await session.get(Client, ids["hoorn"])
        assert person is not None
        person.municipality = "Dordrecht"
        session.add(person)
    assert not await reach(db, ids, "wf_caseworker", "hoorn")
    assert await reach(db, ids, "drecht_caseworker", "hoorn")


async def test_search_stays_within_reach(db: Database) -> None:
    ids = await region(db)
    async with db.reading() as session:
        member = await session.get(Staff, ids["drecht_caseworker"])
        assert member is not None
        found = await client_queries.for_staff(session, staff=member, search="hrn")
    assert found == []
