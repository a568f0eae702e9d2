"""``/alerts``: satellite alert patches (GFW integrated alerts, CC BY 4.0) as GeoJSON.

For analysts and admins: a patch nobody reported points at where to look next.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import auth
from api.deps import LanguageDep, SessionDep
from api.roles import role
from api.routes._geojson import GeoJSONResponse
from api.schemas import ERRORS
from api.schemas.alerts import AlertPatchCollection
from geo.alerts import service
from geo.tokens import Principal

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=ERRORS)

PatchReader = Annotated[Principal, role(auth.PATROL_PLANNERS, "read satellite alert patches")]


@router.get(
    "/patches",
    summary="Satellite alert patches as GeoJSON, with GFW attribution (analyst, admin)",
    response_class=GeoJSONResponse,
    responses={200: {"model": AlertPatchCollection, "description": "GeoJSON FeatureCollection"}},
)
def list_patches(
    session: SessionDep,
    principal: PatchReader,
    language: LanguageDep,
    candidate: Annotated[bool | None, Query(description="Only (un)reported patches")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> GeoJSONResponse:
    """Return the patches, new candidates first, worded in the reader's language."""
    doc = service.patches_geojson(
        session=session, language=language, candidate=candidate, limit=limit, offset=offset
    )
    return GeoJSONResponse(doc)
