"""import_digest: per client, the digest of the import record its rows were written from, and
the triggers that clear it on any other write to those rows (storage/import_digest.py)

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
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_digest', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    for statement in import_digest.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in import_digest.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('import_digest')
