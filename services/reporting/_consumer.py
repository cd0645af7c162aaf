"""``ReportingConsumer``: every topic into the ``ColdStore``, offsets committed after.

A plain Kafka consumer group member: each poll's records are decoded with the inbox's
decoder and stored in one DuckDB transaction, then the offsets are committed. A crash in
between re-reads those records, and the store's primary key ignores them. Given a
``verifier``, a record whose signature fails is skipped (logged), never stored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kafka import KafkaConsumer

from postroom.inbox import InboxMessage, MessageVerifier, UndecodableMessageError, decode_record
from postroom.kafka_security import kafka_security
from postroom.services.reporting._privacy import ReportingPrivacy
from postroom.services.reporting._store import ColdStore

__all__ = ["ReportingConsumer"]

log = logging.getLogger("postroom.services.reporting")


class ReportingConsumer:
    def __init__(
        self,
        store: ColdStore,
        *,
        group: str,
        topics: tuple[str, ...],
        bootstrap_servers: str,
        verifier: MessageVerifier | None = None,
        privacy: ReportingPrivacy | None = None,
    ) -> None:
        self.store = store
        self.verifier = verifier
        self.stored = 0
        #: Answers the privacy sagas' requests; privacy topics are never stored.
        self.privacy = privacy
        self._consumer = KafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            **kafka_security(None).kafka_python(),
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=2000,
            heartbeat_interval_ms=500,
            fetch_max_wait_ms=5,
        )

    def poll_once(self, timeout_ms: int = 200) -> int:
        messages: list[InboxMessage] = []
        for records in self._consumer.poll(timeout_ms=timeout_ms).values():
            for record in records:
                try:
                    message = decode_record(record)
                    if self.verifier is not None:
                        self.verifier.verify(message, record.topic)
                    messages.append(message)
                except UndecodableMessageError as exc:  # a bad signature too: not stored
                    log.warning("skipping an undecodable record at %s: %s", record.offset, exc)
        handled = len(messages)
        if self.privacy is not None:
            messages = self.privacy.take(messages)
        added = self.store.ingest(messages)
        if handled:
            self._consumer.commit()
        self.stored += added
        return added

    @contextmanager
    def running(self, *, assigned_within: float = 30.0) -> Iterator[ReportingConsumer]:
        """Consume in a background thread for the ``with`` block; leave the group after."""
        stop = threading.Event()

        def run() -> None:
            try:
                while not stop.is_set():
                    self.poll_once()
            finally:
                self._consumer.close()
                if self.privacy is not None:
                    self.privacy.close()

        thread = threading.Thread(target=run, name="reporting-consumer", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(30)
