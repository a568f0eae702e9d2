"""``pantau reports``: import report files, list reports (overdue first), show one report.

Identity is never printed here: the CLI uses the ``analyst`` view of the redaction gate.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from geo import labels
from geo.calendar import list_days_off, national_holidays
from geo.cli._common import console, current, engine_from_settings
from geo.cli.layers import print_class_of
from geo.cli.whatsapp import print_conversation
from geo.db import session_scope
from geo.errors import NotFound
from geo.i18n import Translator
from geo.layers import service as layers
from geo.reports import service
from geo.reports.clocks import load_rules, update_rule
from geo.reports.config import local_zone
from geo.reports.export import export_reports
from geo.reports.grouping import EVENT_LABELS, GroupEntry, ReportGroup
from geo.reports.models import ClockRule
from geo.reports.query import list_reports, show
from geo.settings import get_settings
from geo.whatsapp.service import conversation_of_report

__all__ = ["app"]

app = typer.Typer(help="Public reports: import, list, show, change status.", no_args_is_help=True)


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        # Shown in the province's zone (WIB, WITA or WIT, from its profile).
        return value.astimezone(local_zone(current().settings)).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _zone_label() -> str:
    """Return the province's zone as people name it (WIB, WITA or WIT)."""
    return current().settings.province_profile.zone_label


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="CSV, GeoJSON or SP4N-LAPOR! export CSV."),
    format: str = typer.Option("auto", "--format", help="auto, csv, geojson or lapor."),
    channel: str | None = typer.Option(None, help="Channel for rows without one."),
    on_error: str = typer.Option(
        "abort", help="abort: any bad row stops the import; skip: import the good rows."
    ),
    batch_size: int | None = typer.Option(None, help="Rows per transaction."),
    actor: str | None = typer.Option(None, help="Who is importing (for the history)."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Import reports from FILE; rerunning the same file adds nothing."""
    if format not in ("auto", "csv", "geojson", "lapor"):
        raise typer.BadParameter(f"expected auto, csv, geojson or lapor, got {format!r}")
    if on_error not in ("abort", "skip"):
        raise typer.BadParameter(f"expected abort or skip, got {on_error!r}")
    summary = service.import_reports(
        settings=get_settings(),
        engine=engine_from_settings(),
        path=file,
        format=format,  # type: ignore[arg-type]  # checked above
        channel=channel,
        on_error=on_error,  # type: ignore[arg-type]  # checked above
        batch_size=batch_size,
        actor=actor,
        progress=progress,
    )
    table = Table(title=f"Imported {file.name} ({summary.format})")
    for name in ("rows", "new", "duplicates", "near duplicates", "flagged", "rejected"):
        table.add_column(name, justify="right")
    table.add_row(
        str(summary.rows),
        str(summary.inserted),
        str(summary.duplicates),
        str(summary.near_duplicates),
        str(summary.flagged),
        str(len(summary.rejected)),
    )
    console.print(table)
    for error in summary.rejected[:20]:
        console.print(f"[yellow]skipped[/] {error}", highlight=False, markup=False)
    t = current().t
    for column, like in summary.unknown_columns:
        warning = (
            t.gettext(
                "column {column!r} is not read by the import; did you mean {like!r}?",
                column=column,
                like=like,
            )
            if like
            else t.gettext("column {column!r} is not read by the import", column=column)
        )
        console.print(t.gettext("Warning: {what}", what=warning), highlight=False, markup=False)


@app.command("export")
def export_(
    file: Path = typer.Argument(..., help="laporan.xlsx, .csv, .geojson or .gpkg."),
    role: str = typer.Option(
        "analyst", help="Whose view: partner, field_team, analyst, operator or admin."
    ),
    status: str | None = typer.Option(None, help="Only reports in this status."),
    since: str | None = typer.Option(None, help="Only reports received since (YYYY-MM-DD)."),
) -> None:
    """Export reports for spreadsheets or GIS as ROLE may see them (identity: operators only)."""
    run = current()
    with session_scope(engine_from_settings()) as session:
        summary = export_reports(
            session=session,
            path=file,
            role=role,
            settings=run.settings,
            status=status,
            since=since,
        )
    console.print(
        run.t.gettext(
            "{rows} report(s) written to {path}",
            rows=run.t.number(summary.rows),
            path=str(summary.path),
        ),
        highlight=False,
    )


@app.command("list")
def list_(
    overdue: bool = typer.Option(False, "--overdue", help="Only reports with an overdue clock."),
    due_soon: bool = typer.Option(False, "--due-soon", help="Only reports with a clock due soon."),
    status: str | None = typer.Option(None, help="Only reports in this status."),
    limit: int = typer.Option(50, help="At most this many rows."),
) -> None:
    """List reports, newest first; with --overdue/--due-soon the most urgent first."""
    with session_scope(engine_from_settings()) as session:
        rows = list_reports(
            session=session,
            status=status,
            overdue=overdue,
            due_soon=due_soon,
            limit=limit,
            settings=current().settings,
        )
    clocks = overdue or due_soon
    table = Table(title=f"{len(rows)} reports" + (" with a clock running late" if clocks else ""))
    zone = current().settings.province_profile.zone_label
    for name in ("code", f"received ({zone})", "channel", "status", "activity", "flags"):
        table.add_column(name)
    if clocks:
        table.add_column("clock")
        table.add_column(f"due ({zone})")
        table.add_column("state")
    for row in rows:
        cells = [
            row["code"],
            _when(row["received_at"]),
            row["channel"],
            row["status"] + (" (dup)" if row["duplicate_of_id"] else ""),
            row["activity"],
            ",".join(row["flags"] or []),
        ]
        if clocks:
            cells += [row["clock"], _when(row["due_at"]), row["clock_state"]]
        table.add_row(*cells)
    console.print(table)


@app.command("show")
def show_(code: str = typer.Argument(..., help="Tracking code, e.g. PTM-7K3Q9X.")) -> None:
    """Show one report: its fields, history, evidence, clocks, and the hotline conversation."""
    t = current().t
    with session_scope(engine_from_settings()) as session:
        report = show(session=session, code=code, settings=current().settings)
        conversation = _conversation(session, report["code"])
        views = layers.classifications_of(
            session=session,
            object_kind="report",
            codes=[report["code"]],
            language=current().language,
        )
    console.print(_fields_table(t, report))
    hist = Table(title=t.gettext("History"))
    for name in (
        t.gettext("at ({zone})", zone=current().settings.province_profile.zone_label),
        t.gettext("from"),
        t.gettext("to"),
        t.gettext("by"),
        t.gettext("reason"),
    ):
        hist.add_column(name)
    for h in report["history"]:
        hist.add_row(
            _when(h["at"]),
            labels.report_status(t, h["from_status"]) if h["from_status"] else "",
            labels.report_status(t, h["to_status"]),
            h["actor"],
            Text(h["reason"] or ""),
        )
    console.print(hist)
    if report["evidence"]:
        console.print(_evidence_table(t, report["evidence"]))
    console.print(_clocks_table(t, report["clocks"]))
    print_class_of(t, views.get(str(report["code"]).upper()))
    if conversation is not None:
        print_conversation(conversation, t)


def _conversation(session: Any, code: str) -> Any:
    """Return the WhatsApp conversation the report came from, or None."""
    try:
        return conversation_of_report(session=session, code=code)
    except NotFound:
        return None


def _fields_table(t: Translator, report: dict[str, Any]) -> Table:
    table = Table(title=t.gettext("Report {code}", code=report["code"]), show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    skip = {"history", "evidence", "clocks", "id"}
    for key, value in report.items():
        if key in skip or value is None or value == []:
            continue
        shown = _when(value) if isinstance(value, dt.datetime) else str(value)
        table.add_row(key, Text(shown))  # citizens' text is never read as markup
    return table


def _evidence_table(t: Translator, evidence: list[dict[str, Any]]) -> Table:
    ev = Table(title=t.gettext("Evidence"))
    for name in (
        "sha256",
        t.gettext("type"),
        t.gettext("bytes"),
        t.gettext("EXIF position"),
        t.gettext("EXIF time"),
    ):
        ev.add_column(name)
    for e in evidence:
        where = "" if e["exif_lat"] is None else f"{e['exif_lat']:.5f}, {e['exif_lon']:.5f}"
        ev.add_row(
            e["sha256"][:16] + "…",
            e["mime"],
            t.number(e["size_bytes"]),
            where,
            _when(e["exif_time"]),
        )
    return ev


def _clocks_table(t: Translator, clocks: list[dict[str, Any]]) -> Table:
    table = Table(title=t.gettext("Clocks"))
    for name in (
        t.gettext("rule"),
        t.gettext("started ({zone})", zone=current().settings.province_profile.zone_label),
        t.gettext("due ({zone})", zone=current().settings.province_profile.zone_label),
        t.gettext("state"),
        t.gettext("days left"),
    ):
        table.add_column(name)
    for c in clocks:
        table.add_row(
            labels.clock_rule(t, c["rule"]),
            _when(c["started_at"]),
            _when(c["due_at"]),
            labels.clock_state(t, c["state"]),
            str(c["days_left"]),
        )
    return table


@app.command("status")
def status_(
    code: str = typer.Argument(..., help="Tracking code."),
    to: str = typer.Argument(..., help="New status (verified, rejected, assigned, ...)."),
    actor: str = typer.Option(..., help="Who makes the change."),
    resolution: str | None = typer.Option(None, help="Reason code for rejected or closed."),
    reason: str | None = typer.Option(None, help="Free-text note for the history."),
) -> None:
    """Move a report to another status (recorded in its history)."""
    with session_scope(engine_from_settings()) as session:
        change = service.change_status(
            settings=get_settings(),
            session=session,
            code=code,
            to=to,
            actor=actor,
            resolution=resolution,
            reason=reason,
        )
    console.print(f"{change.code}: [bold]{change.status}[/]")


@app.command("clocks")
def clocks_(
    name: str | None = typer.Argument(None, help="Rule to change (verify, follow_up, ...)."),
    amount: int | None = typer.Option(None, help="New length of the clock."),
    unit: str | None = typer.Option(None, help="working_days or calendar_days."),
    due_soon_days: int | None = typer.Option(None, help="Warn this many days before."),
    actor: str = typer.Option("cli", help="Who changes the rule."),
) -> None:
    """Show the complaint clock rules and the working-day calendar, or change a rule."""
    t = current().t
    with session_scope(engine_from_settings()) as session:
        if name is not None:
            update_rule(
                session=session,
                name=name,
                actor=actor,
                amount=amount,
                unit=unit,
                due_soon_days=due_soon_days,
            )
        table = _clock_table(t, load_rules(session=session))
        days_off = list_days_off(session=session, year=dt.date.today().year)
    console.print(table)
    console.print(_calendar_note(t, dt.date.today().year, len(days_off)), highlight=False)


def _clock_table(t: Translator, rules: list[ClockRule]) -> Table:
    units = {"working_days": t.gettext("working days"), "calendar_days": t.gettext("calendar days")}
    table = Table(title=t.gettext("Complaint clocks"))
    for column in (
        t.gettext("rule"),
        t.gettext("length"),
        t.gettext("unit"),
        t.gettext("starts at"),
        t.gettext("stops at"),
        t.gettext("warn"),
        t.gettext("basis"),
    ):
        table.add_column(column)
    for rule in rules:
        table.add_row(
            rule.name,
            str(rule.amount),
            units.get(rule.unit, rule.unit),
            labels.report_status(t, rule.start_status),
            ", ".join(labels.report_status(t, s) for s in rule.stop_statuses),
            t.gettext("{n} day(s) before", n=rule.due_soon_days),
            rule.legal_basis or "",
        )
    return table


def _calendar_note(t: Translator, year: int, days_off: int) -> str:
    weekdays = sum(1 for d in national_holidays(year) if d.weekday() < 5)
    return t.gettext(
        "Working days skip Saturdays, Sundays, {holidays} national holidays and joint leave "
        "days (cuti bersama) on weekdays in {year}, and {days_off} day(s) off the agency "
        "added: see `pantau calendar list`.",
        holidays=weekdays,
        year=year,
        days_off=days_off,
    )


@app.command("unlink")
def unlink_(
    code: str = typer.Argument(..., help="Tracking code of the wrongly linked report."),
    reason: str = typer.Option(..., "--reason", help="Why it is not a duplicate (audited)."),
    actor: str | None = typer.Option(None, help="Who makes the change (PANTAU_ACTOR by default)."),
) -> None:
    """Take a wrongly linked near duplicate out of its group; it is never linked back to it."""
    run = current()
    with session_scope(engine_from_settings()) as session:
        change = service.unlink_duplicate(
            settings=run.settings, session=session, code=code, reason=reason, actor=actor
        )
    console.print(
        run.t.gettext(
            "{code} is no longer linked; its former group ({n} report(s)) starts with {root}.",
            code=change.code,
            n=len(change.members),
            root=change.root or "",
        ),
        highlight=False,
        markup=False,
    )


@app.command("merge")
def merge_(
    code: str = typer.Argument(..., help="Tracking code of the missed duplicate."),
    into: str = typer.Option(..., "--into", help="Tracking code of a report of the group."),
    reason: str = typer.Option(..., "--reason", help="Why it is a duplicate (audited)."),
    actor: str | None = typer.Option(None, help="Who makes the change (PANTAU_ACTOR by default)."),
) -> None:
    """Link a missed duplicate (with its own group) into the group of another report."""
    run = current()
    with session_scope(engine_from_settings()) as session:
        change = service.merge_duplicate(
            settings=run.settings,
            session=session,
            code=code,
            into=into,
            reason=reason,
            actor=actor,
        )
    console.print(
        run.t.gettext(
            "{code} merged: the group of {root} now has {n} report(s).",
            code=change.code,
            n=len(change.members),
            root=change.root or "",
        ),
        highlight=False,
        markup=False,
    )


@app.command("group")
def group_(
    code: str = typer.Argument(..., help="Tracking code of any report of the group."),
) -> None:
    """Show a report's group of linked reports: members, each one's clocks, and the history."""
    run = current()
    with session_scope(engine_from_settings()) as session:
        group = service.report_group(settings=run.settings, session=session, code=code)
    t = run.t
    console.print(_members_table(t, group))
    console.print(_group_clocks_table(t, group))
    console.print(_group_history_table(t, group.history))


def _members_table(t: Translator, group: ReportGroup) -> Table:
    table = Table(title=t.gettext("Group of {root}", root=group.root))
    for name in (
        t.gettext("code"),
        t.gettext("channel"),
        t.gettext("status"),
        t.gettext("received ({zone})", zone=_zone_label()),
        t.gettext("link"),
        t.gettext("own ticket"),
        t.gettext("same evidence as"),
    ):
        table.add_column(name)
    for m in group.members:
        link = t.gettext("first report") if m.is_root else _rule_label(t, m.duplicate_rule)
        table.add_row(
            m.code,
            labels.channel(t, m.channel),
            labels.report_status(t, m.status),
            _when(m.received_at),
            link,
            t.gettext("yes") if m.own_ticket else t.gettext("no"),
            ", ".join(m.same_evidence),
        )
    return table


def _rule_label(t: Translator, rule: str | None) -> str:
    if rule == "manual":
        return t.gettext("merged by hand")
    if rule == "near":
        return t.gettext("near duplicate")
    return rule or ""


def _group_clocks_table(t: Translator, group: ReportGroup) -> Table:
    table = Table(title=t.gettext("Clocks of each report"))
    for name in (
        t.gettext("code"),
        t.gettext("rule"),
        t.gettext("due ({zone})", zone=_zone_label()),
        t.gettext("state"),
        t.gettext("days left"),
    ):
        table.add_column(name)
    for m in group.members:
        if not m.clocks:
            table.add_row(m.code, t.gettext("follows the first report's clocks"), "", "", "")
        for c in m.clocks:
            table.add_row(
                m.code,
                labels.clock_rule(t, c.rule),
                _when(c.due_at),
                labels.clock_state(t, c.state),
                str(c.days_left),
            )
    return table


def _group_history_table(t: Translator, history: tuple[GroupEntry, ...]) -> Table:
    table = Table(title=t.gettext("History of the group"))
    for name in (
        t.gettext("at ({zone})", zone=_zone_label()),
        t.gettext("code"),
        t.gettext("what"),
        t.gettext("by"),
        t.gettext("reason"),
    ):
        table.add_column(name)
    for e in history:
        if e.kind == "status":
            before = labels.report_status(t, e.from_status) if e.from_status else ""
            after = labels.report_status(t, e.to_status or "")
            what = f"{before} → {after}" if before else after
        else:
            what = t.gettext(EVENT_LABELS[e.event or "linked"], other=e.other or "?")
        table.add_row(_when(e.at), e.code, what, e.actor, Text(e.reason or ""))
    return table
