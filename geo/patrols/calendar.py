"""Working days of a patrol horizon: weekends and Indonesian public holidays left out.

Public holidays come from the ``holidays`` package (country ``ID``), which follows the
government's yearly decree for the Islamic and Chinese calendars; collective leave days
(*cuti bersama*) vary by decree and can be added with ``extra_holidays``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays

from geo.errors import N_, PlanningError

__all__ = ["working_days", "holiday_names"]

#: Horizons longer than this are refused: the problem is planned for weeks, not years.
MAX_DAYS = 120


def holiday_names(start: dt.date, end: dt.date, *, country: str = "ID") -> dict[dt.date, str]:
    """Return the public holidays between ``start`` and ``end`` (inclusive) with their names.

    Examples
    --------
    >>> import datetime as dt
    >>> holiday_names(dt.date(2026, 8, 17), dt.date(2026, 8, 17))
    {datetime.date(2026, 8, 17): 'Independence Day'}
    """
    table = holidays.country_holidays(country, years=range(start.year, end.year + 1))
    return {day: str(name) for day, name in sorted(table.items()) if start <= day <= end}


def working_days(
    start: dt.date,
    days: int,
    *,
    skip_weekends: bool = True,
    skip_holidays: bool = True,
    extra_holidays: Iterable[dt.date] = (),
    country: str = "ID",
) -> list[dt.date]:
    """Return the first ``days`` working days on or after ``start``.

    Parameters
    ----------
    start
        First calendar day that may be worked.
    days
        Number of working days in the horizon (1 to 120).
    skip_weekends, skip_holidays
        Leave out Saturdays/Sundays and the country's public holidays (both by default).
    extra_holidays
        Further days off, e.g. *cuti bersama* or an agency event.
    country
        Country code for the public holiday calendar.

    Raises
    ------
    PlanningError
        When ``days`` is not between 1 and 120 (field ``days``).

    Examples
    --------
    >>> import datetime as dt
    >>> working_days(dt.date(2026, 8, 14), 2)  # Friday, then Monday 17 August is a holiday
    [datetime.date(2026, 8, 14), datetime.date(2026, 8, 18)]
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise PlanningError.of(
            N_("`days` must be a whole number of working days from 1 to {most}, got {days!r}"),
            field="days",
            most=MAX_DAYS,
            days=days,
        )
    extra = set(extra_holidays)
    # The table adds each year on first lookup, so horizons across New Year work.
    off = holidays.country_holidays(country, years=start.year)
    result: list[dt.date] = []
    day = start
    while len(result) < days:
        if (
            not (skip_weekends and day.weekday() >= 5)
            and not (skip_holidays and day in off)
            and day not in extra
        ):
            result.append(day)
        day += dt.timedelta(days=1)
    return result
