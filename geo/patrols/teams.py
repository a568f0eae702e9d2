"""The field teams the agency keeps: home base, shift, travel limits and days away.

``pantau teams`` and ``/teams`` manage them; :func:`teams_from_registry` turns them into the
planner's :class:`~geo.patrols.problem.Team`. A teams file (CSV or XLSX with the columns of
:data:`TEAM_COLUMNS`) is imported with :func:`import_teams`.

Examples
--------
>>> from geo.bases import Place, add_place
>>> _ = add_place(session, Place("B-T", "Pos T", "office", 117.1, -0.5, "Samarinda"))
>>> _ = add_team(session, TeamRecord("TIM-X", "B-T", max_days_away=4))
>>> [(t.code, t.base.code, t.max_days_away) for t in teams_from_registry(session)]
[('TIM-X', 'B-T', 4)]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo.errors import N_, Conflict, InputFileError, NotFound, ValidationError
from geo.models import FieldBase
from geo.patrols.models import PatrolTeam
from geo.patrols.problem import Base, Team, parse_clock
from geo.settings import DEFAULT_SPEEDS_KMH

__all__ = [
    "TeamRecord",
    "TEAM_COLUMNS",
    "list_teams",
    "add_team",
    "remove_team",
    "import_teams",
    "teams_from_registry",
]

#: Columns of a teams file; only ``code`` and ``base_code`` are required.
TEAM_COLUMNS: tuple[str, ...] = (
    "code",
    "base_code",
    "name",
    "shift",
    "max_drive_h",
    "mode",
    "max_days_away",
)


@dataclass(frozen=True)
class TeamRecord:
    """A field team as stored: code, home base, shift, driving limit, mode, days away."""

    code: str
    base_code: str
    name: str = ""
    shift: str = "07:30-16:30"
    max_drive_h: float = 6.0
    mode: str = "car"
    max_days_away: int = 1


def _check(session: Session, team: TeamRecord) -> None:
    if not team.code.strip() or len(team.code) > 32:
        raise ValidationError.of(
            N_("a team code of 1 to 32 characters is needed, got {code!r}"),
            field="code",
            code=team.code,
        )
    if session.scalar(select(FieldBase.id).where(FieldBase.code == team.base_code)) is None:
        raise ValidationError.of(
            N_("no office {base} to base the team at; add it with `pantau bases add`"),
            field="base_code",
            base=team.base_code,
        )
    start, _, end = team.shift.partition("-")
    if not end or parse_clock(end, field="shift") <= parse_clock(start, field="shift"):
        raise ValidationError.of(
            N_("`shift` must look like 07:30-16:30, got {value!r}"),
            field="shift",
            value=team.shift,
        )
    if not team.max_drive_h > 0:
        raise ValidationError.of(
            N_("maximum driving time must be positive hours, got {hours}"),
            field="max_drive_h",
            hours=team.max_drive_h,
        )
    if team.mode not in DEFAULT_SPEEDS_KMH:
        raise ValidationError.of(
            N_("vehicle mode must be one of {modes}, got {mode!r}"),
            field="mode",
            modes=sorted(DEFAULT_SPEEDS_KMH),
            mode=team.mode,
        )
    if team.max_days_away < 1:
        raise ValidationError.of(
            N_("days away must be at least 1, got {days}"),
            field="max_days_away",
            days=team.max_days_away,
        )


def _record(row: PatrolTeam) -> TeamRecord:
    return TeamRecord(
        row.code, row.base_code, row.name, row.shift, row.max_drive_h, row.mode, row.max_days_away
    )


def list_teams(session: Session) -> list[TeamRecord]:
    """Return the stored teams by code."""
    return [_record(r) for r in session.scalars(select(PatrolTeam).order_by(PatrolTeam.code))]


def add_team(session: Session, team: TeamRecord, *, replace: bool = False) -> TeamRecord:
    """Add a team (or, with ``replace``, change the team of that code); the caller commits.

    Raises
    ------
    ValidationError
        An unknown base, a bad shift, driving limit, mode or days away, naming the field.
    Conflict
        The code exists and ``replace`` is false.
    """
    _check(session, team)
    row = session.scalar(select(PatrolTeam).where(PatrolTeam.code == team.code))
    if row is not None and not replace:
        raise Conflict.of(N_("team {code} exists already"), field="code", code=team.code)
    if row is None:
        row = PatrolTeam(code=team.code)
        session.add(row)
    row.base_code, row.name, row.shift = team.base_code, team.name, team.shift
    row.max_drive_h, row.mode, row.max_days_away = team.max_drive_h, team.mode, team.max_days_away
    session.flush()
    return team


def remove_team(session: Session, code: str) -> None:
    """Remove team ``code``; the caller commits. Raises :class:`NotFound` for no such team."""
    done = session.execute(delete(PatrolTeam).where(PatrolTeam.code == code))
    if not getattr(done, "rowcount", 0):
        raise NotFound.of(N_("no team {code}"), field="code", code=code)


def import_teams(session: Session, path: Path | str) -> tuple[int, int]:
    """Create or replace teams from a CSV or XLSX file; return (created, updated).

    Raises
    ------
    InputFileError
        The file cannot be read, lacks ``code`` or ``base_code``, or a row is bad (named).
    """
    path = Path(path)
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        else:
            frame = pd.read_csv(path, dtype=str)
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path.name}: cannot read the teams file ({exc})", field="file"
        ) from None
    missing = [c for c in ("code", "base_code") if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{path.name}: the columns {missing} are missing (expected {list(TEAM_COLUMNS)})",
            field="file",
        )
    known = {r.code for r in list_teams(session)}
    created = updated = 0
    for i, row in enumerate(frame.fillna("").to_dict("records"), start=2):
        try:
            record = TeamRecord(
                code=str(row["code"]).strip(),
                base_code=str(row["base_code"]).strip(),
                name=str(row.get("name", "")),
                shift=str(row.get("shift") or "07:30-16:30"),
                max_drive_h=float(row.get("max_drive_h") or 6.0),
                mode=str(row.get("mode") or "car"),
                max_days_away=int(row.get("max_days_away") or 1),
            )
            add_team(session, record, replace=True)
        except (ValueError, ValidationError) as exc:
            raise InputFileError(f"{path.name}: row {i}: {exc}", field="rows") from None
        if record.code in known:
            updated += 1
        else:
            created += 1
    return created, updated


def teams_from_registry(session: Session) -> list[Team]:
    """Return the stored teams as the planner's :class:`Team`, with their bases' locations."""
    bases = {b.code: b for b in session.scalars(select(FieldBase))}
    teams = []
    for r in list_teams(session):
        b = bases[r.base_code]
        pt = _point(b.geom)
        start, _, end = r.shift.partition("-")
        teams.append(
            Team(
                r.code,
                Base(b.code, b.name, float(pt.x), float(pt.y)),
                shift=(start.strip(), end.strip()),
                max_drive_h=r.max_drive_h,
                mode=r.mode,
                name=r.name,
                max_days_away=r.max_days_away,
            )
        )
    return teams


def _point(geom: Any) -> Point:
    """Return a stored point geometry as a shapely Point."""
    shape = to_shape(geom)
    assert isinstance(shape, Point)  # noqa: S101 - the column holds points only
    return shape
