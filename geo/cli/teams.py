"""``pantau teams``: the field teams, their home base, shift and how many days they may be away."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from geo.cli._common import console, current, engine_from_settings
from geo.db import session_scope
from geo.patrols.teams import TEAM_COLUMNS, TeamRecord, add_team, import_teams, list_teams
from geo.patrols.teams import remove_team as remove_team_

_FILE_HELP = f"CSV/XLSX with columns {', '.join(TEAM_COLUMNS)}."

app = typer.Typer(help="Field teams for patrols and expeditions.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Show the teams with base, shift, driving limit, mode and days away."""
    t = current().t
    table = Table(
        t.gettext("Team"),
        t.gettext("Name"),
        t.gettext("Base"),
        t.gettext("Shift"),
        t.gettext("Driving hours"),
        t.gettext("Mode"),
        t.gettext("Days away"),
    )
    with session_scope(engine_from_settings()) as session:
        teams = list_teams(session)
    for r in teams:
        table.add_row(
            r.code,
            r.name,
            r.base_code,
            r.shift,
            t.number(r.max_drive_h, digits=1),
            r.mode,
            t.number(r.max_days_away),
        )
    console.print(table)


@app.command()
def add(
    code: str = typer.Argument(..., help="Team code, e.g. TIM-1."),
    base: str = typer.Option(..., "--base", help="Code of the office the team starts from."),
    name: str = typer.Option("", "--name", help="Name or leader of the team."),
    shift: str = typer.Option("07:30-16:30", "--shift", help="Daily shift."),
    max_drive: float = typer.Option(6.0, "--max-drive", help="Max travel hours a day."),
    mode: str = typer.Option("car", "--mode", help="car, 4wd, motorbike, boat."),
    days_away: int = typer.Option(1, "--days-away", help="Max days away on an expedition."),
    replace: bool = typer.Option(False, "--replace", help="Change the team if it exists."),
) -> None:
    """Add a team (or change it with ``--replace``)."""
    t = current().t
    record = TeamRecord(code, base, name, shift, max_drive, mode, days_away)
    with session_scope(engine_from_settings()) as session:
        add_team(session, record, replace=replace)
    console.print(t.gettext("Team {code} saved.", code=code))


@app.command()
def remove(code: str = typer.Argument(..., help="Team code.")) -> None:
    """Remove a team."""
    t = current().t
    with session_scope(engine_from_settings()) as session:
        remove_team_(session, code)
    console.print(t.gettext("Team {code} removed.", code=code))


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help=_FILE_HELP),
) -> None:
    """Create or replace teams from a teams file."""
    t = current().t
    with session_scope(engine_from_settings()) as session:
        created, updated = import_teams(session, path)
    console.print(
        t.gettext("{created} created, {updated} updated", created=created, updated=updated)
    )
