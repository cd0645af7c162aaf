"""Kafka Connect: the same connector model registered on a Connect cluster over REST."""

from postroom.connectors.kafka_connect._client import KafkaConnectClient

__all__ = ["KafkaConnectClient"]
