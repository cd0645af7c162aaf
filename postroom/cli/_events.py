"""``postroom events asyncapi|check``: the event contracts, described and guarded.

``asyncapi`` prints (or ``--out`` writes) the AsyncAPI 3.0 document of every topic and
event the catalog declares. ``check`` compares the contracts with the committed snapshot
and exits 1 listing every breaking change (a field removed, newly required or retyped)
that has no new schema version with upcasters; ``check --update`` rewrites the snapshot
after a deliberate, compatible change. ``--catalog module:name`` picks another catalog
(default: the reference services').
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from postroom.cli._options import add_json_option
from postroom.errors import ConfigurationError

__all__ = ["register"]

DEFAULT_CATALOG = "postroom.services.events:catalog"


def _catalog(spec: str) -> Any:
    from postroom.services.events import Catalog

    module, _, name = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module), name or "catalog")
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"no events catalog at {spec!r}: {exc}") from exc
    if not isinstance(found, Catalog):
        raise ConfigurationError(f"{spec!r} is not an events Catalog")
    return found


def _asyncapi(args: argparse.Namespace) -> int:
    from postroom.services.events import asyncapi_document

    text = json.dumps(asyncapi_document(_catalog(args.catalog)), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    return 0


def _check(args: argparse.Namespace) -> int:
    from postroom.services.events import (
        DEFAULT_SNAPSHOT,
        breaking_changes,
        load_snapshot,
        write_snapshot,
    )

    catalog = _catalog(args.catalog)
    path: Path = args.snapshot or DEFAULT_SNAPSHOT
    if args.update:
        write_snapshot(path, catalog)
        sys.stdout.write(f"wrote {path}\n")
        return 0
    if not path.is_file():
        raise ConfigurationError(
            f"no snapshot at {path}: run `postroom events check --update` to write one"
        )
    problems = breaking_changes(load_snapshot(path), catalog)
    if args.json:
        sys.stdout.write(json.dumps({"snapshot": str(path), "breaking": problems}) + "\n")
        return 1 if problems else 0
    for problem in problems:
        sys.stdout.write(f"breaking: {problem}\n")
    if problems:
        return 1
    sys.stdout.write(f"ok: the contracts are compatible with {path}\n")
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    events = commands.add_parser("events", help="event contracts: AsyncAPI document, compat check")
    actions = events.add_subparsers(dest="events_command", required=True)
    asyncapi = actions.add_parser("asyncapi", help="print the AsyncAPI 3.0 document")
    asyncapi.add_argument("--out", type=Path, help="write it here instead of stdout")
    check = actions.add_parser("check", help="fail on a breaking change against the snapshot")
    check.add_argument("--snapshot", type=Path, help="default: the committed one")
    check.add_argument("--update", action="store_true", help="rewrite the snapshot")
    add_json_option(check)
    for parser in (asyncapi, check):
        parser.add_argument("--catalog", default=DEFAULT_CATALOG, help="module:name")
    asyncapi.set_defaults(func=_asyncapi)
    check.set_defaults(func=_check)
