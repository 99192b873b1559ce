"""A client's import digest, and the triggers that note every other change to its rows.

The importer keeps, per client, a digest of the record it last wrote that client's rows from
(`client.import_digest`, casework/importer.py). An import that brings the same record again
recognises the client by that one value and does not read and compare the client's plan, plan
parts, exams, appointments and tasks: a second import of an unchanged file reads one row per
client instead of twenty.

The digest only holds while those rows are as that import left them. Every change to them
from another path (an update or a delete; see WRITES for why an insert does not matter) is
noted as a row in `import_change`: a Done press in the bot, a caseworker's edit in the
back-office, the Objects API's write-back, an SQL fix by hand. The database does it, with
triggers, so that no path can forget to. Two kinds of write pass them by, and nothing here uses
either: SQLite's `INSERT OR REPLACE` (its delete fires no trigger while `recursive_triggers`
is off) and PostgreSQL's `TRUNCATE`. After either, clear the digests by hand
(`UPDATE client SET import_digest = NULL`). A client with a noted change is compared again by
the next import, which then removes the notes it read, and only those.

Why a table of notes, and not the digest cleared by the trigger: clearing it would make every
writer lock the client row after the row it changed, where the importer locks the client row
first; a Done press during an import could then deadlock with it. An insert into a table with
no key to wait on locks nothing another transaction holds. And a change committed while an
import runs leaves a note the import did not read, so the next import still compares that
client: a digest written over a cleared one would have hidden it.

The importer's own writes note nothing: while an import runs, its transaction holds a row in
`import_running`, and the triggers do nothing when they see one. No other transaction sees that
row (it is deleted before the import commits, and rolled back with it), so their changes are
noted as ever. One import runs at a time: on PostgreSQL the import takes an advisory lock
until it ends (two imports at once would each take the other's writes for its own); on SQLite
the mark is the import's first write, so the import holds SQLite's write lock from its start
and no other process writes between the import's reads and its writes (a write elsewhere waits
for it, up to the busy timeout of storage/db.py).

SQLite: a trigger per table and kind of write, for each row. PostgreSQL: one function, and a
trigger per table and kind of write for each statement, which sees the statement's rows as
transition tables: an update of 4,000 appointments notes its 500 clients with one INSERT.

The client row itself is not covered: the importer reads it anyway and compares it each time.

The notes of a deleted client (its rows' deletes noted it) are removed at the end of each
import.

For migrations: the revision that made them writes their SQL out, and tests/test_migrations.py
checks that a migrated schema has the triggers this module makes. SQLite drops a table's
triggers with the table, and refuses to rename a table
that a trigger names but that is gone. A later migration that rebuilds one of these tables or
`client` there (Alembic's batch mode) drops the triggers first (`drop_statements`) and makes
them again after (`create_statements`).
"""

from __future__ import annotations

from typing import Any

COLUMN = "import_digest"
LENGTH = 32  # hexadecimal blake2b of 16 bytes
CHANGES = "import_change"  # (id, client_id): a change the importer has not read yet
RUNNING = "import_running"  # a row while this transaction imports

# The tables whose rows an import writes for a client, and how a row names its client.
OWNER = {
    "plan": "client_id",
    "plan_part": "plan_id",  # through plan.client_id
    "exam_attempt": "client_id",
    "appointment": "client_id",
    "task": "client_id",
}
# An update or a delete, not an insert: the importer never removes a row its record does not
# name, so a row added by another path (a new appointment made in the back-office) changes
# nothing an import of the same record would write. Not watching inserts keeps the triggers out
# of a first import, which inserts every row (`python -m bench import`). Should the importer
# ever remove rows its record leaves out, an insert must be noted too.
WRITES = ("UPDATE", "DELETE")
FUNCTION = "note_import_change"


def _trigger(table: str, write: str) -> str:
    return f"{table}_{write.lower()}_notes_import_change"


def _sqlite_client(table: str, row: str) -> str:
    if OWNER[table] == "plan_id":
        return f"(SELECT client_id FROM plan WHERE id = {row}.plan_id)"
    return f"{row}.client_id"


def _sqlite_trigger(table: str, write: str) -> str:
    def note(row: str, also: str = "") -> str:
        client = _sqlite_client(table, row)
        return (
            f"INSERT INTO {CHANGES} (client_id) SELECT {client} WHERE {client} IS NOT NULL{also};"
        )

    if write == "DELETE":
        notes = note("OLD")
    else:  # an update: the owner after, and the one before when it is another
        before, after = _sqlite_client(table, "OLD"), _sqlite_client(table, "NEW")
        notes = f"{note('NEW')} {note('OLD', f' AND {before} IS NOT {after}')}"
    return (
        f"CREATE TRIGGER {_trigger(table, write)} AFTER {write} ON {table} FOR EACH ROW"
        f" WHEN NOT EXISTS (SELECT 1 FROM {RUNNING}) BEGIN {notes} END"
    )


# The clients as an array (`= ANY(ARRAY(...))`): plan_part's owners by plan's primary key,
# whatever the table's size; the planner knows nothing of a transition table's size.
_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {RUNNING}) THEN
        RETURN NULL;  -- the import's own writes
    END IF;
    IF TG_TABLE_NAME = 'plan_part' THEN
        INSERT INTO {CHANGES} (client_id)
        SELECT DISTINCT plan.client_id FROM plan
        WHERE plan.id = ANY (ARRAY(SELECT plan_id FROM changed));
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO {CHANGES} (client_id)
            SELECT DISTINCT plan.client_id FROM plan
            WHERE plan.id = ANY (ARRAY(
                SELECT plan_id FROM gone EXCEPT SELECT plan_id FROM changed
            ));
        END IF;
    ELSE
        INSERT INTO {CHANGES} (client_id) SELECT DISTINCT client_id FROM changed;
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO {CHANGES} (client_id)
            SELECT client_id FROM gone EXCEPT SELECT client_id FROM changed;
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""


def _postgresql_trigger(table: str, write: str) -> str:
    rows = "OLD TABLE AS changed" if write == "DELETE" else "OLD TABLE AS gone NEW TABLE AS changed"
    return (
        f"CREATE TRIGGER {_trigger(table, write)} AFTER {write} ON {table} "
        f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def _drop(dialect: str, table: str, write: str) -> str:
    on = f" ON {table}" if dialect == "postgresql" else ""
    return f"DROP TRIGGER IF EXISTS {_trigger(table, write)}{on}"


def create_statements(dialect: str) -> list[str]:
    """The SQL that makes a schema note changes (replacing the triggers if they exist)."""
    if dialect == "postgresql":
        made, trigger = [_POSTGRESQL_FUNCTION], _postgresql_trigger
    elif dialect == "sqlite":
        made, trigger = [], _sqlite_trigger
    else:
        raise ValueError(f"no import change triggers for {dialect}")
    for table in OWNER:
        for write in WRITES:
            made += [_drop(dialect, table, write), trigger(table, write)]
    return made


def drop_statements(dialect: str) -> list[str]:
    """The SQL that takes them away again (the migration's downgrade)."""
    dropped = [_drop(dialect, table, write) for table in OWNER for write in WRITES]
    if dialect == "postgresql":
        dropped.append(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    return dropped


def create_triggers(target: Any, connection: Any, **_: Any) -> None:
    """After `metadata.create_all` (the tests' and benchmarks' schemas): the same triggers the
    migration makes."""
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
