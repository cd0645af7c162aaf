"""``InboxConfig``: the settings of one consumer, validated when made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from postroom.errors import InboxConfigError
from postroom.inbox._dead_letters import DEAD_LETTER_SUFFIX
from postroom.inbox._delivery import RetryPolicy
from postroom.inbox._message import DEFAULT_MAX_MESSAGE_BYTES
from postroom.inbox._retry_topic import RETRY_SUFFIX
from postroom.inbox._verifier import MessageVerifier
from postroom.kafka_security import KafkaSecurity

__all__ = ["InboxConfig"]


@dataclass(frozen=True, kw_only=True)
class InboxConfig:
    """Settings of one consumer (its name is also its consumer group id).

    ``max_attempts``/``retry_backoff_s`` are shorthands kept for compatibility; the
    full failure policy is ``retry`` (in-place attempts, backoff, retry-topic delays).
    ``verifier`` (opt-in) checks each record's signature before it is handled (see
    ``MessageVerifier``).
    """

    consumer: str
    topics: tuple[str, ...]
    bootstrap_servers: str
    schema: str | None = None
    max_attempts: int = 3
    retry_backoff_s: float = 0.05
    retry_delays_s: tuple[float, ...] = (1.0, 10.0)
    retry: RetryPolicy | None = None
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    dead_letter_suffix: str = DEAD_LETTER_SUFFIX
    retry_suffix: str = RETRY_SUFFIX
    batch: bool = False
    max_poll_records: int = 500
    create_topics: bool = True
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    fetch_max_wait_ms: int = 50
    verifier: MessageVerifier | None = None
    #: TLS/SASL to the brokers; None reads ``POSTROOM_KAFKA_*`` (plaintext if unset).
    security: KafkaSecurity | None = None

    @classmethod
    def low_latency(
        cls, consumer: str, topics: tuple[str, ...], bootstrap_servers: str, **options: Any
    ) -> InboxConfig:
        """Settings for one host (the demo, tests): the group forms in about a second
        (2 s session timeout) and a record is fetched within 5 ms of its arrival.
        Production wants the defaults: a short session times out on a busy broker."""
        settings: dict[str, Any] = {
            "session_timeout_ms": 2000,
            "heartbeat_interval_ms": 500,
            "fetch_max_wait_ms": 5,
            **options,
        }
        return cls(
            consumer=consumer, topics=topics, bootstrap_servers=bootstrap_servers, **settings
        )

    def __post_init__(self) -> None:
        if not self.consumer:
            raise InboxConfigError("consumer must be a non-empty name")
        if isinstance(self.topics, str) or not self.topics:
            raise InboxConfigError("a consumer needs a tuple of at least one topic")
        if not self.bootstrap_servers:
            raise InboxConfigError("bootstrap_servers must be non-empty")
        if self.max_message_bytes < 1:
            raise InboxConfigError(f"max_message_bytes must be >= 1, got {self.max_message_bytes}")
        if self.max_poll_records < 1:
            raise InboxConfigError(f"max_poll_records must be >= 1, got {self.max_poll_records}")
        if not self.retry_suffix or self.retry_suffix == self.dead_letter_suffix:
            raise InboxConfigError("retry_suffix must be non-empty and differ from the DLQ suffix")
        self.retry_policy  # noqa: B018 - validates the shorthands
        for topic in self.topics:
            if topic.endswith((self.retry_suffix, self.dead_letter_suffix)):
                raise InboxConfigError(f"subscribe to the main topic, not {topic!r}")

    @property
    def retry_policy(self) -> RetryPolicy:
        """``retry`` if given, else the policy the shorthand fields describe."""
        if self.retry is not None:
            return self.retry
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_s=self.retry_backoff_s,
            retry_delays_s=tuple(self.retry_delays_s),
        )

    def retry_topic_for(self, topic: str) -> str:
        return f"{topic}{self.retry_suffix}"

    def is_retry_topic(self, topic: str) -> bool:
        return topic.endswith(self.retry_suffix)

    def subscribed_topics(self) -> tuple[str, ...]:
        """The topics and, if retry rounds are configured, their retry topics."""
        if not self.retry_policy.retry_delays_s:
            return self.topics
        return self.topics + tuple(self.retry_topic_for(t) for t in self.topics)

    def side_topics(self) -> list[str]:
        """Retry and dead-letter topics this consumer writes to (created up front)."""
        retry = (
            [self.retry_topic_for(t) for t in self.topics]
            if self.retry_policy.retry_delays_s
            else []
        )
        return retry + [f"{t}{self.dead_letter_suffix}" for t in self.topics]
