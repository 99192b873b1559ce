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

from storage import import_digest

revision: str = '3f8e2d6a1c47'
down_revision: str | None = '7c1d0e5a9b2f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    for statement in import_digest.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in import_digest.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    # Not batch mode: on SQLite that copies the client table and drops the old one, and with
    # foreign keys on, the drop deletes every row that names a client.
    op.execute('ALTER TABLE client DROP COLUMN import_digest')
    op.drop_table('import_running')
    op.drop_index(op.f('ix_import_change_client_id'), table_name='import_change')
    op.drop_table('import_change')
