"""``pantau map``: the overview map as HTML (online or offline) and PNG/PDF briefings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from geo.cli._common import console, engine_from_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from geo.maps.options import MapOptions
    from geo.settings import Settings

__all__ = ["map_command"]


def map_command(
    out: Path = typer.Option(Path("out/peta.html"), "--out", "-o", help="HTML file to write."),
    period: str | None = typer.Option(
        None, "--period", help="2026-01-01..2026-06-30, or 90d for the last 90 days (default 365d)."
    ),
    layers: str | None = typer.Option(
        None,
        "--layers",
        help="Comma-separated: sites,reports,heat,hotspots,bases,routes,admin (default: all).",
    ),
    lang: str = typer.Option("id", "--lang", help="id (Bahasa Indonesia) or en."),
    offline: bool = typer.Option(
        False, "--offline", help="One self-contained HTML file that needs no network."
    ),
    png: Path | None = typer.Option(None, "--png", help="Also write a PNG screenshot."),
    pdf: Path | None = typer.Option(
        None, "--pdf", help="Also write an A4-landscape PDF briefing (map + top sites + overdue)."
    ),
    share: bool = typer.Option(
        False, "--share", help="Public view (PPID): counts, 5 km cells, public sites; +GeoJSON."
    ),
    tiles: str | None = typer.Option(
        None, "--tiles", help="Offline base map: tile folder, .mbtiles file or URL template."
    ),
    admin: Path | None = typer.Option(
        None, "--admin", help="Administrative boundaries (GeoJSON, GeoPackage, Shapefile...)."
    ),
    base_url: str | None = typer.Option(
        None, "--base-url", help="API root; site cards then link to {base-url}/sites/{code}."
    ),
) -> None:
    """Write the overview map (and a PNG/PDF briefing) from the database."""
    from geo.i18n import translator
    from geo.maps import service
    from geo.maps.options import MapOptions, parse_layers, parse_period
    from geo.maps.tiles import tile_template
    from geo.settings import get_settings

    options = MapOptions(
        period=parse_period(period),
        layers=parse_layers(layers),
        lang=lang,
        offline=offline,
        tiles=tile_template(tiles, html_path=out),
        base_url=base_url,
        share=share,
    )
    settings = get_settings()
    t = translator(settings.language)  # the operator's language; --lang is the map's
    engine = engine_from_settings()
    if share:
        _share(settings, engine, options, out=out, png=png, pdf=pdf, admin=admin)
        return
    status = t.gettext("Loading layers...")
    if png is not None or pdf is not None:
        status = t.gettext("Loading layers and rendering the briefing in headless Chromium...")
    with console.status(status):
        files = service.map_files(
            settings=settings,
            engine=engine,
            options=options,
            out=out,
            png=png,
            pdf=pdf,
            admin=admin,
        )
    counts = ", ".join(f"{k}={v}" for k, v in files.counts.items())
    if offline:
        line = t.gettext(
            "Offline map ({lang}): {path}  {counts}", lang=lang, path=files.html, counts=counts
        )
    else:
        line = t.gettext(
            "Online map ({lang}): {path}  {counts}", lang=lang, path=files.html, counts=counts
        )
    console.print(line, markup=False, highlight=False)
    for label, path in (("PNG", files.png), ("PDF", files.pdf)):
        if path is not None:
            console.print(f"{label}: {path}", markup=False, highlight=False)


def _share(
    settings: Settings,
    engine: Engine,
    options: MapOptions,
    *,
    out: Path,
    png: Path | None,
    pdf: Path | None,
    admin: Path | None,
) -> None:
    """Write the public view (aggregates only) and say where."""
    from geo.i18n import translator
    from geo.maps import service

    t = translator(settings.language)
    with console.status(t.gettext("Counting for the public view...")):
        files = service.public_files(
            settings=settings,
            engine=engine,
            options=options,
            out=out,
            geojson=out.with_suffix(".geojson"),
            pdf=pdf,
            png=png,
            admin=admin,
        )
    console.print(
        t.gettext("Public view ({lang}): {path}", lang=options.lang, path=files.html),
        markup=False,
        highlight=False,
    )
    for label, path in (("GeoJSON", files.geojson), ("PNG", files.png), ("PDF", files.pdf)):
        if path is not None:
            console.print(f"{label}: {path}", markup=False, highlight=False)
