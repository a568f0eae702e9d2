"""The class properties built in SQL (geo.layers.columns) against the class read in Python."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from shapely.geometry import Point
from sqlalchemy import event
from sqlalchemy.orm import Session

from geo import features
from geo.layers.classify import classify_objects
from geo.layers.columns import CLASS_PROPERTIES
from geo.layers.config import LayerSettings
from geo.layers.service import classification_of
from tests.geo.layers.conftest import add_site

ON = dt.date(2026, 6, 1)


def expected(session: Session, code: str, language: str) -> dict[str, Any]:
    """The class of one site as the Python path reads it (``classification_of``)."""
    v = classification_of(session=session, object_kind="site", code=code, language=language)
    permit = v.permit or {}
    return {
        "class_indicative": True,
        "permit_class": v.permit_class,
        "permit_class_label": v.permit_label,
        "permit_share": v.permit_share,
        "permit_code": permit.get("kode_wiup") or permit.get("sk_iup"),
        "forest_flags": v.forest_flags,
        "forest_labels": v.forest_labels,
        "authority": v.authority,
        "authority_label": v.authority_label,
        "wiup_snapshot_date": v.wiup_snapshot_date.isoformat() if v.wiup_snapshot_date else None,
        "forest_snapshot_date": (
            v.forest_snapshot_date.isoformat() if v.forest_snapshot_date else None
        ),
        "class_guidance": v.guidance,
    }


def class_of(feature: dict[str, Any]) -> dict[str, Any]:
    return {k: feature["properties"][k] for k in CLASS_PROPERTIES}


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_site_of_a_page_carries_the_class_python_reads(
    layered: Session, language: str
) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    page = features.query_items(
        session=layered, collection="sites", limit=10_000, language=language
    )
    got = {f["id"]: f for f in json.loads(page.features_json) if f["id"].startswith("T-")}
    assert len(got) == 7
    for code, feature in got.items():
        assert class_of(feature) == expected(layered, code, language), code
    # The fixtures give more than one class, forest labels in order, and both authorities.
    assert {f["properties"]["permit_class"] for f in got.values()} >= {"WIUP_OP", "LUAR_WIUP"}
    assert got["T-OP"]["properties"]["forest_labels"]
    assert {f["properties"]["authority"] for f in got.values()} == {"PROVINSI", "PUSAT"}


def test_one_site_answer_is_the_same_as_its_page_entry(layered: Session) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    page = features.query_items(session=layered, collection="sites", limit=10_000, language="en")
    listed = next(f for f in json.loads(page.features_json) if f["id"] == "T-EKS")
    one = json.loads(
        features.get_feature(session=layered, collection="sites", feature_id="T-EKS", language="en")
    )
    assert one == listed
    assert "not a legal finding" in one["properties"]["class_guidance"][-1]


def test_a_site_without_a_class_has_every_key_null(layered: Session) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    add_site(layered, "T-NEW", Point(117.3, 0.005))  # added after the classification
    one = json.loads(features.get_feature(session=layered, collection="sites", feature_id="T-NEW"))
    assert class_of(one) == dict.fromkeys(CLASS_PROPERTIES)
    assert "class_id" not in one["properties"]  # the join's columns are not served as such


def test_guidance_is_built_once_per_distinct_class_in_one_extra_query(layered: Session) -> None:
    classify_objects(session=layered, settings=LayerSettings(), on=ON)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    bind = layered.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        features.query_items(session=layered, collection="sites", limit=10_000)
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    assert len(statements) == 2  # the page's distinct classes, then the page itself
    assert "DISTINCT" in statements[0] and "json_agg" in statements[1]
