"""``pantau whatsapp``: the hotline's scheduled step (for cron or a systemd timer).

``show CODE`` prints the conversation a report was made from (never who sent it).
``close-due`` takes in any stored deliveries the API has not processed, closes the drafts whose
idle time or 24-hour cap has passed (each becomes one report, with a receipt sent to its sender)
and deletes raw deliveries older than the retention time.
"""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table
from rich.text import Text

from geo.cli._common import console, current, engine_from_settings
from geo.db import session_scope
from geo.errors import N_, ConfigurationError
from geo.i18n import Translator
from geo.reports.config import local_zone
from geo.whatsapp.graph import GraphClient
from geo.whatsapp.service import (
    ConversationView,
    close_due_conversations,
    conversation_of_report,
    purge_deliveries,
    send_replies,
    status_updates,
)
from geo.whatsapp.worker import run_once

__all__ = ["app"]

app = typer.Typer(help="The WhatsApp hotline.", no_args_is_help=True)


@app.command("close-due")
def close_due(
    purge: bool = typer.Option(True, help="Delete raw deliveries past the retention time."),
) -> None:
    """Close due WhatsApp drafts into reports and send their receipts."""
    settings = current().settings
    if not settings.whatsapp.enabled:
        raise ConfigurationError.of(
            N_(
                "the WhatsApp hotline is off: set PANTAU_WHATSAPP_APP_SECRET, _VERIFY_TOKEN, "
                "_ACCESS_TOKEN and _PHONE_NUMBER_ID"
            ),
            field="whatsapp",
        )
    t = current().t
    engine = engine_from_settings()
    client = GraphClient(settings.whatsapp)
    try:
        messages = run_once(engine=engine, settings=settings, client=client)
        with session_scope(engine) as session:
            out = close_due_conversations(session=session, settings=settings)
            out.replies += status_updates(session=session, settings=settings)
            purged = purge_deliveries(session=session, settings=settings) if purge else 0
        sent = send_replies(out.replies, client=client)
    finally:
        client.close()
        engine.dispose()
    console.print(t.gettext("Messages taken in: {n}", n=t.number(messages)))
    console.print(t.gettext("Reports made: {n}", n=t.number(len(out.reports))))
    console.print(t.gettext("Replies sent: {n}", n=t.number(sent)))
    console.print(t.gettext("Raw deliveries deleted: {n}", n=t.number(purged)))


def _when(value: dt.datetime | None) -> str:
    return (
        ""
        if value is None
        else value.astimezone(local_zone(current().settings)).strftime("%Y-%m-%d %H:%M")
    )


@app.command("show")
def show(code: str = typer.Argument(..., help="Tracking code, e.g. PTM-7K3Q9X.")) -> None:
    """Show the WhatsApp messages a report was made from, in order, with their media."""
    t = current().t
    engine = engine_from_settings()
    try:
        with session_scope(engine) as session:
            view = conversation_of_report(session=session, code=code)
    finally:
        engine.dispose()
    print_conversation(view, t)


def print_conversation(view: ConversationView, t: Translator) -> None:
    """Print a hotline conversation: its span, then each message, its media and its pin."""
    console.print(
        t.gettext(
            "Report {code}: WhatsApp conversation from {start} to {end} ({reason})",
            code=view.code,
            start=_when(view.opened_at),
            end=_when(view.closed_at),
            reason=view.close_reason or "",
        ),
        highlight=False,
        markup=False,
    )
    table = Table()
    for name in (
        t.gettext("sent ({zone})", zone=current().settings.province_profile.zone_label),
        t.gettext("type"),
        t.gettext("text"),
        t.gettext("media"),
        t.gettext("location"),
    ):
        table.add_column(name)
    for m in view.messages:
        media = m.evidence_sha256[:12] if m.evidence_sha256 else (m.media_error or "")
        where = f"{m.lat:.5f}, {m.lon:.5f}" if m.lat is not None and m.lon is not None else ""
        # What citizens wrote is shown as it is, never read as Rich markup.
        table.add_row(_when(m.sent_at), Text(m.kind), Text(m.body or ""), media, where)
    console.print(table)
