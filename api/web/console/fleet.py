"""Tim dan tempat: the field teams, their offices and the overnight places of expeditions.

The same use cases as ``pantau bases`` / ``pantau teams`` and the API's ``/bases`` and
``/teams`` (:mod:`geo.bases`, :mod:`geo.patrols.teams`), checked by the API's request models
(:class:`api.schemas.PlaceIn`, :class:`api.schemas.TeamIn`). Every staff role reads the lists
(:data:`api.auth.READERS`); analysts and admins (:data:`api.auth.PATROL_PLANNERS`) add and
remove, as over the API. A refused value is shown next to its field in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session

from api import auth
from api.deps import SessionDep, SettingsDep
from api.schemas.patrols import PlaceIn, TeamIn
from api.web import templating
from api.web.console import vocab
from api.web.console.session import PosterDep, StaffDep, allow, field_problems, page
from geo.bases import KINDS, Place, add_place, list_places, remove_place
from geo.errors import N_, PantauError
from geo.i18n import Translator
from geo.patrols.teams import TeamRecord, add_team, list_teams, remove_team

__all__ = ["router"]

router = APIRouter(prefix="/tim", include_in_schema=False)

Code = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]
CHANGE = N_("change teams and places")
PLACE_ADDED = N_("Place {code} is added.")
PLACE_REMOVED = N_("Place {code} is removed.")
TEAM_SAVED = N_("Team {code} is saved.")
TEAM_REMOVED = N_("Team {code} is removed.")

#: What each field expects, shown next to it when the value is refused.
HINTS = {
    "code": N_(
        "A code of 1 to 32 letters, digits, '.', '-' or '_', starting with a letter or digit."
    ),
    "name": N_("Give a name (at most 200 characters)."),
    "kind": N_("Choose a kind of place from the list."),
    "lon": N_("Give the longitude in decimal degrees, e.g. 116.95."),
    "lat": N_("Give the latitude in decimal degrees, e.g. -0.45."),
    "kabupaten": N_("At most 100 characters."),
    "notes": N_("At most 2,000 characters."),
    "base_code": N_("Choose the office the team is based at."),
    "shift": N_("Write the shift like 07:30-16:30."),
    "max_drive_h": N_("Give driving hours a day above 0 and at most 24."),
    "mode": N_("Choose a way of travel from the list."),
    "max_days_away": N_("Give the days a team may be away, from 1 to 30."),
}


def _refusal(exc: PantauError, t: Translator) -> dict[str, str]:
    field = exc.field if exc.field in HINTS else "form"
    return {field: exc.localized(t)}


def _page(
    request: Request,
    session: Session,
    staff: Any,
    *,
    place: dict[str, str] | None = None,
    team: dict[str, str] | None = None,
    place_problems: dict[str, str] | None = None,
    team_problems: dict[str, str] | None = None,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    t = templating.reader(request)
    places = list_places(session)
    return page(
        request,
        "console/fleet/index.html",
        status_code=status_code,
        teams=list_teams(session),
        places=places,
        offices=[p for p in places if p.kind == "office"],
        kinds=KINDS,
        modes=list(vocab.mode_labels(t).items()),
        mode_label=vocab.mode_labels(t),
        place=place or {"kind": "village"},
        team=team or {"shift": "07:30-16:30", "max_drive_h": "6", "max_days_away": "1"},
        place_problems=place_problems or {},
        team_problems=team_problems or {},
        message=message,
        error=error,
        may_change=staff.may(auth.PATROL_PLANNERS),
    )


@router.get("")
def fleet_page(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Show the teams, offices and overnight places, with the forms to add them."""
    allow(staff, auth.READERS, N_("read bases and teams"))
    return _page(request, session, staff)


@router.post("/tempat")
def add_place_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    code: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=250)] = "",
    kind: Annotated[str, Form(max_length=20)] = "village",
    lon: Annotated[str, Form(max_length=30)] = "",
    lat: Annotated[str, Form(max_length=30)] = "",
    kabupaten: Annotated[str, Form(max_length=150)] = "",
    notes: Annotated[str, Form(max_length=2500)] = "",
    approximate: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Add an office or an overnight place (the use case of ``pantau bases add``)."""
    allow(staff, auth.PATROL_PLANNERS, CHANGE)
    values = {k: v for k, v in locals().items() if isinstance(v, str) and k != "approximate"}
    fields = {k: v for k, v in values.items() if v.strip() or k in ("lon", "lat")}

    def write() -> str:
        checked = PlaceIn.model_validate({**fields, "approximate": bool(approximate)})
        add_place(session, Place(**checked.model_dump()), settings=settings)
        return checked.code

    shown = {**values, "approximate": approximate}
    return _save(request, session, staff, write, PLACE_ADDED, form="place", values=shown)


def _save(
    request: Request,
    session: Session,
    staff: Any,
    write: Callable[[], str],
    done: str,
    *,
    form: str,
    values: dict[str, str],
) -> Response:
    """Run ``write`` (check the form, call the use case, return the saved code) and commit.

    When the form or the use case refuses, show the ``form`` again with each problem next to
    its field, and nothing written.
    """
    t = templating.reader(request)
    try:
        code = write()
    except PydanticError as e:
        problems = field_problems(e, HINTS, t)
    except PantauError as e:
        session.rollback()
        problems = _refusal(e, t)
    else:
        session.commit()
        return _page(request, session, staff, message=t.gettext(done, code=code))
    shown: dict[str, Any] = {form: values, f"{form}_problems": problems}
    return _page(request, session, staff, status_code=400, **shown)


def _remove(
    request: Request, session: Session, staff: Any, work: Any, done: str, code: str
) -> Response:
    t = templating.reader(request)
    try:
        work()
    except PantauError as e:
        session.rollback()
        return _page(request, session, staff, error=e.localized(t), status_code=409)
    session.commit()
    return _page(request, session, staff, message=t.gettext(done, code=code))


@router.post("/tempat/{code}/hapus")
def remove_place_form(
    request: Request, code: Code, session: SessionDep, staff: PosterDep
) -> Response:
    """Remove an office (none of whose teams remain) or an overnight place."""
    allow(staff, auth.PATROL_PLANNERS, CHANGE)
    return _remove(
        request, session, staff, lambda: remove_place(session, code), PLACE_REMOVED, code
    )


@router.post("/regu")
def save_team_form(
    request: Request,
    session: SessionDep,
    staff: PosterDep,
    code: Annotated[str, Form(max_length=40)] = "",
    base_code: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=250)] = "",
    shift: Annotated[str, Form(max_length=20)] = "",
    max_drive_h: Annotated[str, Form(max_length=10)] = "",
    mode: Annotated[str, Form(max_length=20)] = "car",
    max_days_away: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Add a team, or change the team of that code (the use case of ``PUT /teams/{code}``)."""
    allow(staff, auth.PATROL_PLANNERS, CHANGE)
    values = {k: v for k, v in locals().items() if isinstance(v, str)}

    def write() -> str:
        checked = TeamIn.model_validate({k: v for k, v in values.items() if v.strip()})
        add_team(session, TeamRecord(**checked.model_dump()), replace=True)
        return checked.code

    return _save(request, session, staff, write, TEAM_SAVED, form="team", values=values)


@router.post("/regu/{code}/hapus")
def remove_team_form(
    request: Request, code: Code, session: SessionDep, staff: PosterDep
) -> Response:
    """Remove a team."""
    allow(staff, auth.PATROL_PLANNERS, CHANGE)
    return _remove(request, session, staff, lambda: remove_team(session, code), TEAM_REMOVED, code)
