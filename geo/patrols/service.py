"""Use cases of patrol planning, shared by the CLI, the API, the console and notebooks.

Each function takes the injected :class:`~geo.settings.Settings` and an open session, does one
thing a person does (plan and store patrols, read a stored plan, record an inspection) and
returns a plain result. The adapters only parse input, check the role and render the result, so
a setting changed in one place (``PANTAU_PATROLS_OSRM_URL``, the default shift, the revisit
rules) changes every adapter alike.

Examples
--------
>>> from geo.settings import Settings
>>> settings = Settings(patrols={"detour": 1.5}, _env_file=None)
>>> request = PlanRequest(start=dt.date(2026, 12, 1), days=2, teams=2, save=False,
...                       budget_s=1, max_days_away=1)
>>> result = plan_patrols(settings=settings, session=session, request=request)
>>> result.stored is None, len(result.plan.routes) > 0
(True, True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import N_, NotFound, PlanningError
from geo.patrols import inspections
from geo.patrols.config import travel_from_settings
from geo.patrols.evidence import EvidenceItem
from geo.patrols.exports import export_all
from geo.patrols.inspections import InspectionResult
from geo.patrols.models import PatrolPlan
from geo.patrols.problem import Rules, Team
from geo.patrols.result import Plan
from geo.patrols.solver import Progress
from geo.patrols.store import (
    default_teams,
    load_bases,
    load_sites,
    plan_from_db,
    save_plan,
    schedule_matched_reports,
)
from geo.patrols.travel import HaversineTravel, TravelProvider
from geo.settings import PatrolSettings, Settings

__all__ = [
    "PlanRequest",
    "PlanResult",
    "StoredPlan",
    "InspectionRequest",
    "plan_patrols",
    "store_plan",
    "get_plan",
    "export_dir",
    "record_inspection",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanRequest:
    """What a person asks of a plan. ``None`` means "the default of ``settings.patrols``".

    ``teams`` is a number of teams placed at the bases to cover the most sites, or ready
    :class:`Team` objects; ``registered_teams`` uses the teams the agency keeps
    (``pantau teams``) instead. ``max_days_away`` (the settings' by default) lets placed
    teams sleep at overnight places on expeditions. ``travel`` overrides the provider the
    settings imply (a user matrix, an ad-hoc OSRM server). ``out`` is a folder for a copy of
    every export.
    """

    start: dt.date | None = None
    days: int = 10
    teams: int | Sequence[Team] = 4
    budget_s: float = 10.0
    seed: int = 0
    max_iterations: int | None = None
    no_improvement: int | None = None
    vary: float = 0.0
    shift: str | None = None
    max_drive_h: float | None = None
    mode: str = "car"
    max_days_away: int | None = None
    registered_teams: bool = False
    skip_within_days: int | None = None
    must_visit_after_days: int | None = None
    include_excluded: bool = False
    work_weekends: bool = False
    work_holidays: bool = False
    days_off: Mapping[str, Collection[dt.date]] = field(default_factory=dict)
    today: dt.date | None = None
    travel: TravelProvider | None = None
    save: bool = True
    schedule_reports: bool = False
    out: Path | None = None


@dataclass(frozen=True)
class StoredPlan:
    """A stored plan as people read it: period, totals, unplanned sites and export files."""

    plan_id: int
    created_by: str
    start_date: dt.date
    end_date: dt.date
    working_days: int
    total_priority: float
    total_km: float
    unplanned: list[dict[str, Any]]
    exports: list[str]


@dataclass(frozen=True)
class PlanResult:
    """The plan made, how it was stored (``None`` when not saved), files written, reports moved."""

    plan: Plan
    stored: StoredPlan | None
    files: dict[str, list[Path]]
    reports_scheduled: tuple[str, ...] = ()


def _shift(value: str) -> tuple[str, str]:
    parts = value.split("-")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise PlanningError.of(
            N_("`shift` must look like 07:30-16:30, got {value!r}"), field="shift", value=value
        )
    return parts[0].strip(), parts[1].strip()


def _teams(session: Session, request: PlanRequest, cfg: PatrolSettings) -> list[Team]:
    """Return the request's teams (or teams placed at the bases), with their days off."""
    if request.registered_teams:
        from geo.patrols.teams import teams_from_registry

        teams = teams_from_registry(session)
        if not teams:
            raise PlanningError.of(
                N_("no teams are registered; add them with `pantau teams add` or import a file"),
                field="teams",
            )
    elif isinstance(request.teams, int):
        teams = default_teams(
            load_bases(session),
            request.teams,
            sites=load_sites(session),
            shift=_shift(request.shift or cfg.shift),
            max_drive_h=cfg.max_drive_h if request.max_drive_h is None else request.max_drive_h,
            mode=request.mode,
            # Placing teams asks for bases × sites; the great circle at the settings' speeds
            # is enough for that and spares an OSRM server the extra table.
            travel=HaversineTravel(speeds_kmh=cfg.speeds_kmh, detour=cfg.detour),
            max_days_away=(
                cfg.max_days_away if request.max_days_away is None else request.max_days_away
            ),
            timezone=cfg.timezone,
        )
    else:
        teams = list(request.teams)
    unknown = set(request.days_off) - {t.code for t in teams}
    if unknown:
        raise PlanningError.of(
            N_("`off` names unknown teams {unknown}; teams are {known}"),
            field="off",
            unknown=sorted(unknown),
            known=[t.code for t in teams],
        )
    return [
        dataclasses.replace(t, unavailable=t.unavailable | frozenset(request.days_off[t.code]))
        if t.code in request.days_off
        else t
        for t in teams
    ]


def _rules(request: PlanRequest, cfg: PatrolSettings) -> Rules:
    return Rules(
        skip_within_days=(
            cfg.skip_within_days if request.skip_within_days is None else request.skip_within_days
        ),
        must_visit_after_days=(
            cfg.must_visit_after_days
            if request.must_visit_after_days is None
            else request.must_visit_after_days
        ),
        include_excluded=request.include_excluded,
    )


def plan_patrols(
    *,
    settings: Settings,
    session: Session,
    request: PlanRequest,
    actor: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> PlanResult:
    """Plan patrols over the registry with ``settings.patrols``, and store the plan.

    Travel times come from ``request.travel`` or else from the settings
    (:func:`~geo.patrols.config.travel_from_settings`: OSRM when ``osrm_url`` is set,
    great-circle × ``detour`` at ``speeds_kmh`` otherwise); shift, driving limit and revisit
    rules not given in the request are the settings'. A saved plan (``request.save``) gets its
    exports under ``<data_dir>/plans/<id>/`` (:func:`store_plan`).

    Parameters
    ----------
    settings
        The settings tree (``patrols``, ``aoi_bbox``, ``data_dir``, ``actor``).
    session
        Open session; the caller commits.
    request
        The horizon, teams and options.
    actor
        Who made the plan (the settings' ``actor`` by default).
    progress
        Called with the solver's progress.

    Returns
    -------
    PlanResult

    Examples
    --------
    >>> result = plan_patrols(settings=settings, session=session, request=PlanRequest(
    ...     start=dt.date(2026, 12, 1), days=1, teams=1, budget_s=1, max_days_away=1))
    >>> result.stored.plan_id > 0, len(result.stored.exports) > 0
    (True, True)
    """
    cfg = settings.patrols
    start = request.start or dt.date.today() + dt.timedelta(days=1)
    plan = plan_from_db(
        session=session,
        start=start,
        days=request.days,
        teams=_teams(session, request, cfg),
        travel=request.travel or travel_from_settings(cfg),
        rules=_rules(request, cfg),
        weights=settings.priority,
        today=request.today,
        budget_s=request.budget_s,
        seed=request.seed,
        max_iterations=request.max_iterations,
        no_improvement=request.no_improvement,
        vary=request.vary,
        skip_weekends=not request.work_weekends,
        skip_holidays=not request.work_holidays,
        area=settings.aoi_bbox,
        progress=progress,
        timezone=cfg.timezone,
    )
    who = actor or settings.actor
    stored = (
        store_plan(settings=settings, session=session, plan=plan, actor=who)
        if request.save
        else None
    )
    moved = (
        schedule_matched_reports(plan, session=session, actor=who)
        if request.schedule_reports
        else []
    )
    files = (
        export_all(plan, request.out, lang=settings.language, maps=settings.maps)
        if request.out is not None
        else {}
    )
    return PlanResult(plan=plan, stored=stored, files=files, reports_scheduled=tuple(moved))


def export_dir(settings: Settings, plan_id: int) -> Path:
    """Return the folder of a stored plan's exports: ``<data_dir>/plans/<id>/``."""
    return Path(settings.data_dir) / "plans" / str(plan_id)


def store_plan(*, settings: Settings, session: Session, plan: Plan, actor: str) -> StoredPlan:
    """Store ``plan`` with its routes and visits and write its exports; the caller commits.

    Examples
    --------
    >>> stored = store_plan(settings=settings, session=session, plan=plan, actor="ani")
    >>> stored.created_by, stored.working_days
    ('ani', 2)
    """
    plan_id = save_plan(plan, session=session, actor=actor)
    export_all(plan, export_dir(settings, plan_id), lang=settings.language, maps=settings.maps)
    return get_plan(settings=settings, session=session, plan_id=plan_id)


def get_plan(*, settings: Settings, session: Session, plan_id: int) -> StoredPlan:
    """Return a stored plan's period, totals, unplanned sites and export files.

    Raises
    ------
    NotFound
        No plan with that id.

    Examples
    --------
    >>> stored = store_plan(settings=settings, session=session, plan=plan, actor="ani")
    >>> again = get_plan(settings=settings, session=session, plan_id=stored.plan_id)
    >>> again.plan_id == stored.plan_id, len(again.exports) > 0
    (True, True)
    """
    row = session.get(PatrolPlan, plan_id)
    if row is None:
        raise NotFound.of(N_("no patrol plan {plan_id}"), field="plan_id", plan_id=plan_id)
    folder = export_dir(settings, plan_id)
    files = (
        sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        if folder.is_dir()
        else []
    )
    return StoredPlan(
        plan_id=row.id,
        created_by=row.created_by,
        start_date=row.start_date,
        end_date=row.end_date,
        working_days=row.working_days,
        total_priority=row.total_priority,
        total_km=row.total_km,
        unplanned=list(row.unplanned),
        exports=files,
    )


@dataclass(frozen=True)
class InspectionRequest:
    """What a team found at a site, as an adapter parsed it."""

    site_code: str
    result: str
    inspected_on: dt.date | None = None
    team: str | None = None
    notes: str | None = None
    track: Sequence[tuple[float, float]] | None = None
    evidence: Sequence[EvidenceItem] = ()
    visit_id: int | None = None


def record_inspection(
    *, settings: Settings, session: Session, request: InspectionRequest, actor: str | None = None
) -> InspectionResult:
    """Record an inspection and refresh what depends on it, in the caller's transaction.

    The site's status, last inspection date and audit trail change, its matched reports move
    along (:func:`geo.patrols.inspections.record_inspection`), and the stored priority
    components (:mod:`geo.priority`, ``site_priority``) are recomputed with
    ``settings.priority``, so no output shows the site's score from before the visit.

    Examples
    --------
    >>> code = geo.sites.load(session).sort_values("code").code.iloc[0]
    >>> done = record_inspection(settings=settings, session=session, actor="tim-1",
    ...                          request=InspectionRequest(code, "sealed"))
    >>> done.site_code == code, done.status_after
    (True, 'sealed')
    """
    result = inspections.record_inspection(
        session=session,
        site_code=request.site_code,
        result=request.result,
        actor=actor or settings.actor,
        inspected_on=request.inspected_on,
        team=request.team,
        notes=request.notes,
        evidence=request.evidence,
        track=request.track,
        visit_id=request.visit_id,
        settings=settings,
        report_settings=settings.reports,
    )
    _refresh_priority(settings=settings, session=session)
    return result


def _refresh_priority(*, settings: Settings, session: Session) -> None:
    """Recompute and store the priority components (they read status and last inspection)."""
    from geo.priority import compute_priority

    # compute_priority replaces the stored scores of every site: ranks are relative, so one
    # site's new score can move the others' rank.
    compute_priority(session=session, settings=settings.priority, store=True)
    log.debug("site priorities refreshed after an inspection")
