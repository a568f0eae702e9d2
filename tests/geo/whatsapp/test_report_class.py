"""A report the WhatsApp hotline makes is classified by the layers in the same transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from geo.layers import service
from geo.settings import Settings
from tests.geo.layers.conftest import FOREST_FEATURES, WIUP_FEATURES, write_geojson
from tests.geo.whatsapp.conftest import Desk
from tests.geo.whatsapp.fakes import T0, delivery, location, text


def test_a_hotline_report_in_a_forest_gets_its_class_at_once(
    session: Session, desk: Desk, wsettings: Settings, tmp_path: Path
) -> None:
    for kind, features in (("wiup", WIUP_FEATURES), ("kawasan_hutan", FOREST_FEATURES)):
        service.import_layer(
            session=session,
            kind=kind,
            path=write_geojson(tmp_path / f"{kind}.geojson", features),
            actor="t",
            settings=wsettings,
            snapshot_date=dt.date(2026, 11, 1),
        )
    desk.deliver(delivery(text("wamid.c1", "Ada galian di hutan", T0)))
    desk.deliver(delivery(location("wamid.c2", 0.005, 117.002, T0 + 60)))
    out = desk.deliver(delivery(text("wamid.c3", "Selesai", T0 + 120)))
    assert len(out.reports) == 1
    row = session.execute(
        sql(
            "SELECT lc.permit_class, lc.forest_flags FROM layer_classifications lc "
            "JOIN reports r ON lc.object_kind = 'report' AND lc.object_id = r.id "
            "WHERE r.code = :c"
        ),
        {"c": out.reports[0]},
    ).one()
    assert row.permit_class == "WIUP_OP" and list(row.forest_flags) == ["HUTAN_LINDUNG"]
