import pytest

from geo.patrols.config import PatrolSettings, travel_from_settings
from geo.patrols.travel import HaversineTravel, OsrmTravel


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_PATROL_DETOUR", "1.6")
    monkeypatch.setenv("PANTAU_PATROL_SPEEDS_KMH", '{"car": 50, "boat": 20}')
    cfg = PatrolSettings()
    travel = travel_from_settings(cfg)
    assert isinstance(travel, HaversineTravel)
    assert travel.detour == 1.6 and travel.speeds_kmh == {"car": 50.0, "boat": 20.0}


def test_osrm_url_selects_osrm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_PATROL_OSRM_URL", "http://127.0.0.1:5000")
    travel = travel_from_settings(PatrolSettings())
    assert isinstance(travel, OsrmTravel) and travel.base_url == "http://127.0.0.1:5000"


def test_detour_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="detour"):
        PatrolSettings(detour=0.8)
