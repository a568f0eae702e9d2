"""``pantau whatsapp close-due`` in a subprocess, against its own database and a Graph stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from geo import migrate
from geo.db import make_engine, session_scope
from geo.reports.models import Report
from geo.settings import Settings
from geo.whatsapp import process_deliveries, receive_delivery
from geo.whatsapp.graph import GraphClient
from tests.geo.whatsapp.conftest import hotline
from tests.geo.whatsapp.fakes import (
    ACCESS_TOKEN,
    APP_SECRET,
    BUDI,
    PHONE_NUMBER_ID,
    T0,
    VERIFY_TOKEN,
    delivery,
    graph_stand_in,
    location,
    text,
)

ROOT = Path(__file__).resolve().parents[3]


def _run(url: str, settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "whatsapp", "close-due"],
        env={
            **os.environ,
            "PANTAU_DATABASE_URL": url,
            "PANTAU_SECRET_KEY": settings.secret_key,
            "PANTAU_DATA_DIR": str(settings.data_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_close_due_makes_the_report_and_sends_the_receipt(
    fresh_database_url: str, settings: Settings
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        body = json.dumps(delivery(text("wamid.cli1", "Tambang pasir di Desa Sebulu"))).encode()
        with session_scope(engine) as session:  # stored by the webhook, not yet processed
            receive_delivery(session=session, body=body, settings=settings)
        off = _run(fresh_database_url, settings)
        assert off.returncode == 2 and "PANTAU_WHATSAPP_APP_SECRET" in off.stderr
        with graph_stand_in() as graph:
            done = _run(
                fresh_database_url,
                settings,
                PANTAU_WHATSAPP_APP_SECRET=APP_SECRET,
                PANTAU_WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
                PANTAU_WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN,
                PANTAU_WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
                PANTAU_WHATSAPP_GRAPH_URL=graph.graph_url,
            )
        assert done.returncode == 0, done.stderr
        assert "Laporan yang dibuat: 1" in done.stdout
        with session_scope(engine) as session:
            code = session.scalars(select(Report.code)).one()
            assert session.scalar(select(func.count()).select_from(Report)) == 1
        assert [m["to"] for m in graph.sent] == [BUDI[0]]
        assert code in graph.sent[0]["text"]["body"]
    finally:
        engine.dispose()


def test_show_prints_the_conversation_without_the_sender(
    fresh_database_url: str, settings: Settings
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        with graph_stand_in() as graph, session_scope(engine) as session:
            wsettings = settings.model_copy(update={"whatsapp": hotline(graph.graph_url)})
            client = GraphClient(wsettings.whatsapp)
            body = delivery(
                text("wamid.sh1", "Ada [bold]tambang[/bold] emas", T0),
                location("wamid.sh2", -0.42, 117.0, T0 + 1),
                text("wamid.sh3", "selesai", T0 + 2),
            )
            receive_delivery(session=session, body=json.dumps(body).encode(), settings=wsettings)
            out = process_deliveries(session=session, client=client, settings=wsettings)
            client.close()
        shown = subprocess.run(
            [sys.executable, "-m", "geo.cli", "whatsapp", "show", out.reports[0]],
            env={
                **os.environ,
                "PANTAU_DATABASE_URL": fresh_database_url,
                "PANTAU_SECRET_KEY": settings.secret_key,
                "COLUMNS": "200",
            },
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert shown.returncode == 0, shown.stderr
        assert "Ada [bold]tambang[/bold] emas" in shown.stdout
        assert "-0.42000, 117.00000" in shown.stdout and "closing_word" in shown.stdout
        assert BUDI[0] not in shown.stdout and BUDI[1] not in shown.stdout
        # The report's own page shows the conversation it came from, in Indonesian.
        report = subprocess.run(
            [sys.executable, "-m", "geo.cli", "reports", "show", out.reports[0]],
            env={
                **os.environ,
                "PANTAU_DATABASE_URL": fresh_database_url,
                "PANTAU_SECRET_KEY": settings.secret_key,
                "COLUMNS": "200",
            },
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert report.returncode == 0, report.stderr
        assert "Riwayat" in report.stdout and "Tenggat" in report.stdout
        assert "Ada [bold]tambang[/bold] emas" in report.stdout
        assert BUDI[0] not in report.stdout and BUDI[1] not in report.stdout
        missing = subprocess.run(
            [sys.executable, "-m", "geo.cli", "whatsapp", "show", "PTM-ZZZZZZ"],
            env={**os.environ, "PANTAU_DATABASE_URL": fresh_database_url},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert missing.returncode == 2 and "PTM-ZZZZZZ" in missing.stderr
    finally:
        engine.dispose()
