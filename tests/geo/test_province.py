"""Province profiles: loading, validation, and what they change (zone, titles, kabupaten)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geo.errors import ConfigurationError, Conflict
from geo.province import Province, available_provinces, load_province
from geo.reports.config import LOCAL_TIMEZONE, local_zone, zone_label
from geo.settings import Settings
from geo.vocab import KABUPATEN


def test_shipped_profiles_load_and_validate() -> None:
    profiles = {p.code: p for p in available_provinces()}
    assert set(profiles) == {"62", "64"}
    kaltim, kalteng = profiles["64"], profiles["62"]
    assert (kaltim.name, kaltim.zone_label, kaltim.timezone) == (
        "Kalimantan Timur",
        "WITA",
        "Asia/Makassar",
    )
    assert (kalteng.name, kalteng.zone_label, kalteng.timezone) == (
        "Kalimantan Tengah",
        "WIB",
        "Asia/Jakarta",
    )
    # 13 kabupaten and the city of Palangka Raya.
    assert len(kalteng.kabupaten) == 14 and "Palangka Raya" in kalteng.kabupaten
    assert len(set(kalteng.kabupaten)) == 14
    assert kaltim.kabupaten == KABUPATEN and len(KABUPATEN) == 10


@pytest.mark.parametrize("key", ["62", 62, "Kalimantan Tengah", " kalimantan tengah ", "Kalteng"])
def test_a_province_is_found_by_code_or_name(key: str | int) -> None:
    assert load_province(key).code == "62"


@pytest.mark.parametrize("key", ["99", "Atlantis", "", "6"])
def test_an_unknown_province_is_a_clear_error_naming_the_field(key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_province(key)
    assert caught.value.field == "province"
    assert "62 (Kalimantan Tengah)" in str(caught.value)
    assert repr(key) in str(caught.value)


def test_the_setting_accepts_a_code_or_a_name_and_refuses_an_unknown_one() -> None:
    assert Settings(province="Kalimantan Tengah", _env_file=None).province == "62"
    assert Settings(_env_file=None).province == "64"
    with pytest.raises(ConfigurationError) as caught:
        Settings(province="Papua Tengah", _env_file=None)
    assert caught.value.field == "province"


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_PROVINCE", "kalteng")
    settings = Settings(_env_file=None)
    assert settings.province == "62"
    assert settings.province_profile.name == "Kalimantan Tengah"


def test_the_area_of_interest_follows_the_province_unless_set() -> None:
    assert Settings(_env_file=None).aoi_bbox == (113.5, -3.0, 119.5, 2.8)  # as before
    assert Settings(province="62", _env_file=None).aoi_bbox == (110.5, -3.8, 115.9, 1.0)
    own = Settings(province="62", aoi_bbox=(111.0, -3.0, 115.0, 0.5), _env_file=None)
    assert own.aoi_bbox == (111.0, -3.0, 115.0, 0.5)


def test_times_are_shown_in_the_provinces_zone() -> None:
    assert LOCAL_TIMEZONE == "Asia/Makassar"  # the default province's, for old callers
    kalteng = Settings(province="62", _env_file=None)
    moment = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)
    assert moment.astimezone(local_zone(kalteng)).isoformat() == "2026-11-01T10:00:00+07:00"
    assert zone_label(kalteng) == "WIB"
    assert zone_label(Settings(_env_file=None)) == "WITA"
    assert moment.astimezone(local_zone(Settings(_env_file=None))).utcoffset() == dt.timedelta(
        hours=8
    )


def test_titles_name_the_province_in_the_readers_language() -> None:
    kalteng, kaltim = load_province("62"), load_province("64")
    assert kalteng.map_title("id") == "Peta Pemantauan PETI Kalimantan Tengah"
    assert kalteng.map_title("en") == "Illegal Mining (PETI) Monitoring Map, Central Kalimantan"
    # The Kaltim titles are what they were before profiles.
    assert kaltim.map_title("id") == "Peta Pemantauan PETI Kalimantan Timur"
    assert kaltim.map_source("id") == "Registri Pantau Tambang, Dinas ESDM Kaltim"


def _write(tmp_path: Path, **changes: object) -> Path:
    profile = json.loads(Path("data/provinces/62.json").read_text(encoding="utf-8"))
    profile.update(changes)
    (tmp_path / "62.json").write_text(json.dumps(profile), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"timezone": "Asia/Makassar"}, "is not WIB"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"zone_label": "CET"}, "zone_label"),
        ({"kabupaten": []}, "kabupaten"),
        ({"aoi_bbox": [115.9, -3.8, 110.5, 1.0]}, "aoi_bbox"),
        ({"code": "6"}, "code"),
    ],
)
def test_a_bad_profile_is_refused_with_what_is_wrong(
    tmp_path: Path, changes: dict[str, object], problem: str
) -> None:
    folder = _write(tmp_path, **changes)
    with pytest.raises(ConfigurationError) as caught:
        load_province("62", directory=folder)
    assert caught.value.field == "province"
    assert problem in str(caught.value)


def test_a_profile_is_a_frozen_model() -> None:
    profile = load_province("64")
    assert isinstance(profile, Province)
    with pytest.raises(ValueError, match="frozen"):
        profile.name = "Kalimantan Barat"  # type: ignore[misc]


@pytest.mark.slow
def test_the_second_provinces_demo_builds_into_a_fresh_database(
    fresh_database_url: str, tmp_path: Path
) -> None:
    """``pantau demo --province "Kalimantan Tengah"``: its own sites, titles, zone and clocks."""
    import csv
    import os
    import subprocess
    import sys

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from geo.db import make_engine
    from geo.models import FieldBase, Site
    from geo.reports.models import Report

    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": fresh_database_url,
        "PANTAU_DATA_DIR": str(tmp_path / "var"),
        "COLUMNS": "200",
    }
    env.pop("PANTAU_PROVINCE", None)
    result = subprocess.run(
        [sys.executable, "-m", "geo.cli", "demo", "--province", "Kalimantan Tengah"]
        + ["--budget", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Kalimantan Tengah" in result.stdout and "WIB (Asia/Jakarta)" in result.stdout
    assert "30 dibuat" in result.stdout
    # The files were generated at demo time into the data folder, times written in WIB.
    files = tmp_path / "var" / "demo" / "62"
    with (files / "demo_reports.csv").open(encoding="utf-8") as handle:
        times = [row["received_at"] for row in csv.DictReader(handle)]
    assert times and all(t.endswith("+07:00") for t in times)
    # Its own titles: the offline map and the briefing name the province.
    out = tmp_path / "out" / "demo" / "62"
    page = (out / "peta-offline.html").read_text(encoding="utf-8")
    assert "Peta Pemantauan PETI Kalimantan Tengah" in page
    assert "Kalimantan Timur" not in page
    assert (out / "briefing.pdf").read_bytes().startswith(b"%PDF")
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        kabupaten = set(session.scalars(select(Site.kabupaten)))
        assert session.scalar(select(func.count()).select_from(Site)) == 30
        assert kabupaten <= set(load_province("62").kabupaten)
        assert session.scalar(select(func.count()).select_from(FieldBase)) == 4
        assert (session.scalar(select(func.count()).select_from(Report)) or 0) > 300
    engine.dispose()
    # Reports are shown in WIB: the CLI list of a Kalteng deployment says so and shows +07:00
    # local times (the stored UTC instant, moved by seven hours).
    listing = subprocess.run(
        [sys.executable, "-m", "geo.cli", "reports", "list", "--limit", "3"],
        env={**env, "PANTAU_PROVINCE": "62"},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert listing.returncode == 0, listing.stderr
    assert "(WIB)" in listing.stdout and "(WITA)" not in listing.stdout
    again = subprocess.run(
        [sys.executable, "-m", "geo.cli", "demo", "--registry-only"],
        env={**env, "PANTAU_PROVINCE": "62"},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr  # the same province again: idempotent
    assert "0 dibuat" in again.stdout


def test_a_provinces_demo_is_not_mixed_into_another_provinces_database(
    fresh_database_url: str, tmp_path: Path
) -> None:
    from geo import demo
    from geo.db import make_engine
    from tests.common import TEST_SECRET_KEY

    settings = Settings(
        secret_key=TEST_SECRET_KEY, data_dir=tmp_path / "var", environment="test", _env_file=None
    )
    engine = make_engine(fresh_database_url)
    try:
        assert demo.run(engine, settings=settings, full=False).sites.total == 108  # Kaltim
        kalteng = demo.for_province(settings, "62")
        assert kalteng.aoi_bbox == load_province("62").aoi_bbox
        with pytest.raises(Conflict) as caught:
            demo.run(engine, settings=kalteng, full=False)
        assert caught.value.field == "province"
        assert "Kalimantan Tengah" in str(caught.value)
        # Its files were still written, deterministically, into the data folder.
        assert (tmp_path / "var" / "demo" / "62" / "sites.geojson").is_file()
    finally:
        engine.dispose()


def test_the_map_page_is_titled_with_the_settings_province(engine: Engine) -> None:
    from geo.maps import MapOptions
    from geo.maps.service import for_province, map_page

    kalteng = Settings(province="62", _env_file=None)
    page = map_page(settings=kalteng, engine=engine, options=MapOptions(layers=["sites"]))
    assert "Peta Pemantauan PETI Kalimantan Tengah" in page.html
    assert "Dinas ESDM Kalteng" in page.html
    # A title the caller chose is kept.
    mine = for_province(MapOptions(title="Peta saya"), load_province("62"))
    assert (
        mine.title == "Peta saya" and mine.source == "Registri Pantau Tambang, Dinas ESDM Kalteng"
    )


def test_the_public_view_names_the_settings_province_and_agency(engine: Engine) -> None:
    from geo.maps import MapOptions
    from geo.maps.service import map_page

    kalteng = Settings(province="62", _env_file=None)
    page = map_page(settings=kalteng, engine=engine, options=MapOptions(share=True)).html
    assert "Kalimantan Tengah" in page and "Dinas ESDM Kalteng" in page
    assert "Kalimantan Timur" not in page and "Kaltim" not in page
    english = map_page(settings=kalteng, engine=engine, options=MapOptions(share=True, lang="en"))
    assert "Central Kalimantan" in english.html


def test_pages_and_collections_carry_the_provinces_agency(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests.common import TEST_SECRET_KEY

    kalteng = Settings(
        province="62",
        environment="test",
        secret_key=TEST_SECRET_KEY,
        data_dir=tmp_path,
        _env_file=None,
    )
    with TestClient(create_app(kalteng)) as client:
        for path in ("/", "/lapor"):
            html = client.get(path).text
            assert "Dinas ESDM Provinsi Kalimantan Tengah" in html, path
            assert "Kalimantan Timur" not in html, path
        terms = client.get("/ogc/license").json()
    assert terms["attribution"] == "Dinas ESDM Provinsi Kalimantan Tengah"
    assert "Dinas ESDM Provinsi Kalimantan Tengah" in terms["license"]


def test_complaint_clocks_count_the_provinces_days() -> None:
    from geo.calendar import WorkingCalendar
    from geo.reports.clocks import deadline

    # 16:30 UTC on Sunday 2026-03-08: 23:30 Sunday in WIB, 00:30 Monday in WITA.
    start = dt.datetime(2026, 3, 8, 16, 30, tzinfo=dt.UTC)
    calendar = WorkingCalendar()
    wib = deadline(
        start, amount=1, unit="working_days", calendar=calendar, zone=load_province("62").zone
    )
    wita = deadline(start, amount=1, unit="working_days", calendar=calendar)
    # Same national calendar, each province's days: one working day after a Sunday ends with
    # Monday (in WIB), one after a Monday ends with Tuesday (in WITA).
    assert wib.isoformat() == "2026-03-10T00:00:00+07:00"
    assert wita.isoformat() == "2026-03-11T00:00:00+08:00"
