"""Work around a kafka-python 3.0.12 bug that leaves a group member without partitions.

The group's leader rejoins when the topics' partitions change under it (right after
start, once their metadata arrives). Performing the new assignment updates the
leader's snapshot, so ``need_rejoin()`` turns False while the JoinGroup/SyncGroup round
is still in flight. If ``consumer.poll(timeout_ms)`` runs out before that round
completes (short polls on a busy host), the next poll sees no rejoin to do and never
applies the round's result: the member holds no partitions, sends no heartbeats, is
expired by the coordinator, and stays idle for good (its LeaveGroup on close then fails
with UnknownMemberId). Seen with the reference services on Apache Kafka.

``resume_stalled_join`` spots that state after a poll (a join round was started but
is not awaited any more) and asks for the rejoin again, so the next poll completes the
round (or starts a fresh one). It reads two private attributes of kafka-python's
coordinator and does nothing if they are not there.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["resume_stalled_join"]

log = logging.getLogger("postroom.inbox")


def resume_stalled_join(consumer: Any) -> bool:
    """After ``consumer.poll``: if a join round is pending that no poll will finish,
    request the rejoin again. Returns whether it did."""
    coordinator = getattr(consumer, "_coordinator", None)
    if getattr(coordinator, "_join_task", None) is None or coordinator is None:
        return False
    if coordinator.need_rejoin():
        return False  # the next poll awaits the round, as it should
    log.info("group %s: a join round was left unfinished; rejoining", coordinator.group_id)
    coordinator.request_rejoin()
    return True
