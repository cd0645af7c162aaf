"""Durable source offsets: which database they belong to, and what a refusal means.

Debezium's offsets live in ``<state_dir>/<connector>.offsets`` (Kafka Connect's
``FileOffsetBackingStore``). Next to it the relay keeps ``<connector>.identity.json``: the
PostgreSQL system identifier, database and slot the offsets were read from. Starting a
connector against a different one raises ``StaleOffsetsError`` before Debezium runs,
instead of letting it skip or refuse obscurely; nothing is ever reset silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa

from postroom.connectors._connector_config import ConnectorConfig
from postroom.errors import RelayError, SlotInUseError, StaleOffsetsError

__all__ = [
    "check_offsets_identity",
    "check_state_dir_writable",
    "explain_engine_failure",
    "offsets_file",
    "record_offsets_identity",
]


#: What a start-up write probe of the state directory writes (and removes): room for the
#: offsets of a few connectors. A directory that cannot take it is full for our purpose.
_PROBE_BYTES = 16 * 1024


def check_state_dir_writable(state_dir: Path) -> None:
    """Refuse to start on a state directory that is full or read-only, naming it.

    Debezium writes each connector's offsets there after every acknowledged batch; a
    relay that could not would replay from older offsets after its next restart.
    """
    probe = state_dir / ".postroom-write-probe"
    try:
        with probe.open("wb") as out:
            out.write(b"\0" * _PROBE_BYTES)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise RelayError(
            f"the relay's state directory {state_dir} cannot be written "
            f"({exc.strerror or exc}): Debezium's source offsets live there. Free space "
            "or fix its permissions, then start the relay again; nothing was read from "
            "the replication slots.",
            retriable=True,
        ) from exc
    finally:
        probe.unlink(missing_ok=True)


def offsets_file(state_dir: Path, name: str) -> Path:
    return state_dir / f"{name}.offsets"


def _identity_file(state_dir: Path, name: str) -> Path:
    return state_dir / f"{name}.identity.json"


def _identity(connector: ConnectorConfig, database_url: str) -> dict[str, str]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            system = connection.execute(
                sa.text("SELECT system_identifier::text FROM pg_control_system()")
            ).scalar_one()
            database = connection.execute(sa.text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    return {"system_identifier": system, "database": database, "slot": connector.slot_name}


def check_offsets_identity(connector: ConnectorConfig, database_url: str, state_dir: Path) -> None:
    """Refuse to start on offsets that were read from another database or slot."""
    recorded_file = _identity_file(state_dir, connector.name)
    if not recorded_file.exists() or not offsets_file(state_dir, connector.name).exists():
        return
    recorded = json.loads(recorded_file.read_text())
    current = _identity(connector, database_url)
    if recorded != current:
        raise StaleOffsetsError(
            f"connector {connector.name!r}: the offsets in "
            f"{offsets_file(state_dir, connector.name)} were read from database "
            f"{recorded.get('database')!r} (system {recorded.get('system_identifier')}, slot "
            f"{recorded.get('slot')!r}), but this connector reads {current['database']!r} "
            f"(system {current['system_identifier']}, slot {current['slot']!r}). Their LSNs "
            "mean nothing here. Use another state directory or connector name for this "
            "database; move the offsets away only if you mean to start from the slot's "
            "current position."
        )


def record_offsets_identity(connector: ConnectorConfig, database_url: str, state_dir: Path) -> None:
    """Remember which database and slot the connector's offsets come from."""
    path = _identity_file(state_dir, connector.name)
    if not path.exists():
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(_identity(connector, database_url), sort_keys=True))
        temporary.replace(path)


def explain_engine_failure(name: str, state_dir: Path, exc: BaseException) -> RelayError:
    """Map Debezium's reasons for stopping to errors that say what to do."""
    text = str(exc)
    if "trying to read change stream starting at" in text:
        return StaleOffsetsError(
            f"connector {name!r}: Debezium refuses the stored offsets in "
            f"{offsets_file(state_dir, name)}: they point at WAL its slot no longer holds "
            "(offsets from another database, or the slot was dropped and created again). "
            "Postroom never resets offsets silently: check for events lost to this relay, "
            f"then move the offsets file away to start from the slot's position. ({text})"
        )
    if "is active for PID" in text:
        return SlotInUseError(
            f"connector {name!r}: its replication slot is held by another consumer; stop the "
            f"other relay or use another slot_name ({text})"
        )
    # Anything else (PostgreSQL restarted, a connection dropped) is worth another try.
    return RelayError(f"connector {name!r} stopped: {text}", retriable=True)
