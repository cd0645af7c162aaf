"""Tamper-evident completion records of erasures: a hash chain, each link signed.

Each record's ``hash`` is SHA-256 over the previous record's hash and the canonical
JSON of its body, and ``signature`` is privacy's Ed25519 signature of that hash. Editing
one body breaks its hash; recomputing the hashes from there on breaks every signature
(the private key never leaves privacy); deleting or reordering records breaks the chain.
``verify_chain`` checks all of that with the public key alone and says what is wrong
where. The same entries, in the same form, are the offline erasure log's lines.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.services.privacy._tables import erasure_record

__all__ = [
    "GENESIS",
    "append_record",
    "chain_hash",
    "load_chain",
    "make_entry",
    "verify_chain",
]

#: The ``prev_hash`` of the first record.
GENESIS = "0" * 64
#: Serialises appends: two completions committed at once must not fork the chain.
_CHAIN_LOCK = 0x5052_4956  # "PRIV"


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(body)).hexdigest()


async def append_record(
    session: AsyncSession, request_id: str, body: dict[str, Any], private_pem: str
) -> dict[str, Any]:
    """Append the next record in ``session``'s transaction; return it as an entry."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK)))
    last = (
        await session.execute(
            sa.select(erasure_record.c.seq, erasure_record.c.hash)
            .order_by(erasure_record.c.seq.desc())
            .limit(1)
        )
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    entry = make_entry(seq, prev, request_id, body, private_pem)
    await session.execute(erasure_record.insert().values(**entry))
    return entry


def make_entry(
    seq: int, prev_hash: str, request_id: str, body: dict[str, Any], private_pem: str
) -> dict[str, Any]:
    """The chain entry following ``prev_hash``: hashed and signed."""
    digest = chain_hash(prev_hash, body)
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("completion records are signed with an Ed25519 key")
    signature = base64.b64encode(key.sign(digest.encode())).decode()
    return {
        "seq": seq,
        "request_id": request_id,
        "body": body,
        "prev_hash": prev_hash,
        "hash": digest,
        "signature": signature,
    }


def load_chain(connection: sa.Connection, *, after: int = 0) -> list[dict[str, Any]]:
    """The records after ``after``, in order, as entries (plain dicts)."""
    rows = connection.execute(
        sa.select(erasure_record).where(erasure_record.c.seq > after).order_by(erasure_record.c.seq)
    ).mappings()
    return [{**row, "request_id": str(row["request_id"])} for row in rows]


def verify_chain(entries: Iterable[Mapping[str, Any]], public_pem: str) -> list[str]:
    """Everything wrong with ``entries`` (empty: the chain is intact and every link is
    signed by the holder of the private key)."""
    key = serialization.load_pem_public_key(public_pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("completion records are verified with an Ed25519 public key")
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    for entry in entries:
        seq = entry.get("seq")
        if seq != expected_seq:
            problems.append(f"record {seq}: expected record {expected_seq} (missing or moved)")
        if entry.get("prev_hash") != prev:
            problems.append(f"record {seq}: does not follow the previous record's hash")
        if entry.get("body", {}).get("request_id") != entry.get("request_id"):
            problems.append(f"record {seq}: its request id is not its body's")
        digest = chain_hash(str(entry.get("prev_hash")), entry.get("body", {}))
        if digest != entry.get("hash"):
            problems.append(f"record {seq}: its body does not match its hash (edited)")
        try:
            key.verify(
                base64.b64decode(str(entry.get("signature"))), str(entry.get("hash")).encode()
            )
        except (InvalidSignature, ValueError):
            problems.append(f"record {seq}: the signature does not match (forged)")
        prev = str(entry.get("hash"))
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    return problems
