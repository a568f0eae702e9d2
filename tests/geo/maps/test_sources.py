"""The overview map and ``pantau map`` from a real PostGIS database with the demo registry."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from geo import demo
from geo.cli import app
from geo.db import make_engine
from geo.maps import MapOptions, Period, map_info, overview, service, write_outputs
from geo.maps.sources import load_all, load_overdue
from geo.matching import match_reports
from geo.priority import compute_priority
from geo.reports import import_file
from geo.settings import Settings, get_settings

from .conftest import REPORTER_NAMES, REPORTER_PHONES, map_settings

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def map_engine(
    fresh_database_url_module: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url_module)
    demo.run(engine, settings=Settings(database={"url": fresh_database_url_module}), full=False)
    path = tmp_path_factory.mktemp("reports") / "reports.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "external_id",
                "channel",
                "received_at",
                "description",
                "lat",
                "lon",
                "location_source",
                "confidentiality",
                "reporter_name",
                "reporter_phone",
            ]
        )
        for i in range(24):
            writer.writerow(
                [
                    f"T-{i}",
                    "hotline",
                    (NOW - dt.timedelta(days=3 * i + 1)).isoformat(),
                    f"<img src=x onerror=alert({i})> alat berat {i}",
                    -0.58 + 0.0005 * (i % 4),
                    117.095 + 0.0005 * (i % 3),
                    "device_gps",
                    "rahasia" if i % 4 == 0 else "anonim",
                    REPORTER_NAMES[i % 2],
                    REPORTER_PHONES[i % 2],
                ]
            )
    import_file(engine=engine, path=path, progress=False, now=NOW)
    with Session(engine) as session, session.begin():
        match_reports(session=session)
        compute_priority(session=session, as_of=NOW)
    yield engine
    engine.dispose()


def test_load_all_brings_every_library_layer(map_engine: Engine) -> None:
    data = load_all(map_engine, period=Period(dt.date(2025, 11, 21), NOW.date()))
    assert len(data.sites) == 108 and data.demo
    assert data.sites["priority"].notna().all()
    # Score inputs, so that each map words the reasons in its own language.
    assert all(isinstance(r, dict) and "pts_reports" in r for r in data.sites["priority_reasons"])
    assert data.reports is not None and len(data.reports) == 24
    assert "reporter_name" not in data.reports.columns
    assert data.routes is None  # no patrol plan saved in this database
    assert data.bases is not None and len(data.bases) >= 4


def test_overview_counts(map_engine: Engine) -> None:
    options = MapOptions(period=Period(dt.date(2025, 11, 21), NOW.date()), offline=True)
    m = overview(map_engine, options, settings=map_settings())
    counts = map_info(m).counts
    assert counts["sites"] == 108
    assert counts["reports"] == 18  # the 6 rahasia reports are not drawn
    site_cards = [c for c in m.get_root().render().split('"_card"')[1:] if "Jumlah laporan" in c]
    assert site_cards


def test_reasons_follow_the_map_language(map_engine: Engine) -> None:
    period = Period(dt.date(2025, 11, 21), NOW.date())
    reasons = {
        lang: map_info(
            overview(map_engine, MapOptions(period=period, lang=lang), settings=map_settings())
        ).sites["priority_reasons"]
        for lang in ("id", "en")
    }
    indonesian = " ".join(" ".join(r) for r in reasons["id"])
    english = " ".join(" ".join(r) for r in reasons["en"])
    assert "hari sejak pemeriksaan" in indonesian and "days since" not in indonesian
    assert "days since inspection" in english and "hari sejak" not in english
    assert [len(r) for r in reasons["id"]] == [len(r) for r in reasons["en"]]


def test_overdue_table_carries_confidentiality(map_engine: Engine) -> None:
    frame = load_overdue(map_engine, now=NOW)
    assert {"code", "clock", "due", "days_overdue", "confidentiality"} <= set(frame.columns)
    assert len(frame) > 0 and frame["confidentiality"].isin(["rahasia", "anonim"]).all()


@pytest.mark.browser
def test_pantau_map_command(
    map_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PANTAU_DATABASE_URL", map_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            [
                "map",
                "--offline",
                "--lang",
                "en",
                "--period",
                "2025-11-21..2026-11-20",
                "--layers",
                "sites,reports,bases",
                "--out",
                str(tmp_path / "m.html"),
                "--pdf",
                str(tmp_path / "b.pdf"),
                "--png",
                str(tmp_path / "m.png"),
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "sites=108" in result.output and "reports=18" in result.output
    html = (tmp_path / "m.html").read_text()
    pdf = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "b.pdf").pages)
    assert "Top sites by priority" in pdf
    for secret in (*REPORTER_NAMES, *REPORTER_PHONES):
        assert secret not in html and secret not in pdf
    assert (tmp_path / "m.png").stat().st_size > 10_000


def test_pantau_map_rejects_bad_options(
    map_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.cli import main

    monkeypatch.setenv("PANTAU_DATABASE_URL", map_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["map", "--layers", "sites,volcanoes"])
    finally:
        get_settings.cache_clear()
    assert exit_info.value.code == 2


@pytest.mark.browser
def test_write_outputs_for_the_demo(map_engine: Engine, tmp_path: Path) -> None:
    paths = write_outputs(map_engine, tmp_path / "demo", settings=map_settings(), png=False)
    assert set(paths) == {"Peta offline", "Briefing PDF"}
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in paths.values())
    assert len(PdfReader(paths["Briefing PDF"]).pages) == 2


def _settings(engine: Engine) -> Settings:
    return Settings(database={"url": engine.url.render_as_string(hide_password=False)})


def test_map_page_use_case_counts_what_it_draws(map_engine: Engine) -> None:
    period = Period(dt.date(2025, 11, 21), NOW.date())
    options = MapOptions(period=period, layers=["sites", "reports"], lang="en")
    page = service.map_page(settings=_settings(map_engine), engine=map_engine, options=options)
    assert page.counts == {"sites": 108, "reports": 18}
    assert page.lang == "en" and "PETI sites" in page.html and "Lokasi PETI" not in page.html
    for secret in (*REPORTER_NAMES, *REPORTER_PHONES):
        assert secret not in page.html


def test_map_page_takes_its_settings_from_the_caller(
    map_engine: Engine, tmp_path: Path
) -> None:
    """The injected settings are the ones used: a wrong assets folder fails the offline map."""
    from geo.errors import ConfigurationError

    settings = _settings(map_engine)
    settings.maps.assets_dir = tmp_path  # no node_modules here
    with pytest.raises(ConfigurationError, match="npm ci"):
        service.map_page(settings=settings, engine=map_engine, options=MapOptions(offline=True))


@pytest.mark.browser
def test_briefing_file_use_case_is_a_pdf_in_the_asked_language(map_engine: Engine) -> None:
    period = Period(dt.date(2025, 11, 21), NOW.date())
    options = MapOptions(period=period, layers=["sites", "bases"], lang="id")
    result = service.briefing_file(
        settings=_settings(map_engine), engine=map_engine, options=options, fmt="pdf"
    )
    assert result.media_type == "application/pdf" and result.content.startswith(b"%PDF")
    assert result.counts["sites"] == 108 and result.filename == "briefing.pdf"
    from io import BytesIO

    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(result.content)).pages)
    assert "Lokasi prioritas tertinggi" in text and "Top sites" not in text
