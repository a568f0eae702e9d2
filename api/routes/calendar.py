"""``/calendar``: the working-day calendar of complaint clocks and the agency's days off."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, status

from api import auth
from api.deps import LanguageDep, PrincipalDep, SessionDep
from api.schemas import ERRORS, DayOffIn, NonWorkingDay
from geo.calendar import add_day_off, list_days_off, national_holidays, remove_day_off

router = APIRouter(prefix="/calendar", tags=["calendar"], responses=ERRORS)


@router.get("/{year}", summary="Non-working weekdays of a year", response_model=list[NonWorkingDay])
def non_working_days(
    lang: LanguageDep,
    session: SessionDep,
    principal: PrincipalDep,
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> list[NonWorkingDay]:
    """Return the national holidays, joint leave days and the agency's days off of ``year``."""
    auth.require(principal, auth.ANY_STAFF, "read the calendar")
    days = {
        day: NonWorkingDay(day=day, kind="national", name=name)
        for day, name in national_holidays(year, lang).items()
    }
    for off in list_days_off(session=session, year=year):
        days[off.day] = NonWorkingDay(
            day=off.day, kind="agency", name=off.reason, added_by=off.created_by
        )
    return [days[d] for d in sorted(days)]


@router.post(
    "/days-off",
    summary="Add a day the office is closed (admin)",
    status_code=status.HTTP_201_CREATED,
    response_model=NonWorkingDay,
)
def create_day_off(
    session: SessionDep, principal: PrincipalDep, payload: DayOffIn
) -> NonWorkingDay:
    """Close the office on a day; complaint clocks skip it from now on (audited)."""
    auth.require(principal, auth.SITE_EDITORS, "add a day off")
    row = add_day_off(session=session, day=payload.day, reason=payload.reason, actor=principal.user)
    return NonWorkingDay(day=row.day, kind="agency", name=row.reason, added_by=row.created_by)


@router.delete(
    "/days-off/{day}",
    summary="Remove a day off (admin)",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_day_off(
    session: SessionDep,
    principal: PrincipalDep,
    day: dt.date,
) -> None:
    """Open the office again on a day the agency had closed (audited)."""
    auth.require(principal, auth.SITE_EDITORS, "remove a day off")
    remove_day_off(session=session, day=day, actor=principal.user)
