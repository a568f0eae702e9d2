"""``pantau reports unlink``, ``merge`` and ``group``: committed changes, in its own database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from geo import migrate
from geo.db import make_engine, session_scope
from geo.reports.config import ReportSettings
from geo.reports.decisions import ReportLinkEvent
from geo.reports.intake import submit
from geo.reports.models import Report
from geo.settings import Settings
from tests.geo.cli.test_reports_cli import run_cli

LIMITS = ReportSettings(near_duplicate_distance_m=200, near_duplicate_hours=48)


@pytest.mark.slow
def test_unlink_merge_and_group_from_the_command_line(
    fresh_database_url: str, settings: Settings
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        now = dt.datetime.now(dt.UTC)
        codes = []
        with session_scope(engine) as session:
            for hours, lat, channel, ticket in (
                (30, -0.42, "hotline", None),
                (20, -0.4205, "hotline", None),
                (10, -0.45, "lapor", "LAPOR-2001"),
            ):
                codes.append(
                    submit(
                        session=session,
                        channel=channel,
                        lat=lat,
                        lon=117.0,
                        reporter_phone="081299990000",
                        reporter_name="Siti Aminah",
                        external_id=ticket,
                        received_at=now - dt.timedelta(hours=hours),
                        settings=settings,
                        report_settings=LIMITS,
                    ).code
                )
        first, near, ticket = codes

        def cli(*args: str) -> tuple[int, str, str]:
            done = run_cli(*args, url=fresh_database_url, settings=settings)
            return done.returncode, done.stdout, done.stderr

        code, out, err = cli("unlink", near, "--reason", "Lokasi berbeda", "--actor", "ani")
        assert code == 0, err
        assert f"{near} tidak lagi ditautkan" in out and first in out
        code, out, err = cli("merge", ticket, "--into", near, "--reason", "Foto sama")
        assert code == 0, err
        assert f"{ticket} digabungkan: kelompok {near} kini berisi 2 laporan" in out
        refused = cli("merge", ticket, "--into", ticket, "--reason", "x")
        assert refused[0] == 2
        assert "[into]" in refused[2] and "dirinya sendiri" in refused[2]
        missing = cli("merge", first, "--into", near)
        assert missing[0] != 0 and "--reason" in missing[2]

        code, out, err = cli("group", ticket)
        assert code == 0, err
        assert f"Kelompok {near}" in out and "Riwayat kelompok" in out
        assert "Tenggat tiap laporan" in out and "tiket sendiri" in out
        assert f"digabungkan ke kelompok {near}" in out and "Foto sama" in out
        assert "Siti" not in out and "0812" not in out
        # The LAPOR! ticket's own verification clock is shown on its own row.
        ticket_rows = [line for line in out.splitlines() if ticket in line]
        assert any("Verifikasi" in line or "verif" in line.lower() for line in ticket_rows), out

        with session_scope(engine) as session:
            ids = dict(session.execute(select(Report.code, Report.id)).all())
            events = session.execute(
                select(ReportLinkEvent.report_id, ReportLinkEvent.event, ReportLinkEvent.actor)
                .where(ReportLinkEvent.actor != "system:dedup")
                .order_by(ReportLinkEvent.id)
            ).all()
        assert [tuple(e) for e in events] == [
            (ids[near], "unlinked", "ani"),
            (ids[ticket], "merged", settings.actor),
        ]
    finally:
        engine.dispose()
