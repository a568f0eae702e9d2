"""Patches: alert pixels clustered in metres within a time window, matched and classified."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely.geometry import Point, box
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.alerts import service
from geo.layers.classify import classify_objects
from geo.layers.config import LayerSettings
from geo.models import Site
from geo.priority import compute_priority
from geo.settings import Settings
from tests.geo.alerts.conftest import add_report, blob, row, write_csv
from tests.geo.layers.conftest import load

# A, B: two clearings 5 km apart; a lone pixel; an old clearing outside the time window.
A = (117.5, 0.5)
B = (117.55, 0.5)


def _patches(session: Session) -> dict[str, dict[str, object]]:
    rows = session.execute(
        text(
            "SELECT ST_X(centroid) AS x, alert_count, candidate, report_count, site_id, "
            "first_date, last_date, permit_class, forest_flags, area_ha FROM alert_patches"
        )
    ).mappings()
    return {("A" if abs(r["x"] - A[0]) < 0.01 else "B"): dict(r) for r in rows}


def _import(session: Session, tmp_path: Path, settings: Settings) -> service.ImportResult:
    rows = [
        *blob(*A, 5, "2026-11-01"),
        *blob(A[0], A[1] + 0.0001, 3, "2026-11-10"),  # the next row of pixels, later
        *blob(*B, 4, "2026-10-20"),
        row(117.6, 0.5, "2026-11-01"),  # alone: noise
        *blob(117.7, 0.5, 6, "2026-01-01"),  # beyond the 90-day window
    ]
    path = write_csv(tmp_path / "alerts.csv", rows)
    return service.import_alerts(session=session, settings=settings, path=path, actor="t")


def test_clusters_in_metres_within_the_window(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    result = _import(session, tmp_path, alert_settings)
    built = result.patches
    assert built is not None
    assert built.window_to == dt.date(2026, 11, 10)
    assert built.window_from == dt.date(2026, 8, 13)
    assert built.patches == 2 and built.alerts == 12
    patches = _patches(session)
    assert patches["A"]["alert_count"] == 8 and patches["B"]["alert_count"] == 4
    assert patches["A"]["first_date"] == dt.date(2026, 11, 1)
    assert patches["A"]["last_date"] == dt.date(2026, 11, 10)
    # 5 × 2 pixels of about 11 m: a few hundredths of a hectare.
    assert 0.02 < float(patches["A"]["area_ha"]) < 0.2  # type: ignore[arg-type]
    # A radius smaller than the pixel spacing finds no patch.
    tight = alert_settings.model_copy(
        update={"alerts": alert_settings.alerts.model_copy(update={"patch_eps_m": 5.0})}
    )
    assert service.build_patches(session=session, settings=tight).patches == 0


def test_candidate_versus_corroborated(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    near_a = add_report(session, A[0] + 0.002, A[1])  # about 220 m from A
    add_report(session, B[0] + 0.002, B[1], status="rejected")  # does not count
    add_report(session, 117.3, 0.3)  # far from both
    _import(session, tmp_path, alert_settings)
    patches = _patches(session)
    assert patches["A"]["candidate"] is False and patches["A"]["report_count"] == 1
    assert patches["B"]["candidate"] is True and patches["B"]["report_count"] == 0
    linked = session.execute(text("SELECT report_id FROM alert_patch_reports")).scalars().all()
    assert linked == [near_a]
    views = service.list_patches(session=session, language="id")
    assert [v.candidate for v in views] == [True, False]  # new candidates first
    assert views[0].status_label == "kandidat baru: belum ada laporan di dekatnya"
    assert views[1].status_label == "menguatkan 1 laporan"
    assert views[0].confidence == "tinggi"


def _site(session: Session, code: str, x: float, y: float) -> int:
    site = Site(
        code=code,
        name=code,
        kabupaten="Kutai Kartanegara",
        commodity="batubara",
        geom=from_shape(Point(x, y), srid=4326),
    )
    session.add(site)
    session.flush()
    return site.id


def test_patches_are_matched_and_classified_and_raise_the_priority(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    near_b = _site(session, "ALR-001", B[0] + 0.003, B[1])  # about 330 m from B
    elsewhere = _site(session, "ALR-002", 117.9, 0.9)
    before = compute_priority(session=session, store=False).set_index("site_id")
    permit = box(A[0] - 0.001, A[1] - 0.001, A[0] + 0.002, A[1] + 0.002)
    load(
        session,
        tmp_path,
        "wiup",
        [(permit, {"kode_wiup": "W-A", "kegiatan": "OPERASI PRODUKSI", "tgl_akhir": "2040-01-01"})],
    )
    load(
        session, tmp_path, "kawasan_hutan", [(box(117.54, 0.49, 117.56, 0.51), {"FUNGSIKWS": "HL"})]
    )
    _import(session, tmp_path, alert_settings)
    patches = _patches(session)
    assert patches["B"]["site_id"] == near_b and patches["A"]["site_id"] is None
    assert patches["A"]["permit_class"] == "WIUP_OP"
    assert patches["B"]["permit_class"] == "LUAR_WIUP"
    assert patches["B"]["forest_flags"] == ["HUTAN_LINDUNG"]
    # The import refreshed the stored priority: the alert component of the matched site only.
    stored = dict(
        session.execute(text("SELECT site_id, pts_alerts FROM site_priority")).tuples().all()
    )
    assert stored[near_b] == 5.0 and stored[elsewhere] == 0.0  # 10 × min(1 / 2, 1)
    after = compute_priority(session=session, store=False).set_index("site_id")
    assert after.loc[near_b, "score"] == before.loc[near_b, "score"] + 5.0
    assert after.loc[near_b, "alert_patches"] == 1
    # Classifying the sites by the layers moves their land-status points.
    classify_objects(session=session, settings=LayerSettings(), kinds=("site",))
    graded = compute_priority(session=session, store=False).set_index("site_id")
    assert graded.loc[near_b, "permit_class"] == "LUAR_WIUP"
    assert graded.loc[near_b, "pts_permit"] == 10.0  # was 4.0 while unclassified
    assert graded.loc[near_b, "forest_flag"] == "HUTAN_LINDUNG"
    assert graded.loc[near_b, "pts_forest"] == 5.0
    assert before.loc[near_b, "pts_permit"] == 4.0


def test_a_patch_is_matched_to_the_nearest_hotspot_within_the_distance(
    session: Session, tmp_path: Path, alert_settings: Settings
) -> None:
    def hotspot(x: float, y: float) -> int:
        return int(
            session.execute(
                text(
                    "INSERT INTO hotspots (centroid, hull, report_count, reporter_count, channels,"
                    " first_seen, last_seen, eps_m, min_reports) VALUES ("
                    "ST_SetSRID(ST_MakePoint(:x, :y), 4326),"
                    " ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 0.001), 3, 3,"
                    " ARRAY['hotline'], now(), now(), 300, 3) RETURNING id"
                ),
                {"x": x, "y": y},
            ).scalar_one()
        )

    near = hotspot(A[0] + 0.006, A[1])  # hull edge about 560 m from A
    hotspot(A[0] + 0.008, A[1])  # farther
    hotspot(B[0] + 0.05, B[1])  # 5 km from B: beyond the 1 km match distance
    _import(session, tmp_path, alert_settings)
    matched = dict(
        session.execute(
            text("SELECT alert_count, hotspot_id FROM alert_patches ORDER BY alert_count")
        )
        .tuples()
        .all()
    )
    assert matched == {4: None, 8: near}
    distance = session.execute(
        text("SELECT hotspot_distance_m FROM alert_patches WHERE hotspot_id = :h"), {"h": near}
    ).scalar_one()
    assert 400 < distance < 700
