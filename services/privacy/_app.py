"""privacy's HTTP API: erasure and export requests, their status, the archive.

- ``DELETE /users/{id}/data`` (``privacy:write`` own, ``privacy:admin`` any): starts
  the erasure saga (202), or answers with the one already asked for (200).
- ``GET /erasures/{request_id}`` (``privacy:admin``): status, each participant's
  confirmation, the timeline, the completion record once complete.
- ``POST /users/{id}/export`` (as DELETE): starts an export saga (202).
- ``GET /users/{id}/export/{request_id}``: status per service;
  ``.../archive``: the zip (409 until it is made; a partial one says so in its manifest
  and in the ``X-Export-Partial`` header).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Response, status
from pydantic import BaseModel

from postroom.saga import SagaNotFoundError, SagaState, saga_timeline
from postroom.services.platform import Db, Principal, database_lifespan, own_or, require
from postroom.services.privacy._sagas import PrivacySagas
from postroom.services.privacy._settings import PrivacySettings
from postroom.services.privacy._tables import erasure_record, export_archive

__all__ = ["Accepted", "create_app"]


class Accepted(BaseModel):
    request_id: uuid.UUID
    status: str
    already_requested: bool = False


Writer = Annotated[Principal, Depends(require("privacy:write"))]
Admin = Annotated[Principal, Depends(require("privacy:admin"))]


def _participants(state: SagaState) -> dict[str, Any]:
    return {
        name: {
            "status": p.status,
            "requests": p.requests,
            "reply": p.reply,
            "replied_at": p.replied_at.isoformat() if p.replied_at else None,
        }
        for name, p in state.steps[0].participants.items()
    }


def create_app(settings: PrivacySettings, sagas: PrivacySagas | None = None) -> FastAPI:
    app = FastAPI(title="privacy", lifespan=database_lifespan(settings.database_url))
    app.state.verifier = settings.service.verifier()
    coordinators = sagas or PrivacySagas(settings)

    @app.delete("/users/{user_id}/data", status_code=status.HTTP_202_ACCEPTED)
    async def erase(user_id: uuid.UUID, caller: Writer, db: Db, response: Response) -> Accepted:
        own_or(caller, user_id, "privacy:admin")
        async with db.begin() as session:
            state, existing = await coordinators.start_erasure(session, user_id, caller.subject)
        if existing:
            response.status_code = status.HTTP_200_OK
        return Accepted(
            request_id=uuid.UUID(state.id), status=state.status, already_requested=existing
        )

    @app.get("/erasures/{request_id}")
    async def erasure(request_id: uuid.UUID, caller: Admin, db: Db) -> dict[str, Any]:
        async with db() as session:
            try:
                state = await coordinators.erasure.get(session, str(request_id))
            except SagaNotFoundError:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such erasure") from None
            record = (
                (
                    await session.execute(
                        sa.select(erasure_record).where(erasure_record.c.request_id == state.id)
                    )
                )
                .mappings()
                .first()
            )
        return {
            "request_id": state.id,
            "status": state.status,
            "started_at": state.started_at.isoformat(),
            "finished_at": state.finished_at.isoformat() if state.finished_at else None,
            "ignored_replies": state.ignored_replies,
            "participants": _participants(state),
            "timeline": saga_timeline(state.steps, state.started_at),
            "record": None
            if record is None
            else {**record, "request_id": str(record["request_id"])},
        }

    @app.post("/users/{user_id}/export", status_code=status.HTTP_202_ACCEPTED)
    async def export(user_id: uuid.UUID, caller: Writer, db: Db) -> Accepted:
        own_or(caller, user_id, "privacy:admin")
        async with db.begin() as session:
            state = await coordinators.start_export(session, user_id)
        return Accepted(request_id=uuid.UUID(state.id), status=state.status)

    async def _export_state(db: Any, user_id: uuid.UUID, request_id: uuid.UUID) -> SagaState:
        async with db() as session:
            try:
                state: SagaState = await coordinators.export.get(session, str(request_id))
            except SagaNotFoundError:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such export") from None
        if state.subject != str(user_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such export")
        return state

    @app.get("/users/{user_id}/export/{request_id}")
    async def export_status(
        user_id: uuid.UUID, request_id: uuid.UUID, caller: Writer, db: Db
    ) -> dict[str, Any]:
        own_or(caller, user_id, "privacy:admin")
        state = await _export_state(db, user_id, request_id)
        services = {
            name: {"done": "included", "missing": "missing"}.get(p.status, "waiting")
            for name, p in state.steps[0].participants.items()
        }
        return {
            "request_id": state.id,
            "status": state.status,
            "ready": state.status == "completed",
            "partial": "missing" in services.values(),
            "services": services,
        }

    @app.get("/users/{user_id}/export/{request_id}/archive")
    async def archive(
        user_id: uuid.UUID, request_id: uuid.UUID, caller: Writer, db: Db
    ) -> Response:
        own_or(caller, user_id, "privacy:admin")
        await _export_state(db, user_id, request_id)
        async with db() as session:
            row = (
                await session.execute(
                    sa.select(export_archive).where(export_archive.c.request_id == str(request_id))
                )
            ).first()
        if row is None:
            raise HTTPException(status.HTTP_409_CONFLICT, "the archive is not ready yet")
        return Response(
            row.archive,
            media_type="application/zip",
            headers={
                "content-disposition": f'attachment; filename="export-{request_id}.zip"',
                "x-export-partial": "true" if row.partial else "false",
            },
        )

    return app
