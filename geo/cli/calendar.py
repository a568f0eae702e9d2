"""``pantau calendar``: the working-day calendar of complaint clocks, and the agency's days off."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from geo.calendar import add_day_off, list_days_off, national_holidays, remove_day_off
from geo.cli._common import console, current, engine_from_settings
from geo.db import session_scope

app = typer.Typer(
    help="Working days: holidays, joint leave days and days off.", no_args_is_help=True
)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


@app.command("list")
def list_(year: int = typer.Option(dt.date.today().year, "--year", help="Year to show.")) -> None:
    """Show every non-working weekday of a year: national holidays, joint leave, days off."""
    t = current().t
    table = Table(t.gettext("Date"), t.gettext("Why"), t.gettext("Added by"))
    national = t.gettext("national")
    rows = {day: (name, national) for day, name in national_holidays(year, t.lang).items()}
    with session_scope(engine_from_settings()) as session:
        for off in list_days_off(session=session, year=year):
            rows[off.day] = (off.reason, off.created_by)
    for day in sorted(rows):
        table.add_row(t.date(day, format="full"), *rows[day])
    console.print(table)


@app.command()
def add(
    day: str = typer.Argument(..., help="The date, YYYY-MM-DD."),
    reason: str = typer.Option(..., "--reason", help="Why the office is closed."),
) -> None:
    """Add a day the office is closed (a regional holiday, an office closure); audited."""
    run = current()
    settings, t = run.settings, run.t
    with session_scope(engine_from_settings()) as session:
        add_day_off(session=session, day=_day(day), reason=reason, actor=settings.actor)
    console.print(t.gettext("Day off added: {day}.", day=t.date(_day(day))), highlight=False)


@app.command()
def remove(day: str = typer.Argument(..., help="The date, YYYY-MM-DD.")) -> None:
    """Remove a day off the agency had added; audited."""
    run = current()
    settings, t = run.settings, run.t
    with session_scope(engine_from_settings()) as session:
        remove_day_off(session=session, day=_day(day), actor=settings.actor)
    console.print(t.gettext("Day off removed: {day}.", day=t.date(_day(day))), highlight=False)
