"""The ``postroom`` command line.

Each command group lives next to the code it drives and exposes
``register(commands: argparse._SubParsersAction) -> None``; ``main`` wires them up.
A command's handler takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

__all__ = ["main"]

#: Modules whose ``register(commands)`` adds subcommands, in help order.
COMMAND_MODULES = [
    "services._cli",
    "connectors._relay_cli",
    "connectors._cli",
    "inbox._cli",
    "migrations._cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postroom", description="Transactional outbox/inbox: relay, inbox, operations."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. A ``PostroomError`` is reported as one ``error:`` line, exit 2."""
    from outbox._errors import PostroomError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        result: int = args.func(args)
    except PostroomError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
