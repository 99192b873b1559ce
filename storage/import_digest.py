"""A client's import digest, and the triggers that forget it.

The importer keeps, per client, a digest of the record it last wrote that client's rows from
(`client.import_digest`, casework/importer.py). An import that brings the same record again
recognises the client by that one value and does not read and compare the client's plan, plan
parts, exams, appointments and tasks: a second import of an unchanged file reads one row per
client instead of twenty.

The digest only holds while those rows are as that import left them. Every change to them
clears it (an update or a delete; see WRITES for why an insert does not), from whatever path
it comes: a Done press in the bot, a caseworker's edit in the
back-office, the Objects API's write-back, an SQL fix by hand. The database does it, with
triggers, so that no path can forget to. The importer sets the digest again after it has
written a client's rows, in the same transaction.

SQLite: a trigger per table and kind of write, for each row. PostgreSQL: one function, and a
trigger per table and kind of write for each statement, which sees the statement's rows as a
transition table (`changed`): an import's update of 4,000 appointments clears the digests of
its 500 clients with one UPDATE, not 4,000.

The client row itself is not covered: the importer reads it anyway and compares it each time.

Not caught: an import of a new client that runs at the very moment another transaction writes
that client's rows on PostgreSQL. The trigger there finds no digest yet to clear, and the
import then sets one. The importer's upserts have the same race with such a write already
(they would overwrite it), and an import and a caseworker's edit of a client not yet imported
do not meet in practice.

For migrations: SQLite checks these triggers when a table is renamed. A later migration that
rebuilds the client table there (Alembic's batch mode) drops them first
(`drop_statements`) and makes them again after (`create_statements`).
"""

from __future__ import annotations

from typing import Any

COLUMN = "import_digest"
LENGTH = 32  # hexadecimal blake2b of 16 bytes

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
# ever remove rows its record leaves out, an insert must clear the digest too.
WRITES = ("UPDATE", "DELETE")
FUNCTION = "forget_import_digest"


def _trigger(table: str, write: str) -> str:
    return f"{table}_{write.lower()}_forgets_import_digest"


def _sqlite_trigger(table: str, write: str) -> str:
    row = "OLD" if write == "DELETE" else "NEW"
    client = f"{row}.client_id"
    if OWNER[table] == "plan_id":
        client = f"(SELECT client_id FROM plan WHERE id = {row}.plan_id)"
    return (
        f"CREATE TRIGGER {_trigger(table, write)} AFTER {write} ON {table} FOR EACH ROW BEGIN "
        f"UPDATE client SET {COLUMN} = NULL WHERE id = {client} AND {COLUMN} IS NOT NULL; END"
    )


# The clients as an array (`id = ANY(ARRAY(...))`): an index scan of client's primary key for
# the statement's own clients, however large the table. With `id IN (SELECT ... FROM changed)`
# the planner, which knows nothing of a transition table's size, chose to read the whole client
# table for every statement of an import.
_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'plan_part' THEN
        UPDATE client SET {COLUMN} = NULL
        WHERE id = ANY (ARRAY(
            SELECT DISTINCT plan.client_id FROM plan
            WHERE plan.id = ANY (ARRAY(SELECT DISTINCT plan_id FROM changed))
        )) AND {COLUMN} IS NOT NULL;
    ELSE
        UPDATE client SET {COLUMN} = NULL
        WHERE id = ANY (ARRAY(SELECT DISTINCT client_id FROM changed)) AND {COLUMN} IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$
"""


def _postgresql_trigger(table: str, write: str) -> str:
    rows = "OLD TABLE" if write == "DELETE" else "NEW TABLE"
    return (
        f"CREATE TRIGGER {_trigger(table, write)} AFTER {write} ON {table} "
        f"REFERENCING {rows} AS changed FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def create_statements(dialect: str) -> list[str]:
    """The SQL that makes a schema forget digests (replacing the triggers if they exist)."""
    if dialect == "postgresql":
        made = [_POSTGRESQL_FUNCTION]
        trigger = _postgresql_trigger
        drop = "DROP TRIGGER IF EXISTS {name} ON {table}"
    elif dialect == "sqlite":
        made = []
        trigger = _sqlite_trigger
        drop = "DROP TRIGGER IF EXISTS {name}"
    else:
        raise ValueError(f"no import digest triggers for {dialect}")
    for table in OWNER:
        for write in WRITES:
            made.append(drop.format(name=_trigger(table, write), table=table))
            made.append(trigger(table, write))
    return made


def drop_statements(dialect: str) -> list[str]:
    """The SQL that takes them away again (the migration's downgrade)."""
    if dialect == "postgresql":
        dropped = [
            f"DROP TRIGGER IF EXISTS {_trigger(table, write)} ON {table}"
            for table in OWNER
            for write in WRITES
        ]
        return [*dropped, f"DROP FUNCTION IF EXISTS {FUNCTION}()"]
    return [
        f"DROP TRIGGER IF EXISTS {_trigger(table, write)}" for table in OWNER for write in WRITES
    ]


def create_triggers(target: Any, connection: Any, **_: Any) -> None:
    """After `metadata.create_all` (the tests' and benchmarks' schemas): the same triggers the
    migration makes."""
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
