"""The bulk fast path agrees with clean_report on ordinary, random and ugly rows."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from geo.errors import ValidationError
from geo.reports.bulkcheck import clean_many, content_hashes, seal
from geo.reports.config import ReportSettings
from geo.reports.privacy import IdentityCache, decrypt_identity
from geo.reports.validation import CleanReport, clean_report
from geo.settings import Settings
from tests.geo.reports.conftest import NOW

LIMITS = ReportSettings()

UGLY: dict[str, list[Any]] = {
    "channel": [
        "hotline",
        "LAPOR",
        " web ",
        "WhatsApp",
        "field team",
        "sms",
        "",
        "  ",
        None,
        5,
        "media",
        "Satellite_Alert",
        "sp4n-lapor!",
    ],
    "received_at": [
        "2025-12-24T09:30:00+08:00",
        "2025-12-24 09:30",
        "24/12/2025 09:30",
        "2025-12-24Z",
        "2025-12-24T01:30:00Z",
        "2031-01-01T00:00:00+00:00",
        "2026-01-15T03:04:00+00:00",
        "yesterday",
        "",
        None,
        "2025-02-30",
        "2025-12-24T09:30:00.123456+07:00",
        20251224,
    ],
    "observed_at": [None, "", "2025-12-20T08:00:00+08:00", "2025-12-25T08:00:00+08:00", "x"],
    "lat": [
        "-0.5",
        "-0,5123",
        "0.1",
        "0",
        "95",
        "117.1",
        "nan",
        "inf",
        "",
        None,
        " -1.25 ",
        "\u22121.5",
        -0.42,
        0,
        True,
        "1e-3",
        "-6.2",
        "1_0",
        "-0.5.1",
        float("nan"),
    ],
    "lon": [
        "117.1",
        "117,25",
        "0",
        "-0.5",
        "200",
        "106.8",
        "",
        None,
        116.9,
        "116.0 ",
        "Infinity",
        "120.5",
    ],
    "location_source": [None, "", "device_gps", "Device GPS", "described", "exif", "satellite"],
    "accuracy_m": [None, "", "12", "-3", "5,5", "abc", 7],
    "location_text": [None, "", "Desa Loa Duri", "x" * 1001, "a\x00b", "  Tenggarong  "],
    "title": [None, "Tambang", "t" * 301, "tab\there", "back\\slash", "new\nline"],
    "description": [None, "", "alat berat 🚜 <script>alert(1)</script>", "d" * 10_001, 3],
    "activity": [None, "", "excavator", "Hauling Trucks", "River dredging", "flying"],
    "commodity_guess": [None, "", "batubara", "Emas", "minyak", " "],
    "confidentiality": [None, "", "Rahasia & Anonim", "biasa", "ANONIM", "secret", "publik"],
    "reporter_name": [None, "", "Rahmat Hidayat", "n" * 201, "  Siti  "],
    "reporter_phone": [None, "", "0812-3456-7890", "+62 812 3456 7890", "123", "p" * 41, "8123"],
    "external_id": [None, "", "LAP-1", "e" * 201, 12345],
    "evidence": [None, "", "  ", "a.jpg"],
}


def _random_rows(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        row = {name: rng.choice(values) for name, values in UGLY.items() if rng.random() < 0.8}
        rows.append(row)
    # Ordinary rows too, so that the fast path has something to prove.
    for i in range(n // 2):
        rows.append(
            {
                "channel": rng.choice(["hotline", "lapor", "web"]),
                "received_at": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00+00:00",
                "lat": f"{rng.uniform(-2.5, 2.5):.7f}",
                "lon": f"{rng.uniform(113.0, 120.0):.7f}",
                "location_source": "device_gps",
                "reporter_phone": f"+62812{rng.randrange(10**7):07d}",
                "reporter_name": rng.choice(["", "Budi"]),
            }
        )
    return rows


def _without_identity(report: CleanReport) -> dict[str, Any]:
    values = dataclasses.asdict(report)
    values.pop("reporter_name_enc")
    values.pop("reporter_phone_enc")
    return values


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_path_agrees_with_clean_report(settings: Settings, seed: int) -> None:
    rows = _random_rows(1500, seed)
    cache = IdentityCache(settings)
    fast = clean_many(rows, identities=cache, report_settings=LIMITS, now=NOW)
    proven = refused = 0
    for row, got in zip(rows, fast, strict=True):
        try:
            expected = clean_report(row, settings=settings, report_settings=LIMITS, now=NOW)
        except ValidationError:
            assert got is None, f"the fast path accepted a row clean_report refuses: {row!r}"
            refused += 1
            continue
        if got is None:
            continue  # not proven: the importer asks clean_report, which gives `expected`
        proven += 1
        report = seal(got, cache)
        assert _without_identity(report) == _without_identity(expected), row
        for ours, theirs in (
            (report.reporter_name_enc, expected.reporter_name_enc),
            (report.reporter_phone_enc, expected.reporter_phone_enc),
        ):
            assert (ours is None) == (theirs is None)
            assert decrypt_identity(ours, settings=settings) == decrypt_identity(
                theirs, settings=settings
            )
        assert content_hashes([report]) == [expected.content_hash()]
    assert proven >= 750 and refused >= 500  # both sides of the sample were exercised


def test_columns_of_plain_numbers_converted_at_once_agree_with_clean_report(
    settings: Settings,
) -> None:
    # As a CSV gives them: every row has every column, all strings. Every lat and lon string
    # here is one float() reads, so the columns are converted at once, not value by value.
    rng = random.Random(7)
    odd_numbers = [" -1.25 ", "1e-3", "1_0", "nan", "inf", "-Infinity", "95", "0", "-0.0"]
    rows = []
    for i in range(3000):
        lat = f"{rng.uniform(-2.5, 2.5):.7f}" if i % 7 else rng.choice(odd_numbers)
        lon = f"{rng.uniform(113.0, 120.0):.7f}" if i % 11 else rng.choice([*odd_numbers, "117"])
        rows.append(
            {
                "channel": rng.choice(["hotline", "LAPOR", "web", "sms"]),
                "received_at": rng.choice(["2025-12-24T09:30:00+08:00", "24/12/2025 09:30", ""]),
                "lat": lat,
                "lon": lon,
                "location_source": rng.choice(["", "device_gps", "described"]),
                "accuracy_m": rng.choice(["", "12", "-3"]),
                "reporter_phone": rng.choice(["", "0812-3456-7890", "123"]),
                "evidence": "",
            }
        )
    cache = IdentityCache(settings)
    fast = clean_many(rows, identities=cache, report_settings=LIMITS, now=NOW)
    proven = 0
    for row, got in zip(rows, fast, strict=True):
        try:
            expected = clean_report(row, settings=settings, report_settings=LIMITS, now=NOW)
        except ValidationError:
            assert got is None, f"the fast path accepted a row clean_report refuses: {row!r}"
            continue
        if got is not None:
            proven += 1
            assert _without_identity(seal(got, cache)) == _without_identity(expected), row
    assert proven >= 600


def test_content_hashes_match_the_method_on_odd_text(settings: Settings) -> None:
    reports = [
        clean_report(
            {
                "channel": "web",
                "lat": "-0.5",
                "lon": "117.1",
                "received_at": "2025-12-24 09:30",
                "observed_at": "2025-12-23T10:00:00.5+07:00",
                "description": text,
                "title": text[:300],
                "location_text": text[:1000],
                "external_id": text[:200],
                "reporter_phone": "0812 3456 7890",
            },
            settings=settings,
            now=NOW,
        )
        for text in ['quote " and \\ back', "tab\tnew\nline\x01\x1f", "emoji 🚜 é ü", "\u2028x"]
    ]
    assert content_hashes(reports) == [r.content_hash() for r in reports]


def test_identity_cache_reuses_phone_ciphertexts_but_not_lone_names(settings: Settings) -> None:
    cache = IdentityCache(settings)
    assert cache.phone("0812") is cache.phone("0812")
    digest = cache.phone_hash("0812-3456-7890")
    assert cache.name("Budi", digest) is cache.name("Budi", digest)
    # Without a phone hash, equal ciphertexts would link reports the hash does not link.
    assert cache.name("Budi", None) != cache.name("Budi", None)
    assert decrypt_identity(cache.name("Budi", None), settings=settings) == "Budi"
    with pytest.raises(ValidationError, match="reporter_phone"):
        cache.phone_hash("123")
