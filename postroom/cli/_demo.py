"""``postroom demo``: the reference services with the embedded relay and broker."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def _demo(args: argparse.Namespace) -> int:
    from postroom.services.demo import run_demo

    run_demo(registrations=args.registrations)
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    demo = commands.add_parser(
        "demo", help="register users in auth and watch them reach users, through Debezium"
    )
    demo.add_argument("--registrations", type=int, default=3, help="how many users to register")
    demo.set_defaults(func=_demo)
