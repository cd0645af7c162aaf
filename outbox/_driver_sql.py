"""The SQL ``publish`` and ``publish_many`` run, as driver-level text: no per-call
SQLAlchemy compilation, one statement text per mode (so the driver prepares it once per
connection: psycopg after a few executions, asyncpg at once).

Batches pass one array per column and ``unnest`` them, so a batch of any size is the same
prepared statement: ``table`` mode one multi-row INSERT and one DELETE ``= ANY(ids)``,
``retain`` one multi-row INSERT, ``wal-message`` one SELECT emitting a message per event,
in the events' order.

Placeholders are written ``{0}``, ``{1}``...; ``render`` turns them into the driver's
(``%s`` for psycopg, ``$1`` for asyncpg).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from postroom.outbox import wire
from postroom.outbox._event import Event

__all__ = ["DriverSql", "batch_params", "event_params"]

#: the envelope fields whose PostgreSQL types are not text
_TYPES = {"id": "uuid", "payload": "text", "timestamp": "timestamptz", "schemaversion": "integer"}
_FIELDS = wire.ENVELOPE_FIELDS


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _envelope(values: list[str]) -> str:
    """``jsonb_build_object`` of the envelope, built by PostgreSQL: the payload is
    jsonb-normalised exactly as in the table modes, so the relayed bytes are the same."""
    pairs = []
    for name, value in zip(_FIELDS, values, strict=True):
        if name == "payload":
            pairs.append(f"'payload', CAST(CAST({value} AS jsonb) AS text)")
        elif name == "schemaversion":
            pairs.append(f"'schemaversion', CAST({value} AS integer)")
        else:
            pairs.append(f"'{name}', CAST({value} AS text)")
    return f"jsonb_build_object({', '.join(pairs)})::text"


@dataclass(frozen=True)
class DriverSql:
    """The statements of one mode against one table, with ``{n}`` placeholders."""

    one: tuple[str, ...]  # per event: each statement takes ``event_params`` (or the id)
    many: tuple[str, ...]  # per batch: each takes ``batch_params`` (or the id array)

    @classmethod
    def for_mode(cls, mode: str, table: str, schema: str | None) -> DriverSql:
        columns = ", ".join(_quote(name) for name in _FIELDS)
        wal = mode == "wal-message"

        def sql_type(name: str) -> str:
            # wal-message: every field but schemaversion goes into the envelope as text
            if name == "schemaversion":
                return "integer"
            return "text" if wal else _TYPES.get(name, "text")

        single = [f"CAST({{{i}}} AS {sql_type(name)})" for i, name in enumerate(_FIELDS)]
        arrays = ", ".join(f"CAST({{{i}}} AS {sql_type(name)}[])" for i, name in enumerate(_FIELDS))
        unnested = [f"u.{_quote(name)}" for name in _FIELDS]
        from_unnest = f"FROM unnest({arrays}) WITH ORDINALITY AS u({columns}, n)"
        if wal:
            prefix = wire.WAL_MESSAGE_PREFIX
            return cls(
                one=(f"SELECT pg_logical_emit_message(true, '{prefix}', {_envelope(single)})",),
                many=(
                    f"SELECT pg_logical_emit_message(true, '{prefix}', {_envelope(unnested)}) "
                    f"{from_unnest} ORDER BY u.n",
                ),
            )
        payload = _FIELDS.index("payload")
        single[payload] = f"CAST({{{payload}}} AS jsonb)"
        select = list(unnested)
        select[payload] = 'CAST(u."payload" AS jsonb)'
        target = f"{_quote(schema)}.{_quote(table)}" if schema else _quote(table)
        insert_one = f"INSERT INTO {target} ({columns}) VALUES ({', '.join(single)})"
        insert_many = (
            f"INSERT INTO {target} ({columns}) SELECT {', '.join(select)} {from_unnest} "
            "ORDER BY u.n"
        )
        if mode == "retain":
            return cls(one=(insert_one,), many=(insert_many,))
        return cls(
            one=(insert_one, f'DELETE FROM {target} WHERE "id" = CAST({{0}} AS uuid)'),
            many=(insert_many, f'DELETE FROM {target} WHERE "id" = ANY(CAST({{0}} AS uuid[]))'),
        )

    @staticmethod
    def render(sql: str, style: str) -> str:
        """``sql`` with ``{n}`` placeholders as ``%s`` (``format``) or ``$n+1``
        (``numeric_dollar``); literal ``%`` doubled for ``format``."""
        count = sql.count("{")
        if style == "format":
            return sql.replace("%", "%%").format(*(["%s"] * count))
        return sql.format(*[f"${i + 1}" for i in range(count)])


def event_params(event: Event, mode: str) -> list[Any]:
    """One event's envelope values, in ``ENVELOPE_FIELDS`` order (``wal-message``: the id
    and the timestamp as the text the envelope carries)."""
    row = wire.event_row(event)
    if mode == "wal-message":
        row["id"] = str(event.id)
        row["timestamp"] = wire.format_timestamp(event.timestamp)
    return [row[name] for name in _FIELDS]


def batch_params(events: list[Event], mode: str) -> list[list[Any]]:
    """One array per envelope field, the events in order."""
    rows = [event_params(event, mode) for event in events]
    return [list(column) for column in zip(*rows, strict=True)]
