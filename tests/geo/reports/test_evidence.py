from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.i18n import translator
from geo.reports.config import ReportSettings
from geo.reports.evidence import (
    inspect_evidence,
    read_exif,
    sniff_mime,
    store_evidence,
    stored_file,
)
from geo.reports.models import Evidence
from geo.settings import Settings
from tests.geo.reports.conftest import make_jpeg

LIMITS = ReportSettings()


def test_exif_position_and_time_are_read() -> None:
    taken = dt.datetime(2025, 11, 3, 14, 5, 6)
    info = read_exif(make_jpeg(-0.512345, 117.154321, taken))
    assert info.lat == pytest.approx(-0.512345, abs=1e-5)
    assert info.lon == pytest.approx(117.154321, abs=1e-5)
    assert info.taken_at is not None
    assert info.taken_at.replace(tzinfo=None) == taken
    assert info.taken_at.utcoffset() == dt.timedelta(hours=8)


def test_photo_without_exif() -> None:
    info = read_exif(make_jpeg())
    assert (info.lat, info.lon, info.taken_at) == (None, None, None)


def test_type_comes_from_content_not_name(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("this is a text file")
    with pytest.raises(ValidationError) as info:
        inspect_evidence(fake, field="evidence[0]", report_settings=LIMITS)
    assert info.value.field == "evidence[0]"
    assert "photo.jpg" in info.value.message and "JPEG" in info.value.message
    assert sniff_mime(b"\x00\x00\x00\x18ftypisom") == "video/mp4"


def test_truncated_photo_is_unreadable() -> None:
    data = make_jpeg(-0.5, 117.1)
    with pytest.raises(ValidationError, match="cannot be decoded"):
        inspect_evidence(data[: len(data) // 2], report_settings=LIMITS)


def test_oversized_photo() -> None:
    limits = ReportSettings(max_photo_bytes=100)
    with pytest.raises(ValidationError, match="more than the image/jpeg limit of 100 bytes"):
        inspect_evidence(make_jpeg(), report_settings=limits)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read file"):
        inspect_evidence(tmp_path / "nope.jpg", report_settings=LIMITS)
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValidationError, match="is empty"):
        inspect_evidence(tmp_path / "empty.jpg", report_settings=LIMITS)


def test_same_file_is_stored_once(session: Session, settings: Settings) -> None:
    content = make_jpeg(-0.5, 117.1, colour=(1, 2, 3))
    first = store_evidence(
        session=session, file=inspect_evidence(content, report_settings=LIMITS), settings=settings
    )
    copy = inspect_evidence(content, name="copy.jpg", report_settings=LIMITS)
    second = store_evidence(session=session, file=copy, settings=settings)
    assert first.sha256 == second.sha256
    assert (
        session.scalar(
            select(func.count()).select_from(Evidence).where(Evidence.sha256 == first.sha256)
        )
        == 1
    )
    assert not Path(first.path).is_absolute()  # recorded relative to the data folder
    path = stored_file(first.path, settings=settings)
    assert path.read_bytes() == content
    assert path.is_relative_to(settings.data_dir)
    assert len(list(path.parent.iterdir())) == 1
    assert first.exif_lat == pytest.approx(-0.5, abs=1e-5)


@pytest.mark.parametrize(
    ("source", "english", "indonesian"),
    [
        (
            "foto.jpg",
            "evidence: expected a JPEG, PNG, HEIC, MP4 or MOV file (or an OGG/Opus voice note), "
            "file 'foto.jpg' is none "
            "of these",
            "evidence: berkas harus berformat JPEG, PNG, HEIC, MP4 atau MOV (atau pesan suara "
            "OGG/Opus); berkas 'foto.jpg' bukan salah satunya",
        ),
        (b"", "evidence: the file is empty", "evidence: berkas kosong"),
        (
            make_jpeg()[:200],
            "evidence: the file looks like image/jpeg but cannot be decoded (truncated or corrupt)",
            "evidence: berkas tampak seperti image/jpeg tetapi tidak dapat dibuka "
            "(terpotong atau rusak)",
        ),
    ],
)
def test_refusals_read_in_indonesian(
    tmp_path: Path, source: str | bytes, english: str, indonesian: str
) -> None:
    if isinstance(source, str):
        (tmp_path / source).write_text("bukan foto")
    with pytest.raises(ValidationError) as info:
        inspect_evidence(
            tmp_path / source if isinstance(source, str) else source, report_settings=LIMITS
        )
    assert str(info.value) == english
    assert info.value.localized(translator("id")) == indonesian
