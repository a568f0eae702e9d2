"""Hotspot clustering: rules, stable identity, review, and a cross-check with scikit-learn."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pytest
from pyproj import Geod
from shapely import Point
from sklearn.cluster import DBSCAN
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.errors import Conflict, InvalidTransition, NotFound, ValidationError
from geo.hotspots import cluster_reports, dismiss, get, load, promote
from geo.matching import match_reports
from geo.settings import HotspotSettings

GEOD = Geod(ellps="WGS84")
NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
HS = HotspotSettings()  # the defaults; a use case passes Settings.hotspots
_seq = itertools.count(1)


def add_site(session: Session, lon: float, lat: float) -> int:
    return int(
        session.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity) "
                "VALUES (:c, :c, ST_SetSRID(ST_MakePoint(:x, :y), 4326), 'Berau', 'emas') "
                "RETURNING id"
            ),
            {"c": f"HST-{next(_seq):04d}", "x": lon, "y": lat},
        ).scalar_one()
    )


def add_reports(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert reports: each row needs lon, lat; optional reporter, channel, days_ago, status.

    A duplicate (``dup``) is stored as linking stores it, with its chain's root.
    """
    ids = []
    for row in rows:
        ids.append(
            session.execute(
                text(
                    """
                    INSERT INTO reports (code, channel, received_at, observed_at,
                                         location_source, geom, reporter_hash, status,
                                         duplicate_of_id, duplicate_root_id, commodity_guess)
                    VALUES (:code, :channel, :t, :t, 'device_gps',
                            ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :reporter, :status,
                            :dup, (SELECT coalesce(p.duplicate_root_id, p.id) FROM reports p
                                    WHERE p.id = :dup), :commodity)
                    RETURNING id
                    """
                ),
                {
                    "code": f"HS{next(_seq):010d}",
                    "channel": row.get("channel", "hotline"),
                    "t": NOW - dt.timedelta(days=row.get("days_ago", 1)),
                    "lon": row["lon"],
                    "lat": row["lat"],
                    "reporter": row.get("reporter"),
                    "status": row.get("status", "received"),
                    "dup": row.get("dup"),
                    "commodity": row.get("commodity"),
                },
            ).scalar_one()
        )
    return [int(i) for i in ids]


def blob(
    lon: float, lat: float, n: int, spread_m: float = 60.0, seed: int = 0, **extra: Any
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for az, d in zip(rng.uniform(0, 360, n), rng.uniform(0, spread_m, n), strict=True):
        x, y, _ = GEOD.fwd(lon, lat, az, d)
        out.append({"lon": float(x), "lat": float(y), **extra})
    return out


def hotspot_of(session: Session, report_ids: list[int]) -> set[int | None]:
    return set(
        session.execute(
            text("SELECT hotspot_id FROM reports WHERE id = ANY(:i)"), {"i": report_ids}
        ).scalars()
    )


def test_clusters_become_hotspots_with_corroboration(session: Session) -> None:
    a = add_reports(
        session,
        [
            {**r, "reporter": f"h{i % 3}", "channel": ("hotline", "lapor")[i % 2], "days_ago": i}
            for i, r in enumerate(blob(116.5, 1.0, 6, seed=1))
        ],
    )
    b = add_reports(session, blob(116.6, 1.1, 4, seed=2))
    lone = add_reports(session, [{"lon": 116.8, "lat": 1.2}, {"lon": 116.9, "lat": 1.3}])
    summary = cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    assert summary.clusters == 2 and summary.clustered_reports == 10
    assert summary.noise_reports == 2 and len(summary.created) == 2
    (ha,) = hotspot_of(session, a)
    (hb,) = hotspot_of(session, b)
    assert ha != hb and None not in (ha, hb)
    assert hotspot_of(session, lone) == {None}
    row = get(session=session, hotspot=ha)
    assert row["report_count"] == 6
    assert row["reporter_count"] == 3  # three distinct reporter hashes
    assert sorted(row["channels"]) == ["hotline", "lapor"]
    assert row["last_seen"] == NOW - dt.timedelta(days=0)
    assert row["first_seen"] == NOW - dt.timedelta(days=5)
    centroid = Point(*map(float, row["centroid_wkt"][6:-1].split()))
    assert GEOD.inv(centroid.x, centroid.y, 116.5, 1.0)[2] < 60
    # Reports with no reporter hash count as distinct reporters (each is its own source).
    assert get(session=session, hotspot=hb)["reporter_count"] == 4


def test_only_unmatched_independent_unrejected_reports_count(session: Session) -> None:
    add_site(session, 116.5, 1.0)
    near_site = add_reports(session, blob(116.5, 1.0, 5, seed=3))
    rejected = add_reports(session, blob(116.7, 1.0, 5, seed=4, status="rejected"))
    originals = add_reports(session, blob(116.9, 1.0, 3, seed=5))
    dups = add_reports(
        session, [{"lon": 116.95, "lat": 1.05, "dup": originals[0]} for _ in range(4)]
    )
    summary = cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    assert summary.clusters == 1
    assert hotspot_of(session, near_site) == {None}
    assert hotspot_of(session, rejected) == {None}
    (hid,) = hotspot_of(session, originals)
    assert hotspot_of(session, dups) == {hid}  # duplicates follow their original
    row = get(session=session, hotspot=hid)
    assert (row["report_count"], row["duplicate_count"]) == (3, 4)


def test_identity_is_stable_when_a_report_is_added(session: Session) -> None:
    a = add_reports(session, blob(117.5, 1.5, 5, seed=6))
    b = add_reports(session, blob(117.6, 1.5, 5, seed=7))
    first = cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    (ha,), (hb,) = hotspot_of(session, a), hotspot_of(session, b)
    extra = add_reports(session, [{"lon": 117.5, "lat": 1.5}])
    c = add_reports(session, blob(117.7, 1.5, 3, seed=8))
    second = cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    assert hotspot_of(session, a + extra) == {ha}
    assert hotspot_of(session, b) == {hb}
    assert sorted(second.kept) == sorted(first.created)
    assert len(second.created) == 1 and hotspot_of(session, c) - {ha, hb} != set()
    assert get(session=session, hotspot=ha)["report_count"] == 6


def test_when_clusters_merge_the_larger_overlap_keeps_its_id(session: Session) -> None:
    a = add_reports(session, blob(117.0, 2.0, 6, spread_m=30, seed=9))
    b_pts = [GEOD.fwd(117.0, 2.0, 90, 400.0 + 30 * i)[:2] for i in range(4)]
    b = add_reports(session, [{"lon": x, "lat": y} for x, y in b_pts])
    cluster_reports(session=session, eps_m=150, min_reports=3, as_of=NOW)
    (ha,), (hb,) = hotspot_of(session, a), hotspot_of(session, b)
    assert ha != hb
    # A bridge of reports joins them: the merged cluster keeps the id of the bigger part.
    bridge = [GEOD.fwd(117.0, 2.0, 90, 100.0 * i)[:2] for i in range(1, 4)]
    add_reports(session, [{"lon": x, "lat": y} for x, y in bridge])
    summary = cluster_reports(session=session, eps_m=150, min_reports=3, as_of=NOW)
    assert hotspot_of(session, a + b) == {ha}
    assert get(session=session, hotspot=hb)["status"] == "lapsed"
    assert summary.lapsed == [get(session=session, hotspot=hb)["code"]]


def test_time_window_lapses_and_revives_the_same_hotspot(session: Session) -> None:
    old = add_reports(session, blob(118.0, 2.0, 4, seed=10, days_ago=100))
    cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    (hid,) = hotspot_of(session, old)
    summary = cluster_reports(session=session, eps_m=200, min_reports=3, window_days=30, as_of=NOW)
    assert summary.clusters == 0
    assert get(session=session, hotspot=hid)["status"] == "lapsed"
    assert hotspot_of(session, old) == {hid}  # out-of-window reports keep their link
    again = cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    assert again.revived == [get(session=session, hotspot=hid)["code"]]
    assert get(session=session, hotspot=hid)["status"] == "candidate"


def test_dismissed_hotspot_stays_dismissed_and_shows_new_reports(
    session: Session, engine: Engine
) -> None:
    pts = add_reports(session, blob(118.2, 2.2, 4, seed=11))
    cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    (hid,) = hotspot_of(session, pts)
    with pytest.raises(ValidationError) as err:
        dismiss(session=session, hotspot=hid, reason="  ", actor="analis")
    assert err.value.field == "reason"
    dismiss(session=session, hotspot=hid, reason="tambang rakyat berizin", actor="analis")
    add_reports(session, [{"lon": 118.2, "lat": 2.2}])
    cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    row = get(session=session, hotspot=hid)
    assert row["status"] == "dismissed" and row["report_count"] == 5
    assert row["reports_at_review"] == 4
    with pytest.raises(InvalidTransition):
        promote(session=session, hotspot=hid, actor="analis", settings=HS)


def test_promote_creates_an_audited_site_and_moves_the_reports(session: Session) -> None:
    add_site(session, 118.5, 2.5)  # the nearest known site lends its kabupaten
    pts = add_reports(session, blob(118.55, 2.5, 5, seed=12, commodity="emas"))
    cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    (hid,) = hotspot_of(session, pts)
    code = get(session=session, hotspot=hid)["code"]
    site_code = promote(
        session=session, hotspot=code, actor="analis", name="Bukaan baru", settings=HS
    )
    assert site_code == code
    site = session.execute(
        text("SELECT id, kabupaten, commodity, GeometryType(geom) FROM sites WHERE code = :c"),
        {"c": site_code},
    ).one()
    assert site[1:] == ("Berau", "emas", "POLYGON")
    audit = session.execute(
        text("SELECT action, actor, source FROM site_audit WHERE site_code = :c"),
        {"c": site_code},
    ).all()
    assert audit == [("create", "analis", f"hotspot:{code}")]
    rules = session.execute(
        text("SELECT DISTINCT site_id, rule FROM report_matches WHERE report_id = ANY(:i)"),
        {"i": pts},
    ).all()
    assert rules == [(site[0], "within_polygon")]
    assert get(session=session, hotspot=hid)["status"] == "promoted"
    again = cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    assert again.clusters == 0 and again.created == []
    assert hotspot_of(session, pts) == {hid}  # provenance of the new site is kept
    with pytest.raises(InvalidTransition):
        dismiss(session=session, hotspot=hid, reason="x", actor="analis")


def test_promote_refuses_a_taken_code_and_unknown_hotspots(session: Session) -> None:
    add_site(session, 118.8, 2.8)
    taken = session.execute(text("SELECT code FROM sites LIMIT 1")).scalar_one()
    pts = add_reports(session, blob(118.85, 2.5, 4, seed=13))
    cluster_reports(session=session, eps_m=200, min_reports=3, as_of=NOW)
    (hid,) = hotspot_of(session, pts)
    with pytest.raises(Conflict):
        promote(session=session, hotspot=hid, actor="analis", code=taken, settings=HS)
    with pytest.raises(NotFound) as err:
        get(session=session, hotspot="HS-9999")
    assert err.value.field == "hotspot"


def test_codes_are_padded_but_never_truncated(session: Session) -> None:
    codes = session.execute(
        text(
            """
            INSERT INTO hotspots (id, centroid, hull, report_count, reporter_count, channels,
                                  first_seen, last_seen, eps_m, min_reports)
            SELECT i, 'SRID=4326;POINT(117 0)', 'SRID=4326;POINT(117 0)', 0, 0, '{}',
                   now(), now(), 300, 3
              FROM unnest(ARRAY[7, 1000, 10000, 123456]) AS i
            RETURNING code
            """
        )
    ).scalars()
    assert sorted(codes) == ["HS-0007", "HS-1000", "HS-10000", "HS-123456"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"eps_m": 0}, "eps_m"),
        ({"min_reports": 0}, "min_reports"),
        ({"window_days": 0}, "window_days"),
    ],
)
def test_bad_parameters_name_the_field(
    session: Session, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        cluster_reports(session=session, **kwargs)
    assert err.value.field == field


def test_load_returns_hulls_in_4326(session: Session, engine: Engine) -> None:
    # load() reads through the engine, so this test commits into its own rows and removes them.
    with Session(engine) as own:
        pts = add_reports(own, blob(119.0, 2.0, 5, seed=14))
        cluster_reports(session=own, eps_m=200, min_reports=3, as_of=NOW)
        own.commit()
        try:
            (hid,) = hotspot_of(own, pts)
            gdf = load(engine=engine, status="candidate")
            row = gdf[gdf["id"] == hid].iloc[0]
            assert gdf.crs.to_epsg() == 4326
            assert row.geometry.geom_type == "Polygon"
            assert row["report_count"] == 5
            assert row.geometry.contains(Point(row["centroid_lon"], row["centroid_lat"]))
        finally:
            own.execute(text("DELETE FROM reports WHERE id = ANY(:i)"), {"i": pts})
            own.execute(text("DELETE FROM hotspots WHERE id = :h"), {"h": hid})
            own.commit()
    with pytest.raises(ValidationError):
        load(engine=engine, status="bogus")


def test_same_clusters_as_scikit_learn_dbscan_with_haversine(session: Session) -> None:
    """Cross-check ST_ClusterDBSCAN (UTM 50S metres) against scikit-learn (haversine).

    The two measure distance differently (projected plane vs sphere, within ~0.5 %), so a
    point whose neighbour count within eps changes across the band eps*(1 +/- 0.5 %) may be
    core in one and not the other; and DBSCAN gives a border point reachable from two
    clusters to either. Every other point must get the same cluster (up to renaming).
    """
    rng = np.random.default_rng(42)
    centres = np.column_stack([rng.uniform(116.9, 117.4, 12), rng.uniform(-0.7, -0.2, 12)])
    pts: list[tuple[float, float]] = []
    for k, (x, y) in enumerate(centres):
        n = int(rng.integers(4, 60))
        spread = float(rng.uniform(80, 400))
        for az, d in zip(rng.uniform(0, 360, n), np.abs(rng.normal(0, spread, n)), strict=True):
            lon, lat, _ = GEOD.fwd(x, y, az, d)
            pts.append((float(lon), float(lat)))
        del k
    noise = np.column_stack([rng.uniform(116.9, 117.4, 400), rng.uniform(-0.7, -0.2, 400)])
    pts += [tuple(map(float, p)) for p in noise]  # type: ignore[misc]
    ids = add_reports(session, [{"lon": x, "lat": y} for x, y in pts])
    eps, minpts = 250.0, 5
    match_reports(session=session, report_ids=ids)
    cluster_reports(session=session, eps_m=eps, min_reports=minpts, as_of=NOW)
    got = {
        int(i): h
        for i, h in session.execute(
            text("SELECT id, hotspot_id FROM reports WHERE id = ANY(:i)"), {"i": ids}
        )
    }
    ours = np.array([got[i] if got[i] is not None else -1 for i in ids])

    radians = np.radians(np.array(pts)[:, ::-1])  # (lat, lon) for haversine
    radius = 6_371_008.8
    ref = DBSCAN(eps=eps / radius, min_samples=minpts, metric="haversine").fit(radians)
    theirs = ref.labels_
    core = np.zeros(len(pts), bool)
    core[ref.core_sample_indices_] = True

    lat, lon = radians[:, 0], radians[:, 1]
    h = (
        np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
        + np.cos(lat[:, None])
        * np.cos(lat[None, :])
        * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
    )
    dist = 2 * radius * np.arcsin(np.sqrt(h))
    within_lo = (dist <= eps * 0.995).sum(axis=1)
    within_hi = (dist <= eps * 1.005).sum(axis=1)
    ambiguous = (within_lo < minpts) & (within_hi >= minpts)
    # A border point is one within the band of some core point but not itself core.
    near_core = ((dist <= eps * 1.005) & core[None, :]).any(axis=1)

    assert len(set(theirs) - {-1}) >= 8  # the data really has many clusters
    pairs: dict[int, set[int]] = {}
    reverse: dict[int, set[int]] = {}
    for i in range(len(pts)):
        if core[i] and not ambiguous[i]:
            assert ours[i] != -1, f"point {i} is core for scikit-learn but noise here"
            pairs.setdefault(int(theirs[i]), set()).add(int(ours[i]))
            reverse.setdefault(int(ours[i]), set()).add(int(theirs[i]))
        elif (ours[i] == -1) != (theirs[i] == -1):
            assert ambiguous[i] or (near_core[i] and not core[i]), f"point {i} differs"
    assert all(len(v) == 1 for v in pairs.values()), pairs
    assert all(len(v) == 1 for v in reverse.values()), reverse
    same = (ours == -1) == (theirs == -1)
    assert same.mean() > 0.98


def test_cli_match_cluster_list_and_dismiss(
    engine: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from geo.cli import main
    from geo.settings import get_settings

    monkeypatch.setenv("PANTAU_DATABASE_URL", database_url)
    monkeypatch.setenv("PANTAU_MATCHING_RADIUS_M", "250")
    get_settings.cache_clear()
    with Session(engine) as own:
        pts = add_reports(own, blob(119.3, 2.6, 4, seed=15))
        runs_before = own.execute(text("SELECT coalesce(max(id), 0) FROM match_runs")).scalar()
        own.commit()
    try:
        main(["match"])  # the radius of the settings, not the last run's
        assert "radius 250 m" in capsys.readouterr().out
        main(["match", "--radius", "1000"])
        main(["hotspots", "cluster", "--eps", "200", "--min-reports", "3"])
        out = capsys.readouterr().out
        assert "radius 1.000 m" in out and "1 baru" in out  # Indonesian, numbers as read there
        with Session(engine) as own:
            (hid,) = hotspot_of(own, pts)
            code = get(session=own, hotspot=hid)["code"]
        assert code in out
        main(["hotspots", "list", "--status", "candidate"])
        assert code in capsys.readouterr().out
        with pytest.raises(SystemExit) as exit_:
            main(["hotspots", "dismiss", code, "--reason", " "])
        assert exit_.value.code == 2
        assert "reason" in capsys.readouterr().err
        main(["hotspots", "dismiss", code, "--reason", "sudah ditutup"])
        with Session(engine) as own:
            assert get(session=own, hotspot=hid)["status"] == "dismissed"
    finally:
        with Session(engine) as own:
            own.execute(text("DELETE FROM reports WHERE id = ANY(:i)"), {"i": pts})
            own.execute(
                text(
                    "DELETE FROM hotspots WHERE status = 'dismissed' "
                    "AND review_reason = 'sudah ditutup'"
                )
            )
            own.execute(text("DELETE FROM match_runs WHERE id > :i"), {"i": runs_before})
            own.commit()
        get_settings.cache_clear()
