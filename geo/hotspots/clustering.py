"""Clustering unmatched reports into candidate hotspots, keeping each hotspot's identity.

See :mod:`geo.hotspots` for the method; this module holds the settings, the DBSCAN run and the
matching of new clusters to stored hotspots.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections import defaultdict
from dataclasses import dataclass

from geoalchemy2 import Geometry
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    FromClause,
    Integer,
    String,
    Table,
    Text,
    and_,
    any_,
    cast,
    column,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.matching import match_reports
from geo.reports.models import Report, ReportMatch
from geo.settings import HotspotSettings

__all__ = [
    "HOTSPOT_STATUSES",
    "COLUMNS",
    "DEFAULT_SETTINGS",
    "HotspotSettings",
    "ClusterSummary",
    "cluster_reports",
]

HOTSPOT_STATUSES: tuple[str, ...] = ("candidate", "lapsed", "dismissed", "promoted")

#: Columns of :func:`load`'s GeoDataFrame besides ``geometry`` (the hull, EPSG:4326).
COLUMNS: tuple[str, ...] = (
    "id",
    "code",
    "status",
    "report_count",
    "reporter_count",
    "duplicate_count",
    "channels",
    "first_seen",
    "last_seen",
    "new_since_review",
    "centroid_lon",
    "centroid_lat",
    "eps_m",
    "min_reports",
    "window_days",
    "review_reason",
    "reviewed_by",
    "reviewed_at",
    "promoted_site_code",
    "notes",
)


@dataclass(frozen=True)
class ClusterSummary:
    """What one clustering run did: clusters found and how they map onto stored hotspots."""

    clusters: int
    clustered_reports: int
    noise_reports: int
    created: list[str]
    kept: list[str]
    revived: list[str]
    lapsed: list[str]


def _settings_or(value: float | int | None, default: float | int) -> float | int:
    return default if value is None else value


def _check(eps_m: float, min_reports: int, window_days: int | None) -> None:
    if not eps_m > 0 or eps_m > 20_000:
        raise ValidationError(
            f"eps_m must be a distance in metres between 0 and 20000, got {eps_m!r}",
            field="eps_m",
        )
    if int(min_reports) != min_reports or min_reports < 1:
        raise ValidationError(
            f"min_reports must be a whole number of reports >= 1, got {min_reports!r}",
            field="min_reports",
        )
    if window_days is not None and (int(window_days) != window_days or window_days < 1):
        raise ValidationError(
            f"window_days must be a whole number of days >= 1 or None, got {window_days!r}",
            field="window_days",
        )


#: The hotspots table (migration 0004; read and written through Core, it has no model).
_HOTSPOTS = table(
    "hotspots",
    column("id", Integer),
    column("code", String),
    column("status", String),
    column("centroid", Geometry("POINT", srid=4326)),
    column("hull", Geometry("GEOMETRY", srid=4326)),
    column("report_count", Integer),
    column("reporter_count", Integer),
    column("duplicate_count", Integer),
    column("channels", ARRAY(Text)),
    column("first_seen", DateTime(timezone=True)),
    column("last_seen", DateTime(timezone=True)),
    column("eps_m", Float),
    column("min_reports", Integer),
    column("window_days", Integer),
    column("updated_at", DateTime(timezone=True)),
)

#: The reports table, typed as a Table (the model types it as any FromClause) for UPDATEs.
_REPORTS = typing.cast(Table, Report.__table__)

#: Distance and size of clusters when the caller passes no section: the documented defaults
#: of ``Settings.hotspots`` (use cases and adapters pass ``settings.hotspots``).
DEFAULT_SETTINGS = HotspotSettings()


def _seen(r: FromClause) -> ColumnElement[dt.datetime]:
    """When a report's activity was seen: its observation time, else its reception time."""
    return func.coalesce(r.c.observed_at, r.c.received_at)


def _eligible(
    r: FromClause, rm: FromClause, *, as_of: dt.datetime, since: dt.datetime | None
) -> ColumnElement[bool]:
    """Select reports that may form hotspots; ``rm`` is the report's report_matches row."""
    conditions = [
        r.c.geom.is_not(None),
        r.c.duplicate_of_id.is_(None),
        r.c.status != "rejected",
        rm.c.rule == "none_within_radius",
        _seen(r) <= as_of,
    ]
    if since is not None:
        conditions.append(_seen(r) >= since)
    return and_(*conditions)


def _assign(
    members: dict[int, list[int]], old_of: dict[int, int | None], reusable: set[int]
) -> dict[int, int]:
    """Map cluster ids to stored hotspot ids by shared reports, largest overlap first."""
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    for cid, report_ids in members.items():
        for rid in report_ids:
            old = old_of.get(rid)
            if old is not None and old in reusable:
                overlap[(cid, old)] += 1
    assigned: dict[int, int] = {}
    used: set[int] = set()
    for (cid, hid), _n in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if cid not in assigned and hid not in used:
            assigned[cid] = hid
            used.add(hid)
    return assigned


@dataclass(frozen=True)
class _Run:
    """The parameters of one clustering run, checked."""

    eps: float
    minpts: int
    window: int | None
    srid: int
    as_of: dt.datetime

    @property
    def since(self) -> dt.datetime | None:
        """Start of the time window, or None for every report."""
        return None if self.window is None else self.as_of - dt.timedelta(days=self.window)


def _run_parameters(
    eps_m: float | None,
    min_reports: int | None,
    window_days: int | None,
    as_of: dt.datetime | None,
    cfg: HotspotSettings,
) -> _Run:
    eps = float(_settings_or(eps_m, cfg.eps_m))
    minpts = int(_settings_or(min_reports, cfg.min_reports))
    window = window_days if window_days is not None else cfg.window_days
    _check(eps, minpts, window)
    return _Run(eps, minpts, window, cfg.srid, as_of or dt.datetime.now(dt.UTC))


def cluster_reports(
    *,
    session: Session,
    eps_m: float | None = None,
    min_reports: int | None = None,
    window_days: int | None = None,
    as_of: dt.datetime | None = None,
    settings: HotspotSettings | None = None,
) -> ClusterSummary:
    """Cluster the unmatched reports with DBSCAN and update the stored hotspots.

    Reports never examined by matching are matched first (with the current radius), so that
    only reports that truly match no site are clustered.

    Parameters
    ----------
    session
        An open session; the caller commits.
    eps_m, min_reports
        DBSCAN parameters: neighbourhood radius in metres and minimum number of reports
        (the point itself included). Defaults from ``settings``.
    window_days
        Only reports observed in the ``window_days`` before ``as_of`` count.
    as_of
        The moment of the run (default: now); later reports are ignored.
    settings
        ``Settings.hotspots`` (defaults, metric CRS); :data:`DEFAULT_SETTINGS` when omitted.

    Returns
    -------
    ClusterSummary
        Codes of the hotspots created, kept, revived and lapsed.

    Raises
    ------
    ValidationError
        When a parameter is out of range; the field is named.

    Examples
    --------
    >>> s = cluster_reports(session=session, eps_m=300, min_reports=3)
    >>> s.created, s.kept[:2]  # the demo's hotspots were made by an earlier run
    ([], ['HS-0001', 'HS-0002'])
    """
    run = _run_parameters(eps_m, min_reports, window_days, as_of, settings or DEFAULT_SETTINGS)
    _match_pending(session)
    members, old_of = _dbscan(session, run)
    hs = _HOTSPOTS.c
    status_of = {int(i): str(st) for i, st in session.execute(select(hs.id, hs.status))}
    reusable = {h for h, st in status_of.items() if st != "promoted"}
    assigned = _assign(members, old_of, reusable)
    created = _create_hotspots(session, members, assigned, run)
    _store_membership(session, members, assigned, run)
    _follow_originals(session)

    touched = sorted(set(assigned.values()))
    lapsed = sorted(h for h, st in status_of.items() if st == "candidate" and h not in touched)
    revived = sorted(h for h in touched if status_of.get(h) == "lapsed")
    kept = sorted(h for h in touched if h in status_of and h not in revived)
    _refresh_stats(session, touched, eps=run.eps, minpts=run.minpts, window=run.window)
    _set_statuses(session, lapsed=lapsed, revived=revived)
    session.flush()
    codes = {int(i): str(c) for i, c in session.execute(select(hs.id, hs.code))}
    clustered = sum(len(m) for m in members.values())
    return ClusterSummary(
        clusters=len(members),
        clustered_reports=clustered,
        noise_reports=len(old_of) - clustered,
        created=[codes[h] for h in created],
        kept=[codes[h] for h in kept],
        revived=[codes[h] for h in revived],
        lapsed=[codes[h] for h in lapsed],
    )


def _match_pending(session: Session) -> None:
    """Match the reports with a point that matching never examined."""
    r, m = Report.__table__, ReportMatch.__table__
    pending = (
        session.execute(
            select(r.c.id)
            .select_from(r.outerjoin(m, m.c.report_id == r.c.id))
            .where(r.c.geom.is_not(None), m.c.report_id.is_(None))
        )
        .scalars()
        .all()
    )
    if pending:
        match_reports(session=session, report_ids=[int(i) for i in pending])


def _dbscan(session: Session, run: _Run) -> tuple[dict[int, list[int]], dict[int, int | None]]:
    """Cluster the eligible reports: members of each cluster, and each report's old hotspot."""
    r, rm = Report.__table__, ReportMatch.__table__
    cid = func.ST_ClusterDBSCAN(func.ST_Transform(r.c.geom, run.srid), run.eps, run.minpts)
    rows = session.execute(
        select(r.c.id, r.c.hotspot_id, cid.over().label("cid"))
        .select_from(r.join(rm, rm.c.report_id == r.c.id))
        .where(_eligible(r, rm, as_of=run.as_of, since=run.since))
    ).all()
    members: dict[int, list[int]] = defaultdict(list)
    old_of: dict[int, int | None] = {}
    for rid, old, cluster in rows:
        old_of[int(rid)] = old
        if cluster is not None:
            members[int(cluster)].append(int(rid))
    return members, old_of


def _create_hotspots(
    session: Session, members: dict[int, list[int]], assigned: dict[int, int], run: _Run
) -> list[int]:
    """Store a hotspot for each cluster that continues none; add them to ``assigned``."""
    created: list[int] = []
    nowhere = func.ST_SetSRID(func.ST_MakePoint(0, 0), 4326)
    for cid in sorted(members, key=lambda c: min(members[c])):
        if cid in assigned:
            continue
        # Placeholder geometry and counts; _refresh_stats fills them in.
        hid = session.execute(
            insert(_HOTSPOTS)
            .values(
                centroid=nowhere,
                hull=nowhere,
                report_count=0,
                reporter_count=0,
                channels=[],
                first_seen=run.as_of,
                last_seen=run.as_of,
                eps_m=run.eps,
                min_reports=run.minpts,
                window_days=run.window,
            )
            .returning(_HOTSPOTS.c.id)
        ).scalar_one()
        assigned[cid] = int(hid)
        created.append(int(hid))
    return created


def _store_membership(
    session: Session, members: dict[int, list[int]], assigned: dict[int, int], run: _Run
) -> None:
    """Give eligible reports their cluster's hotspot (or none), and release those that left.

    Reports that left the eligible set by being matched, rejected or made duplicates leave
    their hotspot unless it was promoted (then the link records where the new site came from).
    Reports outside the time window keep their link, so a hotspot can be recognised again when
    its area reawakens.
    """
    ids = [rid for c in members for rid in members[c]]
    hotspot_ids = [assigned[c] for c in members for _ in members[c]]
    reports, rm = _REPORTS, ReportMatch.__table__
    r2 = reports.alias("r2")
    rm2 = rm.alias("rm")
    new = (
        func.unnest(literal(ids, ARRAY(Integer)), literal(hotspot_ids, ARRAY(Integer)))
        .table_valued(column("id", Integer), column("hid", Integer))
        .render_derived(name="m")
    )
    promoted = select(_HOTSPOTS.c.id).where(_HOTSPOTS.c.status == "promoted")
    released = and_(
        r2.c.hotspot_id.is_not(None),
        r2.c.duplicate_of_id.is_(None),
        or_(r2.c.status == "rejected", rm2.c.site_id.is_not(None)),
        r2.c.hotspot_id.not_in(promoted),
    )
    target = (
        select(r2.c.id, new.c.hid)
        .select_from(
            r2.outerjoin(rm2, rm2.c.report_id == r2.c.id).outerjoin(new, new.c.id == r2.c.id)
        )
        .where(
            or_(
                new.c.id.is_not(None),
                _eligible(r2, rm2, as_of=run.as_of, since=run.since),
                released,
            )
        )
        .subquery("t")
    )
    session.execute(
        update(reports)
        .where(reports.c.id == target.c.id, reports.c.hotspot_id.is_distinct_from(target.c.hid))
        # the model's onupdate would stamp updated_at: a hotspot link is not an edit
        .values(hotspot_id=target.c.hid, updated_at=reports.c.updated_at)
    )


def _set_statuses(session: Session, *, lapsed: list[int], revived: list[int]) -> None:
    """Lapse candidates no cluster continues; revive lapsed hotspots a cluster continues."""
    h = _HOTSPOTS.c
    if lapsed:
        session.execute(
            update(_HOTSPOTS).where(h.id.in_(lapsed)).values(status="lapsed", updated_at=func.now())
        )
    if revived:
        session.execute(update(_HOTSPOTS).where(h.id.in_(revived)).values(status="candidate"))


def _follow_originals(session: Session) -> None:
    """Give each duplicate its original's hotspot (the stored root of its duplicate chain)."""
    d = _REPORTS
    o = d.alias("o")
    session.execute(
        update(d)
        .where(
            d.c.duplicate_of_id.is_not(None),
            o.c.id == d.c.duplicate_root_id,
            d.c.hotspot_id.is_distinct_from(o.c.hotspot_id),
        )
        .values(hotspot_id=o.c.hotspot_id, updated_at=d.c.updated_at)
    )


def _refresh_stats(
    session: Session, hotspot_ids: list[int], *, eps: float, minpts: int, window: int | None
) -> None:
    """Recompute centroid, hull and corroboration counts of the given hotspots."""
    if not hotspot_ids:
        return
    r = Report.__table__.c
    independent = r.duplicate_of_id.is_(None)
    source = func.coalesce(r.reporter_hash, literal("report:") + cast(r.id, String))
    m = (
        select(
            r.hotspot_id.label("hid"),
            func.ST_Collect(r.geom).filter(independent).label("pts"),
            func.count().filter(independent).label("n"),
            func.count(distinct(source)).filter(independent).label("reporters"),
            func.count().filter(r.duplicate_of_id.is_not(None)).label("dups"),
            func.array_agg(distinct(cast(r.channel, Text))).filter(independent).label("channels"),
            func.min(_seen(Report.__table__)).label("first_seen"),
            func.max(_seen(Report.__table__)).label("last_seen"),
        )
        .where(r.hotspot_id == any_(literal(hotspot_ids, ARRAY(Integer))))
        .group_by(r.hotspot_id)
        .subquery("m")
    )
    session.execute(
        update(_HOTSPOTS)
        .where(_HOTSPOTS.c.id == m.c.hid)
        .values(
            centroid=func.ST_Centroid(m.c.pts),
            hull=func.ST_ConvexHull(m.c.pts),
            report_count=m.c.n,
            reporter_count=m.c.reporters,
            duplicate_count=m.c.dups,
            channels=m.c.channels,
            first_seen=m.c.first_seen,
            last_seen=m.c.last_seen,
            eps_m=eps,
            min_reports=minpts,
            window_days=window,
            updated_at=func.now(),
        )
    )
