"""``pantau demo``: the main job on the synthetic demo data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from geo import demo as demo_job
from geo.cli._common import context
from geo.priority import explain


def _pairs(title: str, values: dict[str, object]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    for key, value in values.items():
        table.add_row(key, str(value))
    return table


def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for the map and exports."),
    budget: float = typer.Option(20.0, "--budget", help="Patrol solver time in seconds."),
    registry_only: bool = typer.Option(
        False, "--registry-only", help="Load only the sites and bases (fast)."
    ),
) -> None:
    """Set up the database, run every step on the synthetic demo data and show the results."""
    cli = context(ctx)
    console = cli.console
    with console.status("Demo...") as status:
        summary = demo_job.run(
            cli.engine(),
            out_dir=out,
            settings=cli.settings,
            full=not registry_only,
            plan_budget_s=budget,
            step=lambda text: status.update(text + "..."),
        )
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
    for kab, counts in summary.by_kabupaten.iterrows():
        table.add_row(str(kab), *(str(int(v)) for v in counts))
    console.print(table)
    if summary.reports:
        console.print(_pairs("Laporan masyarakat (reports)", dict(summary.reports)))
        console.print(_pairs("Hotspot kandidat (new candidate hotspots)", dict(summary.hotspots)))
    if summary.top_sites is not None:
        top = Table(title="Prioritas tertinggi (top priority sites)")
        for col in ("kode", "nama", "skor", "alasan utama"):
            top.add_column(col)
        for rec in summary.top_sites.to_dict("records"):
            reasons = "; ".join(explain(rec, lang=cli.language)[:3])
            top.add_row(str(rec["code"]), str(rec["name"]), f"{rec['score']:.1f}", reasons)
        console.print(top)
    if summary.plan:
        console.print(_pairs("Rencana patroli 2 minggu, 4 tim (patrol plan)", summary.plan))
    for label, path in summary.outputs.items():
        console.print(f"{label}: [bold]{path}[/]")
