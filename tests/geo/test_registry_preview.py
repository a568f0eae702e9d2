"""The registry's console use cases: the import preview, its stale check, the list and overview."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import registry, sites
from geo.errors import Conflict, InputFileError, NotFound, ValidationError
from geo.i18n import translator
from geo.settings import Settings
from tests.common import site_row


def write_rows(tmp_path: Path, rows: list[dict[str, object]], name: str = "p.geojson") -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).to_file(path, engine="pyogrio")
    return path


def audit_rows(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM site_audit")).scalar_one())


@pytest.fixture
def two_sites(session: Session, settings: Settings, tmp_path: Path) -> None:
    rows = [
        site_row("PRV-1", geometry=shapely.Point(117.10, -0.30)),
        site_row("PRV-2", geometry=shapely.Point(117.20, -0.35)),
    ]
    registry.import_sites(
        settings=settings, session=session, path=write_rows(tmp_path, rows, "a.geojson")
    )


def test_preview_says_what_would_change_and_writes_nothing(
    session: Session, settings: Settings, tmp_path: Path, two_sites: None
) -> None:
    rows = [
        site_row("PRV-1", geometry=shapely.Point(117.10, -0.30)),
        site_row("PRV-2", geometry=shapely.Point(117.25, -0.35), status="active"),
        site_row("PRV-3", geometry=shapely.Point(117.30, -0.40)),
    ]
    before = audit_rows(session)
    preview = registry.preview_import(
        settings=settings, session=session, path=write_rows(tmp_path, rows)
    )
    assert preview.ok
    assert preview.created == ["PRV-3"]
    assert preview.changed == {"PRV-2": ["geom", "status"]}
    assert preview.unchanged == ["PRV-1"]
    assert audit_rows(session) == before
    with pytest.raises(NotFound, match="PRV-3"):
        sites.get(session, "PRV-3")


def test_preview_lists_each_bad_row_with_its_field_in_the_readers_language(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        site_row("PRV-4", geometry=shapely.Point(117.1, -0.3), commodity="uranium"),
        site_row("PRV-4", geometry=shapely.Point(117.2, -0.3)),
        site_row("PRV-5", geometry=shapely.Point(150.0, 20.0), name=None),
    ]
    preview = registry.preview_import(
        settings=settings, session=session, path=write_rows(tmp_path, rows)
    )
    assert not preview.ok
    found = [(p.row, p.code, p.field) for p in preview.problems]
    assert found == [
        (1, "PRV-4", "commodity"),
        (2, "PRV-4", "code"),
        (3, "PRV-5", "name"),
        (3, "PRV-5", "geometry"),
    ]
    indonesian = translator("id")
    assert "seharusnya salah satu dari" in preview.problems[0].error.localized(indonesian)
    assert "muncul dua kali" in preview.problems[1].error.localized(indonesian)


def test_import_refuses_a_stale_preview_and_writes_nothing(
    session: Session, settings: Settings, tmp_path: Path, two_sites: None
) -> None:
    path = write_rows(
        tmp_path, [site_row("PRV-2", geometry=shapely.Point(117.2, -0.35), status="active")]
    )
    seen = registry.preview_import(settings=settings, session=session, path=path)
    registry.edit_site(
        settings=settings, session=session, code="PRV-2", changes={"status": "active"}
    )
    before = audit_rows(session)
    with pytest.raises(Conflict) as refused:
        registry.import_sites(
            settings=settings, session=session, path=path, expected=seen.fingerprint
        )
    assert refused.value.field == "file"
    assert audit_rows(session) == before
    fresh = registry.preview_import(settings=settings, session=session, path=path)
    done = registry.import_sites(
        settings=settings, session=session, path=path, expected=fresh.fingerprint, actor="uji"
    )
    assert done.unchanged == ["PRV-2"]


def test_preview_of_an_unreadable_file(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "rusak.geojson"
    path.write_text("{ not json")
    with pytest.raises(InputFileError):
        registry.preview_import(settings=settings, session=session, path=path)


def test_edit_errors_carry_their_field_and_translate(
    session: Session, settings: Settings, two_sites: None
) -> None:
    with pytest.raises(ValidationError) as bad:
        registry.edit_site(
            settings=settings, session=session, code="PRV-1", changes={"risk_level": "extreme"}
        )
    assert bad.value.field == "risk_level"
    assert "seharusnya salah satu dari" in bad.value.localized(translator("id"))
    with pytest.raises(ValidationError) as far:
        registry.edit_site(
            settings=settings,
            session=session,
            code="PRV-1",
            changes={"geom": shapely.Point(150.0, 20.0)},
        )
    assert far.value.field == "geom"


def test_list_filters_and_overview(session: Session, two_sites: None) -> None:
    found = registry.list_sites(session=session, filters=registry.SiteFilters(search="prv-"))
    assert {r["code"] for r in found.rows} == {"PRV-1", "PRV-2"}
    assert found.total == 2 and found.pages == 1
    paged = registry.list_sites(
        session=session, filters=registry.SiteFilters(search="PRV"), page=2, page_size=1
    )
    assert len(paged.rows) == 1 and paged.pages == 2
    none = registry.list_sites(session=session, filters=registry.SiteFilters(search="10%_x"))
    assert none.total == 0  # % and _ are literal characters, not patterns
    with pytest.raises(ValidationError):
        registry.list_sites(session=session, filters=registry.SiteFilters(status="meledak"))
    view = registry.site_overview(session=session, code="prv-1")
    assert view.site["code"] == "PRV-1" and view.geometry["type"] == "Point"
    assert view.report_count == 0 and view.inspections == []
    assert [h["action"] for h in view.history] == ["create"]
