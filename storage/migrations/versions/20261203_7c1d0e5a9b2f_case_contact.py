"""case_contact: the contact outbox for the case system; client party and zaak; task link and write-back

Revision ID: 7c1d0e5a9b2f
Revises: 7a3d5e2c9b14
Create Date: 2026-12-03 11:10:58.523312
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '7c1d0e5a9b2f'
down_revision: str | None = '7a3d5e2c9b14'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('remote_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('task_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('queued_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('question', 'answer')", name=op.f('ck_case_contact_kind')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_case_contact_status')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_case_contact_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_case_contact_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_case_contact_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_contact')),
    sa.UniqueConstraint('key', name=op.f('uq_case_contact_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_case_contact_message_id'))
    )
    with op.batch_alter_table('case_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_contact_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_contact_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_contact_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_contact_status'), ['status'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('zaak_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('remote_due_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('remote_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_task_remote_due_at'), ['remote_due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_remote_due_at'))
        batch_op.drop_column('remote_attempts')
        batch_op.drop_column('remote_due_at')
        batch_op.drop_column('link')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('zaak_uuid')
        batch_op.drop_column('party_uuid')

    with op.batch_alter_table('case_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_contact_status'))
        batch_op.drop_index(batch_op.f('ix_case_contact_question_id'))
        batch_op.drop_index(batch_op.f('ix_case_contact_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_case_contact_client_id'))

    op.drop_table('case_contact')
