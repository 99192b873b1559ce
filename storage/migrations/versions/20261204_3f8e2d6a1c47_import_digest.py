"""import_digest: per client, the digest of the import record its rows were written from; the
notes of other changes to those rows, and the triggers that write them
(storage/import_digest.py)

Revision ID: 3f8e2d6a1c47
Revises: 7c1d0e5a9b2f
Create Date: 2026-12-04 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '3f8e2d6a1c47'
down_revision: str | None = '7c1d0e5a9b2f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The triggers as storage/import_digest.py made them on this day, written out: this revision
# runs the same SQL whatever that module becomes (tests/test_migrations.py checks that a
# migrated schema has the triggers the models' schema has).
SQLITE_UP = [
    'DROP TRIGGER IF EXISTS plan_update_notes_import_change',
    'CREATE TRIGGER plan_update_notes_import_change AFTER UPDATE ON plan FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT NEW.client_id WHERE NEW.client_id IS NOT NULL; INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL AND OLD.client_id IS NOT NEW.client_id; END',
    'DROP TRIGGER IF EXISTS plan_delete_notes_import_change',
    'CREATE TRIGGER plan_delete_notes_import_change AFTER DELETE ON plan FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL; END',
    'DROP TRIGGER IF EXISTS plan_part_update_notes_import_change',
    'CREATE TRIGGER plan_part_update_notes_import_change AFTER UPDATE ON plan_part FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT (SELECT client_id FROM plan WHERE id = NEW.plan_id) WHERE (SELECT client_id FROM plan WHERE id = NEW.plan_id) IS NOT NULL; INSERT INTO import_change (client_id) SELECT (SELECT client_id FROM plan WHERE id = OLD.plan_id) WHERE (SELECT client_id FROM plan WHERE id = OLD.plan_id) IS NOT NULL AND (SELECT client_id FROM plan WHERE id = OLD.plan_id) IS NOT (SELECT client_id FROM plan WHERE id = NEW.plan_id); END',
    'DROP TRIGGER IF EXISTS plan_part_delete_notes_import_change',
    'CREATE TRIGGER plan_part_delete_notes_import_change AFTER DELETE ON plan_part FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT (SELECT client_id FROM plan WHERE id = OLD.plan_id) WHERE (SELECT client_id FROM plan WHERE id = OLD.plan_id) IS NOT NULL; END',
    'DROP TRIGGER IF EXISTS exam_attempt_update_notes_import_change',
    'CREATE TRIGGER exam_attempt_update_notes_import_change AFTER UPDATE ON exam_attempt FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT NEW.client_id WHERE NEW.client_id IS NOT NULL; INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL AND OLD.client_id IS NOT NEW.client_id; END',
    'DROP TRIGGER IF EXISTS exam_attempt_delete_notes_import_change',
    'CREATE TRIGGER exam_attempt_delete_notes_import_change AFTER DELETE ON exam_attempt FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL; END',
    'DROP TRIGGER IF EXISTS appointment_update_notes_import_change',
    'CREATE TRIGGER appointment_update_notes_import_change AFTER UPDATE ON appointment FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT NEW.client_id WHERE NEW.client_id IS NOT NULL; INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL AND OLD.client_id IS NOT NEW.client_id; END',
    'DROP TRIGGER IF EXISTS appointment_delete_notes_import_change',
    'CREATE TRIGGER appointment_delete_notes_import_change AFTER DELETE ON appointment FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL; END',
    'DROP TRIGGER IF EXISTS task_update_notes_import_change',
    'CREATE TRIGGER task_update_notes_import_change AFTER UPDATE ON task FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT NEW.client_id WHERE NEW.client_id IS NOT NULL; INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL AND OLD.client_id IS NOT NEW.client_id; END',
    'DROP TRIGGER IF EXISTS task_delete_notes_import_change',
    'CREATE TRIGGER task_delete_notes_import_change AFTER DELETE ON task FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM import_running) BEGIN INSERT INTO import_change (client_id) SELECT OLD.client_id WHERE OLD.client_id IS NOT NULL; END',
]

POSTGRESQL_UP = [
    "\nCREATE OR REPLACE FUNCTION note_import_change() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF EXISTS (SELECT 1 FROM import_running) THEN\n        RETURN NULL;  -- the import's own writes\n    END IF;\n    IF TG_TABLE_NAME = 'plan_part' THEN\n        INSERT INTO import_change (client_id)\n        SELECT DISTINCT plan.client_id FROM plan\n        WHERE plan.id = ANY (ARRAY(SELECT plan_id FROM changed));\n        IF TG_OP = 'UPDATE' THEN\n            INSERT INTO import_change (client_id)\n            SELECT DISTINCT plan.client_id FROM plan\n            WHERE plan.id = ANY (ARRAY(\n                SELECT plan_id FROM gone EXCEPT SELECT plan_id FROM changed\n            ));\n        END IF;\n    ELSE\n        INSERT INTO import_change (client_id) SELECT DISTINCT client_id FROM changed;\n        IF TG_OP = 'UPDATE' THEN\n            INSERT INTO import_change (client_id)\n            SELECT client_id FROM gone EXCEPT SELECT client_id FROM changed;\n        END IF;\n    END IF;\n    RETURN NULL;\nEND\n$$\n",
    'DROP TRIGGER IF EXISTS plan_update_notes_import_change ON plan',
    'CREATE TRIGGER plan_update_notes_import_change AFTER UPDATE ON plan REFERENCING OLD TABLE AS gone NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS plan_delete_notes_import_change ON plan',
    'CREATE TRIGGER plan_delete_notes_import_change AFTER DELETE ON plan REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS plan_part_update_notes_import_change ON plan_part',
    'CREATE TRIGGER plan_part_update_notes_import_change AFTER UPDATE ON plan_part REFERENCING OLD TABLE AS gone NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS plan_part_delete_notes_import_change ON plan_part',
    'CREATE TRIGGER plan_part_delete_notes_import_change AFTER DELETE ON plan_part REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS exam_attempt_update_notes_import_change ON exam_attempt',
    'CREATE TRIGGER exam_attempt_update_notes_import_change AFTER UPDATE ON exam_attempt REFERENCING OLD TABLE AS gone NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS exam_attempt_delete_notes_import_change ON exam_attempt',
    'CREATE TRIGGER exam_attempt_delete_notes_import_change AFTER DELETE ON exam_attempt REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS appointment_update_notes_import_change ON appointment',
    'CREATE TRIGGER appointment_update_notes_import_change AFTER UPDATE ON appointment REFERENCING OLD TABLE AS gone NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS appointment_delete_notes_import_change ON appointment',
    'CREATE TRIGGER appointment_delete_notes_import_change AFTER DELETE ON appointment REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS task_update_notes_import_change ON task',
    'CREATE TRIGGER task_update_notes_import_change AFTER UPDATE ON task REFERENCING OLD TABLE AS gone NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
    'DROP TRIGGER IF EXISTS task_delete_notes_import_change ON task',
    'CREATE TRIGGER task_delete_notes_import_change AFTER DELETE ON task REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_import_change()',
]

SQLITE_DOWN = [
    'DROP TRIGGER IF EXISTS plan_update_notes_import_change',
    'DROP TRIGGER IF EXISTS plan_delete_notes_import_change',
    'DROP TRIGGER IF EXISTS plan_part_update_notes_import_change',
    'DROP TRIGGER IF EXISTS plan_part_delete_notes_import_change',
    'DROP TRIGGER IF EXISTS exam_attempt_update_notes_import_change',
    'DROP TRIGGER IF EXISTS exam_attempt_delete_notes_import_change',
    'DROP TRIGGER IF EXISTS appointment_update_notes_import_change',
    'DROP TRIGGER IF EXISTS appointment_delete_notes_import_change',
    'DROP TRIGGER IF EXISTS task_update_notes_import_change',
    'DROP TRIGGER IF EXISTS task_delete_notes_import_change',
]

POSTGRESQL_DOWN = [
    'DROP TRIGGER IF EXISTS plan_update_notes_import_change ON plan',
    'DROP TRIGGER IF EXISTS plan_delete_notes_import_change ON plan',
    'DROP TRIGGER IF EXISTS plan_part_update_notes_import_change ON plan_part',
    'DROP TRIGGER IF EXISTS plan_part_delete_notes_import_change ON plan_part',
    'DROP TRIGGER IF EXISTS exam_attempt_update_notes_import_change ON exam_attempt',
    'DROP TRIGGER IF EXISTS exam_attempt_delete_notes_import_change ON exam_attempt',
    'DROP TRIGGER IF EXISTS appointment_update_notes_import_change ON appointment',
    'DROP TRIGGER IF EXISTS appointment_delete_notes_import_change ON appointment',
    'DROP TRIGGER IF EXISTS task_update_notes_import_change ON task',
    'DROP TRIGGER IF EXISTS task_delete_notes_import_change ON task',
    'DROP FUNCTION IF EXISTS note_import_change()',
]


def _statements(up: bool) -> list[str]:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if up:
        return POSTGRESQL_UP if postgresql else SQLITE_UP
    return POSTGRESQL_DOWN if postgresql else SQLITE_DOWN


def upgrade() -> None:
    op.create_table('import_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_change'))
    )
    op.create_index(op.f('ix_import_change_client_id'), 'import_change', ['client_id'], unique=False)
    op.create_table('import_running',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_running'))
    )
    # A plain ADD COLUMN on both databases (no copy of the table on SQLite).
    op.add_column('client', sa.Column('import_digest', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
    # Not batch mode: on SQLite that copies the client table and drops the old one, and with
    # foreign keys on, the drop deletes every row that names a client.
    op.execute('ALTER TABLE client DROP COLUMN import_digest')
    op.drop_table('import_running')
    op.drop_index(op.f('ix_import_change_client_id'), table_name='import_change')
    op.drop_table('import_change')
