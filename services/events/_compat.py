"""Breaking-change check: the contracts now against a committed snapshot of them.

The snapshot holds every (event type, schema version)'s JSON Schema. For each one:

- still declared at that version: it must accept everything it accepted (no field
  removed, none newly required, no type changed); otherwise that is a breaking change;
- or a newer version exists: then upcasters must lead from the snapshot's version to
  it, so old payloads still reach consumers in the new shape;
- or the event type is gone: breaking.

``postroom events check`` prints what is found and exits non-zero;
``postroom events check --update`` rewrites the snapshot after a deliberate change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from postroom.services.events._contract import Catalog, catalog

__all__ = ["DEFAULT_SNAPSHOT", "breaking_changes", "load_snapshot", "snapshot", "write_snapshot"]

#: The committed snapshot of the reference services' contracts.
DEFAULT_SNAPSHOT = Path(__file__).with_name("snapshot.json")


def snapshot(of: Catalog = catalog) -> dict[str, Any]:
    """Every contract's JSON Schema, keyed ``EventType.vN`` (stable JSON)."""
    return {
        f"{c.event_type}.v{c.schema_version}": {
            "event_type": c.event_type,
            "schema_version": c.schema_version,
            "aggregate_type": c.aggregate_type,
            "schema": c.model_json_schema(),
        }
        for c in of
    }


def write_snapshot(path: Path = DEFAULT_SNAPSHOT, of: Catalog = catalog) -> None:
    path.write_text(json.dumps(snapshot(of), indent=2, sort_keys=True) + "\n")


def load_snapshot(path: Path = DEFAULT_SNAPSHOT) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _types(schema: dict[str, Any]) -> set[str]:
    if "anyOf" in schema:
        return set().union(*(_types(option) for option in schema["anyOf"]))
    found = schema.get("type")
    if isinstance(found, list):
        return set(found)
    return {str(found)} if found else {json.dumps(schema, sort_keys=True)}


def _schema_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for field in sorted(set(old_props) - set(new_props)):
        problems.append(f"{name}: field {field!r} was removed")
    for field in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{name}: field {field!r} is newly required")
    for field in sorted(set(old_props) & set(new_props)):
        if not _types(old_props[field]) <= _types(new_props[field]):
            problems.append(
                f"{name}: field {field!r} changed type from "
                f"{sorted(_types(old_props[field]))} to {sorted(_types(new_props[field]))}"
            )
    if old.get("additionalProperties") is not False and new.get("additionalProperties") is False:
        problems.append(f"{name}: no longer accepts additional fields")
    return problems


def breaking_changes(old: dict[str, Any], of: Catalog = catalog) -> list[str]:
    """What in ``of`` breaks consumers written against snapshot ``old`` (empty: nothing)."""
    problems: list[str] = []
    current = snapshot(of)
    for name, entry in sorted(old.items()):
        event_type, version = entry["event_type"], entry["schema_version"]
        newest = max(
            (e["schema_version"] for e in current.values() if e["event_type"] == event_type),
            default=None,
        )
        if newest is None:
            problems.append(f"{name}: event type {event_type!r} is no longer declared")
            continue
        changes = (
            _schema_changes(name, entry["schema"], current[name]["schema"])
            if name in current
            else [f"{name}: schema version {version} is no longer declared"]
        )
        if not changes:
            continue
        if newest > version:
            missing = [
                step for step in range(version, newest) if (event_type, step) not in of.upcasters
            ]
            if not missing:
                continue  # a new version, and upcasters all the way to it
            problems.append(
                f"{name}: changed, and {event_type} v{newest} has no upcaster from "
                + ", ".join(f"v{step}" for step in missing)
            )
            continue
        problems.extend(changes)
        problems.append(
            f"{name}: a breaking change needs a new schema version (v{version + 1}) "
            "and an upcaster from v" + str(version)
        )
    return problems
