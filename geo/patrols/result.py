"""The result of planning: visits per team and day, routes, and unplanned sites with reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from geo.i18n import Translator, translator
from geo.labels import unplanned_reason
from geo.patrols.expeditions import Itinerary
from geo.patrols.problem import Base, Team
from geo.patrols.text import localize

__all__ = ["Visit", "DayRoute", "Unplanned", "Plan", "REASONS", "VISIT_COLUMNS"]

#: Why a site can be left out of the plan; people read :func:`geo.labels.unplanned_reason`.
REASONS: tuple[str, ...] = (
    "excluded_status",
    "recently_inspected",
    "too_far",
    "no_team_available",
    "lower_priority",
    "beyond_max_days",
)

VISIT_COLUMNS: tuple[str, ...] = (
    "team",
    "date",
    "seq",
    "site_code",
    "site_name",
    "kabupaten",
    "commodity",
    "status",
    "priority",
    "mandatory",
    "arrival",
    "start",
    "end",
    "travel_min",
    "travel_km",
    "reasons",
)


@dataclass(frozen=True)
class Visit:
    """One planned inspection: which team, which day, in what order, and at what times."""

    team: str
    date: dt.date
    seq: int
    site_code: str
    site_name: str
    lon: float
    lat: float
    kabupaten: str
    commodity: str
    status: str
    priority: float
    mandatory: bool
    arrival: dt.datetime
    start: dt.datetime
    end: dt.datetime
    travel_min: float
    travel_km: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class DayRoute:
    """One team's day: leaves the base, visits, comes back; driving time and distance."""

    team: str
    date: dt.date
    base_code: str
    depart: dt.datetime
    back: dt.datetime
    drive_min: float
    distance_km: float
    visits: tuple[Visit, ...]
    path: tuple[tuple[float, float], ...]
    #: Where the day starts and ends (a base or an overnight place); "" means the base.
    start_code: str = ""
    end_code: str = ""
    #: Minutes of the day's travel spent in a boat, and the river legs as (lon, lat) lines.
    boat_min: float = 0.0
    river_legs: tuple[tuple[tuple[float, float], ...], ...] = ()

    @property
    def sleeps_at(self) -> str | None:
        """The overnight place the team sleeps at after this day, or None when it goes home."""
        end = self.end_code or self.base_code
        return None if end == self.base_code else end

    @property
    def priority(self) -> float:
        """Sum of the priorities of the day's visits."""
        return float(sum(v.priority for v in self.visits))


@dataclass(frozen=True)
class Unplanned:
    """A site left out of the plan and why (a code from :data:`REASONS` and a detail).

    ``detail`` is English text; when it is a :class:`~geo.patrols.text.Message`,
    :meth:`describe` gives it in the reader's language.
    """

    site_code: str
    site_name: str
    priority: float
    reason: str
    detail: str

    def explain(self, t: Translator) -> str:
        """Return the reason in ``t``'s language."""
        return unplanned_reason(t, self.reason)

    def describe(self, t: Translator) -> str:
        """Return the detail in ``t``'s language."""
        return localize(t, self.detail)


@dataclass
class Plan:
    """A multi-team, multi-day patrol plan.

    Examples
    --------
    >>> plan = geo.patrols.plan(sites, teams, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> plan.to_frame().groupby("team").size().size
    2
    """

    start: dt.date
    days: list[dt.date]
    teams: list[Team]
    routes: list[DayRoute]
    unplanned: list[Unplanned]
    seed: int
    budget_s: float
    stats: dict[str, Any] = field(default_factory=dict)
    #: Overnight places the plan could use, and the expeditions it sends teams on.
    places: list[Base] = field(default_factory=list)
    itineraries: list[Itinerary] = field(default_factory=list)

    @property
    def visits(self) -> list[Visit]:
        """All planned visits, by team, then day, then order."""
        return [v for r in self.routes for v in r.visits]

    @property
    def total_priority(self) -> float:
        """Sum of the priorities of all planned visits."""
        return float(sum(v.priority for v in self.visits))

    @property
    def total_km(self) -> float:
        """Distance driven over the whole plan in kilometres."""
        return float(sum(r.distance_km for r in self.routes))

    @property
    def total_drive_h(self) -> float:
        """Driving time over the whole plan in hours."""
        return float(sum(r.drive_min for r in self.routes)) / 60

    def to_frame(self) -> gpd.GeoDataFrame:
        """Return the visits as a GeoDataFrame of points (EPSG:4326), one row per visit.

        Columns are :data:`VISIT_COLUMNS`; ``reasons`` is one string joined with "; ".
        """
        rows = [
            {**{c: getattr(v, c) for c in VISIT_COLUMNS}, "reasons": "; ".join(v.reasons)}
            for v in self.visits
        ]
        geoms = [Point(v.lon, v.lat) for v in self.visits]
        return gpd.GeoDataFrame(rows, columns=list(VISIT_COLUMNS), geometry=geoms, crs=4326)

    def routes_frame(self) -> gpd.GeoDataFrame:
        """Return one LineString per team and day (base → sites → base) for maps.

        Columns: ``team``, ``date``, ``base_code``, ``visits``, ``priority``, ``drive_min``,
        ``distance_km``, ``depart``, ``back``, ``sites`` (codes in order).
        """
        rows = [
            {
                "team": r.team,
                "date": r.date,
                "base_code": r.base_code,
                "visits": len(r.visits),
                "priority": round(r.priority, 1),
                "drive_min": r.drive_min,
                "distance_km": r.distance_km,
                "depart": r.depart,
                "back": r.back,
                "sites": " → ".join(v.site_code for v in r.visits),
            }
            for r in self.routes
        ]
        return gpd.GeoDataFrame(
            rows,
            columns=[
                "team",
                "date",
                "base_code",
                "visits",
                "priority",
                "drive_min",
                "distance_km",
                "depart",
                "back",
                "sites",
            ],
            geometry=[LineString(r.path) for r in self.routes],
            crs=4326,
        )

    def unplanned_frame(self, t: Translator | None = None) -> pd.DataFrame:
        """Return the unplanned sites with reason code, explanation and detail.

        Explanation and detail are in ``t``'s language (English by default).
        """
        t = t or translator("en")
        return pd.DataFrame(
            [
                {
                    "site_code": u.site_code,
                    "site_name": u.site_name,
                    "priority": u.priority,
                    "reason": u.reason,
                    "explanation": u.explain(t),
                    "detail": u.describe(t),
                }
                for u in self.unplanned
            ],
            columns=["site_code", "site_name", "priority", "reason", "explanation", "detail"],
        )

    def summary(self) -> pd.DataFrame:
        """Return per team: days out, visits, priority, hours travelled and by boat, km, idle days.

        ``drive_h`` is all travel (road and boat), ``boat_h`` its part by boat; ``idle_days``
        are the team's working days of the horizon without any inspection (a travel day of an
        expedition is not idle only when it inspects on the way).
        """
        rows = []
        for team in self.teams:
            mine = [r for r in self.routes if r.team == team.code]
            working = [d for d in self.days if d not in team.unavailable]
            busy = {r.date for r in mine if r.visits}
            rows.append(
                {
                    "team": team.code,
                    "days": len({r.date for r in mine}),
                    "visits": sum(len(r.visits) for r in mine),
                    "priority": sum(r.priority for r in mine),
                    "drive_h": sum(r.drive_min for r in mine) / 60,
                    "boat_h": sum(r.boat_min for r in mine) / 60,
                    "km": sum(r.distance_km for r in mine),
                    "idle_days": len([d for d in working if d not in busy]),
                }
            )
        columns = ["team", "days", "visits", "priority", "drive_h", "boat_h", "km", "idle_days"]
        return pd.DataFrame(rows, columns=columns).round(1)

    @property
    def total_boat_h(self) -> float:
        """Hours in a boat over the whole plan."""
        return float(sum(r.boat_min for r in self.routes)) / 60
