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
from postroom.kafka_security import KAFKA_SECURITY_ENV, KafkaSecurity

__all__ = [
    "BOOTSTRAP_SERVERS",
    "CONNECT_URL",
    "DATABASE_URL",
    "ENVIRONMENT",
    "KAFKA_SECURITY",
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

KAFKA_SECURITY_PROTOCOL = EnvOption(
    "--kafka-security-protocol",
    KAFKA_SECURITY_ENV["protocol"],
    "Kafka security.protocol: PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL",
    "PROTOCOL",
)
KAFKA_SSL_CAFILE = EnvOption(
    "--kafka-ssl-cafile",
    KAFKA_SECURITY_ENV["ssl_cafile"],
    "PEM file of the CA the brokers' certificates chain to (TLS)",
    "FILE",
)
KAFKA_SASL_MECHANISM = EnvOption(
    "--kafka-sasl-mechanism",
    KAFKA_SECURITY_ENV["sasl_mechanism"],
    "SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN",
    "MECHANISM",
)
KAFKA_SASL_USERNAME = EnvOption(
    "--kafka-sasl-username",
    KAFKA_SECURITY_ENV["sasl_username"],
    f"the SASL user; its password only from {KAFKA_SECURITY_ENV['sasl_password']}",
    "USER",
)
#: Given with ``--bootstrap-servers`` to every command that talks to Kafka.
KAFKA_SECURITY = (
    KAFKA_SECURITY_PROTOCOL,
    KAFKA_SSL_CAFILE,
    KAFKA_SASL_MECHANISM,
    KAFKA_SASL_USERNAME,
)

#: Every environment variable the ``postroom`` command reads, by the flag it stands for.
ENVIRONMENT = (DATABASE_URL, BOOTSTRAP_SERVERS, CONNECT_URL, STATE_DIR, *KAFKA_SECURITY)


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
    if option is BOOTSTRAP_SERVERS:
        for security in KAFKA_SECURITY:
            add_env_option(parser, security, required=False)


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
    _apply_kafka_security(args)


def _apply_kafka_security(args: argparse.Namespace) -> None:
    """Every Kafka client of the command reads ``POSTROOM_KAFKA_*`` (``KafkaSecurity``):
    a flag given wins by standing in for its variable in this process. The result is
    checked at once, so a bad combination is one line before anything connects."""
    given = False
    for option in KAFKA_SECURITY:
        value = getattr(args, option.dest, None)
        if value is not None:
            os.environ[option.env] = value
            given = True
    if given or any(os.environ.get(v) for v in KAFKA_SECURITY_ENV.values()):
        KafkaSecurity.from_env()
