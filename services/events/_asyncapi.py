"""The AsyncAPI 3.0 document of every topic and event the catalog declares.

One channel per topic (``outbox.event.<aggregate type>``), one message per event type and
schema version (``UserRegistered.v1``), with the payload's JSON Schema from its pydantic
model and the headers every Postroom record carries. One ``send`` operation per channel.
"""

from __future__ import annotations

from typing import Any

from postroom.outbox import wire
from postroom.services.events._contract import Catalog, EventContract, catalog

__all__ = ["asyncapi_document"]


def _headers(contract: type[EventContract]) -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": [wire.ID_HEADER, wire.EVENT_TYPE_HEADER, wire.SCHEMA_VERSION_HEADER],
        "properties": {
            wire.ID_HEADER: {**text, "format": "uuid", "description": "event id (dedupe key)"},
            wire.EVENT_TYPE_HEADER: {**text, "const": contract.event_type},
            wire.SCHEMA_VERSION_HEADER: {**text, "const": str(contract.schema_version)},
            wire.TIMESTAMP_HEADER: {**text, "format": "date-time"},
            wire.TRACEPARENT_HEADER: text,
            "subjectId": {**text, "description": "the data subject (a user id)"},
        },
    }


def _message_key(contract: type[EventContract]) -> str:
    return f"{contract.event_type}.v{contract.schema_version}"


def _summary(contract: type[EventContract]) -> str:
    return contract.summary or (contract.__doc__ or contract.event_type).strip().splitlines()[0]


def asyncapi_document(
    of: Catalog = catalog, *, title: str = "Postroom reference services", version: str = "1.0.0"
) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document (a JSON-ready dict) of ``of``'s contracts."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in of:
        key = _message_key(contract)
        schema = contract.model_json_schema()
        schema.pop("title", None)
        messages[key] = {
            "name": contract.event_type,
            "title": f"{contract.event_type} (schema version {contract.schema_version})",
            "summary": _summary(contract),
            "contentType": "application/json",
            "headers": _headers(contract),
            "payload": schema,
            "x-schema-version": contract.schema_version,
        }
        channel = channels.setdefault(
            contract.aggregate_type,
            {
                "address": wire.topic_for(contract.aggregate_type),
                "description": f"Events of aggregate type {contract.aggregate_type!r}, "
                "keyed by aggregate id (order is kept per key).",
                "messages": {},
            },
        )
        channel["messages"][key] = {"$ref": f"#/components/messages/{key}"}
    for name, channel in channels.items():
        operations[f"publish_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [
                {"$ref": f"#/channels/{name}/messages/{key}"} for key in channel["messages"]
            ],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Every event the services publish through their outboxes; "
            "each payload is validated against its contract before it is written.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
