"""Liveness (the process answers) and readiness (the database and PostGIS answer)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import EngineDep
from api.schemas import Health
from geo.db import check_database
from geo.errors import DatabaseUnavailable

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=Health, summary="Liveness")
def live() -> Health:
    """Answer as long as the process serves requests; touches no database."""
    return Health(status="ok")


@router.get(
    "/ready",
    response_model=Health,
    summary="Readiness",
    responses={503: {"model": Health, "description": "Database or PostGIS unavailable"}},
)
def ready(engine: EngineDep) -> Health | JSONResponse:
    """Answer 200 with the PostGIS version when the database and PostGIS answer, else 503."""
    try:
        version = check_database(engine)
    except DatabaseUnavailable as exc:
        body = Health(status="unavailable", detail=exc.message)
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", postgis=version)
