"""``pantau patrol``: plan multi-team, multi-day patrols and record what the teams found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo.cli._common import console, engine_from_settings
from geo.db import session_scope
from geo.errors import PlanningError
from geo.patrols import Rules, Team
from geo.patrols.config import get_patrol_settings, travel_from_settings
from geo.patrols.exports import FORMATS, export_all
from geo.patrols.result import REASONS
from geo.patrols.solver import Progress as SolverProgress
from geo.patrols.store import (
    default_teams,
    load_bases,
    load_sites,
    plan_from_db,
    save_plan,
    schedule_matched_reports,
)
from geo.patrols.travel import MatrixTravel, OsrmTravel, read_matrix
from geo.settings import get_settings

app = typer.Typer(help="Patrol and inspection schedules.", no_args_is_help=True)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PlanningError(f"`{name}` must be a date like 2026-12-01, got {value!r}",
                            field=name) from None


def _days_off(values: list[str]) -> dict[str, set[dt.date]]:
    away: dict[str, set[dt.date]] = {}
    for value in values:
        team, _, day = value.partition(":")
        parsed = _date(day, "off") if team and day else None
        if parsed is None:
            raise PlanningError(f"`off` must look like TIM-1:2026-12-03, got {value!r}",
                                field="off")
        away.setdefault(team, set()).add(parsed)
    return away


@app.command("plan")
def plan_(
    teams: int = typer.Option(4, "--teams", help="Number of teams, placed to cover most sites."),
    days: int = typer.Option(10, "--days", help="Working days in the horizon."),
    start: str | None = typer.Option(None, "--start", help="First day (YYYY-MM-DD); tomorrow."),
    budget: float = typer.Option(20.0, "--budget", help="Solver time budget in seconds."),
    seed: int = typer.Option(0, "--seed", help="Seed of the search and of --vary."),
    iterations: int | None = typer.Option(
        None, "--iterations",
        help="Stop after N solver iterations: the same seed then gives the same plan on any "
             "machine (the clock budget still applies as a cap)."),
    vary: float = typer.Option(0.0, "--vary", help="Random prize variation (0.1 = ±10%)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for CSV/XLSX/PDF/GPX/KML/ICS."),
    shift: str | None = typer.Option(None, "--shift", help="Daily shift, e.g. 07:30-16:30."),
    max_drive: float | None = typer.Option(None, "--max-drive", help="Max driving hours a day."),
    mode: str = typer.Option("car", "--mode", help="Vehicle mode: car, 4wd, motorbike, boat."),
    matrix: Path | None = typer.Option(None, "--matrix", help="Durations (minutes) CSV/XLSX."),
    osrm: str | None = typer.Option(None, "--osrm", help="OSRM server URL for travel times."),
    skip_within: int | None = typer.Option(None, "--skip-within",
                                           help="Skip sites inspected in N days."),
    must_after: int | None = typer.Option(None, "--must-visit-after",
                                          help="Overdue after N days."),
    include_excluded: bool = typer.Option(False, "--include-excluded",
                                          help="Also plan sealed and legalised sites."),
    work_weekends: bool = typer.Option(False, "--work-weekends", help="Patrol on weekends."),
    work_holidays: bool = typer.Option(False, "--work-holidays",
                                       help="Patrol on public holidays."),
    off: list[str] = typer.Option([], "--off", help="TEAM:YYYY-MM-DD a team is away (repeat)."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the plan in the database."),
    schedule_reports: bool = typer.Option(
        False, "--schedule-reports",
        help="Move reports assigned to planned sites to follow_up_scheduled."),
) -> None:
    """Plan which team inspects which site on which day, and write the exports."""
    cfg = get_patrol_settings()
    first = _date(start, "start") or dt.date.today() + dt.timedelta(days=1)
    shift = shift or cfg.shift
    parts = shift.split("-")
    if len(parts) != 2:
        raise PlanningError(f"`shift` must look like 07:30-16:30, got {shift!r}", field="shift")
    max_drive = cfg.max_drive_h if max_drive is None else max_drive
    skip_within = cfg.skip_within_days if skip_within is None else skip_within
    must_after = cfg.must_visit_after_days if must_after is None else must_after
    travel = (MatrixTravel(read_matrix(matrix)) if matrix else
              OsrmTravel(osrm) if osrm else travel_from_settings(cfg))
    engine = engine_from_settings()
    with session_scope(engine) as session:
        bases = load_bases(session)
        away = _days_off(off)
        team_list: list[Team] = [
            Team(t.code, t.base, shift=(parts[0], parts[1]), max_drive_h=max_drive, mode=mode,
                 unavailable=frozenset(away.get(t.code, ())))
            for t in default_teams(bases, teams, sites=load_sites(session))
        ]
        unknown = set(away) - {t.code for t in team_list}
        if unknown:
            raise PlanningError(f"`off` names unknown teams {sorted(unknown)}; teams are "
                                f"{[t.code for t in team_list]}", field="off")
        with Progress(TextColumn("[bold]Menyusun rencana[/] (solving)"), BarColumn(),
                      TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("solve", total=budget, info="")

            def report(p: SolverProgress) -> None:
                bar.update(task, completed=min(p.elapsed_s, budget),
                           info=f"iterasi {p.iteration}")

            result = plan_from_db(
                session=session, start=first, days=days, teams=team_list, travel=travel,
                budget_s=budget, seed=seed, max_iterations=iterations, vary=vary,
                progress=report,
                skip_weekends=not work_weekends, skip_holidays=not work_holidays,
                area=get_settings().aoi_bbox,
                rules=Rules(skip_within_days=skip_within, must_visit_after_days=must_after,
                            include_excluded=include_excluded),
            )
        actor = get_settings().actor
        plan_id = save_plan(result, session=session, actor=actor) if save else None
        moved = (schedule_matched_reports(result, session=session, actor=actor)
                 if schedule_reports else [])

    table = Table(title=f"Rencana patroli {result.days[0]} – {result.days[-1]} "
                        f"({len(result.days)} hari kerja)")
    for column in ("Tim", "Pangkalan", "Hari", "Kunjungan", "Prioritas", "Jam mengemudi", "Km"):
        table.add_column(column)
    base_of = {t.code: t.base.code for t in result.teams}
    for row in result.summary().itertuples(index=False):
        table.add_row(str(row.team), base_of[str(row.team)], str(row.days), str(row.visits),
                      f"{row.priority:.1f}", f"{row.drive_h:.1f}", f"{row.km:.0f}")
    console.print(table)
    counts = result.unplanned_frame()["reason"].value_counts()
    for reason, n in counts.items():
        console.print(f"  tidak direncanakan: {n} — {REASONS[str(reason)][1]}")
    if plan_id is not None:
        console.print(f"saved as plan {plan_id}")
    if moved:
        console.print(f"{len(moved)} reports moved to follow_up_scheduled")
    if out is not None:
        written = export_all(result, out)
        for fmt in FORMATS:
            for path in written.get(fmt, []):
                console.print(f"wrote {path}")


@app.command()
def record(
    site: str = typer.Argument(..., help="Site code, e.g. KKR-001."),
    result: str = typer.Argument(..., help="active, inactive, equipment_seen, sealed, seized."),
    date: str | None = typer.Option(None, "--date", help="Day of the visit; today."),
    team: str | None = typer.Option(None, "--team"),
    notes: str | None = typer.Option(None, "--notes"),
    evidence: list[Path] = typer.Option([], "--evidence", help="Photo/video file (repeat)."),
    track: Path | None = typer.Option(None, "--track", help="GPS track as a GPX file."),
    actor: str | None = typer.Option(None, "--actor", help="Who records it (audit trail)."),
) -> None:
    """Record an inspection: updates the site, its audit trail and its matched reports."""
    from geo.patrols.inspections import record_inspection

    points = _track(track) if track else None
    with session_scope(engine_from_settings()) as session:
        res = record_inspection(
            session=session, site_code=site, result=result,
            actor=actor or get_settings().actor, inspected_on=_date(date, "date"), team=team,
            notes=notes, evidence=evidence, track=points,
        )
    console.print(f"{res.site_code}: {res.status_before} → {res.status_after} "
                  f"(inspection {res.inspection_id}); reports advanced "
                  f"{len(res.reports_advanced)}, closed {len(res.reports_closed)}")


def _track(path: Path) -> list[tuple[float, float]]:
    import gpxpy

    from geo.errors import InputFileError

    try:
        with path.open(encoding="utf-8") as fh:
            gpx = gpxpy.parse(fh)
    except (OSError, gpxpy.gpx.GPXException) as exc:
        raise InputFileError(f"{path}: cannot read the GPS track ({exc})", field="track") from None
    return [(p.longitude, p.latitude) for t in gpx.tracks for s in t.segments for p in s.points]
