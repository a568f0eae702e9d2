"""``pantau map``: the overview map as HTML (online or offline) and PNG/PDF briefings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from geo.cli._common import console, engine_from_settings

if TYPE_CHECKING:
    import folium

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
        False, "--share", help="For outside the agency: report counts per site/cell, no points."
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
    from geo.io.vector import read_vector
    from geo.maps import build
    from geo.maps.briefing import export
    from geo.maps.sources import load_all, load_overdue
    from geo.maps.tiles import tile_template

    chosen = [k.strip() for k in layers.split(",") if k.strip()] if layers else None
    the_period = build.parse_period(period)
    engine = engine_from_settings()
    admin_frame = read_vector(admin) if admin is not None else None
    template = tile_template(tiles, html_path=out)
    with console.status("Loading layers..."):
        data = load_all(engine, period=the_period)

    def make(offline_build: bool) -> folium.Map:
        return build.build_from(
            data,
            admin=admin_frame,
            period=the_period,
            layers=chosen,
            lang=lang,
            offline=offline_build,
            tiles=template,
            base_url=base_url,
            share=share,
        )

    m = make(offline)
    export(m, html_path=out)
    info = build.map_info(m)
    console.print(
        f"Map ({'offline' if offline else 'online'}, {lang}): [bold]{out}[/]  "
        + ", ".join(f"{k}={v}" for k, v in info.counts.items())
    )
    if png is not None or pdf is not None:
        # Briefings are rendered with the network cut, so from the offline build of the map.
        briefing_map = m if offline else make(True)
        with console.status("Rendering the briefing in headless Chromium..."):
            result = export(briefing_map, png=png, pdf=pdf, overdue=load_overdue(engine))
        for label, path in (("PNG", result.png), ("PDF", result.pdf)):
            if path is not None:
                console.print(f"{label}: [bold]{path}[/]")
