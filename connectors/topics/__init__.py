"""Kafka topic admin: create topics with explicit partitions and replication, read them back."""

from postroom.connectors.topics._admin import ensure_topics
from postroom.connectors.topics._inspect import TopicDescription, describe_topics

__all__ = ["TopicDescription", "describe_topics", "ensure_topics"]
