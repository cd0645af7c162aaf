"""The argument parser every ``postroom`` command shares.

argparse reports a bad option as ``postroom relay: error: ...`` after the usage of
whichever parser noticed, and an unknown option after the *top-level* usage. Here every
parser, subcommands included, prints the usage of the command that was typed, then one
line starting ``error:``, and exits 2, the same as every other failure.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["CommandParser"]


class CommandParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one ``error:`` line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Let the innermost command report arguments it does not know, with its usage."""
        parsed, extras = super().parse_known_args(args, namespace)
        command = getattr(parsed, "_command_parser", None)
        if extras and isinstance(command, CommandParser) and command is not self:
            command.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras
