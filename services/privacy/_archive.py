"""The export archive: one zip, a JSON file per service and a manifest saying which
parts are in it and which are missing (a partial archive says so)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

__all__ = ["build_archive", "read_archive"]


def build_archive(
    request_id: str,
    user_id: str,
    parts: Mapping[str, Any],
    statuses: Mapping[str, str],
    created_at: str,
) -> bytes:
    """``parts`` by service; ``statuses`` every participant's ``included`` / ``missing``."""
    missing = sorted(s for s, status in statuses.items() if status != "included")
    manifest = {
        "request_id": request_id,
        "user_id": user_id,
        "created_at": created_at,
        "complete": not missing,
        "partial": bool(missing),
        "services": dict(sorted(statuses.items())),
        "missing": missing,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        for service, part in sorted(parts.items()):
            archive.writestr(f"{service}.json", json.dumps(part, indent=2, sort_keys=True))
    return buffer.getvalue()


def read_archive(data: bytes) -> dict[str, Any]:
    """The archive's files, parsed: ``{"manifest.json": {...}, "auth.json": {...}, ...}``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}
