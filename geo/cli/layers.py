"""``pantau layers ...``: import permit and land-status layers, list them, classify, show.

Thin over :mod:`geo.layers.service`; every line a person reads comes from the catalogue in
``PANTAU_LANGUAGE`` (Indonesian by default).
"""

from __future__ import annotations

import datetime as dt

import typer
from rich.markup import escape
from rich.table import Table

from geo.cli._common import console, engine_from_settings
from geo.db import session_scope
from geo.errors import N_, ValidationError
from geo.i18n import Translator, translator
from geo.layers import service
from geo.layers.classify import ClassifySummary
from geo.layers.config import PERMIT_CLASSES
from geo.layers.guidance import forest_labels, permit_class_labels
from geo.settings import get_settings

__all__ = ["app"]

_NOT_A_DAY = N_("{field} must be a date as YYYY-MM-DD, got {value}")

app = typer.Typer(
    help="Mining permit (WIUP), forest estate and moratorium layers; indicative classes.",
    no_args_is_help=True,
)


def _date(text: str | None, option: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise ValidationError.of(_NOT_A_DAY, field=option, value=text) from None


def _print_classes(t: Translator, s: ClassifySummary) -> None:
    labels = {**permit_class_labels(t), **forest_labels(t)}
    console.print(
        t.gettext(
            "{n} objects classified (indicative) on {date}, tolerance {tol} m",
            n=s.classified,
            date=t.date(s.evaluated_on),
            tol=t.number(s.tolerance_m),
        )
    )
    for code, count in s.by_class.items():
        console.print(f"  {code:<24} {count:>6}  {escape(labels.get(code, ''))}")
    if s.patches_by_class:
        patches = sum(n for c, n in s.patches_by_class.items() if c in (*PERMIT_CLASSES, "-"))
        console.print(t.gettext("{n} alert patches re-classified", n=patches))
    if s.priorities_refreshed:
        console.print(
            t.gettext("{n} site priorities recomputed", n=t.number(s.priorities_refreshed))
        )


@app.command("import")
def import_command(
    kind: str = typer.Argument(..., help="wiup, kawasan_hutan or pippib."),
    source: str = typer.Argument(..., help="GeoJSON, GPKG, zipped Shapefile or ArcGIS query URL."),
    date: str | None = typer.Option(None, "--date", help="Date of the layer (default today)."),
    allow_unknown_codes: bool = typer.Option(
        False, "--allow-unknown-codes", help="Keep forest polygons whose FUNGSIKWS is unmapped."
    ),
    classify: bool = typer.Option(True, "--classify/--no-classify", help="Re-classify after."),
) -> None:
    """Import a layer as a new dated snapshot (the newest is the one classification uses)."""
    settings = get_settings()
    t = translator(settings.language)
    with session_scope(engine_from_settings()) as session:
        result = service.import_layer(
            session=session,
            kind=kind,
            path=source,
            actor=settings.actor,
            settings=settings,
            snapshot_date=_date(date, "--date"),
            allow_unknown_codes=allow_unknown_codes,
            reclassify=classify,
        )
    s = result.snapshot
    console.print(
        t.gettext(
            "Snapshot {id} of {kind} from {source} dated {date}: {n} polygons, {skipped} rows "
            "without geometry skipped",
            id=s.snapshot_id,
            kind=s.kind,
            source=escape(s.source),
            date=t.date(s.snapshot_date),
            n=s.features,
            skipped=s.skipped,
        )
    )
    for code, count in sorted(s.unknown_codes.items()):
        console.print(t.gettext("unmapped FUNGSIKWS code {code}: {n} polygons", code=code, n=count))
    if result.classification is not None:
        _print_classes(t, result.classification)


@app.command("list")
def list_command(kind: str | None = typer.Option(None, "--kind", help="Only this kind.")) -> None:
    """List the stored snapshots, newest first; * marks the ones classification uses."""
    t = translator(get_settings().language)
    with session_scope(engine_from_settings()) as session:
        rows = service.list_snapshots(session=session, kind=kind)
    table = Table("", "id", "kind", t.gettext("date"), t.gettext("polygons"), "source", "by")
    for r in rows:
        table.add_row(
            "*" if r.newest else "",
            str(r.id),
            r.kind,
            r.snapshot_date.isoformat(),
            str(r.feature_count),
            escape(r.source),
            escape(r.imported_by),
        )
    console.print(table)


@app.command("classify")
def classify_command(
    on: str | None = typer.Option(None, "--on", help="Evaluate permit dates on this day."),
    tolerance: float | None = typer.Option(None, "--tolerance", help="Metres (default 50)."),
) -> None:
    """Classify every site, report and hotspot by the newest layers (indicative)."""
    settings = get_settings()
    if tolerance is not None:
        layers = settings.layers.model_copy(update={"tolerance_m": tolerance})
        settings = settings.model_copy(update={"layers": layers})
    with session_scope(engine_from_settings()) as session:
        summary = service.classify(session=session, settings=settings, on=_date(on, "--on"))
    _print_classes(translator(settings.language), summary)


@app.command("show")
def show_command(
    code: str = typer.Argument(..., help="Site code (or report/hotspot code with --kind)."),
    kind: str = typer.Option("site", "--kind", help="site, report or hotspot."),
) -> None:
    """Show the indicative class of one site with its evidence and guidance."""
    settings = get_settings()
    with session_scope(engine_from_settings()) as session:
        view = service.classification_of(
            session=session, object_kind=kind, code=code, language=settings.language
        )
    print_classification(translator(settings.language), view)


def print_classification(t: Translator, v: service.ClassificationView) -> None:
    """Print one indicative class: permit class, forest flags, authority, snapshot, guidance.

    ``pantau layers show``, ``pantau sites show`` and ``pantau reports show`` print it.
    """
    title = t.gettext("Indicative class")
    console.print(f"[bold]{escape(v.object_code)}[/] — {escape(title)}")
    if v.permit_class:
        share = t.percent(v.permit_share or 0)
        console.print(f"  {v.permit_class}: {escape(v.permit_label or '')} ({share})")
    dates = [
        t.gettext("permits {date}", date=t.date(v.wiup_snapshot_date))
        if v.wiup_snapshot_date
        else None,
        t.gettext("forest estate {date}", date=t.date(v.forest_snapshot_date))
        if v.forest_snapshot_date
        else None,
    ]
    shown = [d for d in dates if d]
    if shown:
        console.print("  " + escape(t.gettext("Layers: {dates}", dates="; ".join(shown))))
    for flag, label in zip(v.forest_flags, v.forest_labels, strict=True):
        console.print(f"  {flag}: {escape(label)} ({t.percent(v.forest_shares.get(flag, 0))})")
    if v.authority:
        console.print(f"  {v.authority}: {escape(v.authority_label or '')}")
    for line in v.guidance:
        console.print(f"  - {escape(line)}")


def print_class_of(t: Translator, view: service.ClassificationView | None) -> None:
    """Print ``view``, or that the object has no indicative class yet."""
    if view is None:
        console.print(
            escape(t.gettext("No indicative class yet: import the layers (pantau layers import)."))
        )
    else:
        print_classification(t, view)


@app.command("codes")
def codes_command() -> None:
    """List the FUNGSIKWS code → forest function table the forest import uses."""
    t = translator(get_settings().language)
    labels = forest_labels(t)
    with session_scope(engine_from_settings()) as session:
        codes = service.forest_codes(session=session)
    for code, function in codes.items():
        console.print(f"{code:<8} {function:<24} {escape(labels.get(function, ''))}")


@app.command("set-code")
def set_code_command(
    code: str = typer.Argument(..., help="FUNGSIKWS value as the forest layer writes it."),
    function: str = typer.Argument(..., help="KONSERVASI, HUTAN_LINDUNG, ..., APL."),
    note: str | None = typer.Option(None, "--note", help="Why (source legend, letter)."),
) -> None:
    """Add or change one FUNGSIKWS code of the mapping table (import the layer again after)."""
    t = translator(get_settings().language)
    with session_scope(engine_from_settings()) as session:
        key = service.set_forest_code(session=session, code=code, function=function, note=note)
    console.print(t.gettext("FUNGSIKWS {code} now means {function}", code=key, function=function))
