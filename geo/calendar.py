"""The working-day calendar the government uses, and the agency's own days off.

Working days skip weekends, public holidays, the joint leave days (cuti bersama) and the days off
the agency adds itself.

Public holidays and the government's joint leave days come from the ``holidays`` package
(country ``ID``, categories ``public`` and ``government``). Days the agency closes on its own (a
regional holiday, an office closure) are rows of ``days_off``, added and removed with
:func:`add_day_off` and :func:`remove_day_off`; each change is written to ``days_off_audit``.
Complaint clocks (:mod:`geo.reports.clocks`) count working days with :func:`load_calendar`.

Examples
--------
>>> cal = WorkingCalendar.national()
>>> cal.add_working_days(dt.date(2026, 3, 17), 3)  # cuti bersama around Nyepi and Idul Fitri
datetime.date(2026, 3, 27)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
import numpy as np
from sqlalchemy import Date, DateTime, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.errors import NotFound, ValidationError
from geo.models import Base

__all__ = [
    "DayOff",
    "DayOffAudit",
    "WorkingCalendar",
    "national_holidays",
    "load_calendar",
    "add_day_off",
    "remove_day_off",
    "list_days_off",
]

#: Categories of the ``holidays`` package that close government offices in Indonesia.
CATEGORIES: tuple[str, ...] = ("public", "government")


class DayOff(Base):
    """A day the agency's office is closed although the national calendar says it works."""

    __tablename__ = "days_off"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=func.now())


class DayOffAudit(Base):
    """Append-only trail of every day off added or removed, and by whom."""

    __tablename__ = "days_off_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=func.now())


#: The ``holidays`` package's language for each catalogue language.
_HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}


@lru_cache(maxsize=64)
def national_holidays(year: int, lang: str = "id") -> dict[dt.date, str]:
    """Return Indonesia's public holidays and joint leave days of ``year`` with their names.

    Examples
    --------
    >>> national_holidays(2026)[dt.date(2026, 3, 21)]
    'Hari Raya Idul Fitri'
    >>> national_holidays(2026, "en")[dt.date(2026, 3, 23)]
    'Eid al-Fitr Joint Holiday'
    """
    found = holidays.country_holidays(
        "ID", years=year, categories=CATEGORIES, language=_HOLIDAY_LANGUAGES.get(lang, "id")
    )
    return {day: str(name) for day, name in sorted(found.items())}


@dataclass(frozen=True)
class WorkingCalendar:
    """Non-working days beyond weekends: national ones and the agency's own."""

    agency_days: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def national(cls) -> WorkingCalendar:
        """Return the calendar without any day the agency added."""
        return cls()

    def holidays_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Return every non-working weekday date from ``start`` to ``end`` (a year's margin)."""
        days = set(self.agency_days)
        for year in range(min(start, end).year, max(start, end).year + 2):
            days.update(national_holidays(year))
        return sorted(days)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """Return the ``days``-th working day after ``start`` (``start`` itself is day 0).

        A weekend or holiday start counts from the next working day.
        """
        hol = self.holidays_between(start, start + dt.timedelta(days=days * 3 + 30))
        result = np.busday_offset(np.datetime64(start, "D"), days, roll="backward", holidays=hol)
        return dt.date.fromisoformat(str(result))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Return the number of working days in ``[start, end)`` (negative when reversed)."""
        hol = self.holidays_between(start, end)
        return int(
            np.busday_count(np.datetime64(start, "D"), np.datetime64(end, "D"), holidays=hol)
        )

    def is_working_day(self, day: dt.date) -> bool:
        """Return whether offices are open on ``day``."""
        return self.working_days_between(day, day + dt.timedelta(days=1)) == 1


def load_calendar(*, session: Session) -> WorkingCalendar:
    """Return the calendar in use: the national one plus every day off the agency added."""
    return WorkingCalendar(frozenset(session.scalars(select(DayOff.day))))


def list_days_off(*, session: Session, year: int | None = None) -> list[DayOff]:
    """Return the agency's own days off, in date order (of one year when given)."""
    query = select(DayOff).order_by(DayOff.day)
    if year is not None:
        query = query.where(DayOff.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return list(session.scalars(query))


def add_day_off(*, session: Session, day: dt.date, reason: str, actor: str) -> DayOff:
    """Close the office on ``day`` for complaint clocks and plans; audited.

    Raises
    ------
    ValidationError
        Without a reason, or when ``day`` is already a weekend, holiday or day off.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason: say why the office is closed", field="reason")
    if day in national_holidays(day.year) or day.weekday() >= 5:
        raise ValidationError(f"day: {day} is already a weekend or national holiday", field="day")
    if session.get(DayOff, day) is not None:
        raise ValidationError(f"day: {day} is already a day off", field="day")
    row = DayOff(day=day, reason=reason[:200], created_by=actor)
    session.add(row)
    session.add(DayOffAudit(day=day, action="add", reason=reason[:200], actor=actor))
    session.flush()
    return row


def remove_day_off(*, session: Session, day: dt.date, actor: str) -> None:
    """Open the office again on ``day`` (a day the agency had added); audited."""
    row = session.get(DayOff, day)
    if row is None:
        raise NotFound(f"day: {day} is not one of the agency's days off")
    session.execute(delete(DayOff).where(DayOff.day == day))
    session.add(DayOffAudit(day=day, action="remove", reason=row.reason, actor=actor))
    session.flush()
