"""How commands print: JSON for machines, rich tables and one-line sentences for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["print_json", "say", "table"]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """One line on stdout, flushed (a supervisor reading the pipe sees it at once)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def table(title: str, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    shown = Table(title=title)
    for column in columns:
        shown.add_column(column)
    for row in rows:
        shown.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
    Console().print(shown)
