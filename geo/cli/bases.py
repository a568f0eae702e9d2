"""``pantau bases``: the offices teams start from and the places they may sleep on expeditions."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from geo.bases import KINDS, Place, add_place, import_places, list_places, remove_place
from geo.cli._common import console, current, engine_from_settings
from geo.db import session_scope
from geo.labels import place_kind

_KINDS = ", ".join(KINDS)

app = typer.Typer(
    help="Offices, villages, camps and forward bases for patrols and expeditions.",
    no_args_is_help=True,
)


@app.command("list")
def list_(
    kind: str | None = typer.Option(None, "--kind", help=f"Only one kind: {_KINDS}."),
) -> None:
    """Show the offices and overnight places with their kind and location."""
    t = current().t
    table = Table(
        t.gettext("Code"),
        t.gettext("Name"),
        t.gettext("Kind"),
        t.gettext("Kabupaten"),
        t.gettext("Longitude"),
        t.gettext("Latitude"),
        t.gettext("Note"),
    )
    with session_scope(engine_from_settings()) as session:
        places = list_places(session, kind=kind)
    for p in places:
        table.add_row(
            p.code,
            p.name,
            place_kind(t, p.kind),
            p.kabupaten,
            f"{p.lon:.4f}",
            f"{p.lat:.4f}",
            t.gettext("approximate location") if p.approximate else "",
        )
    console.print(table)


@app.command()
def add(
    code: str = typer.Argument(..., help="Short unique code, e.g. MLK."),
    name: str = typer.Option(..., "--name", help="Name people know the place by."),
    lon: float = typer.Option(..., "--lon", help="Longitude (WGS 84)."),
    lat: float = typer.Option(..., "--lat", help="Latitude (WGS 84)."),
    kind: str = typer.Option("village", "--kind", help=f"One of {_KINDS}."),
    kabupaten: str = typer.Option("", "--kabupaten", help="Regency (required for an office)."),
    address: str = typer.Option("", "--address", help="Street address of an office."),
    approximate: bool = typer.Option(False, "--approximate", help="The location is rough."),
    notes: str = typer.Option("", "--notes", help="Who to contact, what to bring."),
) -> None:
    """Add an office (``--kind office``) or a village, camp or forward base to sleep at."""
    run = current()
    place = Place(code, name, kind, lon, lat, kabupaten, address, approximate, notes)
    with session_scope(engine_from_settings()) as session:
        add_place(session, place, settings=run.settings)
    console.print(run.t.gettext("Added {code} ({kind}).", code=code, kind=place_kind(run.t, kind)))


@app.command()
def remove(code: str = typer.Argument(..., help="Code of the office or place.")) -> None:
    """Remove an office (no team may be based there) or an overnight place."""
    t = current().t
    with session_scope(engine_from_settings()) as session:
        kind = remove_place(session, code)
    console.print(t.gettext("Removed {code} ({kind}).", code=code, kind=place_kind(t, kind)))


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="GeoJSON/GeoPackage of overnight places."),
) -> None:
    """Create or update overnight places from a file (code, name, kind, point)."""
    run = current()
    with session_scope(engine_from_settings()) as session:
        created, updated = import_places(session, path, settings=run.settings)
    console.print(
        run.t.gettext("{created} created, {updated} updated", created=created, updated=updated)
    )
