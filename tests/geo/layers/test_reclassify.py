"""A use case that creates or moves an object classifies it in its own transaction.

A site created or moved, a report submitted or imported, hotspots rebuilt: each gets its class
(and a site its ``pts_permit``/``pts_forest``) before the caller commits; without any layer
snapshot nothing is classified and nothing fails.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo import migrate, registry
from geo.db import make_engine
from geo.hotspots.service import cluster_hotspots, promote_hotspot
from geo.layers import service
from geo.reports.editing import edit
from geo.reports.queue import drain
from geo.reports.service import import_reports, submit_report
from geo.settings import Settings
from tests.common import site_row
from tests.geo.layers.conftest import FOREST_FEATURES, WIUP_FEATURES, write_geojson
from tests.geo.test_hotspots import add_reports, blob, hotspot_of

ON = dt.date(2026, 11, 1)
INSIDE_OP_AND_HL = shapely.Point(117.002, 0.005)  # P_OP (coal, production) and protection forest
OUTSIDE = shapely.Point(117.3, 0.3)


def _layers(session: Session, settings: Settings, tmp_path: Path) -> None:
    for kind, features in (("wiup", WIUP_FEATURES), ("kawasan_hutan", FOREST_FEATURES)):
        service.import_layer(
            session=session,
            kind=kind,
            path=write_geojson(tmp_path / f"{kind}.geojson", features),
            actor="t",
            settings=settings,
            snapshot_date=ON,
        )


def _site_state(session: Session, code: str) -> Any:
    return session.execute(
        text(
            "SELECT lc.permit_class, lc.forest_flags, p.pts_permit, p.pts_forest "
            "FROM sites s LEFT JOIN layer_classifications lc "
            "  ON lc.object_kind = 'site' AND lc.object_id = s.id "
            "LEFT JOIN site_priority p ON p.site_id = s.id WHERE s.code = :c"
        ),
        {"c": code},
    ).one()


def _report_class(session: Session, report_id: int) -> Any:
    return session.execute(
        text(
            "SELECT permit_class, forest_flags FROM layer_classifications "
            "WHERE object_kind = 'report' AND object_id = :i"
        ),
        {"i": report_id},
    ).one_or_none()


def test_a_site_moved_into_a_permit_changes_class_and_priority(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    _layers(session, settings, tmp_path)
    fields = {k: v for k, v in site_row("RCL-1").items() if k != "geometry"}
    registry.create_site(
        settings=settings, session=session, fields=fields, geometry=OUTSIDE, actor="t"
    )
    before = _site_state(session, "RCL-1")
    w = settings.priority
    assert before.permit_class == "LUAR_WIUP" and list(before.forest_flags) == []
    assert before.pts_permit == w.w_permit * w.permit_factors["LUAR_WIUP"]
    registry.edit_site(
        settings=settings,
        session=session,
        code="RCL-1",
        changes={"geom": INSIDE_OP_AND_HL},
        actor="t",
    )
    after = _site_state(session, "RCL-1")  # same transaction: nothing committed in between
    assert after.permit_class == "WIUP_OP" and list(after.forest_flags) == ["HUTAN_LINDUNG"]
    assert after.pts_permit == w.w_permit * w.permit_factors["WIUP_OP"]
    assert after.pts_forest == w.w_forest * w.forest_factors["HUTAN_LINDUNG"]
    assert after.pts_permit != before.pts_permit


def test_a_new_report_in_a_forest_gets_its_flag_at_once(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    _layers(session, settings, tmp_path)
    others = session.scalar(text("SELECT count(*) FROM layer_classifications"))
    result = submit_report(
        settings=settings,
        session=session,
        fields={"lat": 0.005, "lon": 117.002, "activity": "excavator"},
        actor=None,
        public=True,
    )
    row = _report_class(session, result.id)
    assert row is not None and list(row.forest_flags) == ["HUTAN_LINDUNG"]
    assert row.permit_class == "WIUP_OP"
    # Only the new report's row was written: the others were left as they were.
    assert session.scalar(text("SELECT count(*) FROM layer_classifications")) == others + 1


def test_a_report_moved_by_staff_is_classified_again(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    _layers(session, settings, tmp_path)
    result = submit_report(
        settings=settings,
        session=session,
        fields={"lat": 0.3, "lon": 117.3, "activity": "excavator"},
        actor=None,
        public=True,
    )
    assert _report_class(session, result.id).permit_class == "LUAR_WIUP"
    changed = edit(
        session=session, code=result.code, actor="ani", lat=0.005, lon=117.002, settings=settings
    )
    assert "lat" in changed
    row = _report_class(session, result.id)
    assert row.permit_class == "WIUP_OP" and list(row.forest_flags) == ["HUTAN_LINDUNG"]


def test_clustered_and_promoted_hotspots_are_classified(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    _layers(session, settings, tmp_path)
    pts = add_reports(
        session, [{**r, "reporter": f"r{i}"} for i, r in enumerate(blob(117.005, 0.005, 5))]
    )
    cluster_hotspots(settings=settings, session=session, eps_m=200, min_reports=3)
    (hid,) = hotspot_of(session, pts)
    assert hid is not None
    row = session.execute(
        text(
            "SELECT permit_class, forest_flags FROM layer_classifications "
            "WHERE object_kind = 'hotspot' AND object_id = :i"
        ),
        {"i": hid},
    ).one()
    assert row.permit_class == "WIUP_OP" and list(row.forest_flags) == ["HUTAN_LINDUNG"]
    promoted = promote_hotspot(
        settings=settings, session=session, hotspot=hid, actor="t", kabupaten="Kutai Kartanegara"
    )
    assert _site_state(session, promoted.site_code).permit_class == "WIUP_OP"


def test_without_layers_nothing_is_classified_and_nothing_fails(
    session: Session, settings: Settings
) -> None:
    for table in ("layer_classifications", "layer_features", "layer_snapshots"):
        session.execute(text(f"DELETE FROM {table}"))  # rolled back after the test
    fields = {k: v for k, v in site_row("RCL-2").items() if k != "geometry"}
    change = registry.create_site(
        settings=settings, session=session, fields=fields, geometry=OUTSIDE, actor="t"
    )
    assert change.priority_rank is not None
    result = submit_report(
        settings=settings,
        session=session,
        fields={"lat": 0.005, "lon": 117.002, "activity": "excavator"},
        actor=None,
        public=True,
    )
    assert _report_class(session, result.id) is None
    assert _site_state(session, "RCL-2").permit_class is None
    assert service.reclassify(session=session, settings=settings, only={"site": [1]}) is None


@pytest.fixture
def own_engine(fresh_database_url: str) -> Any:
    eng = make_engine(fresh_database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.mark.slow
def test_an_imported_batch_is_classified(
    own_engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    with Session(own_engine) as session, session.begin():
        _layers(session, settings, tmp_path)
    path = tmp_path / "hotline.csv"
    path.write_text(
        "external_id,channel,received_at,lat,lon,activity\n"
        "RCL-IMP-1,hotline,2026-10-01T09:00:00+08:00,0.005,117.002,excavator\n"
        "RCL-IMP-2,hotline,2026-10-02T09:00:00+08:00,0.3,117.3,stockpile\n"
    )
    assert import_reports(settings=settings, engine=own_engine, path=path).inserted == 2
    with own_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.external_id, lc.permit_class FROM reports r "
                "JOIN layer_classifications lc "
                "  ON lc.object_kind = 'report' AND lc.object_id = r.id"
            )
        )
        got = {r[0]: r[1] for r in rows}
    assert got == {"RCL-IMP-1": "WIUP_OP", "RCL-IMP-2": "LUAR_WIUP"}


@pytest.mark.slow
def test_a_queued_report_is_classified_with_its_batch(
    own_engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """The public intake answers before classifying; the queue's drain classifies the batch."""
    with Session(own_engine) as session, session.begin():
        _layers(session, settings, tmp_path)
    with Session(own_engine) as session, session.begin():
        queued = [
            submit_report(
                settings=settings,
                session=session,
                fields={"lat": lat, "lon": lon, "activity": "excavator"},
                actor=None,
                public=True,
                defer=True,
            ).id
            for lat, lon in ((0.005, 117.002), (0.3, 117.3))
        ]
        assert [_report_class(session, i) for i in queued] == [None, None]
    assert drain(engine=own_engine, settings=settings) == 2
    with Session(own_engine) as session:
        got = [_report_class(session, i) for i in queued]
    assert got[0].permit_class == "WIUP_OP" and list(got[0].forest_flags) == ["HUTAN_LINDUNG"]
    assert got[1].permit_class == "LUAR_WIUP"
