"""Province profiles: loading, validation, and what they change (zone, titles, kabupaten)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from geo.errors import ConfigurationError
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
    assert KABUPATEN == kaltim.kabupaten and len(KABUPATEN) == 10


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
