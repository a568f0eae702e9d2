"""The patrol planning problem in the agency's terms: teams, bases, sites and revisit rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from geo.errors import N_, PlanningError
from geo.vocab import EXCLUDED_FROM_PATROL

__all__ = ["Base", "Team", "SiteTask", "Rules", "parse_clock", "DAYLIGHT"]

#: Default window for starting an inspection: daylight in Kalimantan (WITA), all year.
DAYLIGHT: tuple[dt.time, dt.time] = (dt.time(6, 0), dt.time(17, 30))


def parse_clock(value: str | dt.time, *, field: str) -> dt.time:
    """Return ``value`` ("07:30" or a time) as a :class:`datetime.time`.

    Examples
    --------
    >>> parse_clock("07:30", field="shift")
    datetime.time(7, 30)
    """
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise PlanningError.of(
            N_("`{name}` must be a time like 07:30, got {value!r}"),
            field=field,
            name=field,
            value=value,
        ) from None


def seconds(value: dt.time) -> int:
    """Return the seconds since midnight of a time of day."""
    return value.hour * 3600 + value.minute * 60 + value.second


@dataclass(frozen=True)
class Base:
    """A field team's home office: code, name and location (lon, lat in EPSG:4326)."""

    code: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Team:
    """A field team: its base, daily shift, driving limit, vehicle mode, days off, days away.

    Examples
    --------
    >>> team = Team("TIM-1", Base("SMD", "Samarinda", 117.15, -0.50), shift=("07:30", "16:30"))
    >>> team.shift_seconds
    (27000, 59400)
    """

    code: str
    base: Base
    shift: tuple[str | dt.time, str | dt.time] = ("07:30", "16:30")
    max_drive_h: float = 6.0
    mode: str = "car"
    unavailable: frozenset[dt.date] = field(default_factory=frozenset)
    name: str = ""
    #: Calendar days the team may be away from its base on one expedition (1 = day trips).
    max_days_away: int = 1
    #: IANA time zone of the team's times on sheets and exports; None: the plan's zone (the
    #: settings' ``patrols.timezone``, the province's: WITA in Kaltim, WIB in Kalteng).
    timezone: str | None = None

    @property
    def shift_seconds(self) -> tuple[int, int]:
        """Start and end of the daily shift in seconds since midnight."""
        start = seconds(parse_clock(self.shift[0], field=f"teams[{self.code}].shift"))
        end = seconds(parse_clock(self.shift[1], field=f"teams[{self.code}].shift"))
        if end <= start:
            raise PlanningError.of(
                N_("team {team}: the shift must end after it starts, got {start}–{end}"),
                field="shift",
                team=self.code,
                start=self.shift[0],
                end=self.shift[1],
            )
        return start, end

    def available(self, days: Iterable[dt.date]) -> list[dt.date]:
        """Return the days of ``days`` on which the team can patrol."""
        return [d for d in days if d not in self.unavailable]


@dataclass(frozen=True)
class SiteTask:
    """A site as the planner sees it: where, how valuable, how long, and when it may start.

    ``priority`` is on a 0–100 scale; ``reasons`` explain it in words for the field sheet.
    """

    code: str
    name: str
    lon: float
    lat: float
    priority: float
    service_min: int = 60
    window: tuple[dt.time, dt.time] = DAYLIGHT
    status: str = "suspected"
    risk_level: str = "medium"
    last_inspected: dt.date | None = None
    kabupaten: str = ""
    commodity: str = ""
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Revisit and exclusion rules.

    Parameters
    ----------
    must_visit_after_days
        A site of at least ``must_visit_priority`` not inspected for more than this many days
        (or never) must be planned: it gets a prize that outweighs any optional site.
    must_visit_priority
        Priority (0–100) from which the rule above applies; by default (None) the top
        quarter of the candidate sites' priorities.
    skip_within_days
        A site inspected in the last this-many days is not planned.
    excluded_statuses
        Statuses left out of planning (sealed and legalised sites by default).
    include_excluded
        Plan excluded statuses anyway (e.g. to check that a seal is respected).
    """

    must_visit_after_days: int = 90
    must_visit_priority: float | None = None
    skip_within_days: int = 14
    excluded_statuses: frozenset[str] = EXCLUDED_FROM_PATROL
    include_excluded: bool = False

    def __post_init__(self) -> None:
        for name in ("must_visit_after_days", "skip_within_days"):
            if getattr(self, name) < 0:
                raise PlanningError.of(
                    N_("`{name}` must not be negative, got {value}"),
                    field=name,
                    name=name,
                    value=getattr(self, name),
                )
