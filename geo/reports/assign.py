"""Assigning a report to a site or a hotspot by hand: the console's "Tugaskan" action.

The report moves to ``assigned`` in its lifecycle (from ``verified``; a report already assigned
or scheduled keeps its status) with the target named in the history's reason, and its match is
set to the chosen site (or its hotspot to the chosen hotspot). The sites and hotspots it left
and joined are rescored in the same transaction. A later full re-matching run
(``pantau match --all``) derives matches afresh from distances and may undo a hand-made match.

Examples
--------
>>> from geo.reports.lifecycle import transition
>>> _ = transition(session=session, code=code, to="verified", actor="ani")
>>> site_code = session.execute(text("SELECT code FROM sites ORDER BY id LIMIT 1")).scalar_one()
>>> done = assign_report(settings=settings, session=session, code=code, actor="ani", site=site_code)
>>> done.status, done.site == site_code
('assigned', True)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import priority
from geo.errors import N_, NotFound, ValidationError
from geo.hotspots.review import refresh_statistics
from geo.reports.lifecycle import get_report, transition
from geo.settings import Settings

__all__ = ["Assignment", "assign_report"]

#: Statuses from which an assignment moves the report to ``assigned``.
_TO_ASSIGNED = ("verified",)
#: Statuses in which a report may be (re)assigned without changing status.
_KEEP = ("assigned", "follow_up_scheduled", "inspected")


@dataclass(frozen=True)
class Assignment:
    """Where a report now belongs, and its status."""

    code: str
    status: str
    site: str | None
    hotspot: str | None


def _lookup(session: Session, table: str, code: str, field: str) -> int:
    found = session.execute(
        text(f"SELECT id FROM {table} WHERE code = :code"),  # noqa: S608 - table is ours
        {"code": code.strip().upper()},
    ).scalar()
    if found is None:
        raise NotFound.of(N_("no {field} has the code {code!r}"), field=field, code=code)
    return int(found)


def assign_report(
    *,
    settings: Settings,
    session: Session,
    code: str,
    actor: str,
    site: str | None = None,
    hotspot: str | None = None,
) -> Assignment:
    """Use case: assign a verified report to a site or a hotspot (exactly one of them).

    Raises
    ------
    ValidationError
        Neither or both targets, or a report not yet verified (or already final).
    NotFound
        No such report, site or hotspot.
    """
    if bool(site) == bool(hotspot):
        raise ValidationError.of(N_("choose either a site or a hotspot"), field="site")
    report = get_report(session=session, code=code, for_update=True)
    if report.status not in (*_TO_ASSIGNED, *_KEEP):
        raise ValidationError.of(
            N_("only a verified report can be assigned (this one is {status})"),
            field="status",
            status=report.status,
        )
    old_site, old_hotspot = report.matched_site_id, report.hotspot_id
    target = (site or hotspot or "").strip().upper()
    if site:
        report.matched_site_id = _lookup(session, "sites", site, "site")
    else:
        report.hotspot_id = _lookup(session, "hotspots", target, "hotspot")
    if report.status in _TO_ASSIGNED:
        transition(session=session, code=report.code, to="assigned", actor=actor, reason=target)
    session.flush()
    sites = {s for s in (old_site, report.matched_site_id) if s is not None}
    if sites:
        priority.refresh_sites(session=session, site_ids=sorted(sites), settings=settings.priority)
    spots = {h for h in (old_hotspot, report.hotspot_id) if h is not None}
    refresh_statistics(session=session, hotspot_ids=spots)
    return Assignment(
        code=report.code,
        status=report.status,
        site=target if site else None,
        hotspot=target if hotspot else None,
    )
