"""privacy's own tables: the sagas (Postroom's saga table), the parts and archives of
exports, the completion records of erasures, and the erasures owed to the partner."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from postroom.saga import saga_table

__all__ = [
    "erasure_record",
    "export_archive",
    "export_part",
    "metadata",
    "partner_erasure",
    "saga",
]

metadata = sa.MetaData()

#: Every erasure and export saga (Postroom's saga primitive; created by privacy_0001).
saga = saga_table(metadata)

# A service's answer to an export, kept until the archive is made (then deleted).
export_part = sa.Table(
    "export_part",
    metadata,
    sa.Column("request_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("service", sa.Text, primary_key=True),
    sa.Column("content", JSONB, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

# The finished archive: one JSON file per service, zipped, and which parts are missing.
export_archive = sa.Table(
    "export_archive",
    metadata,
    sa.Column("request_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("partial", sa.Boolean, nullable=False),
    sa.Column("missing", JSONB, nullable=False),
    sa.Column("archive", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The tamper-evident completion records: each hashes its body with the previous hash
# and is signed with privacy's Ed25519 key. Never personal data: the subject is a keyed
# digest of the user id.
erasure_record = sa.Table(
    "erasure_record",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("request_id", UUID(as_uuid=False), nullable=False, unique=True),
    sa.Column("body", JSONB, nullable=False),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
    sa.Column("signature", sa.Text, nullable=False),
)

# An erasure owed to the partner system (HTTP only); deleted once the partner confirmed.
partner_erasure = sa.Table(
    "partner_erasure",
    metadata,
    sa.Column("request_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
)
