"""The map use cases (geo.maps.service) and their CLI adapter ``pantau map``, on PostGIS."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from geo.cli import app
from geo.errors import ConfigurationError
from geo.maps import MapOptions, Period, service, write_outputs
from geo.settings import Settings, get_settings

from .conftest import NOW, REPORTER_NAMES, REPORTER_PHONES, map_settings

PERIOD = Period(dt.date(2025, 11, 21), NOW.date())


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
    assert set(paths) == {"Offline map", "Briefing PDF"}  # catalogue entries, shown translated
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in paths.values())
    assert len(PdfReader(paths["Briefing PDF"]).pages) >= 2  # map and summary, then details


def _settings(engine: Engine) -> Settings:
    return Settings(database={"url": engine.url.render_as_string(hide_password=False)})


def test_map_page_use_case_counts_what_it_draws(map_engine: Engine) -> None:
    options = MapOptions(period=PERIOD, layers=["sites", "reports"], lang="en")
    page = service.map_page(settings=_settings(map_engine), engine=map_engine, options=options)
    assert page.counts == {"sites": 108, "reports": 18}
    assert page.lang == "en" and "PETI sites" in page.html and "Lokasi PETI" not in page.html
    for secret in (*REPORTER_NAMES, *REPORTER_PHONES):
        assert secret not in page.html


def test_map_page_takes_its_settings_from_the_caller(map_engine: Engine, tmp_path: Path) -> None:
    """The injected settings are the ones used: a wrong assets folder fails the offline map."""
    settings = _settings(map_engine)
    settings.maps.assets_dir = tmp_path  # no node_modules here
    with pytest.raises(ConfigurationError, match="npm ci"):
        service.map_page(settings=settings, engine=map_engine, options=MapOptions(offline=True))


@pytest.mark.browser
def test_briefing_file_use_case_is_a_pdf_in_the_asked_language(map_engine: Engine) -> None:
    options = MapOptions(period=PERIOD, layers=["sites", "bases"], lang="id")
    result = service.briefing_file(
        settings=_settings(map_engine), engine=map_engine, options=options, fmt="pdf"
    )
    assert result.media_type == "application/pdf" and result.content.startswith(b"%PDF")
    assert result.counts["sites"] == 108 and result.filename == "briefing.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(result.content)).pages)
    assert "Lokasi prioritas tertinggi" in text and "Top sites" not in text


def test_map_files_writes_the_page_and_counts_without_a_browser(
    map_engine: Engine, tmp_path: Path
) -> None:
    options = MapOptions(period=PERIOD, layers=["sites", "reports", "hotspots"], share=True)
    files = service.map_files(
        settings=_settings(map_engine),
        engine=map_engine,
        options=options,
        out=tmp_path / "peta.html",
    )
    assert files.html.is_file() and files.png is None and files.pdf is None
    assert files.counts["sites"] == 108 and files.lang == "id" and not files.offline
    html = files.html.read_text(encoding="utf-8")
    assert "Laporan (jumlah per lokasi)" in html  # shared: counts, not points
    assert not any("PTM-" in line for line in html.splitlines() if '"title":["PTM' in line)
