"""The number types of every ``postroom`` option: each refuses, as one ``error:`` line at
parse time (before anything starts), text that is not a number, ``nan``/``inf``, and
values outside what the option can mean. Plain ``int``/``float`` let ``-1``, ``nan``
and port ``99999999`` through to the command; a test keeps every option on these.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["count", "finite", "port"]


def count(minimum: int = 0) -> Callable[[str], int]:
    """A whole number, at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text[:50]!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its message
    return parse


def finite(*, positive: bool = False) -> Callable[[str], float]:
    """A finite number of seconds, days, ...: ``> 0`` if ``positive``, else ``>= 0``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text[:50]!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text[:50]!r}")
        if value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"must be {'>' if positive else '>='} 0, got {value}")
        return value

    parse.__name__ = "number"
    return parse


def port(text: str) -> int:
    """A TCP port, 1-65535."""
    value = count(1)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {value}")
    return value
