"""``pantau match``, ``pantau hotspots ...`` and ``pantau priority``: thin over the library.

:func:`mount` adds the three to the root command, so that ``geo/cli/__init__.py`` needs one line.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import typer
from rich.table import Table
from sqlalchemy import Engine

from geo import hotspots, labels, matching, priority
from geo.cli._common import CliContext, current
from geo.db import session_scope
from geo.errors import N_
from geo.hotspots import service
from geo.reports.queue import drain

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
    return current().engine()


#: Column headings of ``pantau hotspots list`` and ``pantau priority``.
HOTSPOT_COLUMNS = (
    N_("code"),
    N_("status"),
    N_("reports"),
    N_("reporters"),
    N_("channels"),
    N_("last seen"),
    N_("centroid"),
    N_("note"),
)
PRIORITY_COLUMNS = (N_("rank"), N_("code"), N_("name"), N_("score"), N_("reasons"))


def match(
    radius: float | None = typer.Option(
        None, "--radius", help="Radius in metres (default PANTAU_MATCHING_RADIUS_M, 1000)."
    ),
) -> None:
    """Match every report to the nearest site within the radius (only changes are written)."""
    cli = current()
    t, engine = cli.t, cli.engine()
    queued = drain(engine=engine, settings=cli.settings)  # accepted by the API, not processed yet
    if queued:
        cli.console.print(
            t.gettext("{n} queued reports linked to near duplicates and matched first", n=queued)
        )
    with session_scope(engine) as session:
        s = matching.match_reports(
            session=session,
            radius_m=radius if radius is not None else cli.settings.matching.radius_m,
        )
    cli.console.print(
        t.gettext(
            "{examined} reports examined with radius {radius} m: {matched} matched "
            "({polygon} inside a polygon), {unmatched} unmatched, {duplicates} duplicates "
            "following their original; {changed} changed in {seconds} s",
            examined=t.number(s.examined),
            radius=t.number(s.radius_m),
            matched=t.number(s.matched),
            polygon=t.number(s.within_polygon),
            unmatched=t.number(s.unmatched),
            duplicates=t.number(s.duplicates),
            changed=t.number(s.changed),
            seconds=t.number(s.seconds, digits=2),
        )
    )


@app.command()
def cluster(
    eps: float | None = typer.Option(None, "--eps", help="DBSCAN radius in metres."),
    min_reports: int | None = typer.Option(None, "--min-reports", help="DBSCAN minimum."),
    window_days: int | None = typer.Option(None, "--window-days", help="Only the last N days."),
) -> None:
    """Cluster the unmatched reports and update the candidate hotspots."""
    cli = current()
    with session_scope(cli.engine()) as session:
        s = service.cluster_hotspots(
            settings=cli.settings,
            session=session,
            eps_m=eps,
            min_reports=min_reports,
            window_days=window_days,
        )
    cli.console.print(
        cli.t.gettext(
            "{clusters} clusters of {reports} reports ({noise} unclustered): {created} new, "
            "{kept} kept, {revived} revived, {lapsed} lapsed",
            clusters=s.clusters,
            reports=s.clustered_reports,
            noise=s.noise_reports,
            created=len(s.created),
            kept=len(s.kept),
            revived=len(s.revived),
            lapsed=len(s.lapsed),
        )
    )
    if s.created:
        cli.console.print(cli.t.gettext("new: {codes}", codes=", ".join(s.created)))


@app.command("list")
def list_(
    status: str | None = typer.Option(
        None, help="candidate, lapsed, dismissed or promoted (default: all)."
    ),
) -> None:
    """List hotspots with their corroboration."""
    cli = current()
    t = cli.t
    frame = hotspots.load(engine=cli.engine(), status=status)
    table = Table(title=t.ngettext("{n} hotspot", "{n} hotspots", len(frame)))
    for col in HOTSPOT_COLUMNS:
        table.add_column(t.gettext(col))
    for row in frame.itertuples():
        table.add_row(
            row.code,
            labels.hotspot_status(t, row.status),
            t.number(row.report_count),
            t.number(row.reporter_count),
            t.number(len(row.channels)),
            t.date(row.last_seen.date(), format="medium"),
            f"{row.centroid_lat:.4f}, {row.centroid_lon:.4f}",
            _hotspot_note(cli, row),
        )
    cli.console.print(table)


def _hotspot_note(cli: CliContext, row: object) -> str:
    """Return the review note of a hotspot row: its reason, the site it became, new reports."""
    t = cli.t
    note = _text(getattr(row, "review_reason", None))
    site = _text(getattr(row, "promoted_site_code", None))
    if site:
        note = t.gettext("site {code}", code=site)
    since = getattr(row, "new_since_review", None)
    if since is not None and not pd.isna(since) and since > 0:
        more = t.gettext("+{n} since review", n=int(since))
        note = f"{note} ({more})" if note else more
    return note


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
    cli = current()
    t = cli.t
    with session_scope(cli.engine()) as session:
        promoted = service.promote_hotspot(
            settings=cli.settings,
            session=session,
            hotspot=hotspot,
            actor=actor,
            code=code,
            name=name,
            kabupaten=kabupaten,
            commodity=commodity,
        )
    cli.console.print(
        t.gettext(
            "hotspot {hotspot} is now site {site}: {reports} reports, priority {score} "
            "(rank {rank})",
            hotspot=promoted.hotspot,
            site=promoted.site_code,
            reports=t.number(promoted.independent_reports),
            score=t.number(promoted.priority_score, digits=1),
            rank=promoted.priority_rank,
        ),
        markup=False,
    )


@app.command()
def dismiss(
    hotspot: str = typer.Argument(..., help="Hotspot code (HS-0001) or id."),
    reason: str = typer.Option(..., "--reason", help="Why it is not a site (required)."),
    actor: str | None = typer.Option(None, help="Who decides (default PANTAU_ACTOR)."),
) -> None:
    """Dismiss a hotspot with a reason."""
    cli = current()
    with session_scope(cli.engine()) as session:
        service.dismiss_hotspot(
            settings=cli.settings, session=session, hotspot=hotspot, reason=reason, actor=actor
        )
    cli.console.print(cli.t.gettext("hotspot {hotspot} dismissed", hotspot=hotspot), markup=False)


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
            raise typer.BadParameter(
                current().t.gettext("expected a date YYYY-MM-DD, got {value}", value=as_of)
            ) from None
    cli = current()
    t = cli.t
    with session_scope(cli.engine()) as session:
        ranking = priority.recompute(settings=cli.settings, session=session, as_of=when)
    rows = ranking.rows[:top]
    table = Table(title=t.gettext("Site priority, top {n}", n=len(rows)))
    for col in PRIORITY_COLUMNS:
        table.add_column(t.gettext(col))
    for row in rows:
        reasons = "; ".join(priority.explain(row, lang=cli.language))
        table.add_row(
            str(row["rank"]),
            str(row["code"]),
            str(row["name"]),
            t.number(row["score"], digits=1),
            reasons,
        )
    cli.console.print(table)
