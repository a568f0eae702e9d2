"""Use cases of the site registry: every change leaves the stored priorities true."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import registry
from geo.errors import Conflict, ValidationError
from geo.reports import submit
from geo.settings import Settings
from tests.common import site_row


def write_rows(tmp_path: Path, rows: list[dict[str, object]], name: str = "s.geojson") -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).to_file(path, engine="pyogrio")
    return path


def priority_of(session: Session, code: str) -> dict[str, object]:
    row = (
        session.execute(
            text(
                "SELECT p.* FROM site_priority p JOIN sites s ON s.id = p.site_id WHERE s.code = :c"
            ),
            {"c": code},
        )
        .mappings()
        .one()
    )
    return dict(row)


def test_import_scores_every_new_site(session: Session, settings: Settings, tmp_path: Path) -> None:
    rows = [
        site_row("REG-1", geometry=shapely.Point(117.10, -0.30)),
        site_row("REG-2", geometry=shapely.Point(117.20, -0.35), status="active"),
    ]
    result = registry.import_sites(
        settings=settings, session=session, path=write_rows(tmp_path, rows), actor="test"
    )
    assert result.created == ["REG-1", "REG-2"]
    assert priority_of(session, "REG-2")["status"] == "active"
    assert priority_of(session, "REG-1")["independent_reports"] == 0


def test_editing_a_site_rescores_it(session: Session, settings: Settings, tmp_path: Path) -> None:
    registry.import_sites(
        settings=settings,
        session=session,
        actor="test",
        path=write_rows(tmp_path, [site_row("REG-3", geometry=shapely.Point(117.4, -0.3))]),
    )
    before = priority_of(session, "REG-3")
    change = registry.edit_site(
        settings=settings,
        session=session,
        code="REG-3",
        changes={"status": "active"},
        actor="admin",
    )
    after = priority_of(session, "REG-3")
    assert (before["status"], after["status"]) == ("suspected", "active")
    assert after["pts_status"] != before["pts_status"]
    assert change.priority_score == after["score"] and change.priority_rank == after["rank"]
    with pytest.raises(ValidationError, match="names no field"):
        registry.edit_site(settings=settings, session=session, code="REG-3", changes={})


def test_moving_a_site_rescores_the_site_that_lost_reports_and_the_one_that_took_them(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        site_row("MVA-1", geometry=shapely.Point(117.3000, -0.4000)),
        site_row("MVB-1", geometry=shapely.Point(117.3050, -0.4050)),
    ]
    registry.import_sites(
        settings=settings, session=session, path=write_rows(tmp_path, rows), actor="test"
    )
    submit(
        session=session,
        channel="hotline",
        lat=-0.4007,
        lon=117.3002,
        description="alat berat",
        settings=settings,
        report_settings=settings.reports,
    )
    registry.edit_site(  # nothing moved yet: the report's site is scored with it
        settings=settings, session=session, code="MVA-1", changes={"name": "Titik A"}
    )
    assert priority_of(session, "MVA-1")["independent_reports"] == 1
    registry.edit_site(
        settings=settings,
        session=session,
        code="MVA-1",
        changes={"geom": shapely.Point(117.9, -0.9)},
        actor="petugas",
    )
    assert priority_of(session, "MVA-1")["independent_reports"] == 0
    assert priority_of(session, "MVB-1")["independent_reports"] == 1


def test_creating_a_site_scores_it_and_refuses_a_taken_code(
    session: Session, settings: Settings
) -> None:
    fields = {k: v for k, v in site_row("NEWR-1").items() if k != "geometry"}
    change = registry.create_site(
        settings=settings,
        session=session,
        fields=fields,
        geometry=shapely.Point(117.5, -0.2),
        actor="admin",
    )
    assert change.code == "NEWR-1" and change.priority_rank is not None
    assert priority_of(session, "NEWR-1")["score"] == change.priority_score
    with pytest.raises(Conflict):
        registry.create_site(
            settings=settings, session=session, fields=fields, geometry=shapely.Point(117.5, -0.2)
        )
    with pytest.raises(ValidationError, match="status"):
        registry.create_site(
            settings=settings,
            session=session,
            fields={**fields, "code": "NEWR-2", "status": "hilang"},
            geometry=shapely.Point(117.5, -0.2),
        )


def test_export_imports_back_unchanged(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    registry.import_sites(
        settings=settings,
        session=session,
        actor="test",
        path=write_rows(tmp_path, [site_row("EXP-1", geometry=shapely.Point(117.6, -0.1))]),
    )
    out = registry.export_sites(settings=settings, session=session, path=tmp_path / "all.gpkg")
    again = registry.import_sites(settings=settings, session=session, path=out, actor="test")
    assert "EXP-1" in again.unchanged and not again.created and not again.updated
