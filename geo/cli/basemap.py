"""``pantau basemap ...``: build the base map drawn under every map (demo or OpenStreetMap)."""

from __future__ import annotations

from pathlib import Path

import typer

from geo.cli._common import context

__all__ = ["app"]

app = typer.Typer(
    help="The base map under every map: coastline, rivers, roads, towns, boundaries.",
    no_args_is_help=True,
)


def _report(ctx: typer.Context, path: Path, size: int, counts: dict[str, int]) -> None:
    cli = context(ctx)
    t = cli.t
    cli.console.print(
        t.gettext(
            "Base map written: {path} ({size} kB)", path=path, size=t.number(round(size / 1024))
        ),
        markup=False,
        highlight=False,
    )
    for key, count in counts.items():
        cli.console.print(f"  {key:<12} {t.number(count):>8}", markup=False, highlight=False)
    cli.console.print(
        t.gettext("Use it in every map: set PANTAU_MAPS_BASEMAP={path}", path=path),
        markup=False,
        highlight=False,
    )


@app.command("demo")
def demo_command(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", help="GeoPackage to write (default <data dir>/basemap/demo.gpkg)."
    ),
) -> None:
    """Write the demo base (GSHHG coastline and rivers, towns, approximate kabupaten lines)."""
    from geo.basemap import service

    cli = context(ctx)
    result = service.demo_base(settings=cli.settings, out=out)
    _report(ctx, result.path, result.size_bytes, result.counts)


@app.command("build")
def build_command(
    ctx: typer.Context,
    pbf: Path = typer.Option(
        ...,
        "--pbf",
        help="OpenStreetMap extract (.osm.pbf), e.g. Geofabrik's kalimantan-latest.osm.pbf.",
    ),
    out: Path = typer.Option(Path("basemap.mbtiles"), "--out", help="MBTiles file to write."),
) -> None:
    """Build vector tiles of the province from an OpenStreetMap extract (tilemaker)."""
    from geo.basemap import service

    cli = context(ctx)
    with cli.console.status(cli.t.gettext("Building the base map tiles (tilemaker)...")):
        result = service.osm_base(settings=cli.settings, pbf=pbf, out=out)
    _report(ctx, result.path, result.size_bytes, result.counts)
