"""Overnight places and teams kept in the registry (``geo.bases``, ``geo.patrols.teams``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from geo.bases import Place, add_place, import_places, list_places, remove_place
from geo.errors import Conflict, InputFileError, NotFound, ValidationError
from geo.patrols.teams import TeamRecord, add_team, import_teams, list_teams, teams_from_registry

DATA = Path(__file__).resolve().parents[3] / "data"


def test_places_add_list_remove(session: Session) -> None:
    add_place(session, Place("OFF-1", "Kantor", "office", 117.1, -0.5, "Samarinda"))
    add_place(session, Place("KMP-1", "Kamp", "camp", 115.9, -0.2, approximate=True))
    kinds = {p.code: (p.kind, p.approximate) for p in list_places(session)}
    assert kinds == {"OFF-1": ("office", False), "KMP-1": ("camp", True)}
    with pytest.raises(Conflict):
        add_place(session, Place("KMP-1", "Again", "village", 115.9, -0.2))
    with pytest.raises(ValidationError) as bad:
        add_place(session, Place("X", "Far", "village", 10.0, 50.0))
    assert bad.value.field == "lon"
    with pytest.raises(ValidationError) as bad:
        add_place(session, Place("Y", "Hut", "hotel", 115.9, -0.2))
    assert bad.value.field == "kind"
    add_team(session, TeamRecord("TIM-9", "OFF-1", max_days_away=3))
    with pytest.raises(Conflict):
        remove_place(session, "OFF-1")
    assert remove_place(session, "KMP-1") == "camp"
    with pytest.raises(NotFound):
        remove_place(session, "KMP-1")


def test_demo_places_and_teams_file(session: Session) -> None:
    created, _ = import_places(session, DATA / "overnight_places.geojson")
    places = list_places(session)
    assert created == len(places) >= 8 and all(p.approximate for p in places)
    assert {"MLK", "LIR", "LBG", "TRG"} <= {p.code for p in places}
    with pytest.raises(InputFileError):
        import_teams(session, DATA / "teams.csv")  # the offices are not there yet
    for code, lon, lat in (("TGR", 116.98, -0.42), ("SMD", 117.13, -0.48), ("SGT", 117.5, 0.5)):
        add_place(session, Place(code, code, "office", lon, lat, "Kaltim"))
    add_place(session, Place("TGG", "TGG", "office", 116.19, -1.91, "Paser"))
    assert import_teams(session, DATA / "teams.csv") == (4, 0)
    teams = teams_from_registry(session)
    assert [t.max_days_away for t in teams] == [5, 5, 5, 5]
    assert teams[0].base.code == "TGR" and teams[0].shift == ("07:30", "16:30")
    assert [r.code for r in list_teams(session)] == ["TIM-1", "TIM-2", "TIM-3", "TIM-4"]
