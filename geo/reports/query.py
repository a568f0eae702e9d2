"""Reports for notebooks, maps, the CLI and the API: always through the redaction gate.

:func:`load` gives a GeoDataFrame in EPSG:4326 with the columns of :data:`COLUMNS`;
:func:`show` gives one report with its history, evidence and clocks; :func:`list_reports`
gives the rows the CLI lists. Every one passes its rows through
:func:`geo.reports.privacy.redact` for the caller's role, so no export built on them can
forget the confidentiality flag or the reporter's identity.

Examples
--------
>>> import geo
>>> gdf = geo.reports.load(engine=geo.connect(), since="2025-06-01")
>>> gdf.crs.to_epsg(), "reporter_name" in gdf.columns
(4326, False)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Engine,
    FromClause,
    Integer,
    String,
    any_,
    column,
    func,
    literal,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.db import Target, use_session
from geo.errors import NotFound, ValidationError
from geo.models import Site
from geo.reports.clocks import evaluate
from geo.reports.lifecycle import get_report, history
from geo.reports.models import (
    REPORT_STATUSES,
    Evidence,
    Report,
    ReportEvidence,
    ReportMatch,
    ReportStatusHistory,
)
from geo.reports.privacy import may_see_identity, redact
from geo.reports.validation import parse_time
from geo.settings import Settings

__all__ = ["COLUMNS", "JOINED", "load", "load_history", "show", "list_reports"]

#: Columns of :func:`load` besides ``geometry`` (a point, or empty for a described place).
#: ``reporter_hash`` is dropped outside the agency; ``reporter_name`` and ``reporter_phone``
#: are added for the ``operator`` and ``admin`` roles only.
COLUMNS: tuple[str, ...] = (
    "id",
    "code",
    "channel",
    "external_id",
    "received_at",
    "observed_at",
    "location_source",
    "accuracy_m",
    "location_text",
    "title",
    "description",
    "activity",
    "commodity_guess",
    "confidentiality",
    "status",
    "resolution",
    "status_changed_at",
    "flags",
    "duplicate_of_id",
    "duplicate_rule",
    "matched_site_id",
    "match_distance_m",
    "match_rule",
    "hotspot_id",
    "reporter_hash",
)
#: Columns :func:`load` adds from the matched site and hotspot, for analysts' group-bys.
JOINED: tuple[str, ...] = ("matched_site_code", "matched_kabupaten", "hotspot_code")

_REPORTS = Report.__table__
_MATCHES = ReportMatch.__table__
_SITES = Site.__table__
#: The hotspots table (geo.hotspots); only what :func:`load` joins.
_HOTSPOTS = table("hotspots", column("id", Integer), column("code", String))
#: What the reporter identity columns are called (decrypted by the redaction gate).
_IDENTITY = ("reporter_name_enc", "reporter_phone_enc")


def _columns(names: Iterable[str], *, identity: bool) -> list[ColumnElement[Any]]:
    """Select the report columns ``names`` (match columns from report_matches), plus identity."""
    matched = {
        "matched_site_id": _MATCHES.c.site_id,
        "match_distance_m": _MATCHES.c.distance_m,
        "match_rule": _MATCHES.c.rule,
    }
    out: list[ColumnElement[Any]] = [
        matched[n].label(n) if n in matched else _REPORTS.c[n] for n in names
    ]
    if identity:
        out += [_REPORTS.c[n] for n in _IDENTITY]
    return out


def _with_match() -> FromClause:
    return _REPORTS.outerjoin(_MATCHES, _MATCHES.c.report_id == _REPORTS.c.id)


def _lat_lon() -> list[ColumnElement[Any]]:
    return [func.ST_Y(_REPORTS.c.geom).label("lat"), func.ST_X(_REPORTS.c.geom).label("lon")]


def _statuses(status: str | Iterable[str] | None) -> list[str] | None:
    if status is None:
        return None
    wanted = [status] if isinstance(status, str) else list(status)
    for value in wanted:
        if value not in REPORT_STATUSES:
            raise ValidationError(
                f"status: expected one of {', '.join(REPORT_STATUSES)}, got {value!r}",
                field="status",
            )
    return wanted


def _filters(
    *, since: dt.datetime | None = None, statuses: list[str] | None = None
) -> list[ColumnElement[bool]]:
    """Conditions on reception time and status, for the filters given."""
    out: list[ColumnElement[bool]] = []
    if since is not None:
        out.append(_REPORTS.c.received_at >= since)
    if statuses is not None:
        out.append(_REPORTS.c.status.in_(statuses))
    return out


#: The columns :func:`list_reports` lists, besides ``lat`` and ``lon``.
_LISTED = (
    "id",
    "code",
    "channel",
    "received_at",
    "status",
    "activity",
    "confidentiality",
    "flags",
    "duplicate_of_id",
    "matched_site_id",
    "hotspot_id",
    "location_text",
)


def load(
    target: Target | None = None,
    *,
    engine: Engine | None = None,
    since: dt.datetime | dt.date | str | None = None,
    status: str | Iterable[str] | None = None,
    role: str = "analyst",
    include_duplicates: bool = True,
    settings: Settings | None = None,
) -> gpd.GeoDataFrame:
    """Return reports as a GeoDataFrame (EPSG:4326), redacted for ``role``.

    Parameters
    ----------
    target, engine
        An engine or open session (positionally), or ``engine=``; the default engine otherwise.
    since
        Only reports received at or after this time (naive times and dates are WITA).
    status
        Only reports in this status (or these statuses).
    role
        Audience, see :data:`geo.reports.privacy.ROLES`: ``public`` and ``partner`` get
        ``anonim`` reports only; ``operator`` and ``admin`` also get the reporter's identity.
    include_duplicates
        Keep near duplicates (``duplicate_of_id`` set); ``False`` leaves independent reports.
    settings
        Key source when identity is decrypted.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` (minus what ``role`` may not see), :data:`JOINED` (code and
        kabupaten of the matched site, code of the hotspot) and ``geometry``, ordered by
        reception time.

    Examples
    --------
    >>> gdf = load(engine=engine, status="received", role="public")
    >>> set(gdf["status"]), "reporter_phone" in gdf.columns
    ({'received'}, False)
    """
    since_time = parse_time(since, "since")
    r = _REPORTS.c
    sql = (
        select(
            *_columns(COLUMNS, identity=may_see_identity(role)),
            _SITES.c.code.label("matched_site_code"),
            _SITES.c.kabupaten.label("matched_kabupaten"),
            _HOTSPOTS.c.code.label("hotspot_code"),
            r.geom.label("geometry"),
        )
        .select_from(
            _with_match()
            .outerjoin(_SITES, _SITES.c.id == _MATCHES.c.site_id)
            .outerjoin(_HOTSPOTS, _HOTSPOTS.c.id == r.hotspot_id)
        )
        .where(*_filters(since=since_time, statuses=_statuses(status)))
        .order_by(r.received_at, r.id)
    )
    if not include_duplicates:
        sql = sql.where(r.duplicate_of_id.is_(None))
    with use_session(engine or target) as session:
        frame = gpd.read_postgis(sql, session.connection(), geom_col="geometry")
    if frame.crs is None:
        frame = frame.set_crs(4326)
    return redact(frame, role=role, settings=settings)


def load_history(
    target: Target | None = None,
    *,
    since: dt.datetime | dt.date | str | None = None,
    to_status: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return every status transition of every report as one DataFrame, oldest first.

    For analysts inside the agency (time to verification, throughput by channel): one query
    instead of one :func:`geo.reports.history` call per report. It holds no reporter identity
    and no report text: report code, from and to status, actor (a staff member or ``public``),
    time and reason.

    Parameters
    ----------
    target
        An engine or open session; the default engine otherwise.
    since
        Only transitions at or after this time (naive times and dates are WITA).
    to_status
        Only transitions into this status (or these statuses).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``from_status``, ``to_status``, ``actor``, ``at`` (UTC), ``reason``.

    Examples
    --------
    >>> verified = load_history(engine, to_status="verified")
    >>> set(verified["to_status"])
    {'verified'}
    """
    since_time = parse_time(since, "since")
    h = ReportStatusHistory.__table__.c
    sql = (
        select(_REPORTS.c.code, h.from_status, h.to_status, h.actor, h.at, h.reason)
        .join_from(ReportStatusHistory.__table__, _REPORTS, _REPORTS.c.id == h.report_id)
        .order_by(h.at, h.id)
    )
    if since_time is not None:
        sql = sql.where(h.at >= since_time)
    wanted = _statuses(to_status)
    if wanted is not None:
        sql = sql.where(h.to_status.in_(wanted))
    with use_session(target) as session:
        rows = session.execute(sql).mappings().all()
    columns = ["code", "from_status", "to_status", "actor", "at", "reason"]
    frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def show(
    *,
    session: Session,
    code: str,
    role: str = "analyst",
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Return one report as ``role`` may see it, with history, evidence and clocks.

    Raises
    ------
    NotFound
        No report has this code, or (outside the agency) the report is ``rahasia``: an
        outsider learns nothing about whether a confidential report exists.

    Examples
    --------
    >>> show(session=session, code=code)["status"]
    'received'
    """
    report = get_report(session=session, code=code)
    row = (
        session.execute(
            select(*_columns(COLUMNS, identity=may_see_identity(role)), *_lat_lon())
            .select_from(_with_match())
            .where(_REPORTS.c.id == report.id)
        )
        .mappings()
        .one()
    )
    visible = redact([dict(row)], role=role, settings=settings)
    if not visible:
        raise NotFound(f"code: no report has the tracking code {code!r}")
    out = visible[0]
    out["history"] = [vars(h) for h in history(session=session, code=report.code)]
    out["evidence"] = [
        {
            "sha256": e.sha256,
            "mime": e.mime,
            "size_bytes": e.size_bytes,
            "exif_lat": e.exif_lat,
            "exif_lon": e.exif_lon,
            "exif_time": e.exif_time,
        }
        for e in session.scalars(
            select(Evidence)
            .join(ReportEvidence, ReportEvidence.sha256 == Evidence.sha256)
            .where(ReportEvidence.report_id == report.id)
            .order_by(Evidence.sha256)
        )
    ]
    out["clocks"] = [
        vars(c)
        for c in evaluate(
            session=session,
            now=now,
            report_ids=[report.id],
            include_stopped=True,
            zone=settings.province_profile.zone if settings is not None else None,
        )
    ]
    return out


def list_reports(
    *,
    session: Session,
    status: str | Iterable[str] | None = None,
    overdue: bool = False,
    due_soon: bool = False,
    limit: int = 50,
    role: str = "analyst",
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """Return reports for a listing, newest first, or the most urgent first with clocks.

    With ``overdue`` (and/or ``due_soon``) only reports with such a running clock are listed,
    each with ``clock`` (rule name), ``due_at``, ``clock_state`` and ``days_left``.

    Examples
    --------
    >>> [r["code"] for r in list_reports(session=session, overdue=True)][:1]
    ['PTM-...']
    """
    wanted = _statuses(status)
    clocks: dict[int, Any] = {}
    if overdue or due_soon:
        states = ({"overdue"} if overdue else set()) | ({"due_soon"} if due_soon else set())
        zone = settings.province_profile.zone if settings is not None else None
        for clock in evaluate(session=session, now=now, zone=zone):
            if clock.state in states and clock.report_id not in clocks:
                clocks[clock.report_id] = clock
        ids: list[int] | None = list(clocks)
    else:
        ids = None
    sql = (
        select(*_columns(_LISTED, identity=False), *_lat_lon())
        .select_from(_with_match())
        .where(*_filters(statuses=wanted))
        .order_by(_REPORTS.c.received_at.desc(), _REPORTS.c.id.desc())
    )
    if ids is not None:
        sql = sql.where(_REPORTS.c.id == any_(literal(ids, ARRAY(Integer))))
    rows = session.execute(sql).mappings()
    out = redact([dict(r) for r in rows], role=role)
    for row in out:
        late = clocks.get(row["id"])
        if late is not None:
            row.update(
                clock=late.rule,
                due_at=late.due_at,
                clock_state=late.state,
                days_left=late.days_left,
            )
    if clocks:
        out.sort(key=lambda r: (r["due_at"], r["code"]))
    return out[:limit]
