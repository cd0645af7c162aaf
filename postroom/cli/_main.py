"""The ``postroom`` command line.

Each command group is one module of this package exposing
``register(commands: argparse._SubParsersAction) -> None``; ``main`` wires them up.
A command's handler takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys

from postroom.cli import _connector, _demo, _events, _inbox, _migrate, _relay, _replay

__all__ = ["build_parser", "main"]

#: Command groups, in help order.
COMMAND_GROUPS = [_demo, _relay, _connector, _inbox, _migrate, _replay, _events]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postroom", description="Transactional outbox/inbox: relay, inbox, operations."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. A ``PostroomError`` is reported as one ``error:`` line, exit 2."""
    from postroom.errors import PostroomError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        result: int = args.func(args)
    except PostroomError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return result
