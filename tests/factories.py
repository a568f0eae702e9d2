"""Rows for tests, made through the library's own writers rather than hand-written SQL.

A site is an ORM :class:`~geo.models.Site`; a report goes through the public intake use case
(:func:`geo.reports.intake.submit`, which checks, deduplicates, matches and writes it like any
other report) and then through the real lifecycle to the status asked for; a hotspot is what
:func:`geo.hotspots.cluster_reports` makes of reports gathered around a point; an inspection is
:func:`geo.patrols.inspections.record_inspection`. So a change to how rows are written changes
the tests' rows too, and no test describes the ``reports`` row by hand.

Every factory takes the test's ``session`` (rolled back after the test) and flushes, so the
rows are visible to the code under test at once. Codes are unique within a test run.

Examples
--------
>>> s = site(session, lon=117.1, lat=-0.4)
>>> r = report(session, lon=117.1, lat=-0.4005, settings=settings, status="verified")
>>> (r.status, s.code.startswith("TST-"))
('verified', True)
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import deque
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from geo.hotspots import cluster_reports
from geo.models import Site
from geo.patrols.inspections import InspectionResult, record_inspection
from geo.reports.intake import submit
from geo.reports.lifecycle import RESOLUTIONS_BY_STATUS, TRANSITIONS, transition
from geo.reports.models import Report
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY

__all__ = ["site", "report", "reports_around", "hotspot", "inspection", "path_to", "TEST_SETTINGS"]

_seq = itertools.count(1)
#: The hotspots table has no ORM class (clustering writes it in bulk); its id and code suffice.
_HOTSPOTS = table("hotspots", column("id"), column("code"))

#: Settings for factories called without any: a test secret, nothing read from ``.env``.
TEST_SETTINGS = Settings(environment="test", secret_key=TEST_SECRET_KEY, _env_file=None)


def _next() -> int:
    return next(_seq)


def site(
    session: Session,
    *,
    lon: float = 117.0,
    lat: float = -0.5,
    code: str | None = None,
    name: str | None = None,
    kabupaten: str = "Kutai Kartanegara",
    commodity: str = "batubara",
    status: str = "suspected",
    **fields: Any,
) -> Site:
    """Add a point site (``TST-0001``, ...) and flush; other columns through ``fields``."""
    code = code or f"TST-{_next():04d}"
    row = Site(
        code=code,
        name=name or f"Lokasi uji {code}",
        geom=from_shape(Point(lon, lat), srid=4326),
        kabupaten=kabupaten,
        commodity=commodity,
        status=status,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def path_to(status: str, start: str = "received") -> list[str]:
    """Return the shortest chain of lifecycle steps from ``start`` to ``status``.

    >>> path_to("follow_up_scheduled")
    ['verified', 'assigned', 'follow_up_scheduled']
    """
    seen = {start: [start]}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == status:
            return seen[here][1:]
        for nxt in TRANSITIONS[here]:
            if nxt not in seen:
                seen[nxt] = [*seen[here], nxt]
                queue.append(nxt)
    raise ValueError(f"no lifecycle path from {start!r} to {status!r}")


def report(
    session: Session,
    *,
    lon: float = 117.0,
    lat: float = -0.5,
    settings: Settings | None = None,
    channel: str = "hotline",
    at: dt.datetime | None = None,
    reporter_phone: str | None = None,
    status: str = "received",
    resolution: str | None = None,
    match: bool = True,
    actor: str = "test",
    **fields: Any,
) -> Report:
    """Submit a report through intake, move it to ``status`` and return its row.

    ``at`` is when it was observed and received (default now); a ``reporter_phone`` of its
    own per call (``0812...``) keeps the report from being a near duplicate of the last one.
    A final ``status`` takes ``resolution`` (default: ``confirmed`` after an inspection,
    ``duplicate`` or ``out_of_authority`` otherwise, as the lifecycle allows).
    """
    settings = settings or TEST_SETTINGS
    at = at or dt.datetime.now(dt.UTC)
    n = _next()
    result = submit(
        session=session,
        channel=channel,
        lat=lat,
        lon=lon,
        received_at=at,
        observed_at=at,
        location_source=fields.pop("location_source", "device_gps"),
        reporter_phone=reporter_phone or f"0812{n:08d}",
        settings=settings,
        report_settings=settings.reports,
        match=match,
        actor=actor,
        now=max(at, dt.datetime.now(dt.UTC)),
        **fields,
    )
    before = "received"
    for step in path_to(status):
        why = None
        if step in RESOLUTIONS_BY_STATUS:
            why = resolution or _default_resolution(step, before)
        transition(session=session, code=result.code, to=step, actor=actor, resolution=why)
        before = step
    session.flush()
    row = session.get(Report, result.id)
    assert row is not None
    session.refresh(row)
    return row


def _default_resolution(status: str, before: str) -> str:
    if status == "closed":
        return "confirmed" if before == "inspected" else "duplicate"
    return RESOLUTIONS_BY_STATUS[status][0]


def reports_around(
    session: Session,
    *,
    lon: float,
    lat: float,
    n: int = 3,
    spread_m: float = 40.0,
    settings: Settings | None = None,
    **fields: Any,
) -> list[Report]:
    """Submit ``n`` reports by different reporters on a small circle around a point."""
    rows = []
    for i in range(n):
        angle = 2 * math.pi * i / max(n, 1)
        dlat = spread_m * math.sin(angle) / 111_320
        dlon = spread_m * math.cos(angle) / (111_320 * math.cos(math.radians(lat)))
        rows.append(report(session, lon=lon + dlon, lat=lat + dlat, settings=settings, **fields))
    return rows


def hotspot(
    session: Session,
    *,
    lon: float = 116.0,
    lat: float = 1.9,
    n: int = 3,
    eps_m: float = 300.0,
    settings: Settings | None = None,
) -> str:
    """Gather ``n`` unmatched reports around a point, cluster them, return the hotspot's code.

    Choose a point farther than the matching radius from every site (the default lies in
    Berau's forest, away from the demo registry).
    """
    rows = reports_around(session, lon=lon, lat=lat, n=n, settings=settings)
    cluster_reports(session=session, eps_m=eps_m, min_reports=n)
    hotspot_id = session.scalar(select(Report.hotspot_id).where(Report.id == rows[0].id))
    if hotspot_id is None:
        raise AssertionError("the reports did not form a hotspot (too close to a site?)")
    return str(session.scalar(select(_HOTSPOTS.c.code).where(_HOTSPOTS.c.id == hotspot_id)))


def inspection(
    session: Session,
    *,
    site_code: str,
    result: str = "active",
    actor: str = "test",
    inspected_on: dt.date | None = None,
    settings: Settings | None = None,
    **fields: Any,
) -> InspectionResult:
    """Record an inspection of ``site_code`` through the real use case."""
    settings = settings or TEST_SETTINGS
    return record_inspection(
        session=session,
        site_code=site_code,
        result=result,
        actor=actor,
        inspected_on=inspected_on,
        settings=settings,
        report_settings=settings.reports,
        **fields,
    )
