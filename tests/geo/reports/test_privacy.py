from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import ConfigurationError, PermissionDenied, ValidationError
from geo.reports.privacy import (
    IDENTITY_COLUMNS,
    decrypt_identity,
    encrypt_identity,
    may_see_identity,
    normalise_phone,
    redact,
    reporter_hash,
)
from geo.settings import Settings

A = Settings(secret_key="key-a")
B = Settings(secret_key="key-b")


def test_encryption_round_trip_and_wrong_key() -> None:
    token = encrypt_identity("Siti Aminah", settings=A)
    assert token is not None and b"Siti" not in token
    assert decrypt_identity(token, settings=A) == "Siti Aminah"
    with pytest.raises(ConfigurationError) as info:
        decrypt_identity(token, settings=B)
    assert "Siti" not in str(info.value)


def test_phone_normalisation() -> None:
    same = {"0812-3456-7890", "+62 812 3456 7890", "6281234567890", "812 3456 7890"}
    assert {normalise_phone(p) for p in same} == {"6281234567890"}
    with pytest.raises(ValidationError):
        normalise_phone("123")


def test_reporter_hash_is_keyed_and_groups_one_number() -> None:
    h = reporter_hash("0812-3456-7890", settings=A)
    assert h == reporter_hash("+6281234567890", settings=A)
    assert h != reporter_hash("0812-3456-7891", settings=A)
    assert h != reporter_hash("0812-3456-7890", settings=B)  # keyed, not a plain hash
    assert reporter_hash(None, settings=A) is None


def _rows() -> list[dict[str, object]]:
    return [
        {
            "code": "PTM-AAAAAA",
            "confidentiality": "rahasia",
            "reporter_hash": "h1",
            "reporter_name_enc": encrypt_identity("Siti", settings=A),
            "reporter_phone_enc": encrypt_identity("081234567890", settings=A),
        },
        {
            "code": "PTM-BBBBBB",
            "confidentiality": "anonim",
            "reporter_hash": "h2",
            "reporter_name_enc": encrypt_identity("Budi", settings=A),
            "reporter_phone_enc": None,
        },
        {
            "code": "PTM-CCCCCC",
            "confidentiality": None,
            "reporter_hash": None,
            "reporter_name_enc": None,
            "reporter_phone_enc": None,
        },
    ]


@pytest.mark.parametrize("role", ["public", "partner"])
def test_outside_the_agency_only_anonim_without_identity(role: str) -> None:
    out = redact(_rows(), role=role, settings=A)
    assert [r["code"] for r in out] == ["PTM-BBBBBB"]  # missing flag counts as rahasia
    assert not set(out[0]) & {*IDENTITY_COLUMNS, "reporter_hash"}


@pytest.mark.parametrize("role", ["field_team", "analyst"])
def test_agency_roles_see_every_report_but_no_identity(role: str) -> None:
    out = redact(_rows(), role=role, settings=A)
    assert [r["code"] for r in out] == ["PTM-AAAAAA", "PTM-BBBBBB", "PTM-CCCCCC"]
    assert all(not set(r) & set(IDENTITY_COLUMNS) for r in out)
    assert out[0]["reporter_hash"] == "h1"


def test_operators_see_identity_decrypted() -> None:
    out = redact(_rows(), role="operator", settings=A)
    assert out[0]["reporter_name"] == "Siti" and out[0]["reporter_phone"] == "081234567890"
    assert "reporter_name_enc" not in out[0]
    assert may_see_identity("admin") and not may_see_identity("analyst")


def test_frames_are_redacted_the_same_way() -> None:
    frame = gpd.GeoDataFrame(_rows(), geometry=[Point(117, -0.4)] * 3, crs=4326)
    public = redact(frame, role="public", settings=A)
    assert isinstance(public, gpd.GeoDataFrame) and public.crs == frame.crs
    assert list(public["code"]) == ["PTM-BBBBBB"]
    assert not set(public.columns) & {*IDENTITY_COLUMNS, "reporter_hash"}
    analyst = redact(frame, role="analyst", settings=A)
    assert len(analyst) == 3 and not set(analyst.columns) & set(IDENTITY_COLUMNS)
    operator = redact(frame, role="operator", settings=A)
    assert list(operator["reporter_name"][:2]) == ["Siti", "Budi"]
    assert pd.isna(operator["reporter_name"].iloc[2])
    assert "reporter_name_enc" in frame.columns  # the input is not modified


def test_a_table_without_confidentiality_gives_nothing_to_the_public() -> None:
    frame = pd.DataFrame({"code": ["PTM-AAAAAA"]})
    assert redact(frame, role="public").empty


def test_unknown_role_is_refused() -> None:
    with pytest.raises(PermissionDenied):
        redact([], role="journalist")
