"""The SQL ``publish`` and ``publish_many`` run, as driver-level text: no per-call
SQLAlchemy compilation, one statement text per mode (so the driver prepares it once per
connection: psycopg after a few executions, asyncpg at once).

Batches pass their rows as one JSON array of arrays (``jsonb_array_elements`` unpacks it
in order), so a batch of any size is the same prepared statement with one parameter:
``table`` mode one multi-row INSERT and one DELETE ``= ANY(ids)`` (the ids as one array
literal), ``retain`` one multi-row INSERT, ``wal-message`` one SELECT emitting a message
per event, in the events' order. One JSON text, serialised by the C ``json`` encoder,
costs the client a fraction of what one array parameter per column did: psycopg dumped
each of the ~1,200 elements of a 100-event batch in Python (py-spy: over half of
``publish_many``'s time).

A signing outbox (``Outbox(signer=...)``) adds one more field after the envelope's:
the ``signature`` column, or the ``signature`` key of the ``wal-message`` envelope.

Placeholders are written ``{0}``, ``{1}``...; ``render`` turns them into the driver's
(``%s`` for psycopg, ``$1`` for asyncpg).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from postroom.outbox import wire
from postroom.outbox._event import Event
from postroom.outbox._signer import EventSigner

__all__ = ["DriverSql", "batch_ids", "batch_params", "event_params"]

#: the envelope fields whose PostgreSQL types are not text
_TYPES = {"id": "uuid", "payload": "text", "timestamp": "timestamptz", "schemaversion": "integer"}
_FIELDS = wire.ENVELOPE_FIELDS


def _fields(signed: bool) -> tuple[str, ...]:
    """The fields a statement writes: the envelope's, and the signature when signing."""
    return (*_FIELDS, wire.SIGNATURE_COLUMN) if signed else tuple(_FIELDS)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _envelope(fields: tuple[str, ...], values: list[str]) -> str:
    """``jsonb_build_object`` of the envelope, built by PostgreSQL: the payload is
    jsonb-normalised exactly as in the table modes, so the relayed bytes are the same."""
    pairs = []
    for name, value in zip(fields, values, strict=True):
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
    def for_mode(
        cls, mode: str, table: str, schema: str | None, *, signed: bool = False
    ) -> DriverSql:
        fields = _fields(signed)
        columns = ", ".join(_quote(name) for name in fields)
        wal = mode == "wal-message"

        def sql_type(name: str) -> str:
            # wal-message: every field but schemaversion goes into the envelope as text
            if name == "schemaversion":
                return "integer"
            return "text" if wal else _TYPES.get(name, "text")

        single = [f"CAST({{{i}}} AS {sql_type(name)})" for i, name in enumerate(fields)]
        unnested = [f"CAST(u.r->>{i} AS {sql_type(name)})" for i, name in enumerate(fields)]
        from_unnest = (
            "FROM jsonb_array_elements(CAST(CAST({0} AS text) AS jsonb)) WITH ORDINALITY AS u(r, n)"
        )
        if wal:
            prefix = wire.WAL_MESSAGE_PREFIX
            envelope_one, envelope_many = _envelope(fields, single), _envelope(fields, unnested)
            return cls(
                one=(f"SELECT pg_logical_emit_message(true, '{prefix}', {envelope_one})",),
                many=(
                    f"SELECT pg_logical_emit_message(true, '{prefix}', {envelope_many}) "
                    f"{from_unnest} ORDER BY u.n",
                ),
            )
        payload = fields.index("payload")
        single[payload] = f"CAST({{{payload}}} AS jsonb)"
        select = list(unnested)
        select[payload] = f"CAST(u.r->>{payload} AS jsonb)"
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
            many=(
                insert_many,
                f'DELETE FROM {target} WHERE "id" = ANY(CAST(CAST({{0}} AS text) AS uuid[]))',
            ),
        )

    @staticmethod
    def render(sql: str, style: str) -> str:
        """``sql`` with ``{n}`` placeholders as ``%s`` (``format``) or ``$n+1``
        (``numeric_dollar``); literal ``%`` doubled for ``format``."""
        count = sql.count("{")
        if style == "format":
            return sql.replace("%", "%%").format(*(["%s"] * count))
        return sql.format(*[f"${i + 1}" for i in range(count)])


def event_params(
    event: Event, mode: str, *, signed: bool = False, signer: EventSigner | None = None
) -> list[Any]:
    """One event's envelope values, in ``ENVELOPE_FIELDS`` order (``wal-message``: the id
    and the timestamp as the text the envelope carries); when ``signed``, then its
    signature (``None``, so no header, without a ``signer``)."""
    row = wire.event_row(event)
    if mode == "wal-message":
        row["id"] = str(event.id)
        row["timestamp"] = wire.format_timestamp(event.timestamp)
    values = [row[name] for name in _FIELDS]
    if signed:
        values.append(None if signer is None else signer.sign(event))
    return values


def batch_params(
    events: list[Event], mode: str, *, signed: bool = False, signer: EventSigner | None = None
) -> list[str]:
    """The one parameter of a batch statement: ``event_params`` of each event, in order,
    as a JSON array of arrays (ids and timestamps as their text)."""
    rows = [event_params(event, mode, signed=signed, signer=signer) for event in events]
    return [json.dumps(rows, default=str, separators=(",", ":"))]


def batch_ids(events: list[Event]) -> list[str]:
    """The one parameter of a batch DELETE: the events' ids as a ``uuid[]`` literal."""
    return ["{" + ",".join(str(event.id) for event in events) + "}"]
