"""Produce Debezium's routed outbox records to Kafka, acknowledged before Debezium commits.

Debezium hands each batch to ``handleBatch`` with a committer. The sink sends every
record, flushes, and checks every send's result; only then does it mark the records
processed. If any send failed it retries the batch, or raises when stopping: Debezium then
commits nothing, and the batch is read again on restart. That is at-least-once; the
consumers' inbox makes it exactly-once in effect.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from postroom.errors import BrokerUnavailableError

__all__ = ["KafkaSink", "RoutedRecord", "routed_record"]

log = logging.getLogger("postroom.relay")

_DEBEZIUM_CONTEXT = "__debezium."


@dataclass(frozen=True, slots=True)
class RoutedRecord:
    """One record as the EventRouter routed it: topic, key, value and headers."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def _json_text(raw: str) -> bytes | None:
    # Keys, values and header values arrive JSON-encoded ("\"UserRegistered\"", "1", "null");
    # a value is the payload's JSON text inside a JSON string.
    value = json.loads(raw)
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, separators=(",", ":")).encode()


def routed_record(record: Any) -> RoutedRecord:
    """Convert one Java change event (key/value/headers as JSON text) to plain bytes."""
    raw_key = record.key()
    key: bytes | None = None
    if raw_key is not None:
        decoded = json.loads(str(raw_key))
        key = decoded.encode() if isinstance(decoded, str) else str(raw_key).encode()
    raw_value = record.value()
    value = None if raw_value is None else _json_text(str(raw_value))
    headers: list[tuple[str, bytes]] = []
    for header in record.headers():
        name = str(header.getKey())
        if name.startswith(_DEBEZIUM_CONTEXT):
            continue
        encoded = _json_text(str(header.getValue()))
        if encoded is not None:
            headers.append((name, encoded))
    return RoutedRecord(str(record.destination()), key, value, headers)


class BatchSink:
    """The batch handler Debezium calls: produce, flush, verify, commit, then return.

    It has the shape of Debezium's ``ChangeConsumer.handleBatch`` without importing the
    JVM, so this module loads without the JVM extras. Subclasses say how a batch is
    prepared, sent and committed (``_prepare``, ``_send_and_confirm``, ``_commit``) and
    which errors mean "not acknowledged".

    When the broker does not acknowledge the whole batch, the sink sends the *whole batch*
    again after a backoff (0.2 s doubling to ``max_backoff_s``), for as long as it takes:
    a record is never skipped, and the engine commits nothing until every record of the
    batch is acknowledged. Only ``stop`` ends the retries, by raising: the batch is then
    read again from the slot by the next run. Resent records that had in fact arrived are
    duplicates, which the consumers' inbox absorbs.
    """

    unacknowledged: tuple[type[BaseException], ...] = (KafkaError,)

    def __init__(
        self,
        *,
        max_backoff_s: float = 5.0,
        stop: threading.Event | None = None,
    ) -> None:
        self._max_backoff_s = max_backoff_s
        self._stop = stop or threading.Event()
        self.relayed = 0
        self.retries = 0

    def _prepare(self, records: Sequence[Any]) -> Sequence[Any]:
        return records

    def _send_and_confirm(self, batch: Sequence[Any]) -> None:
        raise NotImplementedError

    def _commit(self, records: Sequence[Any], committer: Any) -> None:
        """Tell Debezium every record of the batch is acknowledged (one call per record)."""
        for record in records:
            committer.markProcessed(record)
        committer.markBatchFinished()

    def handleBatch(self, records: Sequence[Any], committer: Any) -> None:  # noqa: N802 - Java contract
        batch = self._prepare(records)
        backoff = 0.2
        attempt = 1
        while True:
            try:
                self._send_and_confirm(batch)
                break
            except self.unacknowledged as exc:
                if self._stop.is_set():
                    raise BrokerUnavailableError(
                        f"the broker did not acknowledge {len(batch)} records and the relay "
                        f"is stopping: {exc}; the batch will be read again on restart"
                    ) from exc
                log.warning(
                    "the broker did not acknowledge %d records (attempt %d: %s); "
                    "retrying the whole batch in %.1f s",
                    len(batch),
                    attempt,
                    exc,
                    backoff,
                )
                self.retries += 1
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
                attempt += 1
        self._commit(records, committer)
        self.relayed += len(batch)


class KafkaSink(BatchSink):
    """Records converted to Python (``routed_record``) and produced with kafka-python."""

    def __init__(
        self,
        producer: KafkaProducer,
        *,
        ack_timeout_s: float = 30.0,
        max_backoff_s: float = 5.0,
        stop: threading.Event | None = None,
    ) -> None:
        super().__init__(max_backoff_s=max_backoff_s, stop=stop)
        self._producer = producer
        self._ack_timeout_s = ack_timeout_s

    def _prepare(self, records: Sequence[Any]) -> Sequence[RoutedRecord]:
        return [routed_record(record) for record in records]

    def _send_and_confirm(self, batch: Sequence[RoutedRecord]) -> None:
        futures = [
            self._producer.send(r.topic, key=r.key, value=r.value, headers=r.headers) for r in batch
        ]
        self._producer.flush(timeout=self._ack_timeout_s)
        for future in futures:
            future.get(timeout=self._ack_timeout_s)
