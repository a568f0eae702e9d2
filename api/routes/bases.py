"""``/bases`` and ``/teams``: offices, overnight places and field teams for patrols."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, status

from api import auth
from api.deps import SessionDep, SettingsDep
from api.roles import role
from api.schemas import ERRORS, errors
from api.schemas.patrols import PlaceCode, PlaceIn, PlaceOut, TeamIn, TeamOut
from geo.bases import Place, add_place, list_places, remove_place
from geo.patrols.teams import TeamRecord, add_team, list_teams, remove_team
from geo.tokens import Principal

router = APIRouter(tags=["bases"], responses=ERRORS)

Reader = Annotated[Principal, role(auth.READERS, "read bases and teams")]
Planner = Annotated[Principal, role(auth.PATROL_PLANNERS, "change bases and teams")]
Code = Annotated[PlaceCode, Path(description="Code of the place or team")]


@router.get("/bases", summary="Offices and overnight places", response_model=list[PlaceOut])
def get_bases(
    session: SessionDep,
    principal: Reader,
    kind: Literal["office", "village", "camp", "forward_base"] | None = None,
) -> list[PlaceOut]:
    """List the offices and the villages, camps and forward bases teams may sleep at."""
    return [PlaceOut(**dataclasses.asdict(p)) for p in list_places(session, kind=kind)]


@router.post(
    "/bases",
    summary="Add an office or overnight place (analyst, admin)",
    status_code=status.HTTP_201_CREATED,
    response_model=PlaceOut,
    responses=errors(409),
)
def post_base(
    session: SessionDep,
    principal: Planner,
    settings: SettingsDep,
    payload: Annotated[PlaceIn, Body()],
) -> PlaceOut:
    """Add a place; 409 when the code is taken."""
    place = add_place(session, Place(**payload.model_dump()), settings=settings)
    return PlaceOut(**dataclasses.asdict(place))


@router.delete(
    "/bases/{code}",
    summary="Remove an office or overnight place (analyst, admin)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404, 409),
)
def delete_base(session: SessionDep, principal: Planner, code: Code) -> None:
    """Remove a place; 409 for an office teams are still based at."""
    remove_place(session, code)


@router.get("/teams", summary="Field teams", response_model=list[TeamOut])
def get_teams(session: SessionDep, principal: Reader) -> list[TeamOut]:
    """List the field teams with base, shift and days away."""
    return [TeamOut(**dataclasses.asdict(r)) for r in list_teams(session)]


@router.put(
    "/teams/{code}", summary="Add or change a team (analyst, admin)", response_model=TeamOut
)
def put_team(
    session: SessionDep, principal: Planner, code: Code, payload: Annotated[TeamIn, Body()]
) -> TeamOut:
    """Create or replace the team ``code`` (the body's code must match)."""
    record = TeamRecord(**{**payload.model_dump(), "code": code})
    add_team(session, record, replace=True)
    return TeamOut(**dataclasses.asdict(record))


@router.delete(
    "/teams/{code}",
    summary="Remove a team (analyst, admin)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
)
def delete_team(session: SessionDep, principal: Planner, code: Code) -> None:
    """Remove a team."""
    remove_team(session, code)
