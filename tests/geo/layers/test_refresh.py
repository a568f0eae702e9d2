"""A layer import re-classifies everything that depends on it, in the same transaction.

Sites, reports, hotspots, alert patches and the priority components ``pts_permit`` and
``pts_forest`` all follow the newest snapshot: none shows the class of the one before.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from shapely.geometry import Point
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts import service as alerts
from geo.layers import service
from geo.settings import Settings
from tests.geo.alerts.conftest import AOI, add_report, blob, write_csv
from tests.geo.layers.conftest import FOREST_FEATURES, P_OP, WIUP_FEATURES, add_site, write_geojson

ON = dt.date(2026, 11, 1)


def _import(session: Session, settings: Settings, path: Path, kind: str) -> None:
    service.import_layer(
        session=session, kind=kind, path=path, actor="t", settings=settings, snapshot_date=ON
    )


def _state(session: Session) -> dict[str, object]:
    one = session.execute(
        text(
            "SELECT lc.permit_class, lc.forest_flags, p.pts_permit, p.pts_forest "
            "FROM sites s JOIN layer_classifications lc "
            "  ON lc.object_kind = 'site' AND lc.object_id = s.id "
            "JOIN site_priority p ON p.site_id = s.id WHERE s.code = 'REF-1'"
        )
    ).one()
    report = session.execute(
        text("SELECT lc.permit_class FROM layer_classifications lc WHERE lc.object_kind = 'report'")
    ).scalar_one()
    patch = session.execute(text("SELECT permit_class, forest_flags FROM alert_patches")).one()
    return {
        "site": one.permit_class,
        "site_forest": list(one.forest_flags),
        "pts_permit": one.pts_permit,
        "pts_forest": one.pts_forest,
        "report": report,
        "patch": patch.permit_class,
        "patch_forest": list(patch.forest_flags),
    }


def test_import_refreshes_classes_patches_and_priority(
    session: Session, tmp_path: Path, settings: Settings
) -> None:
    s = settings.model_copy(update={"aoi_bbox": AOI})
    add_site(session, "REF-1", Point(117.002, 0.005))  # inside P_OP and the forest HL
    add_report(session, 117.003, 0.005)
    alerts.import_alerts(
        session=session,
        settings=s,
        path=write_csv(tmp_path / "a.csv", blob(117.004, 0.005, 6, "2026-11-01")),
        actor="t",
    )
    wiup = write_geojson(tmp_path / "wiup.geojson", WIUP_FEATURES)
    _import(session, s, wiup, "wiup")
    _import(session, s, write_geojson(tmp_path / "hutan.geojson", FOREST_FEATURES), "kawasan_hutan")
    w = s.priority
    first = _state(session)
    assert first["site"] == first["report"] == first["patch"] == "WIUP_OP"
    assert first["site_forest"] == first["patch_forest"] == ["HUTAN_LINDUNG"]
    assert first["pts_permit"] == w.w_permit * w.permit_factors["WIUP_OP"]
    assert first["pts_forest"] == w.w_forest * w.forest_factors["HUTAN_LINDUNG"]

    # The permit is gone from the next snapshot: everything is outside any permit now.
    others = [(g, p) for g, p in WIUP_FEATURES if g is not P_OP]
    _import(session, s, write_geojson(tmp_path / "wiup2.geojson", others), "wiup")
    second = _state(session)
    assert second["site"] == second["report"] == second["patch"] == "LUAR_WIUP"
    assert second["pts_permit"] == w.w_permit * w.permit_factors["LUAR_WIUP"]
    assert second["pts_forest"] == first["pts_forest"]
    ranked = session.execute(text("SELECT count(*) FROM site_priority WHERE rank IS NULL"))
    assert ranked.scalar_one() == 0
