"""``pantau sites``: import, export, list and show suspect sites."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from geo import registry, sites
from geo.cli._common import console, current, engine_from_settings
from geo.cli.layers import print_class_of
from geo.db import session_scope
from geo.layers import service as layers
from geo.settings import get_settings

app = typer.Typer(help="The registry of suspect PETI sites.", no_args_is_help=True)


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="GeoJSON, GPKG, KML, CSV or zipped Shapefile."),
    fmt: str | None = typer.Option(None, "--format", help="Override the format."),
    actor: str | None = typer.Option(None, help="Who is recorded in the audit trail."),
) -> None:
    """Import (upsert by code) a site file, all or nothing."""
    with session_scope(engine_from_settings()) as session:
        summary = registry.import_sites(
            settings=get_settings(), session=session, path=path, fmt=fmt, actor=actor
        )
    console.print(
        f"{path.name}: {len(summary.created)} created, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged"
    )


@app.command()
def export(
    path: Path = typer.Argument(..., help="Output file; the extension picks the format."),
    fmt: str | None = typer.Option(None, "--format", help="geojson, gpkg, kml, csv or shp."),
) -> None:
    """Export every site."""
    with session_scope(engine_from_settings()) as session:
        out = registry.export_sites(settings=get_settings(), session=session, path=path, fmt=fmt)
    console.print(f"wrote {out}")


@app.command("list")
def list_(
    status: str | None = typer.Option(None, help="Only sites with this status."),
    kabupaten: str | None = typer.Option(None, help="Only sites in this kabupaten/kota."),
    commodity: str | None = typer.Option(None, help="Only sites of this commodity."),
) -> None:
    """List sites as a table."""
    frame = sites.load(
        engine_from_settings(), status=status, kabupaten=kabupaten, commodity=commodity
    )
    table = Table(title=f"{len(frame)} lokasi (sites)")
    for col in ("code", "name", "kabupaten", "commodity", "status", "risk_level", "last_inspected"):
        table.add_column(col)
    for row in frame.itertuples():
        table.add_row(
            row.code,
            row.name,
            row.kabupaten,
            row.commodity,
            row.status,
            row.risk_level,
            str(row.last_inspected or "-"),
        )
    console.print(table)


@app.command()
def show(code: str = typer.Argument(..., help="Site code, e.g. KKR-001.")) -> None:
    """Show one site, its audit trail and its indicative class with guidance."""
    engine = engine_from_settings()
    with Session(engine) as session:
        site = sites.get(session, code)
        table = Table(title=f"{site.code}: {site.name}", show_header=False)
        for col in sites.COLUMNS:
            table.add_row(col, str(getattr(site, col) or "-"))
        console.print(table)
        trail = Table(title="Riwayat (audit trail)")
        for col in ("when", "who", "action", "changed"):
            trail.add_column(col)
        for entry in sites.history(session, code):
            trail.add_row(
                f"{entry['changed_at']:%Y-%m-%d %H:%M}",
                entry["actor"],
                entry["action"],
                ", ".join(sorted(entry["changes"])),
            )
        console.print(trail)
        cli = current()
        views = layers.classifications_of(
            session=session, object_kind="site", codes=[site.code], language=cli.language
        )
        print_class_of(cli.t, views.get(site.code.upper()))
