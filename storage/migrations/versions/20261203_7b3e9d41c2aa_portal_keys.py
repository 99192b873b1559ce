"""portal_keys: invitations from the municipal portal, its signing keys and seen nonces

Revision ID: 7b3e9d41c2aa
Revises: c922dd35fbfa
Create Date: 2026-12-03 11:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '7b3e9d41c2aa'
down_revision: str | None = 'c922dd35fbfa'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'origin',
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default='caseworker',
            )
        )
        batch_op.create_check_constraint(
            op.f('ck_invite_origin'), "origin IN ('caseworker', 'portal')"
        )
    op.create_table('portal_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('revoked_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_portal_key_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_key')),
    sa.UniqueConstraint('key_id', name=op.f('uq_portal_key_key_id'))
    )
    with op.batch_alter_table('portal_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_key_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('portal_nonce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('seen_at', storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_nonce')),
    sa.UniqueConstraint('key_id', 'nonce', name=op.f('uq_portal_nonce_key_id'))
    )
    with op.batch_alter_table('portal_nonce', schema=None) as batch_op:
        batch_op.create_index('ix_portal_nonce_key_seen', ['key_id', 'seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_nonce', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_nonce_key_seen')
    op.drop_table('portal_nonce')
    with op.batch_alter_table('portal_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_key_organisation_id'))
    op.drop_table('portal_key')
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invite_origin'), type_='check')
        batch_op.drop_column('origin')
