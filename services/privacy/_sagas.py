"""The two privacy sagas on Postroom's saga primitive, and what their hooks do.

**erasure** (one step, ``erase``): every participant is asked with ``ErasureRequested``
(the partner through ``partner_erasure``, see ``_partner``); each confirms with
``UserDataErased``. Silent ones are asked again every ``erasure_rerequest``; past
``erasure_deadline`` the saga is ``overdue`` and keeps asking. When the last one
confirmed, the same transaction appends the signed completion record, and the saga's
subject becomes the keyed digest: privacy keeps no user id of an erased user.

**export** (one step, ``collect``): ``UserDataExportRequested``; each service answers
with its ``UserDataExportPart``. When all answered, or at ``export_deadline`` with
whatever arrived (the silent ones marked missing), the archive is zipped and the parts
deleted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from postroom.outbox import uuid7
from postroom.saga import SagaCoordinator, SagaDefinition, SagaState, SagaStep
from postroom.services.events import ErasureRequested, UserDataExportRequested, publish_event
from postroom.services.privacy._archive import build_archive
from postroom.services.privacy._partner import PARTNER
from postroom.services.privacy._records import append_record
from postroom.services.privacy._settings import PrivacySettings
from postroom.services.privacy._tables import (
    export_archive,
    export_part,
    partner_erasure,
    saga,
)

__all__ = ["COLLECT", "ERASE", "PrivacySagas"]

ERASE, COLLECT = "erase", "collect"


def _now() -> datetime:
    return datetime.now(UTC)


def _user_id(state: SagaState) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(state.subject))
    except ValueError:
        return None  # pseudonymised: the user was erased meanwhile


class PrivacySagas:
    """The erasure and export coordinators of one privacy deployment."""

    def __init__(self, settings: PrivacySettings) -> None:
        self.settings = settings
        self.erasure = SagaCoordinator(
            SagaDefinition(
                "erasure",
                (
                    SagaStep(
                        ERASE,
                        settings.erasure_participants(),
                        deadline=settings.erasure_deadline,
                        rerequest_after=settings.erasure_rerequest,
                        on_deadline="escalate",
                    ),
                ),
            ),
            saga,
            request=self._ask_to_erase,
            complete=self._erased,
        )
        self.export = SagaCoordinator(
            SagaDefinition(
                "export",
                (
                    SagaStep(
                        COLLECT,
                        settings.participants,
                        deadline=settings.export_deadline,
                        rerequest_after=settings.export_rerequest,
                        on_deadline="partial",
                    ),
                ),
            ),
            saga,
            request=self._ask_to_export,
            complete=self._exported,
        )

    # -- starting ----------------------------------------------------------------------

    async def start_erasure(
        self, session: AsyncSession, user_id: uuid.UUID, requested_by: str
    ) -> tuple[SagaState, bool]:
        """A new erasure of ``user_id``, or the one already asked for (True)."""
        uid = str(user_id)
        for subject in (uid, self.settings.digest(uid)):
            found = await self.erasure.find(session, subject)
            if found:
                return found[0], True
        forgotten = await self._forget_exports(session, uid)
        data = {"requested_by": requested_by, "privacy": forgotten}
        state = await self.erasure.start(session, str(uuid7()), subject=uid, data=data)
        return state, False

    async def start_export(self, session: AsyncSession, user_id: uuid.UUID) -> SagaState:
        return await self.export.start(session, str(uuid7()), subject=str(user_id))

    async def _forget_exports(self, session: AsyncSession, uid: str) -> dict[str, int]:
        """privacy's own part of an erasure: the user's exports, and their sagas' subject."""
        ids = list(
            (
                await session.execute(
                    sa.select(saga.c.id).where(saga.c.kind == "export", saga.c.subject == uid)
                )
            ).scalars()
        )
        parts = await session.execute(export_part.delete().where(export_part.c.request_id.in_(ids)))
        archives = await session.execute(
            export_archive.delete().where(export_archive.c.request_id.in_(ids))
        )
        await session.execute(
            saga.update().where(saga.c.id.in_(ids)).values(subject=self.settings.digest(uid))
        )
        return {
            "export_part": int(parts.rowcount or 0),  # type: ignore[attr-defined]
            "export_archive": int(archives.rowcount or 0),  # type: ignore[attr-defined]
            "postroom_saga (pseudonymised)": len(ids),
        }

    # -- erasure hooks -----------------------------------------------------------------

    async def _ask_to_erase(
        self,
        session: AsyncSession,
        state: SagaState,
        step: str,
        who: tuple[str, ...],
        attempt: int,
    ) -> None:
        user_id = _user_id(state)
        if user_id is None:
            return
        services = [name for name in who if name != PARTNER]
        if services:
            request = ErasureRequested(
                request_id=uuid.UUID(state.id), user_id=user_id, attempt=attempt, services=services
            )
            await publish_event(session, request, correlation_id=state.id)
        if PARTNER in who:
            await session.execute(
                insert(partner_erasure)
                .values(request_id=state.id, user_id=str(user_id), requested_at=_now())
                .on_conflict_do_nothing()
            )

    async def _erased(self, session: AsyncSession, state: SagaState, partial: bool) -> None:
        step = state.steps[0]
        finished = state.finished_at or _now()
        digest = self.settings.digest(str(state.subject))
        body: dict[str, Any] = {
            "request_id": state.id,
            "subject": digest,
            "requested_at": state.started_at.isoformat(),
            "completed_at": finished.isoformat(),
            "deadline_at": step.deadline_at.isoformat(),
            "overdue": finished > step.deadline_at,
            "services": {
                name: {
                    "deleted": (p.reply or {}).get("deleted", {}),
                    "anonymised": (p.reply or {}).get("anonymised", {}),
                    "confirmed_at": p.replied_at.isoformat() if p.replied_at else None,
                    "requests": p.requests,
                }
                for name, p in sorted(step.participants.items())
            },
            "privacy": state.data.get("privacy", {}),
        }
        entry = await append_record(session, state.id, body, self.settings.records_key.private_pem)
        state.data["record"] = {"seq": entry["seq"], "hash": entry["hash"]}
        state.subject = digest
        await session.execute(
            partner_erasure.delete().where(partner_erasure.c.request_id == state.id)
        )

    # -- export hooks ------------------------------------------------------------------

    async def _ask_to_export(
        self,
        session: AsyncSession,
        state: SagaState,
        step: str,
        who: tuple[str, ...],
        attempt: int,
    ) -> None:
        user_id = _user_id(state)
        if user_id is None:
            return
        request = UserDataExportRequested(
            request_id=uuid.UUID(state.id), user_id=user_id, attempt=attempt, services=list(who)
        )
        await publish_event(session, request, correlation_id=state.id)

    async def _exported(self, session: AsyncSession, state: SagaState, partial: bool) -> None:
        rows = (
            await session.execute(
                sa.select(export_part.c.service, export_part.c.content).where(
                    export_part.c.request_id == state.id
                )
            )
        ).all()
        statuses = {
            name: "included" if p.status == "done" else "missing"
            for name, p in state.steps[0].participants.items()
        }
        parts = {
            row.service: row.content for row in rows if statuses.get(row.service) == "included"
        }
        now = _now()
        archive = build_archive(state.id, str(state.subject), parts, statuses, now.isoformat())
        missing = sorted(s for s, status in statuses.items() if status == "missing")
        await session.execute(
            export_archive.insert().values(
                request_id=state.id,
                partial=partial,
                missing=missing,
                archive=archive,
                created_at=now,
            )
        )
        await session.execute(export_part.delete().where(export_part.c.request_id == state.id))
