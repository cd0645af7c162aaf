"""Check a rendered connector with Debezium's own validators, in the JVM.

``validate_connector`` feeds the Kafka Connect configuration through
``PostgresConnector.validate()`` (which, once every option is valid, also connects to the
database, as a Connect worker would) or, with ``connect=False``, through the connector's
field validators only; then each transform's options through its own ``ConfigDef``.
Any refused option raises ``ConnectorValidationError`` naming the key.
"""

from __future__ import annotations

from typing import Any

from postroom.connectors._connector_config import ConnectorConfig
from postroom.connectors.relay._engine import start_jvm
from postroom.errors import ConnectorValidationError

__all__ = ["validate_connector"]


def _java_map(options: dict[str, str]) -> Any:
    import jpype

    java_map = jpype.JClass("java.util.HashMap")()
    for key, value in options.items():
        java_map.put(key, value)
    return java_map


def _errors_of(config_values: Any, *, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for value in config_values:
        messages = [str(message) for message in value.errorMessages()]
        if messages:
            errors[prefix + str(value.name())] = messages
    return errors


def validate_connector(config: ConnectorConfig, *, connect: bool = True) -> None:
    """Raise ``ConnectorValidationError`` unless Debezium accepts ``config`` as rendered."""
    import jpype

    start_jvm()
    options: dict[str, str] = config.connect_json()["config"]
    connector = jpype.JClass("io.debezium.connector.postgresql.PostgresConnector")()
    if connect:
        errors = _errors_of(connector.validate(_java_map(options)).configValues())
    else:
        configuration = jpype.JClass("io.debezium.config.Configuration")
        fields = jpype.JClass("io.debezium.connector.postgresql.PostgresConnectorConfig")
        checked = configuration.from_(_java_map(options)).validate(fields.ALL_FIELDS)
        errors = _errors_of(checked.values())
    for alias in options["transforms"].split(","):
        prefix = f"transforms.{alias}."
        own = {k[len(prefix) :]: v for k, v in options.items() if k.startswith(prefix)}
        transform = jpype.JClass(own.pop("type"))()
        errors.update(_errors_of(transform.config().validate(_java_map(own)), prefix=prefix))
    if errors:
        raise ConnectorValidationError(config.name, errors)
