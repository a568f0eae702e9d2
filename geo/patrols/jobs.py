"""Patrol plans made in the background: a request is stored, planned later, its progress kept.

Planning takes seconds to tens of seconds, longer than a web page should wait. The console
stores what a person asked (:func:`enqueue_plan`) and answers at once; :class:`PlanWorker`, a
:class:`~geo.worker.BackgroundRound` running in every server process, claims the request
(``FOR UPDATE SKIP LOCKED``: one process per request), plans it with the same use case as the
API and the CLI (:func:`geo.patrols.service.plan_patrols`, stored with its exports), and
writes the solver's progress and the outcome to the ``patrol_plan_jobs`` row. A page polls
:func:`get_job`, whichever process serves it. A refusal is kept as its catalogue entry, so the
reader sees it in their own language; a request whose process died is marked failed once its
heartbeat is older than :data:`STALE_AFTER`.

Examples
--------
>>> job = enqueue_plan(session=session, actor="ani",
...                    request={"start": "2026-12-01", "days": 1, "teams": 1, "budget_s": 0.5,
...                             "max_days_away": 1})
>>> get_job(session=session, job_id=job).status
'queued'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from geo.errors import N_, NotFound, PantauError, PlanningError
from geo.i18n import LANGUAGES, Translator, translator
from geo.models import Base
from geo.patrols import service
from geo.patrols.solver import Progress
from geo.settings import Settings
from geo.worker import BackgroundRound

__all__ = [
    "PlanJob",
    "JobView",
    "STALE_AFTER",
    "enqueue_plan",
    "get_job",
    "unplanned_details",
    "run_next",
    "PlanWorker",
]

log = logging.getLogger(__name__)

#: A running request whose process has not written progress for this long has died with it.
STALE_AFTER = dt.timedelta(minutes=15)
#: Seconds between two progress writes (the solver reports after every iteration).
PROGRESS_EVERY_S = 1.0

INTERRUPTED = N_("Planning was interrupted (the server stopped). Make the plan again.")
UNEXPECTED = N_("Planning failed unexpectedly. Try again, or tell the administrator.")

#: Fields of a stored request passed to :class:`~geo.patrols.service.PlanRequest`.
_REQUEST_FIELDS = frozenset(f.name for f in dataclasses.fields(service.PlanRequest))


class PlanJob(Base):
    """A plan asked for: the request, who asked, progress, and the stored plan or the refusal."""

    __tablename__ = "patrol_plan_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(100))
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    elapsed_s: Mapped[float] = mapped_column(Float, server_default="0")
    budget_s: Mapped[float] = mapped_column(Float, server_default="0")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_plans.id", ondelete="SET NULL"))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    #: Why each unplanned site was left out, per language: ``{"id": {"KKR-001": "..."}}``.
    details: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSONB)


@dataclass(frozen=True)
class JobView:
    """A request as its page shows it: status, solver time used of the budget, plan or error."""

    job_id: int
    status: str
    created_by: str
    created_at: dt.datetime
    elapsed_s: float
    budget_s: float
    plan_id: int | None
    error: Mapping[str, Any] | None

    @property
    def finished(self) -> bool:
        """Whether the request is done or failed (the page stops polling)."""
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        """How much of the solver's time budget is used, 0 to 100."""
        if self.status == "done":
            return 100
        if self.budget_s <= 0:
            return 0
        return max(0, min(99, round(100 * self.elapsed_s / self.budget_s)))

    def message(self, t: Translator) -> str:
        """Return the refusal in ``t``'s language ("" when there is none)."""
        if not self.error:
            return ""
        template = self.error.get("template")
        if template:
            return t.gettext(template, **self.error.get("values", {}))
        return str(self.error.get("message", ""))


def enqueue_plan(*, session: Session, request: Mapping[str, Any], actor: str) -> int:
    """Store a plan request and return its id; the caller commits.

    ``request`` holds fields of :class:`~geo.patrols.service.PlanRequest` as JSON, and
    ``team_codes``: the registered teams to plan with. Dates are ISO text (``"2026-12-01"``);
    fields left out take the plan's defaults.
    """
    unknown = set(request) - _REQUEST_FIELDS - {"team_codes"}
    if unknown:
        raise ValueError(f"unknown plan request fields: {sorted(unknown)}")
    job = PlanJob(
        created_by=actor,
        request=dict(request),
        status="queued",
        budget_s=float(request.get("budget_s", service.PlanRequest.budget_s)),
    )
    session.add(job)
    session.flush()
    return int(job.id)


def get_job(*, session: Session, job_id: int) -> JobView:
    """Return the request ``job_id`` as its page shows it.

    Raises
    ------
    NotFound
        No such request.
    """
    row = session.get(PlanJob, job_id)
    if row is None:
        raise NotFound.of(N_("no plan request {job_id}"), field="job_id", job_id=job_id)
    return JobView(
        job_id=row.id,
        status=row.status,
        created_by=row.created_by,
        created_at=row.created_at,
        elapsed_s=row.elapsed_s,
        budget_s=row.budget_s,
        plan_id=row.plan_id,
        error=row.error,
    )


def unplanned_details(*, session: Session, plan_id: int, lang: str) -> dict[str, str]:
    """Return why each site was left out of plan ``plan_id``, in ``lang``, by site code.

    Only plans made from a request have them (``{}`` otherwise: read the stored English).
    """
    stored = session.scalar(select(PlanJob.details).where(PlanJob.plan_id == plan_id).limit(1))
    return dict((stored or {}).get(lang, {}))


def _plan_request(session: Session, stored: Mapping[str, Any]) -> service.PlanRequest:
    fields = {k: v for k, v in stored.items() if k in _REQUEST_FIELDS}
    if fields.get("start"):
        fields["start"] = dt.date.fromisoformat(fields["start"])
    codes = stored.get("team_codes")
    if codes:
        from geo.patrols.teams import teams_from_registry

        fields["teams"] = [t for t in teams_from_registry(session) if t.code in set(codes)]
        fields["registered_teams"] = False
        if not fields["teams"]:
            raise PlanningError.of(
                N_("none of the chosen teams {teams} is registered any more"),
                field="teams",
                teams=", ".join(codes),
            )
    return service.PlanRequest(**fields)


def _claim(engine: Engine) -> tuple[int, dict[str, Any], str] | None:
    """Mark stale requests failed, then claim the oldest queued one for this process."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            update(PlanJob)
            .where(PlanJob.status == "running", PlanJob.heartbeat_at < now - STALE_AFTER)
            .values(status="failed", finished_at=now, error={"template": INTERRUPTED})
        )
        row = conn.execute(
            select(PlanJob.id, PlanJob.request, PlanJob.created_by)
            .where(PlanJob.status == "queued")
            .order_by(PlanJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        conn.execute(
            update(PlanJob)
            .where(PlanJob.id == row.id)
            .values(status="running", started_at=now, heartbeat_at=now)
        )
    return int(row.id), dict(row.request), str(row.created_by)


def _progress_writer(engine: Engine, job_id: int) -> Any:
    last = [0.0]

    def write(p: Progress) -> None:
        if time.monotonic() - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = time.monotonic()
        with engine.begin() as conn:
            conn.execute(
                update(PlanJob)
                .where(PlanJob.id == job_id)
                .values(
                    elapsed_s=p.elapsed_s,
                    budget_s=p.budget_s,
                    heartbeat_at=dt.datetime.now(dt.UTC),
                )
            )

    return write


def _finish(engine: Engine, job_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(PlanJob)
            .where(PlanJob.id == job_id)
            .values(finished_at=dt.datetime.now(dt.UTC), **values)
        )


def run_next(*, engine: Engine, settings: Settings) -> int | None:
    """Plan the oldest queued request and store the plan; return its id (None: none queued).

    The plan and its exports are made by :func:`geo.patrols.service.plan_patrols` in a
    transaction of their own, attributed to who asked. A :class:`~geo.errors.PantauError`
    is kept as its catalogue entry; anything else as a generic message (and logged).
    """
    claimed = _claim(engine)
    if claimed is None:
        return None
    job_id, stored, actor = claimed
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        with factory() as session, session.begin():
            result = service.plan_patrols(
                settings=settings,
                session=session,
                request=_plan_request(session, stored),
                actor=actor,
                progress=_progress_writer(engine, job_id),
            )
            assert result.stored is not None  # noqa: S101 - requests are always saved
            plan_id = result.stored.plan_id
            details = {
                lang: {u.site_code: u.describe(translator(lang)) for u in result.plan.unplanned}
                for lang in LANGUAGES
            }
    except PantauError as exc:
        error = {"template": exc.template, "values": _jsonable(exc.values), "message": str(exc)}
        _finish(engine, job_id, status="failed", error=error)
        return job_id
    except Exception:
        log.exception("plan request %s failed", job_id)
        _finish(engine, job_id, status="failed", error={"template": UNEXPECTED})
        return job_id
    _finish(engine, job_id, status="done", plan_id=plan_id, details=details)
    return job_id


def _jsonable(values: Mapping[str, object]) -> dict[str, object]:
    return {
        k: v if isinstance(v, int | float | str | bool) or v is None else str(v)
        for k, v in values.items()
    }


class PlanWorker(BackgroundRound):
    """Plan stored requests in a background thread of the server (one request at a time).

    :meth:`notify` after a request is stored; it also looks every ``idle_s`` seconds, so a
    request stored by a process that stopped is still planned. Stopping plans nothing new.
    """

    def __init__(self, engine: Engine, *, settings: Settings, idle_s: float = 10.0) -> None:
        super().__init__(name="pantau-plans", delay_s=0.0, idle_s=idle_s)
        self._engine = engine
        self._settings = settings
        self._closing = False

    def start(self) -> None:
        """Start the thread; it takes in what was queued before at once."""
        self._closing = False
        super().start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the request being planned (if any); queued ones wait for the next start."""
        self._closing = True
        super().stop(timeout)

    def round(self) -> int:
        """Plan queued requests one by one until none is left or the server stops."""
        done = 0
        while not self._closing and run_next(engine=self._engine, settings=self._settings):
            done += 1
        return done
