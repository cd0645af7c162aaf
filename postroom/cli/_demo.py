"""``postroom demo``: the reference services with the embedded relay and broker."""

from __future__ import annotations

import argparse
from typing import Any

from postroom.cli._numbers import count

__all__ = ["register"]


def _demo(args: argparse.Namespace) -> int:
    from postroom.services.demo import run_demo

    run_demo(registrations=args.registrations)
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    demo = commands.add_parser(
        "demo", help="one user's story across the reference services, each step timed"
    )
    demo.add_argument(
        "--registrations", type=count(1), default=2, help="how many times to tell the story"
    )
    demo.set_defaults(func=_demo)
