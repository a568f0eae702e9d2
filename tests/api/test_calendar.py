"""``/calendar``: staff read the working-day calendar; only administrators change days off."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import bearer


def test_calendar_lists_joint_leave_and_days_off(
    client: TestClient, tokens: dict[str, str]
) -> None:
    analyst, admin = bearer(tokens["analyst"]), bearer(tokens["admin"])
    assert client.get("/calendar/2026").status_code == 401
    days = client.get("/calendar/2026", headers={**analyst, "Accept-Language": "id"}).json()
    names = {d["day"]: d["name"] for d in days}
    assert names["2026-03-23"] == "Cuti Bersama Hari Raya Idul Fitri"  # Indonesian by default
    english = client.get("/calendar/2026", headers={**analyst, "Accept-Language": "en"}).json()
    assert {d["day"]: d["name"] for d in english}["2026-03-23"] == "Eid al-Fitr Joint Holiday"

    payload = {"day": "2032-05-04", "reason": "Hari jadi Kaltim"}
    assert client.post("/calendar/days-off", json=payload, headers=analyst).status_code == 403
    made = client.post("/calendar/days-off", json=payload, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["added_by"] and made.json()["kind"] == "agency"
    again = client.post("/calendar/days-off", json=payload, headers=admin)
    assert again.status_code == 422 and "day" in again.text
    listed = client.get("/calendar/2032", headers=analyst).json()
    assert {"day": "2032-05-04", "kind": "agency"}.items() <= next(
        d for d in listed if d["day"] == "2032-05-04"
    ).items()
    assert client.delete("/calendar/days-off/2032-05-04", headers=admin).status_code == 204
    assert client.delete("/calendar/days-off/2032-05-04", headers=admin).status_code == 404


def test_bad_day_off_names_the_field(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    bad = client.post(
        "/calendar/days-off", json={"day": "2032-13-01", "reason": "x"}, headers=admin
    )
    assert bad.status_code == 422 and "day" in bad.text
    empty = client.post(
        "/calendar/days-off", json={"day": "2032-06-02", "reason": ""}, headers=admin
    )
    assert empty.status_code == 422 and "reason" in empty.text
