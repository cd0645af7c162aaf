"""Options every command group shares, each read from the same environment variable.

An option backed by an environment variable (``--database-url`` by
``POSTROOM_DATABASE_URL``, ...) takes the flag if given, else the variable; a required
one missing from both stops the command with one line naming both. The README's
configuration table lists ``ENVIRONMENT``; a test keeps the two in step.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from postroom.errors import ConfigurationError

__all__ = [
    "BOOTSTRAP_SERVERS",
    "CONNECT_URL",
    "DATABASE_URL",
    "ENVIRONMENT",
    "STATE_DIR",
    "EnvOption",
    "add_env_option",
    "add_json_option",
    "resolve_env_options",
]


@dataclass(frozen=True)
class EnvOption:
    """A command-line flag with an environment variable standing in for it."""

    flag: str
    env: str
    help: str
    metavar: str

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


DATABASE_URL = EnvOption(
    "--database-url",
    "POSTROOM_DATABASE_URL",
    "the service's PostgreSQL: postgresql://, postgresql+psycopg:// or postgresql+asyncpg://",
    "URL",
)
BOOTSTRAP_SERVERS = EnvOption(
    "--bootstrap-servers",
    "POSTROOM_BOOTSTRAP_SERVERS",
    "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]",
    "SERVERS",
)
CONNECT_URL = EnvOption(
    "--connect-url",
    "POSTROOM_CONNECT_URL",
    "Kafka Connect's REST URL, e.g. http://connect:8083",
    "URL",
)
STATE_DIR = EnvOption(
    "--state-dir",
    "POSTROOM_STATE_DIR",
    "the relay's directory for source offsets (<name>.offsets, <name>.identity.json)",
    "DIR",
)

#: Every environment variable the ``postroom`` command reads, by the flag it stands for.
ENVIRONMENT = (DATABASE_URL, BOOTSTRAP_SERVERS, CONNECT_URL, STATE_DIR)


@dataclass(frozen=True)
class _Unset:
    """The default of an env-backed option: resolved after parsing."""

    option: EnvOption
    required: bool


def add_env_option(
    parser: argparse.ArgumentParser, option: EnvOption, *, required: bool = True
) -> None:
    """Add ``option.flag``; its value comes from ``option.env`` when the flag is absent."""
    need = "" if required else "; optional"
    parser.add_argument(
        option.flag,
        default=_Unset(option, required),
        metavar=option.metavar,
        help=f"{option.help} (env {option.env}{need})",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print JSON instead of a table or a sentence"
    )


def resolve_env_options(args: argparse.Namespace) -> None:
    """Fill every env-backed option left unset from its variable; refuse a missing one."""
    for name, value in vars(args).items():
        if not isinstance(value, _Unset):
            continue
        found = os.environ.get(value.option.env, "").strip() or None
        if found is None and value.required:
            raise ConfigurationError(
                f"{value.option.flag} is required: give it, or set {value.option.env}"
            )
        setattr(args, name, found)
