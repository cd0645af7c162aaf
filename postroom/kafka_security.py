"""``KafkaSecurity``: how every Kafka client Postroom makes reaches the brokers (TLS, SASL).

One settings object, rendered two ways: keyword arguments for kafka-python (the inbox
worker, topic admin, the CLI, ops) and properties for Kafka's Java clients (the relay's
producer, Debezium's Kafka offset store). Plaintext is the default; when no object is
given, a client reads the ``POSTROOM_KAFKA_*`` environment variables (``from_env``):

- ``POSTROOM_KAFKA_SECURITY_PROTOCOL``: ``PLAINTEXT`` (default), ``SSL``,
  ``SASL_PLAINTEXT`` or ``SASL_SSL``
- ``POSTROOM_KAFKA_SSL_CAFILE``: PEM file of the CA(s) the brokers' certificates chain to
- ``POSTROOM_KAFKA_SSL_CHECK_HOSTNAME``: ``true`` (default): the certificate names the host
- ``POSTROOM_KAFKA_SASL_MECHANISM``: ``SCRAM-SHA-512`` (default), ``SCRAM-SHA-256``, ``PLAIN``
- ``POSTROOM_KAFKA_SASL_USERNAME``: the SASL user
- ``POSTROOM_KAFKA_SASL_PASSWORD``: its password (a variable, never a flag: flags show in ps)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from postroom.errors import ConfigurationError

__all__ = [
    "KAFKA_SECURITY_ENV",
    "KafkaSecurity",
    "SaslMechanism",
    "SecurityProtocol",
    "kafka_security",
    "login_refusals",
]

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]

#: Setting -> environment variable, for ``from_env`` and the CLI.
KAFKA_SECURITY_ENV = {
    "protocol": "POSTROOM_KAFKA_SECURITY_PROTOCOL",
    "ssl_cafile": "POSTROOM_KAFKA_SSL_CAFILE",
    "ssl_check_hostname": "POSTROOM_KAFKA_SSL_CHECK_HOSTNAME",
    "sasl_mechanism": "POSTROOM_KAFKA_SASL_MECHANISM",
    "sasl_username": "POSTROOM_KAFKA_SASL_USERNAME",
    "sasl_password": "POSTROOM_KAFKA_SASL_PASSWORD",
}

_JAAS_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}


def _jaas_quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, kw_only=True)
class KafkaSecurity:
    """TLS and SASL settings of a Kafka client; validated when made.

    ``protocol`` is Kafka's ``security.protocol``. With ``SSL``/``SASL_SSL``,
    ``ssl_cafile`` names the CA bundle the brokers' certificates must chain to (the
    system's trust store when None) and ``ssl_check_hostname`` makes the certificate name
    the host dialled. With ``SASL_*``, a mechanism, a user and a password are required.
    """

    protocol: SecurityProtocol = "PLAINTEXT"
    ssl_cafile: str | None = None
    ssl_check_hostname: bool = True
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.protocol not in get_args(SecurityProtocol):
            raise ConfigurationError(
                f"Kafka security protocol must be one of {', '.join(get_args(SecurityProtocol))}"
                f", got {self.protocol!r}"
            )
        if self.sasl_mechanism not in get_args(SaslMechanism):
            raise ConfigurationError(
                f"SASL mechanism must be one of {', '.join(get_args(SaslMechanism))}, "
                f"got {self.sasl_mechanism!r}"
            )
        if self.uses_sasl and not (self.sasl_username and self.sasl_password):
            raise ConfigurationError(
                f"{self.protocol} needs a SASL username and password "
                f"({KAFKA_SECURITY_ENV['sasl_username']}, {KAFKA_SECURITY_ENV['sasl_password']})"
            )
        if self.ssl_cafile is not None and not os.path.isfile(self.ssl_cafile):
            raise ConfigurationError(f"the Kafka CA file {self.ssl_cafile!r} does not exist")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KafkaSecurity:
        """The settings the ``POSTROOM_KAFKA_*`` variables give (plaintext if none)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, variable in KAFKA_SECURITY_ENV.items():
            raw = env.get(variable, "").strip()
            if raw:
                values[name] = raw
        if "protocol" in values:
            values["protocol"] = values["protocol"].upper()
        if "sasl_mechanism" in values:
            values["sasl_mechanism"] = values["sasl_mechanism"].upper()
        if "ssl_check_hostname" in values:
            flag = values["ssl_check_hostname"].lower()
            if flag not in ("true", "false", "1", "0", "yes", "no"):
                raise ConfigurationError(
                    f"{KAFKA_SECURITY_ENV['ssl_check_hostname']} must be true or false"
                )
            values["ssl_check_hostname"] = flag in ("true", "1", "yes")
        return cls(**values)

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's ``KafkaConsumer``/``KafkaProducer``/admin."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_cafile"] = self.ssl_cafile
            options["ssl_check_hostname"] = self.ssl_check_hostname
        if self.uses_sasl:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        return options

    def java_properties(self) -> dict[str, str]:
        """Properties for Kafka's Java clients (``security.protocol``, ``ssl.*``, ``sasl.*``)."""
        properties: dict[str, str] = {"security.protocol": self.protocol}
        if self.uses_tls:
            if self.ssl_cafile is not None:
                properties["ssl.truststore.type"] = "PEM"
                properties["ssl.truststore.location"] = self.ssl_cafile
            properties["ssl.endpoint.identification.algorithm"] = (
                "https" if self.ssl_check_hostname else ""
            )
        if self.uses_sasl:
            assert self.sasl_username is not None and self.sasl_password is not None
            properties["sasl.mechanism"] = self.sasl_mechanism
            properties["sasl.jaas.config"] = (
                f"{_JAAS_MODULES[self.sasl_mechanism]} required "
                f"username={_jaas_quoted(self.sasl_username)} "
                f"password={_jaas_quoted(self.sasl_password)};"
            )
        return properties


def kafka_security(security: KafkaSecurity | None) -> KafkaSecurity:
    """``security``, or what the environment says when it is None."""
    return security if security is not None else KafkaSecurity.from_env()


#: What kafka-python logs when the broker refuses the login or the TLS handshake; it then
#: retries until its bootstrap timeout and raises a timeout that no longer says why.
_REFUSALS = ("AuthenticationFailed", "CERTIFICATE_VERIFY_FAILED", "UnsupportedSaslMechanism")


class _RefusalLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if any(marker in text for marker in _REFUSALS):
            self.seen.append(text)


@contextmanager
def login_refusals() -> Iterator[list[str]]:
    """While the block runs, collect kafka-python's reports of refused logins and TLS
    handshakes, so that its later timeout can be explained (``BrokerAuthenticationError``)."""
    handler = _RefusalLog()
    logger = logging.getLogger("kafka")
    level, propagate = logger.level, logger.propagate
    if logger.getEffectiveLevel() > logging.WARNING:
        # Silenced (the CLI does, without --debug): hear the warnings, pass none on.
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    logger.addHandler(handler)
    try:
        yield handler.seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
