"""``/public/summary``: the PPID view for anyone, aggregates only, rate limited."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.schemas.public import PublicSummaryOut
from tests.api.conftest import ENGLISH, app_with, bearer

#: Three reports in one 5 km cell (a cell of three is published at the default k = 3).
CELL = [(-0.7011, 117.3011), (-0.7012, 117.3013), (-0.7014, 117.3012)]
#: Three reporters: one reporter's near reports would be linked as duplicates, counted once.
REPORTERS = [
    {"reporter_name": f"Wati Publik Uji {i}", "reporter_phone": f"0813 9999 111{i}"}
    for i in range(3)
]


def _submit(client: TestClient) -> list[str]:
    codes = []
    for (lat, lon), reporter in zip(CELL, REPORTERS, strict=True):
        body = {
            "lat": lat,
            "lon": lon,
            "activity": "excavator",
            "description": f"laporan rahasia uji {uuid.uuid4()}",
            "confidentiality": "anonim",
            **reporter,
        }
        r = client.post("/reports", json=body)
        assert r.status_code in (200, 201), r.text
        codes.append(r.json()["code"])
    return codes


def test_summary_is_public_and_holds_counts_only(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    codes = _submit(client)
    marked = client.patch("/sites/KKR-001", json={"public": True}, headers=bearer(tokens["admin"]))
    assert marked.status_code == 200, marked.text
    r = client.get("/public/summary", params={"period": "30d"})
    assert r.status_code == 200, r.text
    body = PublicSummaryOut.model_validate(r.json())
    assert body.reports >= 3 and sum(k.reports for k in body.by_kabupaten) == body.reports
    assert len(body.by_month) == 12
    cells = [f for f in body.cells["features"] if f["properties"]["kind"] == "cell"]
    sites = [f for f in body.cells["features"] if f["properties"]["kind"] == "site"]
    assert cells and all(f["properties"]["reports"] >= body.min_count for f in cells)
    assert [f["properties"]["code"] for f in sites] == ["KKR-001"]
    # Nothing that points at a person, a report or a site not marked public.
    for secret in (
        *codes,
        *(v for r in REPORTERS for v in r.values()),
        "laporan rahasia uji",
        "117.3011",
        "-0.7011",
    ):
        assert secret not in r.text, secret
    with api_engine.connect() as conn:
        private = conn.execute(text("SELECT code FROM sites WHERE NOT public")).scalars().all()
        bases = conn.execute(text("SELECT code, name FROM bases")).all()
    assert private and not [c for c in private if re.search(rf"\b{c}\b", r.text)]
    assert not [b for b in bases if b.code in r.text or b.name in r.text]
    geo = client.get("/public/summary", params={"period": "30d", "f": "geojson"})
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["type"] == "FeatureCollection" and geo.json()["reports"] == body.reports


def test_a_bad_period_is_refused_by_name(client: TestClient) -> None:
    r = client.get("/public/summary", params={"period": "yesterday"})
    assert r.status_code == 422 and "period" in r.text


def test_summary_is_rate_limited_like_public_routes(api_settings_obj) -> None:  # type: ignore[no-untyped-def]
    app = app_with(api_settings_obj, public_rate_per_minute=1, public_burst=2)
    with TestClient(app, raise_server_exceptions=False, headers=ENGLISH) as c:
        codes = [c.get("/public/summary").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
