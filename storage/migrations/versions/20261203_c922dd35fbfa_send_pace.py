"""send_pace: send slots shared by every dispatcher process

Revision ID: c922dd35fbfa
Revises: 5e55101a7b1d
Create Date: 2026-12-03 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = 'c922dd35fbfa'
down_revision: str | None = '5e55101a7b1d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('send_pace',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_send_pace')),
    sa.UniqueConstraint('key', name=op.f('uq_send_pace_key'))
    )


def downgrade() -> None:
    op.drop_table('send_pace')
