"""Reading Meta's webhook bodies and checking their signatures."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from geo.errors import ValidationError
from geo.reports.evidence import inspect_evidence, sniff_mime
from geo.settings import ReportSettings
from geo.whatsapp.payload import parse_delivery, signature_ok
from tests.geo.whatsapp.fakes import (
    APP_SECRET,
    BUDI,
    PHONE_NUMBER_ID,
    T0,
    delivery,
    document,
    image,
    location,
    ogg_opus,
    sign,
    status,
    text,
    unknown,
    video,
    voice,
)


def test_every_documented_message_type_is_read() -> None:
    body = delivery(
        text("w1", "  Ada tambang  "),
        image("w2", "m2", caption="foto"),
        video("w3", "m3"),
        voice("w4", "m4"),
        document("w5", "m5", "IMG_1.jpg"),
        location("w6", -0.5, 117.1, name="Loa Kulu"),
        unknown("w7"),
    )
    got = {m.wamid: m for m in parse_delivery(body)}
    assert [m.kind for m in got.values()] == [
        "text",
        "image",
        "video",
        "audio",
        "document",
        "location",
        "unsupported",
    ]
    assert got["w1"].text == "Ada tambang"
    assert got["w1"].sender == BUDI[0] and got["w1"].sender_name == BUDI[1]
    assert got["w1"].phone_number_id == PHONE_NUMBER_ID
    assert got["w1"].sent_at == dt.datetime.fromtimestamp(T0, tz=dt.UTC)
    assert (got["w2"].media_id, got["w2"].text) == ("m2", "foto")
    assert got["w4"].media_mime == "audio/ogg; codecs=opus"
    assert got["w5"].filename == "IMG_1.jpg"
    assert (got["w6"].lat, got["w6"].lon, got["w6"].location_name) == (-0.5, 117.1, "Loa Kulu")
    assert got["w7"].text is None and got["w7"].media_id is None


def test_statuses_give_no_messages() -> None:
    assert parse_delivery(delivery(statuses=[status("wamid.out")])) == []


def test_a_body_that_is_not_a_whatsapp_delivery_is_refused() -> None:
    with pytest.raises(ValidationError, match="whatsapp_business_account"):
        parse_delivery({"object": "page", "entry": []})


def test_malformed_parts_are_skipped_not_fatal() -> None:
    body = delivery(text("w1", "ok"))
    body["entry"].append("junk")
    body["entry"][0]["changes"].append({"value": {"messages": [{"type": "text"}]}})
    body["entry"][0]["changes"][0]["value"]["messages"].append({"id": "w2", "type": 5})
    assert [m.wamid for m in parse_delivery(body)] == ["w1"]


def test_the_signature_is_the_hmac_of_the_raw_body() -> None:
    raw = json.dumps(delivery(text("w1", "x"))).encode()
    good = sign(raw)
    assert signature_ok(raw, good, APP_SECRET)
    assert not signature_ok(raw + b" ", good, APP_SECRET)  # the raw bytes, not the JSON
    assert not signature_ok(raw, good, "another-secret")
    assert not signature_ok(raw, good[7:], APP_SECRET)  # without the sha256= prefix
    assert not signature_ok(raw, None, APP_SECRET)
    assert not signature_ok(raw, "sha256=é", APP_SECRET)
    assert not signature_ok(raw, good, "")


def test_a_voice_note_is_accepted_as_evidence() -> None:
    note = ogg_opus()
    assert sniff_mime(note[:64]) == "audio/ogg"
    limits = ReportSettings()
    checked = inspect_evidence(note, name="voice.ogg", report_settings=limits)
    assert checked.mime == "audio/ogg" and not checked.is_photo
    with pytest.raises(ValidationError, match="OGG/Opus"):
        inspect_evidence(b"OggS" + b"\x00" * 60, report_settings=limits)  # Ogg, not Opus
