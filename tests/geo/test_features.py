"""GeoJSON collections built in PostGIS: paging, bbox, datetime, filters, and confidentiality."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from geo import features
from geo.errors import NotFound, ValidationError
from geo.models import Site
from tests.common import LOA_JANAN, TENGGARONG_PIT


@pytest.fixture
def two_sites(session: Session) -> Session:
    session.add_all(
        [
            Site(
                code="FTR-001",
                name="A",
                geom=from_shape(LOA_JANAN, srid=4326),
                kabupaten="Kutai Kartanegara",
                commodity="batubara",
                status="active",
                first_reported=dt.date(2025, 1, 10),
            ),
            Site(
                code="FTR-002",
                name="B",
                geom=from_shape(TENGGARONG_PIT, srid=4326),
                kabupaten="Kutai Kartanegara",
                commodity="emas",
                status="suspected",
                first_reported=dt.date(2025, 6, 1),
            ),
        ]
    )
    session.flush()
    return session


def _ids(page: features.FeaturePage) -> list[str]:
    return [f["id"] for f in json.loads(page.features_json)]


def test_features_are_geojson_with_lon_lat(two_sites: Session) -> None:
    page = features.query_items(session=two_sites, collection="sites", limit=10)
    feats = [f for f in json.loads(page.features_json) if f["id"].startswith("FTR-")]
    point = next(f for f in feats if f["id"] == "FTR-001")
    assert point["geometry"] == {"type": "Point", "coordinates": [117.095, -0.58]}
    assert next(f for f in feats if f["id"] == "FTR-002")["geometry"]["type"] == "Polygon"


def test_bbox_datetime_and_filters(two_sites: Session) -> None:
    s = two_sites
    box = features.parse_bbox("117.09,-0.59,117.10,-0.57")
    assert _ids(features.query_items(session=s, collection="sites", bbox=box)) == ["FTR-001"]
    interval = features.parse_datetime_interval("2025-03-01T00:00:00Z/..")
    after = _ids(features.query_items(session=s, collection="sites", interval=interval))
    assert "FTR-002" in after and "FTR-001" not in after
    gold = features.query_items(session=s, collection="sites", filters={"commodity": "emas"})
    assert "FTR-002" in _ids(gold) and "FTR-001" not in _ids(gold)
    with pytest.raises(ValidationError) as info:
        features.query_items(session=s, collection="sites", filters={"name": "A"})
    assert info.value.field == "name"


def test_one_statement_serves_many_values(two_sites: Session) -> None:
    """Statements are built once per shape; each request's own values still decide."""
    s = two_sites
    for commodity, code in (("emas", "FTR-002"), ("batubara", "FTR-001"), ("emas", "FTR-002")):
        got = _ids(
            features.query_items(session=s, collection="sites", filters={"commodity": commodity})
        )
        assert code in got and {"FTR-001", "FTR-002"} - {code} - set(got)
    far = features.parse_bbox("100,-10,101,-9")
    assert _ids(features.query_items(session=s, collection="sites", bbox=far)) == []
    near = features.parse_bbox("117.09,-0.59,117.10,-0.57")
    assert _ids(features.query_items(session=s, collection="sites", bbox=near)) == ["FTR-001"]


def test_a_box_across_the_antimeridian_is_two_boxes(two_sites: Session) -> None:
    s = two_sites
    across = (116.9, -1.0, -170.0, 1.0)  # from 116.9 E eastwards over 180 to 170 W
    got = _ids(features.query_items(session=s, collection="sites", bbox=across))
    assert {"FTR-001", "FTR-002"} <= set(got)
    beyond = (117.2, -1.0, -170.0, 1.0)  # starts east of both sites
    assert not {"FTR-001", "FTR-002"} & set(
        _ids(features.query_items(session=s, collection="sites", bbox=beyond))
    )


def test_paging_counts(two_sites: Session) -> None:
    total = features.query_items(session=two_sites, collection="sites").number_matched
    page = features.query_items(session=two_sites, collection="sites", limit=1, offset=1)
    assert page.number_returned == 1 and page.number_matched == total


def test_get_feature_and_unknowns(two_sites: Session) -> None:
    one = json.loads(
        features.get_feature(session=two_sites, collection="sites", feature_id="FTR-002")
    )
    assert one["properties"]["commodity"] == "emas"
    with pytest.raises(NotFound):
        features.get_feature(session=two_sites, collection="sites", feature_id="'; DROP TABLE x")
    with pytest.raises(NotFound):
        features.query_items(session=two_sites, collection="nope")


@pytest.mark.parametrize(
    "value", ["1,2,3", "a,b,c,d", "0,10,1,5", "nan,0,1,1", "-200,0,1,1", "1,2,3,4,5"]
)
def test_bad_bbox_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        features.parse_bbox(value)
    assert info.value.field == "bbox"


@pytest.mark.parametrize("value", ["tomorrow", "2025-13-01", "2025-02-01/2025-01-01", "a/b/c"])
def test_bad_datetime_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        features.parse_datetime_interval(value)
    assert info.value.field == "datetime"


def test_reports_collection_never_serves_rahasia_reports(session: Session) -> None:
    from geo.reports.models import Report

    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for code, conf in (("PTM-FTRAH1", "rahasia"), ("PTM-FTANO1", "anonim")):
        session.add(
            Report(
                code=code,
                channel="web",
                received_at=now,
                location_source="device_gps",
                geom=from_shape(LOA_JANAN, srid=4326),
                confidentiality=conf,
                description="Nama saya Budi, HP 0812",
                reporter_hash="f" * 64,
            )
        )
    session.flush()
    page = features.query_items(session=session, collection="reports", limit=10_000)
    served = json.loads(page.features_json)
    ids = [f["id"] for f in served]
    assert "PTM-FTANO1" in ids and "PTM-FTRAH1" not in ids
    assert "Budi" not in page.features_json and "f" * 64 not in page.features_json
    with pytest.raises(NotFound):
        features.get_feature(session=session, collection="reports", feature_id="PTM-FTRAH1")


def test_polygons_follow_the_rfc7946_right_hand_rule(session: Session) -> None:
    from shapely import Polygon
    from shapely.geometry import shape

    clockwise = Polygon([(117.0, -0.5), (117.0, -0.49), (117.01, -0.49), (117.01, -0.5)])
    assert not clockwise.exterior.is_ccw
    session.add(
        Site(
            code="FTR-009",
            name="CW",
            geom=from_shape(clockwise, srid=4326),
            kabupaten="Kutai Kartanegara",
            commodity="batubara",
        )
    )
    session.flush()
    served = json.loads(
        features.get_feature(session=session, collection="sites", feature_id="FTR-009")
    )
    polygon = shape(served["geometry"])
    assert polygon.exterior.is_ccw
    assert polygon.equals(clockwise)


@pytest.mark.parametrize("name", ["name", "no_such_column", "status; DROP TABLE sites"])
def test_filters_outside_the_spec_are_refused_by_name(two_sites: Session, name: str) -> None:
    """Only the spec's filterable columns reach the query, whatever name a caller sends."""
    with pytest.raises(ValidationError, match="is not a filter of collection 'sites'") as err:
        features.query_items(session=two_sites, collection="sites", filters={name: "x"})
    assert err.value.field == name


def test_integer_filters_and_the_reports_views(session: Session) -> None:
    with pytest.raises(ValidationError, match="plan_id must be a whole number"):
        features.query_items(session=session, collection="patrol_routes", filters={"plan_id": "a"})
    page = features.query_items(
        session=session, collection="patrol_routes", filters={"plan_id": "-1"}
    )
    assert (page.number_matched, page.number_returned) == (0, 0)
    # The internal view reads match columns through its subquery; an extent is computed.
    internal = features.query_items(session=session, collection="reports_internal", limit=1)
    assert internal.number_returned <= 1
    bbox, (start, end) = features.collection_extent(session=session, collection="hotspots")
    assert bbox is None or len(bbox) == 4
