import pytest

from geo.patrols.config import PatrolSettings, travel_from_settings
from geo.patrols.travel import HaversineTravel, OsrmTravel
from geo.settings import Settings


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_PATROLS_DETOUR", "1.6")
    monkeypatch.setenv("PANTAU_PATROLS_SPEEDS_KMH", '{"car": 50, "boat": 20}')
    cfg = Settings(_env_file=None).patrols
    travel = travel_from_settings(cfg)
    assert isinstance(travel, HaversineTravel)
    assert travel.detour == 1.6 and travel.speeds_kmh == {"car": 50.0, "boat": 20.0}


def test_osrm_url_selects_osrm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_PATROLS_OSRM_URL", "http://127.0.0.1:5000")
    travel = travel_from_settings(Settings(_env_file=None).patrols)
    assert isinstance(travel, OsrmTravel) and travel.base_url == "http://127.0.0.1:5000"


def test_detour_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="detour"):
        PatrolSettings(detour=0.8)
