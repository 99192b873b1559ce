"""A client's import digest (storage/import_digest.py): an import of a record already imported
reads the client's row and nothing more; any other change to the client's plan, parts, exams,
appointments or tasks is noted by the database, and the next import compares them again."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from casework import importer
from casework.importer import ImportSummary, import_file
from storage import imports
from storage.db import Database
from storage.enums import TaskStatus
from storage.models import Client, Task
from tests.test_import import NOW, REGION, RULES, all_rows, load, one, press_done

REF = "HRN-2025-0012"  # a client with a plan, exams, appointments and tasks
CHILD_TABLES = ("plan", "plan_part", "exam_attempt", "appointment", "task")


@pytest.fixture(scope="module")
def region() -> dict[str, Any]:
    return json.loads(REGION.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL sent while inside."""
    sent: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)


def read_tables(sent: list[str]) -> set[str]:
    """The tables the SELECTs among `sent` read."""
    found = (
        re.search(r'\bFROM\s+"?(\w+)"?', sql) for sql in sent if sql.lstrip().startswith("SELECT")
    )
    return {match[1] for match in found if match is not None}


async def digest_of(db: Database, ref: str = REF) -> str | None:
    return (await one(db, Client, Client.ref == ref)).import_digest  # type: ignore[no-any-return]


async def noted(db: Database) -> list[int]:
    """The clients of the change notes, one per note."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT client_id FROM import_change ORDER BY id"))
        return [client_id for (client_id,) in rows]


async def forget_all(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE client SET import_digest = NULL"))


async def test_an_import_gives_every_client_its_digest(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    digests = [c.import_digest for c in await all_rows(db, Client)]
    assert len(digests) == len(region["clients"])
    assert all(d is not None and len(d) == 32 for d in digests)
    assert len(set(digests)) == len(digests)


async def test_a_second_import_reads_only_the_clients_and_counts_the_same(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    with statements(db) as sent:
        second = await load(db, region)
    assert not second.changed
    assert read_tables(sent) & set(CHILD_TABLES) == set()
    await forget_all(db)
    with statements(db) as sent:
        compared = await load(db, region)
    assert read_tables(sent) >= set(CHILD_TABLES)
    assert second.as_counts() == compared.as_counts()


async def test_a_changed_record_is_compared_and_gets_its_new_digest(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    before = await digest_of(db)
    changed = copy.deepcopy(region)
    client = next(c for c in changed["clients"] if c["ref"] == REF)
    client["tasks"][0]["title"] = "Bring your diploma to the library"
    summary = await load(db, changed)
    assert (summary["tasks"].updated, summary["tasks"].unchanged) == (1, _tasks(region) - 1)
    assert await digest_of(db) not in (None, before)
    assert not (await load(db, changed)).changed


def _tasks(document: dict[str, Any]) -> int:
    return sum(len(c.get("tasks", [])) for c in document["clients"])


def _first_row(table: str) -> str:
    if table == "plan_part":
        return (
            "SELECT plan_part.id FROM plan_part JOIN plan ON plan.id = plan_part.plan_id"
            " JOIN client ON client.id = plan.client_id WHERE client.ref = :ref"
            " ORDER BY plan_part.id LIMIT 1"
        )
    return (
        f"SELECT {table}.id FROM {table} JOIN client ON client.id = {table}.client_id"
        f" WHERE client.ref = :ref ORDER BY {table}.id LIMIT 1"
    )


# A write of each kind to each table, in plain SQL: the triggers must catch writes from any path.
UPDATES = {
    "plan": "UPDATE plan SET status = 'revised' WHERE id = :id",
    "plan_part": "UPDATE plan_part SET title = 'Changed by hand' WHERE id = :id",
    "exam_attempt": "UPDATE exam_attempt SET place = 'Elsewhere' WHERE id = :id",
    "appointment": "UPDATE appointment SET bring = 'Changed by hand' WHERE id = :id",
    "task": "UPDATE task SET title = 'Changed by hand' WHERE id = :id",
}
COPIES = {  # a new row: a copy of an existing one under another external id
    "plan": "version",
    "plan_part": "external_id",
    "exam_attempt": "external_id",
    "appointment": "external_id",
    "task": "external_id",
}


async def _insert_copy(session: Any, table: str, row_id: int) -> None:
    """A new row: a copy of an existing one under another key."""
    result = await session.execute(text(f"SELECT * FROM {table} LIMIT 0"))
    columns = [name for name in result.keys() if name != "id"]  # noqa: SIM118 (a Result)
    new_key = {"version": "version + 100", "external_id": "external_id || '-copy'"}
    picks = [new_key[name] if name == COPIES[table] else name for name in columns]
    await session.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)})"
            f" SELECT {', '.join(picks)} FROM {table} WHERE id = :id"
        ),
        {"id": row_id},
    )


@pytest.mark.parametrize("table", CHILD_TABLES)
@pytest.mark.parametrize("write", ["UPDATE", "DELETE"])
async def test_a_change_to_a_clients_rows_makes_the_next_import_compare_again(
    db: Database, region: dict[str, Any], table: str, write: str
) -> None:
    await load(db, region)
    client_id = (await one(db, Client, Client.ref == REF)).id
    async with db.engine.begin() as conn:
        row_id = (await conn.execute(text(_first_row(table)), {"ref": REF})).scalar_one()
        if write == "DELETE" and table == "plan":  # its parts first (they name it), unnoted
            await conn.execute(text("DELETE FROM plan_part WHERE plan_id = :id"), {"id": row_id})
            await conn.execute(text("DELETE FROM import_change"))
        sql = UPDATES[table] if write == "UPDATE" else f"DELETE FROM {table} WHERE id = :id"
        await conn.execute(text(sql), {"id": row_id})
    assert await noted(db) == [client_id]  # that client, once, and no other
    with statements(db) as sent:
        assert (await load(db, region)).changed  # what was changed or removed is the file's again
    assert table in read_tables(sent)
    assert await noted(db) == []
    assert not (await load(db, region)).changed


@pytest.mark.parametrize("table", CHILD_TABLES)
async def test_a_row_added_by_another_path_is_not_noted(
    db: Database, region: dict[str, Any], table: str
) -> None:
    """The importer never removes a row its record does not name, so an added row changes
    nothing it would write: comparing every row finds the same as skipping them."""
    await load(db, region)
    async with db.engine.begin() as conn:
        row_id = (await conn.execute(text(_first_row(table)), {"ref": REF})).scalar_one()
        await _insert_copy(conn, table, row_id)
    assert await noted(db) == []
    with statements(db) as sent:
        skipped = await load(db, region)
    assert not skipped.changed and read_tables(sent) & set(CHILD_TABLES) == set()
    await forget_all(db)
    compared = await load(db, region)
    assert not compared.changed and compared.as_counts() == skipped.as_counts()


async def test_the_imports_own_writes_are_not_noted(db: Database, region: dict[str, Any]) -> None:
    await load(db, region)
    changed = copy.deepcopy(region)
    for client in changed["clients"]:
        for task in client.get("tasks", []):
            task["title"] += " (new)"
    assert (await load(db, changed))["tasks"].updated == _tasks(region)
    assert await noted(db) == []
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM import_running"))).scalar_one() == 0


async def test_a_done_press_makes_the_next_import_compare_again(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    digest = await digest_of(db)
    task = await press_done(db, "hrn12-t-knm")
    assert await noted(db) == [task.client_id] and await digest_of(db) == digest
    with statements(db) as sent:
        summary: ImportSummary = await load(db, region)
    assert "task" in read_tables(sent)
    assert not summary.changed  # what the client marked done stays done
    assert (await one(db, Task, Task.id == task.id)).status == TaskStatus.DONE
    assert await noted(db) == [] and await digest_of(db) == digest


async def test_a_refused_import_leaves_digests_and_notes_as_they_were(
    db: Database, region: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One client a batch: the changed client's rows, digest and notes are written before the
    last client is refused, and all of it is rolled back."""
    monkeypatch.setattr(importer, "BATCH", 1)
    await load(db, region)
    await press_done(db, "hrn12-t-knm")
    before = {c.ref: c.import_digest for c in await all_rows(db, Client)}
    notes = await noted(db)
    broken = copy.deepcopy(region)
    client = next(c for c in broken["clients"] if c["ref"] == REF)
    client["tasks"][0]["title"] = "A new title"
    broken["clients"][-1]["caseworker"] = "nobody-with-this-key"
    with pytest.raises(importer.ImportRejected, match="unknown staff member"):
        await load(db, broken)
    assert {c.ref: c.import_digest for c in await all_rows(db, Client)} == before
    assert await noted(db) == notes
    assert not (await load(db, region)).changed


async def test_a_change_made_while_an_import_runs_is_compared_by_the_next(
    db: Database, region: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: another transaction changes a client's row after the import read it; the
    import must not take that change for compared."""
    if db.is_sqlite:
        pytest.skip("SQLite: the import holds the write lock from its start; nobody writes")
    await load(db, region)
    await press_done(db, "hrn12-t-knm")  # so that this client is compared
    real = imports.set_digests
    done: list[bool] = []

    async def meanwhile(*args: Any, **kwargs: Any) -> None:
        if not done:
            done.append(True)
            other = Database(db.url)
            try:
                async with other.engine.begin() as conn:
                    await conn.execute(
                        text("UPDATE appointment SET bring = 'Changed meanwhile' WHERE id = :id"),
                        {
                            "id": (
                                await conn.execute(text(_first_row("appointment")), {"ref": REF})
                            ).scalar_one()
                        },
                    )
            finally:
                await other.dispose()
        await real(*args, **kwargs)

    monkeypatch.setattr(imports, "set_digests", meanwhile)
    await load(db, region)
    monkeypatch.setattr(imports, "set_digests", real)
    assert done and await noted(db) != []
    summary = await load(db, region)
    assert summary["appointments"].updated == 1  # put back to what the file says
    assert await noted(db) == []


async def test_a_note_waits_for_no_lock_on_the_client(db: Database, region: dict[str, Any]) -> None:
    """PostgreSQL: a write to a client's task while another transaction holds the client's row
    (as an import does) is not held up by it: no deadlock between an import and a Done press."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer at a time; there are no row locks")
    await load(db, region)
    other = Database(db.url)
    try:
        async with db.engine.begin() as holder, other.engine.begin() as writer:
            await holder.execute(
                text("SELECT id FROM client WHERE ref = :ref FOR UPDATE"), {"ref": REF}
            )
            await writer.execute(text("SET LOCAL lock_timeout = '2s'"))
            task_id = (await writer.execute(text(_first_row("task")), {"ref": REF})).scalar_one()
            await writer.execute(
                text("UPDATE task SET title = 'Written meanwhile' WHERE id = :id"), {"id": task_id}
            )
    finally:
        await other.dispose()
    assert len(await noted(db)) == 1


async def test_a_file_imported_again_reads_only_the_clients(
    db: Database, region: dict[str, Any], tmp_path: Path
) -> None:
    """From a file, a record is digested as the file spells it: the same bytes skip, the same
    record spelled otherwise is compared once more and changes nothing."""
    compact, indented = tmp_path / "compact.json", tmp_path / "indented.json"
    compact.write_text(json.dumps(region), encoding="utf-8")
    indented.write_text(json.dumps(region, indent=2), encoding="utf-8")
    await import_file(db, compact, rules=RULES, now=NOW)
    first = {c.ref: c.import_digest for c in await all_rows(db, Client)}
    with statements(db) as sent:
        again = await import_file(db, compact, rules=RULES, now=NOW)
    assert not again.changed and read_tables(sent) & set(CHILD_TABLES) == set()
    with statements(db) as sent:
        spelled_otherwise = await import_file(db, indented, rules=RULES, now=NOW)
    assert not spelled_otherwise.changed and read_tables(sent) >= set(CHILD_TABLES)
    assert spelled_otherwise.as_counts() == again.as_counts()
    after = {c.ref: c.import_digest for c in await all_rows(db, Client)}
    assert after.keys() == first.keys() and set(after.values()).isdisjoint(first.values())


async def test_one_import_at_a_time(db: Database, region: dict[str, Any]) -> None:
    """PostgreSQL: each import sees only its own mark, so two at once could each take the other's
    writes for its own; the second waits for the first's lock."""
    if db.is_sqlite:
        pytest.skip("SQLite: the first import's write lock keeps the second out")
    other = Database(db.url)
    try:
        async with db.transaction() as session, other.engine.connect() as conn:
            await imports.begin_import(session)
            try_lock = text("SELECT pg_try_advisory_xact_lock(:key)")
            assert not (await conn.execute(try_lock, {"key": imports.IMPORT_LOCK})).scalar_one()
            await imports.end_import(session)
    finally:
        await other.dispose()


async def test_the_notes_of_a_deleted_client_go_with_the_next_import(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    async with db.engine.begin() as conn:
        gone = (
            await conn.execute(text("SELECT id FROM client WHERE ref = :ref"), {"ref": REF})
        ).scalar_one()
        for table in ("plan_part", "plan", "exam_attempt", "appointment", "task"):
            owner = (
                "plan_id IN (SELECT id FROM plan WHERE client_id = :id)"
                if table == "plan_part"
                else "client_id = :id"
            )
            await conn.execute(text(f"DELETE FROM {table} WHERE {owner}"), {"id": gone})
        await conn.execute(text("DELETE FROM reminder WHERE client_id = :id"), {"id": gone})
        await conn.execute(text("DELETE FROM audit_event WHERE client_id = :id"), {"id": gone})
        await conn.execute(text("DELETE FROM client WHERE id = :id"), {"id": gone})
    assert gone in await noted(db)
    without = copy.deepcopy(region)
    without["clients"] = [c for c in region["clients"] if c["ref"] != REF]
    await load(db, without)
    assert await noted(db) == []
