"""``pantau demo``: the main job on the synthetic demo data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from geo import demo as demo_job
from geo.accounts import DemoUser
from geo.alerts.config import ATTRIBUTION
from geo.cli._common import context
from geo.i18n import Translator
from geo.layers.config import FOREST_FUNCTIONS, PERMIT_CLASSES
from geo.layers.guidance import forest_labels, indicative_note, permit_class_labels
from geo.priority import explain
from geo.settings import Settings


def _pairs(title: str, values: dict[str, object], t: Translator) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    for key, value in values.items():
        shown = t.number(value) if isinstance(value, int | float) else str(value)
        table.add_row(t.gettext(key), shown)
    return table


def _classes(classes: dict[str, int], t: Translator) -> Table:
    """Objects per indicative class (sites, reports and hotspots together)."""
    labels = {**permit_class_labels(t), **forest_labels(t), "-": t.gettext("not classified")}
    table = Table(
        title=t.gettext("Indicative classes (synthetic layers)"),
        caption=indicative_note(t),
    )
    table.add_column(t.gettext("class"))
    table.add_column(t.gettext("objects"), justify="right")
    order = [*PERMIT_CLASSES, *FOREST_FUNCTIONS, "-"]
    for code in sorted(classes, key=lambda c: order.index(c) if c in order else len(order)):
        table.add_row(f"{code} {labels.get(code, '')}", t.number(classes[code]))
    return table


def _heading(settings: Settings, t: Translator, lang: str) -> str:
    profile = settings.province_profile
    return t.gettext(
        "Synthetic demo for {province}; times in {zone} ({timezone}).",
        province=profile.display_name(lang),
        zone=profile.zone_label,
        timezone=profile.timezone,
    )


def demo(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the map and exports (default out/demo[/CODE])."
    ),
    budget: float = typer.Option(20.0, "--budget", help="Patrol solver time in seconds."),
    registry_only: bool = typer.Option(
        False, "--registry-only", help="Load only the sites and bases (fast)."
    ),
    province: str | None = typer.Option(
        None,
        "--province",
        help="Province code or name (64 Kalimantan Timur, 62 Kalimantan Tengah); "
        "default PANTAU_PROVINCE. Use a database of its own.",
    ),
) -> None:
    """Set up the database, run every step on the synthetic demo data and show the results."""
    cli = context(ctx)
    t = cli.t
    console = cli.console
    settings = demo_job.for_province(cli.settings, province) if province else cli.settings
    console.print(_heading(settings, t, cli.language), highlight=False)
    with console.status("Demo...") as status:
        summary = demo_job.run(
            cli.engine(),
            out_dir=out,
            settings=settings,
            full=not registry_only,
            plan_budget_s=budget,
            step=lambda text: status.update(text + "..."),
        )
    s = summary.sites
    console.print(
        t.gettext(
            "Sites: {total} in the file: {created} created, {updated} updated, "
            "{unchanged} unchanged. Bases created: {bases}.",
            total=s.total,
            created=len(s.created),
            updated=len(s.updated),
            unchanged=len(s.unchanged),
            bases=summary.bases_created,
        ),
        highlight=False,
    )
    table = Table(title=t.gettext("PETI sites by regency/city (synthetic demo data)"))
    table.add_column(t.gettext("Regency/city"))
    for col in summary.by_kabupaten.columns:
        table.add_column(str(col), justify="right")
    for kab, counts in summary.by_kabupaten.iterrows():
        table.add_row(str(kab), *(str(int(v)) for v in counts))
    console.print(table)
    _counts(console, summary, t)
    if summary.top_sites is not None:
        top = Table(title=t.gettext("Top priority sites"))
        for col in (
            t.gettext("code"),
            t.gettext("name"),
            t.gettext("score"),
            t.gettext("main reasons"),
        ):
            top.add_column(col)
        for rec in summary.top_sites.to_dict("records"):
            reasons = "; ".join(explain(rec, lang=cli.language)[:3])
            top.add_row(
                str(rec["code"]), str(rec["name"]), t.number(rec["score"], digits=1), reasons
            )
        console.print(top)
    if summary.plan:
        console.print(_pairs(t.gettext("Two-week patrol plan, 4 teams"), summary.plan, t))
    for label, path in summary.outputs.items():
        console.print(f"{t.gettext(label)}: [bold]{path}[/]")
    if summary.console_users:
        _console_users(cli.console, t, summary.console_users)


def _counts(console: Console, summary: demo_job.DemoSummary, t: Translator) -> None:
    """Print the reports, hotspots, indicative classes and satellite alerts of the run."""
    if summary.reports:
        console.print(_pairs(t.gettext("Public reports"), dict(summary.reports), t))
        console.print(_pairs(t.gettext("Candidate hotspots"), dict(summary.hotspots), t))
    if summary.classes:
        console.print(_classes(summary.classes, t))
    if summary.alerts:
        console.print(
            _pairs(t.gettext("Satellite alerts (synthetic demo data)"), dict(summary.alerts), t)
        )
        console.print(t.gettext("Alerts: {attribution}", attribution=ATTRIBUTION), highlight=False)


def _console_users(console: Console, t: Translator, users: list[DemoUser]) -> None:
    """Print the console's address and a demo sign-in per role (development only)."""
    console.print(
        t.gettext("Web console: {url} (start it with: pantau serve)", url="http://127.0.0.1:8000/"),
        highlight=False,
    )
    table = Table(title=t.gettext("Demo sign-ins (development only)"))
    for col in (t.gettext("user"), t.gettext("role"), t.gettext("Password")):
        table.add_column(col)
    for user in users:
        table.add_row(user.username, user.role, user.password)
    console.print(table)
