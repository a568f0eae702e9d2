"""Report-to-site matching: rules, radius, duplicates, site edits, index use, and a reference."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from pyproj import Geod
from shapely import Point, Polygon
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.matching import current_radius, explain, match_reports, rematch_for_site

GEOD = Geod(ellps="WGS84")
_codes = itertools.count(1)


def add_site(session: Session, geom: Point | Polygon, code: str | None = None) -> int:
    code = code or f"TST-{next(_codes):04d}"
    return int(
        session.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity) "
                "VALUES (:code, :code, ST_GeomFromText(:wkt, 4326), 'Samarinda', 'batubara') "
                "RETURNING id"
            ),
            {"code": code, "wkt": geom.wkt},
        ).scalar_one()
    )


def add_reports(
    session: Session,
    lonlat: list[tuple[float, float]],
    *,
    duplicate_of: int | None = None,
) -> list[int]:
    """Insert reports at the given points in one statement and return their ids in order.

    A duplicate is stored as linking stores it: with the root of its original's chain.
    """
    lons = [float(p[0]) for p in lonlat]
    lats = [float(p[1]) for p in lonlat]
    rows = session.execute(
        text(
            """
            INSERT INTO reports (code, channel, received_at, location_source, geom,
                                 duplicate_of_id, duplicate_root_id)
            SELECT 'T' || substr(md5(random()::text || i::text), 1, 12), 'hotline', now(),
                   'device_gps', ST_SetSRID(ST_MakePoint(lon, lat), 4326), :dup,
                   (SELECT coalesce(p.duplicate_root_id, p.id) FROM reports p WHERE p.id = :dup)
              FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
                   WITH ORDINALITY AS u(lon, lat, i)
             ORDER BY i
            RETURNING id
            """
        ),
        {"lons": lons, "lats": lats, "dup": duplicate_of},
    ).scalars()
    return [int(r) for r in rows]


def offset(lon: float, lat: float, azimuth: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from (lon, lat) along ``azimuth`` on the WGS 84 ellipsoid."""
    x, y, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(x), float(y)


def stored(session: Session, report_id: int) -> tuple[int | None, float | None, str | None]:
    row = session.execute(
        text(
            "SELECT m.site_id, m.distance_m, m.rule FROM reports r"
            " LEFT JOIN report_matches m ON m.report_id = r.id WHERE r.id = :i"
        ),
        {"i": report_id},
    ).one()
    return row[0], row[1], row[2]


def test_nearest_point_site_within_radius_with_geodesic_distance(session: Session) -> None:
    a = add_site(session, Point(117.15, -0.50))
    b = add_site(session, Point(117.16, -0.50))
    near_a = offset(117.15, -0.50, 200, 300.0)
    (rid,) = add_reports(session, [near_a])
    summary = match_reports(session=session, radius_m=1000)
    site, dist, rule = stored(session, rid)
    assert (site, rule) == (a, "nearest_within_radius")
    assert dist == pytest.approx(300.0, abs=0.001)
    assert site != b
    assert summary.matched == 1 and summary.unmatched == 0


def test_inside_polygon_and_near_its_edge(session: Session) -> None:
    pit = Polygon([(117.10, -0.60), (117.11, -0.60), (117.11, -0.59), (117.10, -0.59)])
    site = add_site(session, pit)
    # A point site 600 m from the polygon's centre must lose to the polygon containing the report.
    add_site(session, Point(*offset(117.105, -0.595, 0, 600.0)))
    inside, outside = add_reports(session, [(117.105, -0.595), (117.1125, -0.595)])
    match_reports(session=session, radius_m=1000)
    assert stored(session, inside) == (site, 0.0, "within_polygon")
    got_site, dist, rule = stored(session, outside)
    assert (got_site, rule) == (site, "nearest_within_radius")
    # The distance is to the polygon's edge at lon 117.11, not to its centre or vertices.
    edge = GEOD.inv(117.1125, -0.595, 117.11, -0.595)[2]
    assert dist == pytest.approx(edge, rel=1e-3)


def test_radius_bounds_the_match_and_a_new_radius_rematches_everything(session: Session) -> None:
    site = add_site(session, Point(117.2, -0.45))
    far, near = add_reports(
        session, [offset(117.2, -0.45, 90, 1200.0), offset(117.2, -0.45, 90, 100.0)]
    )
    match_reports(session=session, radius_m=1000)
    assert stored(session, far)[0] is None
    assert stored(session, far)[2] == "none_within_radius"
    assert current_radius(session=session) == 1000
    # Asked for one report only, but with another radius: every report is re-matched.
    summary = match_reports(session=session, radius_m=1500, report_ids=[near])
    assert summary.scope == "all"
    assert stored(session, far)[0] == site
    assert stored(session, far)[1] == pytest.approx(1200.0, abs=0.001)
    assert current_radius(session=session) == 1500


def test_subset_matching_leaves_other_reports_alone(session: Session) -> None:
    add_site(session, Point(117.3, -0.4))
    first, second = add_reports(session, [(117.3005, -0.4), (117.3006, -0.4)])
    summary = match_reports(session=session, radius_m=1000, report_ids=[first])
    assert summary.scope == "reports" and summary.examined == 1
    assert stored(session, first)[2] == "nearest_within_radius"
    assert stored(session, second) == (None, None, None)


def test_duplicates_follow_their_original(session: Session) -> None:
    site = add_site(session, Point(117.0, -0.3))
    (original,) = add_reports(session, [offset(117.0, -0.3, 0, 900.0)])
    # The duplicate's own point is 1.5 km away, beyond the radius, yet it follows the original.
    (dup,) = add_reports(session, [offset(117.0, -0.3, 180, 1500.0)], duplicate_of=original)
    (dup_of_dup,) = add_reports(session, [(117.5, -0.9)], duplicate_of=dup)
    summary = match_reports(session=session, radius_m=1000, report_ids=[dup_of_dup])
    assert stored(session, original)[0] == site
    got_site, dist, rule = stored(session, dup)
    assert (got_site, rule) == (site, "follows_original")
    assert dist == pytest.approx(1500.0, abs=0.01)
    assert stored(session, dup_of_dup)[:1] == (site,)
    assert summary.duplicates == 2


def test_rematch_for_site_after_move_and_delete(session: Session) -> None:
    a = add_site(session, Point(116.9, -0.2))
    b = add_site(session, Point(116.91, -0.2))  # 1.1 km east of a
    near_a, between = add_reports(
        session, [offset(116.9, -0.2, 270, 200.0), offset(116.9, -0.2, 90, 500.0)]
    )
    match_reports(session=session, radius_m=1000)
    assert stored(session, between)[0] == a
    # b moves onto the report between them: that report now belongs to b.
    session.execute(
        text("UPDATE sites SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE id = :b"),
        {"x": offset(116.9, -0.2, 90, 550.0)[0], "y": offset(116.9, -0.2, 90, 550.0)[1], "b": b},
    )
    summary = rematch_for_site(session=session, site_id=b)
    assert stored(session, between)[0] == b
    assert stored(session, between)[1] == pytest.approx(50.0, abs=0.01)
    assert stored(session, near_a)[0] == a
    assert summary.changed == 1
    # Deleting b leaves its report unmatched by the foreign key; re-matching gives it back to a.
    session.execute(text("DELETE FROM sites WHERE id = :b"), {"b": b})
    assert stored(session, between)[0] is None
    rematch_for_site(session=session, site_id=b)
    assert stored(session, between)[0] == a


def test_rematch_is_idempotent(session: Session) -> None:
    add_site(session, Point(116.8, -0.1))
    add_reports(session, [(116.801, -0.1), (116.9, -0.1)])
    assert match_reports(session=session, radius_m=1000).changed == 2
    assert match_reports(session=session, radius_m=1000).changed == 0


@pytest.mark.parametrize("radius", [0, -5, float("nan"), 60_000])
def test_bad_radius_names_the_field(session: Session, radius: float) -> None:
    with pytest.raises(ValidationError) as err:
        match_reports(session=session, radius_m=radius)
    assert err.value.field == "radius_m"
    assert "metres" in err.value.message


def _random_layout(
    session: Session, rng: np.random.Generator, n_sites: int, n_reports: int
) -> tuple[np.ndarray, np.ndarray, list[int], list[int]]:
    # Sites and reports in a 0.3 degree box near Samarinda, dense enough that most reports
    # have several sites within the radius and many have none.
    sites = np.column_stack([rng.uniform(117.0, 117.3, n_sites), rng.uniform(-0.6, -0.3, n_sites)])
    reports = np.column_stack(
        [rng.uniform(117.0, 117.3, n_reports), rng.uniform(-0.6, -0.3, n_reports)]
    )
    site_ids = [add_site(session, Point(x, y)) for x, y in sites]
    report_ids = add_reports(session, [tuple(p) for p in reports])
    return sites, reports, site_ids, report_ids


def test_matches_brute_force_reference_on_random_points(session: Session) -> None:
    """Compare with an all-pairs reference computed outside the database.

    The reference uses the same geodesic as PostGIS (WGS 84, Karney's algorithm via
    pyproj.Geod), so assignments must agree exactly except for ties within a centimetre and
    reports within a centimetre of the radius. A haversine reference is computed too: on a
    sphere distances differ from the ellipsoid by up to ~0.5 %, so it may disagree only where
    the two nearest sites (or the nearest site and the radius) are within that margin.
    """
    rng = np.random.default_rng(20261124)
    radius = 1000.0
    sites, reports, site_ids, report_ids = _random_layout(session, rng, 150, 3000)
    # A partial run probes the sites' index per report; a full run probes the reports' index
    # per site. Both must store exactly the same matches.
    match_reports(session=session, radius_m=radius, report_ids=report_ids)
    assert match_reports(session=session, radius_m=radius).changed == 0
    got = dict(
        session.execute(
            text("SELECT report_id, site_id FROM report_matches WHERE report_id = ANY(:ids)"),
            {"ids": report_ids},
        ).all()
    )
    n_r, n_s = len(reports), len(sites)
    lon1 = np.repeat(reports[:, 0], n_s)
    lat1 = np.repeat(reports[:, 1], n_s)
    lon2 = np.tile(sites[:, 0], n_r)
    lat2 = np.tile(sites[:, 1], n_r)
    geodesic = np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2]).reshape(n_r, n_s)
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    haversine = (2 * 6_371_008.8 * np.arcsin(np.sqrt(h))).reshape(n_r, n_s)

    def assign(dist: np.ndarray, tol: float) -> tuple[list[int | None], np.ndarray]:
        order = np.argsort(dist, axis=1, kind="stable")
        best = dist[np.arange(n_r), order[:, 0]]
        second = dist[np.arange(n_r), order[:, 1]]
        ids: list[int | None] = [
            site_ids[order[i, 0]] if best[i] <= radius else None for i in range(n_r)
        ]
        ambiguous = (second - best <= tol) | (np.abs(best - radius) <= tol)
        return ids, ambiguous

    exact, exact_tie = assign(geodesic, 0.01)
    mismatched = [i for i in range(n_r) if got[report_ids[i]] != exact[i] and not exact_tie[i]]
    assert mismatched == []
    assert sum(x is not None for x in exact) > 1000  # the test exercises many matches
    assert sum(x is None for x in exact) > 100  # and many misses

    approx, hav_close = assign(haversine, 0.005 * radius)
    hav_mismatch = [i for i in range(n_r) if got[report_ids[i]] != approx[i]]
    assert all(hav_close[i] for i in hav_mismatch)
    assert len(hav_mismatch) < 0.02 * n_r


def test_explain_shows_the_spatial_indexes(session: Session) -> None:
    rng = np.random.default_rng(7)
    _, _, _, report_ids = _random_layout(session, rng, 300, 2000)
    session.execute(text("ANALYZE sites"))
    session.execute(text("ANALYZE reports"))
    few = explain(session=session, radius_m=1000, report_ids=report_ids[:5])
    # A handful of new reports probe the sites' geography index one by one.
    assert "Index Scan using ix_sites_geog" in few, few
    full = explain(session=session, radius_m=1000)
    # A full run is driven by the sites, each probing the reports' geometry index with its
    # bounding box grown by the radius.
    assert "idx_reports_geom" in full, full


def test_reports_without_location_are_not_matched(session: Session) -> None:
    add_site(session, Point(117.0, -0.5))
    rid = session.execute(
        text(
            "INSERT INTO reports (code, channel, received_at, location_source) "
            "VALUES ('PTM-NOLOC1', 'lapor', :t, 'described') RETURNING id"
        ),
        {"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
    ).scalar_one()
    summary = match_reports(session=session)
    assert stored(session, rid) == (None, None, None)
    assert summary.examined == 0


def test_deleting_reports_or_sites_keeps_matches_consistent(session: Session) -> None:
    """report_matches has no foreign keys; statement triggers do their ON DELETE work."""
    site = add_site(session, Point(117.4, -0.3))
    kept, dropped = add_reports(session, [(117.4005, -0.3), (117.4006, -0.3)])
    match_reports(session=session, radius_m=1000)
    session.execute(text("DELETE FROM reports WHERE id = :i"), {"i": dropped})
    assert stored(session, kept)[0] == site
    left = session.execute(
        text("SELECT count(*) FROM report_matches WHERE report_id = :i"), {"i": dropped}
    ).scalar_one()
    assert left == 0
    session.execute(text("DELETE FROM sites WHERE id = :s"), {"s": site})
    assert stored(session, kept) == (None, stored(session, kept)[1], "nearest_within_radius")
    # The stale match is found again by the site re-match and becomes unmatched.
    summary = rematch_for_site(session=session, site_id=site, radius_m=1000)
    assert summary.changed == 1
    assert stored(session, kept) == (None, None, "none_within_radius")


def test_large_and_small_runs_store_the_same_matches(session: Session) -> None:
    """A run over more than a few thousand reports goes through the temporary table."""
    rng = np.random.default_rng(11)
    _, _, _, report_ids = _random_layout(session, rng, 40, 6000)
    dup = add_reports(session, [(117.0, -0.5)], duplicate_of=report_ids[0])[0]
    large = match_reports(session=session, radius_m=1000, report_ids=[*report_ids, dup])
    assert large.examined == 6001 and large.duplicates == 1 and large.changed == 6001
    got = dict(
        session.execute(text("SELECT report_id, site_id FROM report_matches")).tuples().all()
    )
    assert got[dup] == got[report_ids[0]]
    session.execute(text("DELETE FROM report_matches"))
    for chunk in range(0, 6000, 1000):
        match_reports(session=session, radius_m=1000, report_ids=report_ids[chunk : chunk + 1000])
    again = dict(
        session.execute(text("SELECT report_id, site_id FROM report_matches")).tuples().all()
    )
    # The first chunk also re-matched the duplicate that follows one of its reports.
    assert got == again
    assert match_reports(session=session, radius_m=1000).changed == 0


def test_new_reports_follow_the_radius_of_the_last_full_run(session: Session) -> None:
    site = add_site(session, Point(117.5, -0.2))
    (old,) = add_reports(session, [offset(117.5, -0.2, 90, 1500)])
    assert match_reports(session=session, radius_m=2000).matched == 1
    (new,) = add_reports(session, [offset(117.5, -0.2, 0, 1800)])
    summary = match_reports(session=session, report_ids=[new])
    # Matched at 2 km like every stored match, not at the 1 km default, and only the new one.
    assert summary.scope == "reports" and summary.examined == 1
    assert stored(session, new)[0] == site and stored(session, old)[0] == site


def test_the_geography_expression_of_site_rematching_is_the_indexed_one(
    session: Session,
) -> None:
    """``geography(geom)`` (not a CAST with a type modifier) lets ix_reports_geog answer."""
    from sqlalchemy import func, select
    from sqlalchemy.dialects import postgresql

    from geo.matching import _affected_by_site
    from geo.reports.models import Report

    site = add_site(session, Point(117.2, -0.6))
    add_reports(session, [(117.2 + i * 1e-4, -0.6) for i in range(50)])
    # Reports far away, so that an index scan of the whole table costs more than a probe.
    add_reports(session, [(115.5 + i * 1e-3, 1.5) for i in range(3000)])
    assert len(session.execute(_affected_by_site(site, 1000.0)).all()) == 50
    session.execute(text("ANALYZE reports"))  # statistics left by other tests' rows mislead
    session.execute(text("SET LOCAL enable_seqscan = off"))
    r = Report.__table__.c
    near = select(r.id).where(
        func.ST_DWithin(
            func.geography(r.geom), func.geography(func.ST_MakePoint(117.2, -0.6)), 1000.0
        )
    )
    query = near.compile(
        dialect=postgresql.psycopg.dialect(), compile_kwargs={"literal_binds": True}
    )
    plan = "\n".join(session.execute(text(f"EXPLAIN {query}")).scalars())
    assert "ix_reports_geog" in plan, plan
