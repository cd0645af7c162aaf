"""Kafka topic admin: create topics with explicit partitions and replication, read them back."""

from postroom.connectors.topics._admin import ensure_topics

__all__ = ["ensure_topics"]
