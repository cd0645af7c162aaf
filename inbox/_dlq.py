"""Reading and replaying dead-letter topics (what ``postroom dlq`` drives).

Replay sends the original key, value and headers (``postroom.*`` bookkeeping removed, a
``postroom.replayed_from`` header added) back to the original topic. The message keeps
its ``id``, so replay is deduplicated by the inbox itself: a message that was handled
in the meantime, or replayed twice, is handled once.
"""

from __future__ import annotations

from collections.abc import Iterable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from postroom.errors import DeadLetterNotFoundError
from postroom.inbox._dead_letters import DEAD_LETTER_SUFFIX, DeadLetter
from postroom.kafka_security import kafka_security

__all__ = ["dead_letter_topics", "find_dead_letter", "read_dead_letters", "replay"]

REPLAYED_FROM = "postroom.replayed_from"


def dead_letter_topics(bootstrap_servers: str, *, suffix: str = DEAD_LETTER_SUFFIX) -> list[str]:
    """Every topic on the cluster that ends in ``suffix``."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(None).kafka_python(),
        client_id="postroom-dlq",
    )
    try:
        return sorted(t for t in admin.list_topics() if t.endswith(suffix))
    finally:
        admin.close()


def read_dead_letters(
    bootstrap_servers: str, *topics: str, idle_timeout_ms: int = 1500
) -> list[DeadLetter]:
    """Every record on ``topics``, oldest first per partition (read without a group).

    Reads until no record arrived for ``idle_timeout_ms``: the broker's end offsets are
    not trusted (some brokers report them wrong), the records themselves are.
    """
    if not topics or not all(topic.strip() for topic in topics):
        raise ValueError("name at least one non-empty topic")
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(None).kafka_python(),
        enable_auto_commit=False,
        consumer_timeout_ms=idle_timeout_ms,
        fetch_max_wait_ms=50,
        client_id="postroom-dlq",
    )
    try:
        assigned = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not assigned:
            return []
        consumer.assign(assigned)
        consumer.seek_to_beginning()
        letters = [DeadLetter.from_record(record) for record in consumer]
    finally:
        consumer.close()
    return sorted(letters, key=lambda d: (d.dlq_topic, d.dlq_partition, d.dlq_offset))


def find_dead_letter(
    letters: Iterable[DeadLetter], partition: int, offset: int, *, topic: str
) -> DeadLetter:
    for letter in letters:
        if letter.dlq_partition == partition and letter.dlq_offset == offset:
            return letter
    raise DeadLetterNotFoundError(f"no dead letter at {topic}[{partition}]@{offset}")


def replay(bootstrap_servers: str, letters: Iterable[DeadLetter]) -> list[DeadLetter]:
    """Put ``letters`` back on their original topics; returns what was sent, once acked."""
    sent: list[DeadLetter] = []
    producer = KafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **kafka_security(None).kafka_python(),
        acks="all",
        client_id="postroom-dlq-replay",
    )
    try:
        futures = []
        for letter in letters:
            marker = f"{letter.dlq_topic}/{letter.dlq_partition}/{letter.dlq_offset}"
            headers = [*letter.original_headers, (REPLAYED_FROM, marker.encode())]
            futures.append(
                producer.send(
                    letter.origin.topic, key=letter.key, value=letter.value, headers=headers
                )
            )
            sent.append(letter)
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=5)
    return sent
