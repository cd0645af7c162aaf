"""The ``postroom`` command line, and its one error boundary.

Each command group is one module of this package exposing
``register(commands: argparse._SubParsersAction) -> None``; ``main`` wires them up.
A command's handler takes the parsed ``argparse.Namespace`` and returns an exit code.

Whatever goes wrong is reported the same way by every command: one line starting
``error:`` on stderr and exit code 2, never a traceback (``--debug`` shows it). Driver
and broker errors are mapped into the ``PostroomError`` tree where they happen; anything
that still escapes is reported here as unexpected, with its type.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from postroom.cli import (
    _connector,
    _demo,
    _events,
    _inbox,
    _lag,
    _migrate,
    _relay,
    _replay,
    _saga,
)
from postroom.cli._options import resolve_env_options
from postroom.cli._parser import CommandParser

__all__ = ["build_parser", "main"]

#: Command groups, in help order.
COMMAND_GROUPS = [_demo, _relay, _connector, _inbox, _migrate, _replay, _events, _lag, _saga]

#: Exit code of every failure, as argparse uses for a bad option.
ERROR_EXIT = 2


def _remember_parsers(parser: argparse.ArgumentParser) -> None:
    """Each (sub)command parser records itself in the namespace it fills, so that an
    unknown option is reported with that command's usage."""
    parser.set_defaults(_command_parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _remember_parsers(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="postroom", description="Transactional outbox/inbox: relay, inbox, operations."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    parser.add_argument(
        "--debug", action="store_true", help="log at DEBUG and show tracebacks of errors"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    _remember_parsers(parser)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        # kafka-python logs every failed connection attempt; the command says it once.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    return ERROR_EXIT


def main(argv: list[str] | None = None) -> int:
    """Run one command; any error is one ``error:`` line on stderr and exit code 2."""
    from postroom.errors import PostroomError

    args = build_parser().parse_args(argv)
    _configure_logging(args)
    try:
        resolve_env_options(args)
        result: Any = args.func(args)
    except PostroomError as exc:
        if args.debug:
            raise
        return _fail(" ".join(str(exc).split()) or type(exc).__name__)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        detail = " ".join(str(exc).split())
        return _fail(
            f"unexpected {type(exc).__module__}.{type(exc).__name__}: {detail} "
            "(run again with --debug for the traceback, and please report it)"
        )
    return int(result)
