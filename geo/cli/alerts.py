"""``pantau alerts ...``: import and fetch satellite deforestation alerts, build and list patches.

Thin over :mod:`geo.alerts.service`; every line a person reads comes from the catalogue in the
run's language (Indonesian by default). Alerts are GFW's integrated alerts (CC BY 4.0): the
listing says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from geo.alerts import service
from geo.alerts.config import ATTRIBUTION
from geo.alerts.patches import PatchSummary
from geo.cli._common import current
from geo.db import session_scope
from geo.errors import N_, ValidationError
from geo.i18n import Translator

__all__ = ["app"]

_NOT_A_DAY = N_("{field} must be a date as YYYY-MM-DD, got {value}")

app = typer.Typer(
    help="Satellite deforestation alerts (GFW integrated alerts): import, fetch, patches.",
    no_args_is_help=True,
)


def _date(value: str | None, option: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationError.of(_NOT_A_DAY, field=option, value=value) from None


def _print_import(t: Translator, r: service.ImportResult) -> None:
    cli = current()
    cli.console.print(
        t.gettext(
            "{origin}: {read} alerts read, {outside} outside the area of interest, {added} new",
            origin=escape(r.origin),
            read=t.number(r.rows_read),
            outside=t.number(r.outside_aoi),
            added=t.number(r.added),
        )
    )
    if r.patches is not None:
        _print_build(t, r.patches)


def _print_build(t: Translator, s: PatchSummary) -> None:
    cli = current()
    if s.window_to is None or s.window_from is None:
        cli.console.print(t.gettext("No alerts stored yet."))
        return
    cli.console.print(
        t.gettext(
            "{n} patches from {alerts} alerts between {start} and {end}: {candidates} new "
            "candidates, {reports} reports corroborated",
            n=t.number(s.patches),
            alerts=t.number(s.alerts),
            start=t.date(s.window_from),
            end=t.date(s.window_to),
            candidates=t.number(s.candidates),
            reports=t.number(s.corroborated_reports),
        )
    )
    for code, count in s.by_class.items():
        cli.console.print(f"  {code:<24} {count:>6}")


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="Data API answer (.csv, .json) or GeoTIFF tile (.tif)."),
    patches: bool = typer.Option(True, "--patches/--no-patches", help="Rebuild patches after."),
) -> None:
    """Import GFW integrated alerts, clipped to the area of interest; a re-import adds nothing."""
    cli = current()
    with session_scope(cli.engine()) as session:
        result = service.import_alerts(
            session=session,
            settings=cli.settings,
            path=path,
            actor=cli.settings.actor,
            patch=patches,
        )
    _print_import(cli.t, result)


@app.command("fetch")
def fetch_command(
    days: int | None = typer.Option(None, "--days", min=1, help="Days back (default setting)."),
    until: str | None = typer.Option(None, "--until", help="Last day (default today)."),
    patches: bool = typer.Option(True, "--patches/--no-patches", help="Rebuild patches after."),
) -> None:
    """Fetch recent alerts of the area from the GFW Data API (key: PANTAU_ALERTS_API_KEY)."""
    cli = current()
    with session_scope(cli.engine()) as session:
        result = service.fetch_alerts(
            session=session,
            settings=cli.settings,
            actor=cli.settings.actor,
            days=days,
            until=_date(until, "--until"),
            patch=patches,
        )
    _print_import(cli.t, result)


@app.command("build")
def build_command(
    until: str | None = typer.Option(None, "--until", help="Window ends here (default newest)."),
) -> None:
    """Group the stored alerts into patches, match and classify them, refresh the priority."""
    cli = current()
    with session_scope(cli.engine()) as session:
        summary = service.build_patches(
            session=session, settings=cli.settings, until=_date(until, "--until")
        )
    _print_build(cli.t, summary)


@app.command("patches")
def patches_command(
    candidates: bool = typer.Option(False, "--candidates", help="Only unreported patches."),
    limit: int = typer.Option(50, "--limit", min=1, help="Most patches listed."),
) -> None:
    """List the patches, new candidates first, with their match and indicative class."""
    cli = current()
    t = cli.t
    with session_scope(cli.engine()) as session:
        views = service.list_patches(
            session=session,
            language=cli.language,
            candidate=True if candidates else None,
            limit=limit,
        )
    table = Table(
        t.gettext("patch"),
        t.gettext("last alert"),
        t.gettext("alerts"),
        t.gettext("area (ha)"),
        t.gettext("confidence"),
        t.gettext("status"),
        t.gettext("site"),
        t.gettext("land status (indicative)"),
    )
    for v in views:
        land = ", ".join(x for x in [v.permit_label or "", *v.forest_labels] if x)
        table.add_row(
            v.code,
            t.date(v.last_date, format="medium"),
            t.number(v.alert_count),
            t.number(v.area_ha, digits=2),
            escape(v.confidence),
            escape(v.status_label),
            escape(v.site_code or "-"),
            escape(land or "-"),
        )
    cli.console.print(table)
    cli.console.print(t.gettext("Source: {attribution}", attribution=ATTRIBUTION))
