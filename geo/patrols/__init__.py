"""Patrol and inspection planning: which team inspects which site, on which day, in what order.

The use cases every adapter calls (plan and store patrols with the injected settings, record an
inspection and refresh what depends on it) are in :mod:`geo.patrols.service`.

Examples
--------
>>> import datetime as dt
>>> import geo
>>> plan = geo.patrols.plan(sites, teams, start=dt.date(2026, 12, 1), days=2, budget_s=1)
>>> len(plan.to_frame()) > 0
True
"""

from __future__ import annotations

from geo.patrols.calendar import working_days
from geo.patrols.inspections import record_inspection
from geo.patrols.planner import plan
from geo.patrols.problem import Base, Rules, SiteTask, Team
from geo.patrols.result import REASONS, DayRoute, Plan, Unplanned, Visit
from geo.patrols.service import PlanRequest, PlanResult, plan_patrols
from geo.patrols.store import default_teams, load_routes, plan_from_db
from geo.patrols.travel import HaversineTravel, MatrixTravel, OsrmTravel, TravelMatrix

__all__ = [
    "plan",
    "Plan",
    "Visit",
    "DayRoute",
    "Unplanned",
    "Team",
    "Base",
    "SiteTask",
    "Rules",
    "working_days",
    "HaversineTravel",
    "MatrixTravel",
    "OsrmTravel",
    "TravelMatrix",
    "REASONS",
    "default_teams",
    "plan_from_db",
    "load_routes",
    "record_inspection",
    "PlanRequest",
    "PlanResult",
    "plan_patrols",
]
