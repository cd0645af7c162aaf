"""users' own tables: profiles, built from auth's events and edited by their owners, and
the users' data keys (crypto-shredding: users is the key owner)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from postroom.privacy import subject_keys_table

__all__ = ["metadata", "profile", "subject_key"]

metadata = sa.MetaData()

profile = sa.Table(
    "profile",
    metadata,
    sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="active"),
    # When auth registered the user (its event's timestamp), and when we learned of it.
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("status IN ('active', 'deactivated')", name="profile_status"),
)

# One data key per user: it seals their personal fields in the events users publishes.
subject_key = subject_keys_table(metadata)
