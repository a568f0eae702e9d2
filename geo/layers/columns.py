"""The indicative class of a site as columns of the feature queries (``/sites``, OGC items).

The class is part of the query that builds the page's GeoJSON, not merged into it afterwards
(which meant decoding and re-encoding every answer). Labels come from the catalogue as one
JSON parameter; guidance, which names the permit and the snapshot date, is built once per
distinct class of the page, read by a first small query over the same page.

Examples
--------
>>> from geo.features import query_items
>>> page = query_items(session=session, collection="sites", limit=1, language="en")
>>> '"class_guidance" :' in page.features_json  # null when no layer has classified the site
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    FromClause,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from geo.features import Annotation
from geo.i18n import translator
from geo.layers.guidance import authority_labels, forest_labels, guidance, permit_class_labels
from geo.layers.models import LayerClassification

__all__ = ["CLASS_PROPERTIES", "classed_sites", "site_class_properties"]

#: The GeoJSON properties every site feature carries (``None``: not classified), in order.
CLASS_PROPERTIES: tuple[str, ...] = (
    "class_indicative",
    "permit_class",
    "permit_class_label",
    "permit_share",
    "permit_code",
    "forest_flags",
    "forest_labels",
    "authority",
    "authority_label",
    "wiup_snapshot_date",
    "forest_snapshot_date",
    "class_guidance",
)

Columns = ReadOnlyColumnCollection[str, Any]


@lru_cache(maxsize=1)
def classed_sites() -> FromClause:
    """Return the sites, each with the columns of its class (NULL when not classified).

    A subquery named ``sites``: the registry's columns, then :data:`CLASS_COLUMNS`. The
    ``(object_kind, object_id)`` key of the classifications makes the join one index probe.
    """
    from geo.models import Site

    s, lc = Site.__table__, LayerClassification.__table__
    permit = lc.c.permit
    permit_code = func.coalesce(
        func.nullif(permit["kode_wiup"].astext, ""), func.nullif(permit["sk_iup"].astext, "")
    )
    joined = s.outerjoin(lc, and_(lc.c.object_kind == "site", lc.c.object_id == s.c.id))
    return (
        select(
            s,
            lc.c.id.label("class_id"),
            lc.c.permit_class,
            lc.c.permit_share,
            permit_code.label("permit_code"),
            lc.c.forest_flags,
            lc.c.moratorium,
            lc.c.authority,
            lc.c.wiup_snapshot_date,
            lc.c.forest_snapshot_date,
        )
        .select_from(joined)
        .subquery("sites")
    )


def site_class_properties(page: FromClause, rows: FromClause, language: str) -> Annotation:
    """Return the class properties of :data:`CLASS_PROPERTIES` as expressions on ``page``.

    ``page`` and ``rows`` carry :data:`CLASS_COLUMNS`: ``rows`` are those the page is taken
    from (filtered, neither ordered nor paged), read first for their distinct classes, whose
    guidance is built then (and kept: a province has few). The texts are in ``language``.
    """
    c = page.c
    labels = literal(_labels(language), JSONB)
    classified = c.class_id.is_not(None)
    lines = bindparam("class_guidance", type_=JSONB)
    properties = [
        ("class_indicative", case((classified, true()))),
        ("permit_class", c.permit_class),
        ("permit_class_label", func.jsonb_extract_path_text(labels, "permit", c.permit_class)),
        ("permit_share", c.permit_share),
        ("permit_code", c.permit_code),
        ("forest_flags", c.forest_flags),
        ("forest_labels", case((classified, _forest_labels(c.forest_flags, labels)))),
        ("authority", c.authority),
        ("authority_label", func.jsonb_extract_path_text(labels, "authority", c.authority)),
        ("wiup_snapshot_date", c.wiup_snapshot_date),
        ("forest_snapshot_date", c.forest_snapshot_date),
        ("class_guidance", case((classified, func.jsonb_extract_path(lines, _guidance_key(c))))),
    ]
    r = rows.c
    parts = (r.permit_class, r.permit_code, r.forest_flags, r.moratorium, r.authority)
    prepare = (
        select(_guidance_key(r), *parts, r.wiup_snapshot_date)
        .where(r.class_id.is_not(None))
        .distinct()
    )

    def params(found: Sequence[Sequence[Any]]) -> dict[str, Any]:
        return {"class_guidance": _guidance_by_key(found, language)}

    return Annotation(properties, prepare, params)


def _guidance_key(c: Columns) -> ColumnElement[str]:
    """Return what the guidance of a class depends on, as one text (same in both queries)."""
    parts = (c.permit_class, c.permit_code, c.forest_flags, c.moratorium, c.authority)
    return cast(func.jsonb_build_array(*parts, c.wiup_snapshot_date), Text)


def _guidance_by_key(found: Sequence[Sequence[Any]], language: str) -> dict[str, list[str]]:
    """Return the guidance lines of each distinct class read first, by its key text."""
    return {
        key: _guidance(language, permit_class, code, tuple(flags or ()), moratorium, who, day)
        for key, permit_class, code, flags, moratorium, who, day in found
    }


@lru_cache(maxsize=4096)
def _guidance(
    language: str,
    permit_class: str | None,
    permit_code: str | None,
    forest_flags: tuple[str, ...],
    moratorium: bool | None,
    authority: str | None,
    wiup_date: dt.date | None,
) -> list[str]:
    """Return the guidance of one class (kept: the same few classes come back every page)."""
    t = translator(language)
    return guidance(
        t,
        permit_class=permit_class,
        permit={"kode_wiup": permit_code} if permit_code else None,
        forest_flags=forest_flags,
        moratorium=moratorium,
        authority=authority,
        wiup_date=t.date(wiup_date) if wiup_date else "?",
    )


@lru_cache(maxsize=8)
def _labels(language: str) -> dict[str, dict[str, str]]:
    """Return the permit class, authority and forest function labels of ``language``."""
    t = translator(language)
    return {
        "permit": permit_class_labels(t),
        "authority": authority_labels(t),
        "forest": forest_labels(t),
    }


def _forest_labels(flags: ColumnElement[Any], labels: ColumnElement[Any]) -> ColumnElement[Any]:
    """Return the forest flags' labels (from ``labels``), in their order, as a JSON array."""
    each = func.unnest(flags).table_valued("flag", with_ordinality="n").render_derived()
    label = func.coalesce(func.jsonb_extract_path_text(labels, "forest", each.c.flag), each.c.flag)
    agg = func.json_agg(aggregate_order_by(label, each.c.n))
    return select(func.coalesce(agg, cast(literal("[]"), JSON))).select_from(each).scalar_subquery()
