"""The offline erasure log: an append-only JSON Lines file other teams and auditors read
without access to any service.

One line per completed erasure, in order: the completion record exactly as the
database holds it (sequence number, request id, body, previous hash, hash, Ed25519
signature). The body says what was erased where and when, by which request, for a
keyed digest of the subject: never the user id, an email or any other personal data.
``ship_erasure_log`` appends the records committed since the file's last line (one
shipper per file: the privacy scheduler); ``verify_erasure_log`` checks the file on its
own with privacy's public key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from postroom.services.privacy._records import load_chain, verify_chain

__all__ = ["LOG_NAME", "read_erasure_log", "ship_erasure_log", "verify_erasure_log"]

LOG_NAME = "erasure-log.jsonl"


def read_erasure_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _last_seq(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - 65536))
        lines = [line for line in file.read().splitlines() if line.strip()]
    return int(json.loads(lines[-1])["seq"]) if lines else 0


def ship_erasure_log(engine: sa.Engine, path: Path) -> int:
    """Append every record the database committed after the log's last line; how many."""
    with engine.connect() as connection:
        entries = load_chain(connection, after=_last_seq(path))
    if not entries:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        for entry in entries:
            file.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return len(entries)


def verify_erasure_log(path: Path, public_pem: str) -> list[str]:
    """Everything wrong with the log at ``path`` (empty: intact)."""
    try:
        entries = read_erasure_log(path)
    except (ValueError, KeyError) as exc:
        return [f"{path}: not a JSON Lines erasure log: {exc}"]
    return verify_chain(entries, public_pem)
