"""``pantau patrol``: plan multi-team, multi-day patrols and record what the teams found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo.cli._common import console, engine_from_settings
from geo.db import session_scope
from geo.errors import N_, PlanningError
from geo.i18n import Translator, translator
from geo.labels import site_status, unplanned_reason
from geo.patrols.exports import FORMATS
from geo.patrols.service import (
    InspectionRequest,
    PlanRequest,
    PlanResult,
    plan_patrols,
    record_inspection,
)
from geo.patrols.solver import Progress as SolverProgress
from geo.patrols.travel import MatrixTravel, OsrmTravel, TravelProvider, read_matrix
from geo.settings import get_settings

app = typer.Typer(help="Patrol and inspection schedules.", no_args_is_help=True)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PlanningError.of(
            N_("`{name}` must be a date like 2026-12-01, got {value!r}"),
            field=name,
            name=name,
            value=value,
        ) from None


def _days_off(values: list[str]) -> dict[str, set[dt.date]]:
    away: dict[str, set[dt.date]] = {}
    for value in values:
        team, _, day = value.partition(":")
        parsed = _date(day, "off") if team and day else None
        if parsed is None:
            raise PlanningError.of(
                N_("`off` must look like TIM-1:2026-12-03, got {value!r}"), field="off", value=value
            )
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
        None,
        "--iterations",
        help="Stop after N solver iterations: the same seed then gives the same plan on any "
        "machine (the clock budget still applies as a cap).",
    ),
    vary: float = typer.Option(0.0, "--vary", help="Random prize variation (0.1 = ±10%)."),
    out: Path | None = typer.Option(None, "--out", help="Folder for CSV/XLSX/PDF/GPX/KML/ICS."),
    shift: str | None = typer.Option(None, "--shift", help="Daily shift, e.g. 07:30-16:30."),
    max_drive: float | None = typer.Option(None, "--max-drive", help="Max driving hours a day."),
    mode: str = typer.Option("car", "--mode", help="Vehicle mode: car, 4wd, motorbike, boat."),
    days_away: int | None = typer.Option(
        None,
        "--days-away",
        help="Days a team may be away, sleeping at overnight places "
        "(PANTAU_PATROLS_MAX_DAYS_AWAY).",
    ),
    registered: bool = typer.Option(
        False, "--registered-teams", help="Plan with the teams of `pantau teams` instead."
    ),
    matrix: Path | None = typer.Option(None, "--matrix", help="Durations (minutes) CSV/XLSX."),
    osrm: str | None = typer.Option(
        None, "--osrm", help="OSRM server URL for travel times (PANTAU_PATROLS_OSRM_URL)."
    ),
    skip_within: int | None = typer.Option(
        None, "--skip-within", help="Skip sites inspected in N days."
    ),
    must_after: int | None = typer.Option(None, "--must-visit-after", help="Overdue after N days."),
    include_excluded: bool = typer.Option(
        False, "--include-excluded", help="Also plan sealed and legalised sites."
    ),
    work_weekends: bool = typer.Option(False, "--work-weekends", help="Patrol on weekends."),
    work_holidays: bool = typer.Option(False, "--work-holidays", help="Patrol on public holidays."),
    off: list[str] = typer.Option([], "--off", help="TEAM:YYYY-MM-DD a team is away (repeat)."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the plan in the database."),
    schedule_reports: bool = typer.Option(
        False,
        "--schedule-reports",
        help="Move reports assigned to planned sites to follow_up_scheduled.",
    ),
) -> None:
    """Plan which team inspects which site on which day, and write the exports."""
    settings = get_settings()
    t = translator(settings.language)
    request = PlanRequest(
        start=_date(start, "start"),
        days=days,
        teams=teams,
        budget_s=budget,
        seed=seed,
        max_iterations=iterations,
        vary=vary,
        shift=shift,
        max_drive_h=max_drive,
        mode=mode,
        max_days_away=days_away,
        registered_teams=registered,
        skip_within_days=skip_within,
        must_visit_after_days=must_after,
        include_excluded=include_excluded,
        work_weekends=work_weekends,
        work_holidays=work_holidays,
        days_off=_days_off(off),
        travel=_travel(matrix, osrm),
        save=save,
        schedule_reports=schedule_reports,
        out=out,
    )
    with session_scope(engine_from_settings()) as session, _solver_bar(t, budget) as report:
        result = plan_patrols(settings=settings, session=session, request=request, progress=report)
    _print_plan(t, result)


def _travel(matrix: Path | None, osrm: str | None) -> TravelProvider | None:
    """Return the provider the options ask for; ``None`` leaves it to the settings."""
    if matrix is not None:
        return MatrixTravel(read_matrix(matrix))
    return OsrmTravel(osrm) if osrm else None


@contextmanager
def _solver_bar(t: Translator, budget: float) -> Iterator[Callable[[SolverProgress], None]]:
    label = escape(t.gettext("Planning"))
    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("solve", total=budget, info="")

        def report(p: SolverProgress) -> None:
            bar.update(
                task,
                completed=min(p.elapsed_s, budget),
                info=t.gettext("iteration {n}", n=p.iteration),
            )

        yield report


def _print_plan(t: Translator, done: PlanResult) -> None:
    result = done.plan
    table = Table(
        title=t.gettext(
            "Patrol plan {first} – {last} ({days} working days)",
            first=result.days[0].isoformat(),
            last=result.days[-1].isoformat(),
            days=len(result.days),
        )
    )
    for column in (
        t.gettext("Team"),
        t.gettext("Base"),
        t.gettext("Days"),
        t.gettext("Visits"),
        t.gettext("Priority"),
        t.gettext("Driving hours"),
        t.gettext("Boat hours"),
        t.gettext("Km"),
        t.gettext("Idle days"),
    ):
        table.add_column(column)
    base_of = {team.code: team.base.code for team in result.teams}
    for row in result.summary().to_dict("records"):
        table.add_row(
            str(row["team"]),
            base_of[str(row["team"])],
            t.number(row["days"]),
            t.number(row["visits"]),
            t.number(row["priority"], digits=1),
            t.number(row["drive_h"], digits=1),
            t.number(row["boat_h"], digits=1),
            t.number(row["km"]),
            t.number(row["idle_days"]),
        )
    for trip in result.itineraries:
        console.print(
            "  "
            + t.gettext(
                "{team}: {days} days away from {first}; nights at {nights}",
                team=trip.team,
                days=t.number(trip.days_away),
                first=t.date(trip.legs[0].day),
                nights=", ".join(trip.nights),
            )
        )
    console.print(table)
    counts = result.unplanned_frame()["reason"].value_counts()
    for reason, n in counts.items():
        console.print(
            "  "
            + t.gettext("not planned: {n} — {reason}", n=n, reason=unplanned_reason(t, str(reason)))
        )
    if done.stored is not None:
        console.print(t.gettext("saved as plan {id}", id=done.stored.plan_id))
    if done.reports_scheduled:
        console.print(
            t.gettext("{n} reports scheduled for a follow-up visit", n=len(done.reports_scheduled))
        )
    for fmt in FORMATS:
        for path in done.files.get(fmt, []):
            console.print(t.gettext("wrote {path}", path=path))


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
    settings = get_settings()
    t = translator(settings.language)
    request = InspectionRequest(
        site_code=site,
        result=result,
        inspected_on=_date(date, "date"),
        team=team,
        notes=notes,
        evidence=evidence,
        track=_track(track) if track else None,
    )
    with session_scope(engine_from_settings()) as session:
        res = record_inspection(settings=settings, session=session, request=request, actor=actor)
    console.print(
        t.gettext(
            "{site}: {before} → {after} (inspection {id}); reports advanced {advanced}, "
            "closed {closed}",
            site=res.site_code,
            before=site_status(t, res.status_before),
            after=site_status(t, res.status_after),
            id=res.inspection_id,
            advanced=len(res.reports_advanced),
            closed=len(res.reports_closed),
        )
    )


def _track(path: Path) -> list[tuple[float, float]]:
    import gpxpy

    from geo.errors import InputFileError

    try:
        with path.open(encoding="utf-8") as fh:
            gpx = gpxpy.parse(fh)
    except (OSError, gpxpy.gpx.GPXException) as exc:
        raise InputFileError(f"{path}: cannot read the GPS track ({exc})", field="track") from None
    return [(p.longitude, p.latitude) for t in gpx.tracks for s in t.segments for p in s.points]
