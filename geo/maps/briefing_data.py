"""What a briefing tells a head of office, counted completely from the database.

New reports in the period, every overdue complaint (counted by kabupaten, channel and age,
``rahasia`` ones included in the counts and never in the detail rows), candidate hotspots,
inspections done, a table by kabupaten, a 12-month trend, the patrol plan in summary, and the
indicative class of every site by the permit and forest layers (:mod:`geo.layers`) with the
number of sites per class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from geo import hotspots as hotspots_lib
from geo.errors import N_, ValidationError
from geo.layers.models import LayerClassification
from geo.maps import aggregates
from geo.maps.options import Period
from geo.patrols.models import Inspection, PatrolPlan, PatrolVisit
from geo.reports import clocks

__all__ = [
    "AGE_BANDS",
    "BriefingData",
    "OverdueSummary",
    "PatrolSummary",
    "SiteClass",
    "class_counts",
    "from_frames",
    "load_briefing_data",
    "overdue_summary",
]

#: Bands of days overdue (upper bound included; ``None``: no bound) and their labels.
AGE_BANDS: Final[tuple[tuple[int | None, str], ...]] = (
    (5, N_("1–5 days")),
    (20, N_("6–20 days")),
    (60, N_("21–60 days")),
    (None, N_("more than 60 days")),
)
#: The kabupaten of reports without a location (shown last).
UNKNOWN: Final[str] = "-"
#: Detail rows of overdue complaints in the briefing (the most overdue ``anonim`` ones).
DETAIL_ROWS: Final[int] = 10
_SHOWN_HOTSPOTS: Final[tuple[str, ...]] = ("candidate", "lapsed")


@dataclass(frozen=True)
class OverdueSummary:
    """Every overdue complaint counted; detail rows only of ``anonim`` ones."""

    total: int
    by_kabupaten: dict[str, int]
    by_channel: dict[str, int]
    #: Counts per label of :data:`AGE_BANDS`, in band order.
    by_age: dict[str, int]
    #: The most overdue ``anonim`` complaints: code, received_at, clock, due, days_overdue.
    rows: pd.DataFrame


@dataclass(frozen=True)
class PatrolSummary:
    """The latest patrol plan: its dates and, per team, days in the field and sites."""

    start: dt.date
    end: dt.date
    #: ``(team, days, sites)`` per team.
    teams: list[tuple[str, int, int]]
    sites: int


@dataclass(frozen=True)
class SiteClass:
    """The stored indicative class of one site: what its guidance is worded from."""

    permit_class: str | None
    permit: dict[str, Any] | None
    forest_flags: list[str]
    moratorium: bool | None
    authority: str | None
    wiup_snapshot_date: dt.date | None


@dataclass(frozen=True)
class BriefingData:
    """The numbers of one briefing."""

    period: Period
    new_reports: int
    hotspots: int
    inspections: int
    overdue: OverdueSummary
    #: ``(kabupaten, new reports, overdue complaints)``, most reports first.
    by_kabupaten: list[tuple[str, int, int]]
    trend: list[tuple[dt.date, int]]
    patrol: PatrolSummary | None = None
    demo: bool = False
    #: The indicative class of every classified site, by site code.
    site_classes: dict[str, SiteClass] = field(default_factory=dict)
    #: Sites per permit class and per forest flag (:func:`class_counts`); empty: no layers.
    classes: dict[str, int] = field(default_factory=dict)


def _band(days: int) -> str:
    for bound, label in AGE_BANDS:
        if bound is None or days <= bound:
            return label
    return AGE_BANDS[-1][1]


def overdue_summary(
    frame: pd.DataFrame | None, *, detail_rows: int = DETAIL_ROWS
) -> OverdueSummary:
    """Count overdue complaints (one row per report) and keep detail rows of ``anonim`` ones.

    ``frame`` needs ``confidentiality`` and ``days_overdue``; ``kabupaten`` and ``channel``
    are counted when present. Rows without ``anonim`` confidentiality never reach ``rows``.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["A", "B", "C"], "days_overdue": [3, 25, 8],
    ...     "confidentiality": ["rahasia", "anonim", "anonim"], "channel": ["sms", "sms", "web"]})
    >>> s = overdue_summary(frame)
    >>> s.total, s.by_channel, s.rows["code"].tolist()
    (3, {'sms': 2, 'web': 1}, ['B', 'C'])
    """
    if frame is None:
        frame = pd.DataFrame({"confidentiality": [], "days_overdue": []})
    if "confidentiality" not in frame.columns:
        raise ValidationError(
            "overdue reports for a briefing need a `confidentiality` column so that 'rahasia' "
            f"reports can be left out; found {sorted(map(str, frame.columns))}",
            field="overdue",
        )
    days = pd.to_numeric(frame.get("days_overdue", pd.Series(dtype=float)), errors="coerce")
    bands = [_band(int(d)) if pd.notna(d) else AGE_BANDS[-1][1] for d in days]
    by_age = {label: bands.count(label) for _, label in AGE_BANDS}
    anonim = frame["confidentiality"].eq("anonim").fillna(False).astype(bool)
    rows = frame.loc[anonim].drop(columns=["confidentiality"])
    if "days_overdue" in rows.columns:
        rows = rows.sort_values("days_overdue", ascending=False, kind="stable")
    keep = [c for c in ("code", "received_at", "clock", "due", "days_overdue") if c in rows]
    return OverdueSummary(
        total=len(frame),
        by_kabupaten=(
            aggregates.count_by(frame, "kabupaten", unknown=UNKNOWN) if "kabupaten" in frame else {}
        ),
        by_channel=aggregates.count_by(frame, "channel") if "channel" in frame else {},
        by_age=by_age,
        rows=rows[keep].head(detail_rows).reset_index(drop=True),
    )


def _overdue_frame(session: Session, now: dt.datetime | None) -> pd.DataFrame:
    """One row per overdue report (its most overdue clock), with kabupaten and channel."""
    late = clocks.overdue(session=session, now=now)
    worst: dict[int, clocks.ClockStatus] = {}
    for c in late:
        if c.report_id not in worst or c.days_left < worst[c.report_id].days_left:
            worst[c.report_id] = c
    frame = pd.DataFrame(
        {
            "id": list(worst),
            "received_at": [c.started_at for c in worst.values()],
            "clock": [c.rule for c in worst.values()],
            "due": [c.due_at for c in worst.values()],
            "days_overdue": [-c.days_left for c in worst.values()],
        }
    )
    rows = aggregates.report_rows(session=session, ids=list(worst), duplicates=True)
    extra = rows[["id", "code", "channel", "confidentiality", "kabupaten"]]
    if frame.empty:
        return pd.DataFrame(columns=[*frame.columns[1:], *extra.columns[1:]])
    merged = frame.merge(extra.astype({"id": "int64"}), on="id", how="left")
    # Every overdue report is in ``rows``; were one not, it would count as rahasia.
    merged["confidentiality"] = merged["confidentiality"].fillna("rahasia")
    return merged.drop(columns="id")


def _patrol(session: Session) -> PatrolSummary | None:
    plan = session.scalars(select(PatrolPlan).order_by(PatrolPlan.id.desc()).limit(1)).first()
    if plan is None:
        return None
    rows = session.execute(
        select(
            PatrolVisit.team,
            func.count(func.distinct(PatrolVisit.visit_date)),
            func.count(func.distinct(PatrolVisit.site_code)),
        )
        .where(PatrolVisit.plan_id == plan.id)
        .group_by(PatrolVisit.team)
        .order_by(PatrolVisit.team)
    ).all()
    sites = session.scalar(
        select(func.count(func.distinct(PatrolVisit.site_code))).where(
            PatrolVisit.plan_id == plan.id
        )
    )
    teams = [(str(team), int(days), int(n)) for team, days, n in rows]
    return PatrolSummary(plan.start_date, plan.end_date, teams, int(sites or 0))


def _site_classes(session: Session) -> dict[str, SiteClass]:
    lc = LayerClassification
    rows = session.scalars(select(lc).where(lc.object_kind == "site").order_by(lc.object_code))
    return {
        r.object_code: SiteClass(
            r.permit_class,
            r.permit,
            list(r.forest_flags),
            r.moratorium,
            r.authority,
            r.wiup_snapshot_date,
        )
        for r in rows
    }


def class_counts(classes: dict[str, SiteClass]) -> dict[str, int]:
    """Count sites per permit class and per forest flag (a site may count in several flags).

    Permit classes come in :data:`~geo.layers.config.PERMIT_CLASSES` order, then the forest
    functions; classes no site has are left out.

    Examples
    --------
    >>> a = SiteClass("LUAR_WIUP", None, ["HUTAN_LINDUNG"], None, "PUSAT", None)
    >>> b = SiteClass("WIUP_OP", None, [], None, "PUSAT", None)
    >>> class_counts({"A": a, "B": b, "C": a})
    {'WIUP_OP': 1, 'LUAR_WIUP': 2, 'HUTAN_LINDUNG': 2}
    """
    from geo.layers.config import FOREST_FUNCTIONS, PERMIT_CLASSES

    counts: dict[str, int] = {}
    for code in (*PERMIT_CLASSES, *FOREST_FUNCTIONS):
        n = sum(1 for c in classes.values() if c.permit_class == code or code in c.forest_flags)
        if n:
            counts[code] = n
    return counts


def _names(*counts: dict[str, int]) -> list[str]:
    """Kabupaten of every count, in order of the first count, the unknown one last."""
    names = list(dict.fromkeys(k for c in counts for k in c))
    return [k for k in names if k != UNKNOWN] + [k for k in names if k == UNKNOWN]


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def load_briefing_data(
    engine: Engine, *, period: Period, now: dt.datetime | None = None, demo: bool = False
) -> BriefingData:
    """Count everything a briefing of ``period`` says, from the database.

    Examples
    --------
    >>> data = load_briefing_data(engine, period=Period.last(365))
    >>> data.overdue.total == sum(data.overdue.by_age.values())
    True
    >>> len(data.trend)
    12
    """
    trend_start = (period.end.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    end = _utc(period.end + dt.timedelta(days=1))
    with Session(engine) as session:
        rows = aggregates.report_rows(
            session=session, start=_utc(min(period.start, trend_start)), end=end
        )
        overdue = overdue_summary(_overdue_frame(session, now))
        inspections = session.scalar(
            select(func.count(Inspection.id)).where(
                Inspection.inspected_on.between(period.start, period.end)
            )
        )
        hotspots = hotspots_lib.load(session)
        patrol = _patrol(session)
        site_classes = _site_classes(session)
    new = rows[rows["received_at"] >= _utc(period.start)] if not rows.empty else rows
    reports_by = aggregates.count_by(new, "kabupaten", unknown=UNKNOWN)
    names = _names(reports_by, overdue.by_kabupaten)
    table = [(k, reports_by.get(k, 0), overdue.by_kabupaten.get(k, 0)) for k in names]
    return BriefingData(
        period=period,
        new_reports=len(new),
        hotspots=int(hotspots["status"].isin(_SHOWN_HOTSPOTS).sum()),
        inspections=int(inspections or 0),
        overdue=overdue,
        by_kabupaten=table,
        trend=aggregates.monthly(rows, end=period.end),
        patrol=patrol,
        demo=demo,
        site_classes=site_classes,
        classes=class_counts(site_classes),
    )


def from_frames(
    *,
    period: Period,
    overdue: pd.DataFrame | None = None,
    reports: pd.DataFrame | None = None,
    hotspots: pd.DataFrame | None = None,
) -> BriefingData:
    """Count a briefing from frames already at hand (a notebook, a test) instead of the database.

    ``reports`` needs ``received_at`` (and ``kabupaten`` for the table); every row counts,
    ``rahasia`` ones too.

    Examples
    --------
    >>> stamps = pd.to_datetime(["2026-11-02", "2026-11-03"], utc=True)
    >>> data = from_frames(period=Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    ...                    reports=pd.DataFrame({"received_at": stamps}))
    >>> data.new_reports, data.trend[-1]
    (2, (datetime.date(2026, 11, 1), 2))
    """
    rows = pd.DataFrame({"received_at": pd.Series([], dtype="datetime64[ns, UTC]")})
    if reports is not None and len(reports):
        rows = pd.DataFrame(reports.drop(columns="geometry", errors="ignore")).copy()
        rows["received_at"] = pd.to_datetime(rows["received_at"], utc=True)
    in_period = rows[
        (rows["received_at"] >= _utc(period.start))
        & (rows["received_at"] < _utc(period.end + dt.timedelta(days=1)))
    ]
    late = overdue_summary(overdue)
    reports_by = (
        aggregates.count_by(in_period, "kabupaten", unknown=UNKNOWN) if "kabupaten" in rows else {}
    )
    names = _names(reports_by, late.by_kabupaten)
    return BriefingData(
        period=period,
        new_reports=len(in_period),
        hotspots=0 if hotspots is None else len(hotspots),
        inspections=0,
        overdue=late,
        by_kabupaten=[(k, reports_by.get(k, 0), late.by_kabupaten.get(k, 0)) for k in names],
        trend=aggregates.monthly(rows, end=period.end),
    )
