"""privacy: sagas, export parts and archives, erasure records, partner erasures.

Revision ID: privacy_0001
Revises:
Create Date: 2026-11-24

New tables only: no lock on anything that exists. The saga table is Postroom's
(``postroom.saga.create_saga_table``): Postroom ships no revision for it, each
coordinating service creates it in its own history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from postroom.saga import create_saga_table

revision = "privacy_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_saga_table(op)
    op.create_table(
        "export_part",
        sa.Column("request_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("service", sa.Text, primary_key=True),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "export_archive",
        sa.Column("request_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("partial", sa.Boolean, nullable=False),
        sa.Column("missing", JSONB, nullable=False),
        sa.Column("archive", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "erasure_record",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("request_id", UUID(as_uuid=False), nullable=False, unique=True),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
    )
    op.create_table(
        "partner_erasure",
        sa.Column("request_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("partner_erasure")
    op.drop_table("erasure_record")
    op.drop_table("export_archive")
    op.drop_table("export_part")
    op.drop_index("ix_postroom_saga_subject", table_name="postroom_saga")
    op.drop_index("ix_postroom_saga_due", table_name="postroom_saga")
    op.drop_table("postroom_saga")
