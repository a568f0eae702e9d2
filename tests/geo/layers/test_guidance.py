"""Guidance names the law and the authority, in Indonesian, and never claims a legal finding."""

from __future__ import annotations

import pytest

from geo.i18n import translator
from geo.layers.config import AUTHORITIES, FOREST_FUNCTIONS, PERMIT_CLASSES, authority_for
from geo.layers.guidance import authority_labels, forest_labels, guidance, permit_class_labels


@pytest.mark.parametrize(
    ("cls", "law"),
    [
        ("LUAR_WIUP", "Pasal 158"),
        ("WIUP_EKSPLORASI", "Pasal 160"),
        ("WIUP_BERAKHIR", "Pasal 158"),
        ("WIUP_OP", "periksa pemegang izin"),
    ],
)
def test_permit_guidance_in_indonesian(cls: str, law: str) -> None:
    lines = guidance(
        translator("id"),
        permit_class=cls,
        permit={"kode_wiup": "W-1"},
        forest_flags=["HUTAN_LINDUNG", "APL"],
        moratorium=True,
        authority="PUSAT",
        wiup_date="1 November 2026",
    )
    assert law in lines[0]
    assert any("UU 41/1999" in line and "Hutan lindung" in line for line in lines)
    assert not any("Areal penggunaan lain" in line for line in lines)  # APL is not the estate
    assert any("PIPPIB" in line for line in lines)
    assert any("pemerintah pusat" in line for line in lines)
    assert lines[-1].startswith("Kelas indikatif") and "bukan temuan hukum" in lines[-1]


def test_every_code_has_a_label_in_both_languages() -> None:
    for lang in ("id", "en"):
        t = translator(lang)
        for labels, codes in (
            (permit_class_labels(t), PERMIT_CLASSES),
            (forest_labels(t), FOREST_FUNCTIONS),
            (authority_labels(t), AUTHORITIES),
        ):
            assert set(labels) == set(codes)
            assert all(labels[c] != c for c in codes), (lang, labels)


@pytest.mark.parametrize(
    ("commodity", "authority"),
    [
        ("Batubara", "PUSAT"),
        ("emas", "PUSAT"),
        ("Nikel", "PUSAT"),
        ("Mineral Bukan Logam", "PROVINSI"),
        ("Batuan (Andesit)", "PROVINSI"),
        ("pasir", "PROVINSI"),
        ("batu", "PROVINSI"),
        ("lainnya", None),
        (None, None),
    ],
)
def test_authority_by_commodity(commodity: str | None, authority: str | None) -> None:
    assert authority_for(commodity) == authority
