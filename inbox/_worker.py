"""``InboxWorker``: a Kafka consumer-group member feeding the ``InboxProcessor``.

Order of commits, per poll: every record's database transaction (dedupe row + side
effects) commits first; the Kafka offsets of the whole poll commit after. A crash in
between replays those records, and the inbox rows turn the replay into no-ops.

A record that fails is moved off its partition before its offset is committed: to
``<topic>.retry`` (tried again after a delay, by this same worker) or to ``<topic>.dlq``;
either way the records behind it on the partition go on being handled.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from sqlalchemy.ext.asyncio import AsyncEngine

from postroom.errors import InboxError, UndecodableMessageError
from postroom.inbox._async_processor import AsyncInboxProcessor, BlockingAsyncProcessor
from postroom.inbox._config import InboxConfig
from postroom.inbox._dead_letters import DeadLetters
from postroom.inbox._delivery import Failure, deliver, deliver_message
from postroom.inbox._join_watchdog import resume_stalled_join
from postroom.inbox._message import InboxMessage, decode_record
from postroom.inbox._processor import InboxProcessor, Outcome, Processor
from postroom.inbox._registry import HandlerRegistry
from postroom.inbox._retry_gate import RetryGate
from postroom.inbox._retry_topic import RetryState, retry_headers, retry_state
from postroom.inbox._startup import check_inbox_ready
from postroom.kafka_security import kafka_security

__all__ = ["InboxWorker"]

log = logging.getLogger("postroom.inbox")


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """On revoke: commit what is done (nothing more), forget pauses of lost partitions."""

    def __init__(self, worker: InboxWorker) -> None:
        self.worker = worker

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.worker._on_revoked(set(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned:
            self.worker.assigned.set()


class InboxWorker:
    """Consume ``config.topics`` (and their retry topics); handle each event once in effect."""

    def __init__(
        self, config: InboxConfig, registry: HandlerRegistry, engine: sa.Engine | AsyncEngine
    ) -> None:
        if not isinstance(config, InboxConfig):
            raise TypeError(f"config must be an InboxConfig, got {config!r}")
        check_inbox_ready(engine, schema=config.schema)
        self.config = config
        self.processor: Processor
        self._async: BlockingAsyncProcessor | None = None
        if isinstance(engine, AsyncEngine):
            self._async = BlockingAsyncProcessor(
                AsyncInboxProcessor(engine, config.consumer, registry, schema=config.schema)
            )
            self.processor = self._async
        else:
            self.processor = InboxProcessor(engine, config.consumer, registry, schema=config.schema)
        self.outcomes: Counter[str] = Counter()
        #: Set once the group has assigned this worker its partitions.
        self.assigned = threading.Event()
        self._done: dict[TopicPartition, OffsetAndMetadata] = {}  # handled, not committed
        try:
            self._consumer, self._producer = self._connect(config)
        except KafkaError as exc:
            raise InboxError(
                f"could not reach Kafka at {config.bootstrap_servers}: {exc!r}", retriable=True
            ) from exc
        self._dead_letters = DeadLetters(
            self._producer, suffix=config.dead_letter_suffix, consumer=config.consumer
        )
        self._gate = RetryGate(self._consumer)
        self._consumer.subscribe(list(config.subscribed_topics()), listener=_Rebalance(self))

    @staticmethod
    def _connect(config: InboxConfig) -> tuple[KafkaConsumer, KafkaProducer]:
        if config.create_topics:
            from postroom.connectors.topics import ensure_topics

            # The main topics too: a consumer may start before any event was published,
            # and Kafka assigns no partitions of a topic that does not exist yet.
            ensure_topics(
                config.bootstrap_servers,
                [*config.topics, *config.side_topics()],
                security=config.security,
            )
        consumer = KafkaConsumer(
            bootstrap_servers=config.bootstrap_servers,
            **kafka_security(config.security).kafka_python(),
            group_id=config.consumer,
            client_id=f"postroom-inbox-{config.consumer}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=config.session_timeout_ms,
            heartbeat_interval_ms=config.heartbeat_interval_ms,
            fetch_max_wait_ms=config.fetch_max_wait_ms,
            max_poll_records=config.max_poll_records,
        )
        producer = KafkaProducer(
            bootstrap_servers=config.bootstrap_servers,
            **kafka_security(config.security).kafka_python(),
            acks="all",
            client_id=f"postroom-inbox-{config.consumer}-side",
        )
        return consumer, producer

    # -- the loop ---------------------------------------------------------------------

    def poll_once(self, timeout_ms: int = 200) -> int:
        """Handle one poll's worth of records, then commit their offsets. Returns the count."""
        self._gate.release_due()
        batches = self._consumer.poll(timeout_ms=self._gate.poll_timeout(timeout_ms))
        if resume_stalled_join(self._consumer):
            self.outcomes["join-resumed"] += 1
        if self._consumer.assignment():
            self.assigned.set()
        ready: list[tuple[TopicPartition, Any]] = []
        for partition, records in batches.items():
            for record in records:
                if self.config.is_retry_topic(partition.topic) and self._gate.hold_if_early(
                    partition, record
                ):
                    break
                ready.append((partition, record))
        if self.config.batch and len(ready) > 1:
            self._handle_batch([record for _, record in ready])
            for partition, record in ready:
                self._mark_done(partition, record)
        else:
            for partition, record in ready:
                self._handle(record)
                self._mark_done(partition, record)  # if a later one raises, commit this far
        self._commit()
        return len(ready)

    def _mark_done(self, partition: TopicPartition, record: Any) -> None:
        self._done[partition] = OffsetAndMetadata(record.offset + 1, "", -1)

    def _commit(self, only: set[TopicPartition] | None = None) -> None:
        offsets = {tp: offset for tp, offset in self._done.items() if only is None or tp in only}
        if not offsets:
            return
        for partition in offsets:
            del self._done[partition]
        try:
            self._consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The group moved on (rebalance): the new owner re-reads these records and the
            # inbox rows make that a no-op. Nothing is lost.
            log.warning("offset commit failed, the records will be redelivered: %s", exc)
            self.outcomes["commit-failed"] += 1

    def _on_revoked(self, revoked: set[TopicPartition]) -> None:
        self._commit(only=revoked)
        self._gate.forget(revoked)

    # -- one record -------------------------------------------------------------------

    def _handle(self, record: Any) -> None:
        state = retry_state(record)
        verdict = deliver(
            self.processor,
            record,
            self.config.retry_policy,
            max_bytes=self.config.max_message_bytes,
            previous_attempts=state.attempts,
            verifier=self.config.verifier,
            origin_topic=state.origin.topic,
        )
        self._settle(record, state, verdict)

    def _settle(self, record: Any, state: RetryState, verdict: Outcome | Failure) -> None:
        try:
            self._settle_on_kafka(record, state, verdict)
        except KafkaError as exc:
            # The record is neither handled nor parked: stop without committing its
            # offset, so it is read again (mapped once, here, into the Postroom tree).
            raise InboxError(
                f"could not move {record.topic}[{record.partition}]@{record.offset} "
                f"off its partition: {exc}",
                retriable=True,
            ) from exc

    def _settle_on_kafka(self, record: Any, state: RetryState, verdict: Outcome | Failure) -> None:
        if isinstance(verdict, Outcome):
            self.outcomes[verdict.value] += 1
            return
        delay = verdict.retry_delay(state.round, self.config.retry_policy)
        if delay is not None:
            headers = retry_headers(
                record,
                state,
                delay_s=delay,
                attempts=verdict.attempts,
                reason=verdict.reason,
                error=verdict.error,
            )
            topic = self.config.retry_topic_for(state.origin.topic)
            log.info("retrying %s[%s]@%s later", record.topic, record.partition, record.offset)
            self._producer.send(topic, key=record.key, value=record.value, headers=headers).get(
                timeout=30
            )
            self.outcomes["retry-scheduled"] += 1
            return
        log.warning(
            "dead-lettering %s[%s]@%s: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            verdict.reason,
            verdict.error,
        )
        self._dead_letters.park(
            record,
            state,
            reason=verdict.reason,
            error=verdict.error,
            attempts=verdict.attempts,
            exception=verdict.exception,
        )
        self.outcomes["dead-lettered"] += 1
        self.outcomes[f"dead-lettered:{verdict.reason}"] += 1

    def _handle_batch(self, records: list[Any]) -> None:
        """Dedupe the whole poll in one statement; per record if anything goes wrong."""
        decoded: list[tuple[Any, RetryState, InboxMessage]] = []
        for record in records:
            state = retry_state(record)
            try:
                message = decode_record(record, max_bytes=self.config.max_message_bytes)
                if self.config.verifier is not None:
                    self.config.verifier.verify(message, state.origin.topic)
            except UndecodableMessageError as exc:
                self._settle(record, state, Failure.of(exc, state.attempts + 1, final=True))
                continue
            decoded.append((record, state, message))
        if not decoded:
            return
        try:
            outcomes = self.processor.process_batch([message for _, _, message in decoded])
        except Exception as exc:
            log.info("batch of %d failed (%r): handling one by one", len(decoded), exc)
            self.outcomes["batch-fallback"] += 1
            for record, state, message in decoded:
                verdict = deliver_message(
                    self.processor,
                    message,
                    self.config.retry_policy,
                    previous_attempts=state.attempts,
                )
                self._settle(record, state, verdict)
            return
        for outcome in outcomes:
            self.outcomes[outcome.value] += 1

    # -- lifetime ---------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; then commit what is done and leave the group."""
        try:
            while not stop.is_set():
                self.poll_once()
        finally:
            self.close()

    @contextmanager
    def running(self, *, assigned_within: float = 30.0) -> Iterator[InboxWorker]:
        """Run in a background thread for the ``with`` block, once partitions are assigned;
        on exit, finish the poll, commit and leave the group."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run, args=(stop,), name=f"inbox-{self.config.consumer}", daemon=True
        )
        thread.start()
        try:
            if not self.assigned.wait(assigned_within):
                raise InboxError(
                    f"consumer group {self.config.consumer!r} assigned this worker no "
                    f"partitions within {assigned_within} s",
                    retriable=True,
                )
            yield self
        finally:
            stop.set()
            thread.join(30)

    def run_until_signalled(self) -> None:
        """``run`` with SIGTERM/SIGINT setting the stop flag (finish the poll, commit, leave)."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.run(stop)

    def close(self) -> None:
        try:
            self._commit()
        finally:
            self._consumer.close(autocommit=False)
            self._producer.close(timeout=5)
            if self._async is not None:
                self._async.close()
