"""Field team bases and overnight places: where patrols start, end and sleep.

Offices (kind ``office``, the ``bases`` table) are where a team starts and ends; villages,
camps and forward bases (the ``overnight_places`` table) are where a team on a multi-day
expedition may spend the night. :func:`list_places`, :func:`add_place` and
:func:`remove_place` manage both, as ``pantau bases`` and ``/bases`` show them.

Examples
--------
>>> import geo
>>> bases = geo.bases.load(geo.connect())
>>> len(bases) > 0, bases.crs.to_epsg()
(True, 4326)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo.checks import check_geometry
from geo.db import Target, use_session
from geo.errors import N_, Conflict, InputFileError, NotFound, ValidationError
from geo.io.vector import read_vector
from geo.models import FieldBase
from geo.patrols.models import OVERNIGHT_KINDS, OvernightPlace, PatrolTeam
from geo.settings import Settings

__all__ = [
    "COLUMNS",
    "KINDS",
    "Place",
    "load",
    "import_file",
    "list_places",
    "add_place",
    "remove_place",
    "import_places",
]

#: Kinds of place: the office a team is based at, then where a team may sleep.
KINDS: tuple[str, ...] = ("office", *OVERNIGHT_KINDS)

#: Columns of :func:`load`'s GeoDataFrame besides ``geometry`` (EPSG:4326).
COLUMNS: tuple[str, ...] = ("code", "name", "address", "kabupaten")
_INDONESIA: tuple[float, float, float, float] = Settings.model_fields["indonesia_bbox"].default


def load(target: Target | None = None) -> gpd.GeoDataFrame:
    """Return the field team bases as a GeoDataFrame in EPSG:4326 indexed by code."""
    with use_session(target) as session:
        rows = session.scalars(select(FieldBase).order_by(FieldBase.code)).all()
        data = [{c: getattr(b, c) for c in COLUMNS} for b in rows]
        geoms = [to_shape(b.geom) for b in rows]
    gdf = gpd.GeoDataFrame(data, columns=list(COLUMNS), geometry=geoms, crs=4326)
    return gdf.set_index("code", drop=False).rename_axis(None)


def import_file(
    target: Target, path: Path | str, *, settings: Settings | None = None
) -> tuple[int, int]:
    """Upsert bases by code from a vector file; return (created, updated).

    Locations must lie in ``settings.indonesia_bbox`` (the settings' default box when no
    settings are given; this function never reads the environment).

    Raises
    ------
    InputFileError
        When a row lacks code, name or kabupaten, or its location is not a point in Indonesia.
    """
    indonesia = settings.indonesia_bbox if settings is not None else _INDONESIA
    path = Path(path)
    gdf = read_vector(path)
    problems = []
    for row in gdf.to_dict("records"):
        bad = [f"{c} is missing" for c in ("code", "name", "kabupaten") if not row.get(c)]
        geom_problem = check_geometry(row["geometry"], indonesia=indonesia, allowed=("Point",))
        if geom_problem:
            bad.append(geom_problem)
        if bad:
            problems.append(f"row {row['_row']}: {'; '.join(bad)}")
    if problems:
        raise InputFileError(f"{path.name}: " + "; ".join(problems), field="rows")
    created = updated = 0
    with use_session(target, write=True) as session:
        existing = {b.code: b for b in session.scalars(select(FieldBase))}
        for row in gdf.to_dict("records"):
            base = existing.get(row["code"])
            values = {c: row.get(c) for c in COLUMNS}
            geom = from_shape(row["geometry"], srid=4326)
            if base is None:
                session.add(FieldBase(**values, geom=geom))
                created += 1
            elif any(getattr(base, c) != values[c] for c in COLUMNS) or not to_shape(
                base.geom
            ).equals_exact(row["geometry"], 1e-7):
                for c in COLUMNS:
                    setattr(base, c, values[c])
                base.geom = geom
                updated += 1
    return created, updated


@dataclass(frozen=True)
class Place:
    """An office or an overnight place, as people manage them (lon, lat in EPSG:4326)."""

    code: str
    name: str
    kind: str
    lon: float
    lat: float
    kabupaten: str = ""
    address: str = ""
    approximate: bool = False
    notes: str = ""


def list_places(session: Session, *, kind: str | None = None) -> list[Place]:
    """Return the offices and overnight places, offices first, each by code.

    Examples
    --------
    >>> [p.kind for p in list_places(session)][:1]
    ['office']
    """
    places: list[Place] = []
    if kind in (None, "office"):
        for b in session.scalars(select(FieldBase).order_by(FieldBase.code)):
            pt = _point(b.geom)
            places.append(Place(b.code, b.name, "office", pt.x, pt.y, b.kabupaten, b.address or ""))
    if kind != "office":
        query = select(OvernightPlace).order_by(OvernightPlace.code)
        if kind is not None:
            query = query.where(OvernightPlace.kind == kind)
        for o in session.scalars(query):
            pt = _point(o.geom)
            places.append(
                Place(
                    o.code,
                    o.name,
                    o.kind,
                    pt.x,
                    pt.y,
                    o.kabupaten or "",
                    "",
                    o.approximate,
                    o.notes or "",
                )
            )
    return places


def _check_place(place: Place, indonesia: tuple[float, float, float, float]) -> None:
    if place.kind not in KINDS:
        raise ValidationError.of(
            N_("kind must be one of {kinds}, got {kind!r}"),
            field="kind",
            kinds=KINDS,
            kind=place.kind,
        )
    for name in ("code", "name"):
        if not str(getattr(place, name)).strip():
            raise ValidationError.of(N_("{name} is missing"), field=name, name=name)
    if len(place.code) > 32:
        raise ValidationError.of(
            N_("code must be at most 32 characters, got {n}"), field="code", n=len(place.code)
        )
    if place.kind == "office" and not place.kabupaten.strip():
        raise ValidationError.of(N_("an office needs its kabupaten"), field="kabupaten")
    problem = check_geometry(Point(place.lon, place.lat), indonesia=indonesia, allowed=("Point",))
    if problem:
        raise ValidationError.of(
            N_("lon {lon}, lat {lat} is not a place in Indonesia"),
            field="lon",
            lon=place.lon,
            lat=place.lat,
        )


def _exists(session: Session, code: str) -> str | None:
    if session.scalar(select(FieldBase.id).where(FieldBase.code == code)) is not None:
        return "office"
    return session.scalar(select(OvernightPlace.kind).where(OvernightPlace.code == code))


def add_place(session: Session, place: Place, *, settings: Settings | None = None) -> Place:
    """Add an office or an overnight place; the caller commits.

    Raises
    ------
    ValidationError
        A bad kind, a missing code or name, an office without kabupaten, a point outside
        ``settings.indonesia_bbox``.
    Conflict
        The code is already used by an office or an overnight place.

    Examples
    --------
    >>> p = add_place(session, Place("MLK-X", "Melak", "village", 115.83, -0.23))
    >>> [q.code for q in list_places(session, kind="village")]
    ['MLK-X']
    """
    indonesia = settings.indonesia_bbox if settings is not None else _INDONESIA
    place = Place(**{**place.__dict__, "code": place.code.strip(), "name": place.name.strip()})
    _check_place(place, indonesia)
    if _exists(session, place.code):
        raise Conflict.of(
            N_("a place with code {code} exists already"), field="code", code=place.code
        )
    geom = from_shape(Point(place.lon, place.lat), srid=4326)
    if place.kind == "office":
        session.add(
            FieldBase(
                code=place.code,
                name=place.name,
                address=place.address or None,
                kabupaten=place.kabupaten,
                geom=geom,
            )
        )
    else:
        session.add(
            OvernightPlace(
                code=place.code,
                name=place.name,
                kind=place.kind,
                kabupaten=place.kabupaten or None,
                approximate=place.approximate,
                notes=place.notes or None,
                geom=geom,
            )
        )
    session.flush()
    return place


def remove_place(session: Session, code: str) -> str:
    """Remove the office or overnight place ``code``; return its kind. The caller commits.

    Raises
    ------
    NotFound
        No place has that code.
    Conflict
        An office that teams are still based at.
    """
    kind = _exists(session, code)
    if kind is None:
        raise NotFound.of(N_("no base or overnight place {code}"), field="code", code=code)
    if kind == "office":
        teams = session.scalars(select(PatrolTeam.code).where(PatrolTeam.base_code == code)).all()
        if teams:
            raise Conflict.of(
                N_("teams {teams} are based at {code}; move or remove them first"),
                field="code",
                teams=", ".join(teams),
                code=code,
            )
        session.execute(delete(FieldBase).where(FieldBase.code == code))
    else:
        session.execute(delete(OvernightPlace).where(OvernightPlace.code == code))
    return kind


def import_places(
    session: Session, path: Path | str, *, settings: Settings | None = None
) -> tuple[int, int]:
    """Upsert overnight places by code from a vector file; return (created, updated).

    Columns: ``code``, ``name``, ``kind`` (village, camp, forward_base), optional
    ``kabupaten``, ``approximate`` (true/false) and ``notes``; point geometries.

    Raises
    ------
    InputFileError
        Naming the row, for a missing code or name, a bad kind, a point outside Indonesia.
    """
    indonesia = settings.indonesia_bbox if settings is not None else _INDONESIA
    path = Path(path)
    gdf = read_vector(path)
    problems, rows = [], []
    for row in gdf.to_dict("records"):
        geom = row["geometry"]
        bad = [f"{c} is missing" for c in ("code", "name", "kind") if not row.get(c)]
        if row.get("kind") and row["kind"] not in OVERNIGHT_KINDS:
            bad.append(f"kind must be one of {', '.join(OVERNIGHT_KINDS)}, got {row['kind']!r}")
        geom_problem = check_geometry(geom, indonesia=indonesia, allowed=("Point",))
        if geom_problem:
            bad.append(geom_problem)
        if bad:
            problems.append(f"row {row['_row']}: {'; '.join(bad)}")
        rows.append(row)
    if problems:
        raise InputFileError(f"{path.name}: " + "; ".join(problems), field="rows")
    created = updated = 0
    existing = {o.code: o for o in session.scalars(select(OvernightPlace))}
    for row in rows:
        approx = str(row.get("approximate", "")).strip().lower() in {"true", "1", "yes", "ya"}
        values = {
            "name": str(row["name"]),
            "kind": str(row["kind"]),
            "kabupaten": _text(row.get("kabupaten")),
            "approximate": approx,
            "notes": _text(row.get("notes")),
            "geom": from_shape(row["geometry"], srid=4326),
        }
        place = existing.get(str(row["code"]))
        if place is None:
            session.add(OvernightPlace(code=str(row["code"]), **values))
            created += 1
        else:
            for key, value in values.items():
                setattr(place, key, value)
            updated += 1
    session.flush()
    return created, updated


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value) or None


def _point(geom: Any) -> Point:
    """Return a stored point geometry as a shapely Point."""
    shape = to_shape(geom)
    assert isinstance(shape, Point)  # noqa: S101 - the column holds points only
    return shape
