"""message translation: a machine translation, its engine and model beside the original

Revision ID: 7a3c1e9b5d20
Revises: 7b3e9d41c2aa
Create Date: 2026-12-03 11:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '7a3c1e9b5d20'
down_revision: str | None = '7b3e9d41c2aa'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translation', sqlmodel.sql.sqltypes.AutoString(length=8192), nullable=True))
        batch_op.add_column(sa.Column('translation_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('translation_source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column('translation_target', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column('translation_engine', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('translation_model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column('translation_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('translation_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('translation_next_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('translation_shown_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('translation_note_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index(batch_op.f('ix_message_translation_next_at'), ['translation_next_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_translation_next_at'))
        for name in (
            'translation_note_id', 'translation_shown_at', 'translation_next_at',
            'translation_attempts', 'translation_at', 'translation_model', 'translation_engine',
            'translation_target', 'translation_source', 'translation_status', 'translation',
        ):
            batch_op.drop_column(name)
