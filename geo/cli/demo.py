"""``pantau demo``: the main job on the synthetic demo data."""

from __future__ import annotations

from rich.table import Table

from geo import demo as demo_job
from geo.cli._common import console, engine_from_settings
from geo.settings import get_settings


def demo() -> None:
    """Set up the database, load the synthetic demo data and show what is there."""
    engine = engine_from_settings()
    with console.status("Loading the demo registry..."):
        summary = demo_job.run(engine, settings=get_settings())
    s = summary.sites
    console.print(
        f"Sites: [bold]{s.total}[/] in the file: {len(s.created)} created, "
        f"{len(s.updated)} updated, {len(s.unchanged)} unchanged. "
        f"Bases created: {summary.bases_created}."
    )
    table = Table(title="Lokasi PETI per kabupaten/kota (data demo sintetis)")
    table.add_column("Kabupaten/Kota")
    for col in summary.by_kabupaten.columns:
        table.add_column(str(col), justify="right")
    for kab, row in summary.by_kabupaten.iterrows():
        table.add_row(str(kab), *(str(int(v)) for v in row))
    console.print(table)
    for label, path in summary.outputs.items():
        console.print(f"{label}: {path}")
