"""``/reports/{code}/group``, ``/unlink`` and ``/merge``: linked reports as a group, audited."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geo.db import session_scope
from geo.reports.config import ReportSettings
from geo.reports.intake import submit
from geo.settings import Settings
from tests.api.conftest import bearer

LIMITS = ReportSettings(near_duplicate_distance_m=200, near_duplicate_hours=48)


def _reports(engine: Engine, settings: Settings, lat: float) -> tuple[str, str, str]:
    """A report, its near duplicate (same caller), and a LAPOR! ticket 3 km away: codes."""
    now = dt.datetime.now(dt.UTC)
    phone = f"0812{uuid.uuid4().int % 10**8:08d}"
    codes = []
    with session_scope(engine) as session:
        for hours, dlat, channel, ticket in (
            (30, 0.0, "hotline", None),
            (20, 0.0005, "hotline", None),
            (10, 0.03, "lapor", f"LAPOR-{uuid.uuid4().hex[:8]}"),
        ):
            result = submit(
                session=session,
                channel=channel,
                lat=lat + dlat,
                lon=116.9,
                reporter_phone=phone,
                reporter_name="Siti Aminah",
                external_id=ticket,
                received_at=now - dt.timedelta(hours=hours),
                settings=settings,
                report_settings=LIMITS,
            )
            codes.append(result.code)
    return codes[0], codes[1], codes[2]


def test_an_analyst_unlinks_merges_and_reads_the_group(
    client: TestClient, tokens: dict[str, str], api_engine: Engine, api_settings_obj: Settings
) -> None:
    first, near, ticket = _reports(api_engine, api_settings_obj, -0.71)
    h = bearer(tokens["analyst"])
    group = client.get(f"/reports/{near}/group", headers=h)
    assert group.status_code == 200, group.text
    assert group.json()["root"] == first
    assert [m["code"] for m in group.json()["members"]] == [first, near]

    unlinked = client.post(f"/reports/{near}/unlink", json={"reason": "Beda lokasi"}, headers=h)
    assert unlinked.status_code == 200, unlinked.text
    assert unlinked.json() == {
        "code": near,
        "event": "unlinked",
        "root": first,
        "members": [first],
        "moved": [],
    }
    merged = client.post(
        f"/reports/{ticket}/merge", json={"into": first, "reason": "Foto sama"}, headers=h
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["root"] == first and merged.json()["members"] == [first, ticket]

    body = client.get(f"/reports/{ticket}/group", headers=h).json()
    members = {m["code"]: m for m in body["members"]}
    assert set(members) == {first, ticket}
    # The LAPOR! ticket keeps its own status and clocks inside the group.
    assert members[ticket]["own_ticket"] and members[ticket]["status"] == "received"
    assert {c["rule"] for c in members[ticket]["clocks"]} >= {"verify"}
    assert all(c["code"] == ticket for c in members[ticket]["clocks"])
    events = [(e["code"], e["event"], e["actor"], e["reason"]) for e in body["history"]]
    assert (ticket, "merged", "test-analyst", "Foto sama") in events
    assert (near, "unlinked", "test-analyst", "Beda lokasi") in events
    assert "Siti" not in str(body) and "reporter" not in str(body)
    # The unlinked report stands alone, with its own history.
    alone = client.get(f"/reports/{near}/group", headers=h).json()
    assert [m["code"] for m in alone["members"]] == [near]


def test_only_roles_that_change_statuses_may_link_or_unlink(
    client: TestClient, tokens: dict[str, str], api_engine: Engine, api_settings_obj: Settings
) -> None:
    first, near, ticket = _reports(api_engine, api_settings_obj, -0.75)
    calls = [
        ("get", f"/reports/{near}/group", None),
        ("post", f"/reports/{near}/unlink", {"reason": "x"}),
        ("post", f"/reports/{ticket}/merge", {"into": first, "reason": "x"}),
    ]
    for method, url, body in calls:
        kwargs = {} if body is None else {"json": body}
        field = client.request(method, url, headers=bearer(tokens["field_officer"]), **kwargs)
        assert field.status_code == 403, (url, field.text)
        assert client.request(method, url, **kwargs).status_code == 401
    for role in ("admin", "intake_operator"):
        got = client.get(f"/reports/{near}/group", headers=bearer(tokens[role]))
        assert got.status_code == 200, (role, got.text)
    # Nothing changed through the refused calls.
    group = client.get(f"/reports/{near}/group", headers=bearer(tokens["admin"])).json()
    assert [m["code"] for m in group["members"]] == [first, near]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("id", ("dirinya sendiri", "tidak ada laporan", "alasan")),
        ("en", ("itself", "no report", "say why")),
    ],
)
def test_refusals_name_the_field_in_the_readers_language(
    client: TestClient,
    tokens: dict[str, str],
    api_engine: Engine,
    api_settings_obj: Settings,
    lang: str,
    words: tuple[str, str, str],
) -> None:
    first, near, ticket = _reports(api_engine, api_settings_obj, -0.79 if lang == "id" else -0.83)
    h = {**bearer(tokens["intake_operator"]), "Accept-Language": lang}
    itself = client.post(f"/reports/{first}/merge", json={"into": first, "reason": "x"}, headers=h)
    assert itself.status_code == 409
    assert itself.json()["error"]["field"] == "into"
    assert words[0] in itself.json()["error"]["message"]
    unknown = client.post(
        f"/reports/{ticket}/merge", json={"into": "PTM-ZZZZZZ", "reason": "x"}, headers=h
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "into"
    assert words[1] in unknown.json()["error"]["message"]
    blank = client.post(f"/reports/{near}/unlink", json={"reason": "  "}, headers=h)
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "reason"
    assert words[2] in blank.json()["error"]["message"]
    missing = client.post(f"/reports/{ticket}/merge", json={"into": first}, headers=h)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "reason"
    loop = client.post(f"/reports/{first}/merge", json={"into": near, "reason": "x"}, headers=h)
    assert loop.status_code == 409 and loop.json()["error"]["field"] == "into"
    assert client.get("/reports/PTM-ZZZZZZ/group", headers=h).status_code == 404
