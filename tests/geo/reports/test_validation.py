from __future__ import annotations

import datetime as dt
import math

import pytest

from geo.errors import ValidationError
from geo.reports.config import ReportSettings
from geo.reports.evidence import EvidenceFile, inspect_evidence
from geo.reports.validation import clean_report, parse_time
from geo.settings import Settings
from tests.geo.reports.conftest import NOW, make_jpeg

S = Settings(secret_key="unit-test-key")


def _photo(
    lat: float | None = None, lon: float | None = None, taken_at: dt.datetime | None = None
) -> EvidenceFile:
    return inspect_evidence(make_jpeg(lat, lon, taken_at), report_settings=ReportSettings())


def clean(**raw: object):  # type: ignore[no-untyped-def]
    raw.setdefault("channel", "web")
    return clean_report(raw, settings=S, now=NOW, report_settings=ReportSettings())


def refused(field: str, *fragments: str, **raw: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        clean(**raw)
    assert info.value.field == field, info.value.message
    for fragment in fragments:
        assert fragment in info.value.message, info.value.message
    return info.value


def test_a_good_point_is_kept_with_safe_defaults() -> None:
    r = clean(lat="-0,42", lon="117.0", received_at="2026-01-10T08:00:00")
    assert (r.lat, r.lon) == (-0.42, 117.0)
    assert r.confidentiality == "rahasia"
    assert r.activity == "other"
    assert r.location_source == "map_pin"
    assert r.flags == []
    # Naive times are East Kalimantan time (WITA, UTC+8).
    assert r.received_at.utcoffset() == dt.timedelta(hours=8)


def test_latitude_out_of_range() -> None:
    refused("lat", "between -90 and 90", "95.0", lat=95.0, lon=117.0)


def test_longitude_out_of_range() -> None:
    refused("lon", "between -180 and 180", "190.0", lat=-0.4, lon=190.0)


def test_nan_is_refused() -> None:
    refused("lat", "expected a latitude", "nan", lat=math.nan, lon=117.0)
    refused("lon", "nan", lat=-0.4, lon="NaN")


def test_text_that_is_not_a_number() -> None:
    refused("lat", "'abc'", lat="abc", lon=117.0)


def test_null_island() -> None:
    refused("lat", "null island", lat=0, lon=0)


def test_swapped_latitude_and_longitude() -> None:
    refused("lat", "swapped", lat=117.0, lon=-0.42)


def test_outside_indonesia_is_refused() -> None:
    refused("lat", "in Indonesia", lat=1.35, lon=103.8 - 20)  # Indian Ocean


def test_outside_the_area_of_interest_is_accepted_and_flagged() -> None:
    r = clean(lat=-6.2, lon=106.8)  # Jakarta
    assert r.flags == ["outside_aoi"]


def test_lat_without_lon() -> None:
    refused("lon", "together", lat=-0.4)


def test_neither_point_nor_place() -> None:
    refused("lat", "described place", title="tambang")


def test_described_place_only() -> None:
    r = clean(location_text="Desa Bukit Pariaman, Tenggarong Seberang")
    assert r.location_source == "described"
    assert r.lat is None and r.ewkt is None
    assert "no_location" in r.flags


def test_future_times_are_refused() -> None:
    refused(
        "received_at",
        "not in the future",
        received_at=NOW + dt.timedelta(hours=2),
        lat=-0.4,
        lon=117.0,
    )
    refused(
        "observed_at",
        "not in the future",
        observed_at=NOW + dt.timedelta(days=1),
        lat=-0.4,
        lon=117.0,
    )


def test_observed_after_received_is_refused() -> None:
    refused(
        "observed_at",
        "before the report was received",
        received_at="2026-01-10T08:00:00+08:00",
        observed_at="2026-01-11T08:00:00+08:00",
        lat=-0.4,
        lon=117.0,
    )


def test_unparseable_time() -> None:
    refused("received_at", "'kemarin'", received_at="kemarin", lat=-0.4, lon=117.0)


def test_unknown_channel_and_aliases() -> None:
    refused("channel", "expected one of hotline", "'sms'", channel="sms", lat=-0.4, lon=117.0)
    assert clean(channel="WhatsApp", lat=-0.4, lon=117.0).channel == "hotline"
    assert clean(channel="SP4N-LAPOR!", lat=-0.4, lon=117.0).channel == "lapor"


def test_unknown_activity_commodity_confidentiality() -> None:
    refused("activity", "excavator", activity="fishing", lat=-0.4, lon=117.0)
    refused("commodity_guess", "batubara", commodity_guess="nikel", lat=-0.4, lon=117.0)
    refused("confidentiality", "rahasia", confidentiality="terbatas", lat=-0.4, lon=117.0)
    assert clean(confidentiality="Anonim", lat=-0.4, lon=117.0).confidentiality == "anonim"


def test_negative_accuracy() -> None:
    refused("accuracy_m", "0 metres or more", accuracy_m=-5, lat=-0.4, lon=117.0)


def test_bad_phone_is_refused_without_echoing_it() -> None:
    error = refused("reporter_phone", "digits", reporter_phone="12-34", lat=-0.4, lon=117.0)
    assert "12-34" not in error.message


def test_overlong_identity_is_refused_without_echoing_it() -> None:
    error = refused(
        "reporter_name", "at most 200", reporter_name="Siti " * 100, lat=-0.4, lon=117.0
    )
    assert "Siti" not in error.message


def test_identity_is_encrypted_and_not_in_repr() -> None:
    r = clean(lat=-0.4, lon=117.0, reporter_name="Siti Aminah", reporter_phone="0812 1111 2222")
    assert r.reporter_name_enc and b"Siti" not in r.reporter_name_enc
    assert "Siti" not in repr(r) and "0812" not in repr(r)
    assert r.reporter_hash is not None and len(r.reporter_hash) == 64


def test_photo_position_is_used_when_no_point_is_claimed() -> None:
    photo = _photo(-0.5, 117.15, NOW - dt.timedelta(days=1))
    r = clean_report({"channel": "hotline"}, evidence=[photo], settings=S, now=NOW)
    assert r.location_source == "exif"
    assert r.lat == pytest.approx(-0.5, abs=1e-5) and r.lon == pytest.approx(117.15, abs=1e-5)
    assert r.flags == []


def test_photo_far_and_old_is_flagged_not_refused() -> None:
    far_old = _photo(-0.6, 117.0, NOW - dt.timedelta(days=90))
    r = clean_report(
        {"channel": "hotline", "lat": -0.42, "lon": 117.0}, evidence=[far_old], settings=S, now=NOW
    )
    assert (r.lat, r.lon) == (-0.42, 117.0)  # the claimed location is kept
    assert set(r.flags) == {"exif_far", "exif_old"}


def test_photo_close_and_recent_is_not_flagged() -> None:
    near = _photo(-0.425, 117.0, NOW - dt.timedelta(days=2))  # ~550 m
    r = clean_report(
        {"channel": "hotline", "lat": -0.42, "lon": 117.0}, evidence=[near], settings=S, now=NOW
    )
    assert r.flags == []


def test_stripped_photo_keeps_the_claimed_location() -> None:
    stripped = _photo()
    r = clean_report(
        {"channel": "hotline", "lat": -0.42, "lon": 117.0}, evidence=[stripped], settings=S, now=NOW
    )
    assert (r.lat, r.lon, r.location_source, r.flags) == (-0.42, 117.0, "map_pin", [])


def test_content_hash_ignores_ciphertext_but_not_content() -> None:
    a = clean(lat=-0.4, lon=117.0, received_at="2026-01-10T08:00:00", reporter_phone="081211112222")
    b = clean(lat=-0.4, lon=117.0, received_at="2026-01-10T08:00:00", reporter_phone="081211112222")
    c = clean(lat=-0.4, lon=117.001, received_at="2026-01-10T08:00:00")
    assert a.reporter_phone_enc != b.reporter_phone_enc  # Fernet is randomised
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_parse_lapor_style_dates() -> None:
    t = parse_time("24/12/2025 09:30", "received_at")
    assert t is not None and t.isoformat() == "2025-12-24T09:30:00+08:00"


def test_lapor_confidentiality_words() -> None:
    def level(value: str) -> str:
        return clean(confidentiality=value, lat=-0.4, lon=117.0).confidentiality

    assert level("Rahasia & Anonim") == "rahasia"  # the stricter level wins
    assert level("ANONIM") == "anonim"
    assert level("Biasa") == "anonim"  # public in LAPOR!; identity is never shown here anyway
    assert level("") == "rahasia"


def test_nul_characters_are_refused() -> None:
    refused("title", "NUL", title="tambang\x00", lat=-0.4, lon=117.0)
