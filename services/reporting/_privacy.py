"""reporting's part of the privacy sagas, on the cold store.

reporting has no PostgreSQL and so no outbox: it answers the coordinator by producing
its reply straight to the reply topic, in the wire format the relay gives every record
(same headers, key and JSON value) and signed like every service's events (the
``signature`` header, ``EventSigning`` with reporting's own key: privacy's inbox refuses
unsigned replies), and commits the request's offset only once the
broker acknowledged the reply. Handling is idempotent (``privacy_handled`` remembers each
request message id), so a redelivered request changes nothing and is not answered twice.

Erasure anonymises what the reports need and deletes the rest: a ``TitleWatched`` keeps
its title, seconds and time (watch-time per title), a ``UserRegistered`` its action (its
day counts registrations), both lose the key and every other field; every other event
about the user is deleted. Privacy requests and replies are never stored: export parts
are personal data.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from kafka import KafkaProducer

from postroom.inbox import InboxMessage
from postroom.kafka_security import kafka_security
from postroom.outbox import wire
from postroom.privacy import EventSigning
from postroom.services.events import (
    PRIVACY_REPLY_TYPE,
    PRIVACY_REQUEST_TYPE,
    ErasureRequested,
    EventContract,
    UserDataErased,
    UserDataExportPart,
    UserDataExportRequested,
    catalog,
)
from postroom.services.reporting._store import ColdStore

__all__ = ["SERVICE", "ReportingPrivacy"]

log = logging.getLogger("postroom.services.reporting.privacy")

SERVICE = "reporting"

#: Per event type, the payload fields an erased user's event keeps (anonymised).
KEEP: dict[str, tuple[str, ...]] = {
    "TitleWatched": ("title_id", "title", "seconds", "watched_at"),
    "UserRegistered": ("action",),
}

_PRIVACY_TOPICS = {wire.topic_for(PRIVACY_REQUEST_TYPE), wire.topic_for(PRIVACY_REPLY_TYPE)}
_HANDLED = "CREATE TABLE IF NOT EXISTS privacy_handled (id UUID PRIMARY KEY)"
_ABOUT = "(aggregate_id = ? OR json_extract_string(payload, '$.user_id') = ?)"


class ReportingPrivacy:
    """Takes privacy requests out of each poll, answers them, lets the rest be stored."""

    def __init__(
        self, store: ColdStore, bootstrap_servers: str, *, signing: EventSigning | None = None
    ) -> None:
        self.store = store
        self.signing = signing
        # TLS/SASL as the environment says, like reporting's consumer (POSTROOM_KAFKA_*).
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers, acks="all", **kafka_security(None).kafka_python()
        )
        with store.transaction() as cursor:
            cursor.execute(_HANDLED)

    def close(self) -> None:
        self._producer.close(timeout=5)

    def take(self, messages: Iterable[InboxMessage]) -> list[InboxMessage]:
        """Handle the privacy messages of ``messages``; return the others (to store)."""
        rest, replies = [], []
        for message in messages:
            if message.topic not in _PRIVACY_TOPICS:
                rest.append(message)
                continue
            try:
                if message.type == ErasureRequested.event_type:
                    replies.extend(self._erasure(message))
                elif message.type == UserDataExportRequested.event_type:
                    replies.extend(self._export(message))
            except Exception:
                # Nothing was stored for it (one DuckDB transaction): the coordinator
                # asks again after its re-request interval.
                log.exception("reporting could not handle privacy request %s", message.id)
        for reply in replies:
            self._send(reply)
        if replies:
            self._producer.flush(timeout=30)
        return rest

    # -- erasure and export -------------------------------------------------------------

    def _first_time(self, cursor: Any, message: InboxMessage) -> bool:
        cursor.execute(
            "INSERT INTO privacy_handled VALUES (?) ON CONFLICT DO NOTHING RETURNING id",
            [str(message.id)],
        )
        return cursor.fetchone() is not None

    def _erasure(self, message: InboxMessage) -> list[EventContract]:
        event = ErasureRequested.model_validate(message.payload)
        if SERVICE not in event.services:
            return []
        with self.store.transaction() as cursor:
            if not self._first_time(cursor, message):
                return []
            deleted, anonymised = erase_subject(cursor, event.user_id)
        return [
            UserDataErased(
                request_id=event.request_id,
                service=SERVICE,
                deleted={"events": deleted},
                anonymised={"events": anonymised},
            )
        ]

    def _export(self, message: InboxMessage) -> list[EventContract]:
        event = UserDataExportRequested.model_validate(message.payload)
        if SERVICE not in event.services:
            return []
        with self.store.transaction() as cursor:
            if not self._first_time(cursor, message):
                return []
            part = subject_events(cursor, event.user_id)
        return [UserDataExportPart(request_id=event.request_id, service=SERVICE, part=part)]

    def _send(self, contract: EventContract) -> None:
        event = contract.to_event()
        catalog.validate(event)
        headers = wire.event_headers(event)
        if self.signing is not None:
            headers.append((wire.SIGNATURE_HEADER, self.signing.sign(event).encode()))
        self._producer.send(
            wire.topic_for(event.aggregate_type),
            key=event.aggregate_id.encode(),
            value=(event.payload_json or "null").encode(),
            headers=headers,
        )


def erase_subject(cursor: Any, user_id: uuid.UUID) -> tuple[int, int]:
    """Anonymise or delete every stored event about ``user_id``: (deleted, anonymised)."""
    uid = str(user_id)
    rows = cursor.execute(
        f"SELECT id, type, CAST(payload AS VARCHAR) FROM events WHERE {_ABOUT}", [uid, uid]
    ).fetchall()
    deleted = anonymised = 0
    for event_id, event_type, payload in rows:
        keep = KEEP.get(event_type)
        if keep is None:
            cursor.execute("DELETE FROM events WHERE id = ?", [event_id])
            deleted += 1
            continue
        body = json.loads(payload) if isinstance(payload, str) else dict(payload or {})
        kept = {k: body[k] for k in keep if k in body}
        cursor.execute(
            "UPDATE events SET aggregate_id = NULL, payload = ? WHERE id = ?",
            [json.dumps(kept), event_id],
        )
        anonymised += 1
    return deleted, anonymised


def subject_events(cursor: Any, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Every stored event about ``user_id``, oldest first, JSON-ready."""
    uid = str(user_id)
    rows = cursor.execute(
        "SELECT CAST(id AS VARCHAR), type, topic, CAST(occurred_at AS VARCHAR), "
        f"CAST(payload AS VARCHAR) FROM events WHERE {_ABOUT} "
        "ORDER BY occurred_at, id",
        [uid, uid],
    ).fetchall()
    return {
        "events": [
            {
                "id": str(i),
                "type": t,
                "topic": topic,
                "occurred_at": at,
                "payload": json.loads(p) if isinstance(p, str) else p,
            }
            for i, t, topic, at, p in rows
        ]
    }
