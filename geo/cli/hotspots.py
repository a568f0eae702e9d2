"""``pantau match``, ``pantau hotspots ...`` and ``pantau priority``: thin over the library.

:func:`mount` adds the three to the root command, so that ``geo/cli/__init__.py`` needs one line.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import typer
from rich.table import Table
from sqlalchemy import Engine

from geo import hotspots, matching, priority
from geo.cli._common import console, engine_from_settings
from geo.db import session_scope
from geo.hotspots import service
from geo.reports.queue import drain
from geo.settings import get_settings

__all__ = ["app", "mount", "match", "priority_command"]

app = typer.Typer(
    help="Candidate hotspots: clusters of reports that match no known site.", no_args_is_help=True
)


def mount(root: typer.Typer) -> None:
    """Add ``match``, ``hotspots`` and ``priority`` to the root ``pantau`` command."""
    root.command("match")(match)
    root.add_typer(app, name="hotspots")
    root.command("priority")(priority_command)


def _text(value: object) -> str:
    """Empty for a missing value (None or a pandas NaN), else the value as text."""
    return "" if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _engine() -> Engine:
    return engine_from_settings()


def match(
    radius: float | None = typer.Option(
        None, "--radius", help="Radius in metres (default PANTAU_MATCHING_RADIUS_M, 1000)."
    ),
) -> None:
    """Match every report to the nearest site within the radius (only changes are written)."""
    engine = _engine()
    queued = drain(engine=engine)  # reports the API accepted and has not processed yet
    if queued:
        console.print(f"{queued} queued reports linked to near duplicates and matched first")
    with session_scope(engine) as session:
        s = matching.match_reports(session=session, radius_m=radius)
    console.print(
        f"{s.examined} reports examined with radius {s.radius_m:g} m: {s.matched} matched "
        f"({s.within_polygon} inside a polygon), {s.unmatched} unmatched, {s.duplicates} "
        f"duplicates following their original; {s.changed} changed in {s.seconds:.2f} s"
    )


@app.command()
def cluster(
    eps: float | None = typer.Option(None, "--eps", help="DBSCAN radius in metres."),
    min_reports: int | None = typer.Option(None, "--min-reports", help="DBSCAN minimum."),
    window_days: int | None = typer.Option(None, "--window-days", help="Only the last N days."),
) -> None:
    """Cluster the unmatched reports and update the candidate hotspots."""
    with session_scope(_engine()) as session:
        s = service.cluster_hotspots(
            settings=get_settings(),
            session=session,
            eps_m=eps,
            min_reports=min_reports,
            window_days=window_days,
        )
    console.print(
        f"{s.clusters} clusters of {s.clustered_reports} reports ({s.noise_reports} unclustered):"
        f" {len(s.created)} new, {len(s.kept)} kept, {len(s.revived)} revived,"
        f" {len(s.lapsed)} lapsed"
    )
    if s.created:
        console.print("new: " + ", ".join(s.created))


@app.command("list")
def list_(
    status: str | None = typer.Option(
        None, help="candidate, lapsed, dismissed or promoted (default: all)."
    ),
) -> None:
    """List hotspots with their corroboration."""
    frame = hotspots.load(engine=_engine(), status=status)
    table = Table(title=f"{len(frame)} hotspot")
    for col in (
        "code",
        "status",
        "reports",
        "reporters",
        "channels",
        "last seen",
        "centroid",
        "note",
    ):
        table.add_column(col)
    for row in frame.itertuples():
        note = _text(row.review_reason)
        if _text(row.promoted_site_code):
            note = f"site {row.promoted_site_code}"
        if not pd.isna(row.new_since_review) and row.new_since_review > 0:
            note = f"{note} (+{int(row.new_since_review)} since review)".strip()
        table.add_row(
            row.code,
            row.status,
            str(row.report_count),
            str(row.reporter_count),
            str(len(row.channels)),
            f"{row.last_seen:%Y-%m-%d}",
            f"{row.centroid_lat:.4f},{row.centroid_lon:.4f}",
            note,
        )
    console.print(table)


@app.command()
def promote(
    hotspot: str = typer.Argument(..., help="Hotspot code (HS-0001) or id."),
    code: str | None = typer.Option(None, help="New site code (default: the hotspot code)."),
    name: str | None = typer.Option(None, help="New site name."),
    kabupaten: str | None = typer.Option(None, help="Default: that of the nearest site."),
    commodity: str | None = typer.Option(None, help="Default: the reports' commodity guess."),
    actor: str | None = typer.Option(None, help="Who decides (default PANTAU_ACTOR)."),
) -> None:
    """Promote a hotspot to a new site; its reports move to the site."""
    with session_scope(_engine()) as session:
        promoted = service.promote_hotspot(
            settings=get_settings(),
            session=session,
            hotspot=hotspot,
            actor=actor,
            code=code,
            name=name,
            kabupaten=kabupaten,
            commodity=commodity,
        )
    console.print(
        f"hotspot {promoted.hotspot} is now site [bold]{promoted.site_code}[/]: "
        f"{promoted.independent_reports} reports, priority {promoted.priority_score:.1f} "
        f"(rank {promoted.priority_rank})"
    )


@app.command()
def dismiss(
    hotspot: str = typer.Argument(..., help="Hotspot code (HS-0001) or id."),
    reason: str = typer.Option(..., "--reason", help="Why it is not a site (required)."),
    actor: str | None = typer.Option(None, help="Who decides (default PANTAU_ACTOR)."),
) -> None:
    """Dismiss a hotspot with a reason."""
    with session_scope(_engine()) as session:
        service.dismiss_hotspot(
            settings=get_settings(), session=session, hotspot=hotspot, reason=reason, actor=actor
        )
    console.print(f"hotspot {hotspot} dismissed")


def priority_command(
    top: int = typer.Option(20, "--top", help="How many sites to show."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date YYYY-MM-DD (default: now)."),
) -> None:
    """Recompute and store every site's priority score, and show the top sites with reasons."""
    when = None
    if as_of is not None:
        try:
            when = dt.datetime.fromisoformat(as_of).replace(tzinfo=dt.UTC)
        except ValueError:
            raise typer.BadParameter(f"expected a date YYYY-MM-DD, got {as_of!r}") from None
    settings = get_settings()
    with session_scope(_engine()) as session:
        ranking = priority.recompute(settings=settings, session=session, as_of=when)
    rows = ranking.rows[:top]
    table = Table(title=f"Prioritas lokasi (site priority), top {len(rows)}")
    for col in ("rank", "code", "name", "score", "reasons"):
        table.add_column(col)
    for row in rows:
        reasons = "; ".join(priority.explain(row, lang=settings.language))
        table.add_row(
            str(row["rank"]), str(row["code"]), str(row["name"]), f"{row['score']:.1f}", reasons
        )
    console.print(table)
