"""Evidence checked by structure: decompression bombs, HEIC photos, truncated videos."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from geo.errors import ValidationError
from geo.reports.media import check_structure, iso_boxes


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 60, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A 1 x 1 PNG whose header declares ``width`` x ``height`` pixels (a few dozen bytes)."""
    data = bytearray(png(1, 1))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(*, moov: bool = True) -> bytes:
    parts = [box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")]
    if moov:
        parts.append(box(b"moov", box(b"mvhd", bytes(100))))
    parts.append(box(b"mdat", bytes(64)))
    return b"".join(parts)


def test_a_decompression_bomb_is_refused_by_name() -> None:
    bomb = png_bomb()
    assert len(bomb) < 200
    with pytest.raises(ValidationError, match=r"evidence\[2\].*pixels.*bomb") as info:
        check_structure(bomb, "image/png", field="evidence[2]")
    assert info.value.field == "evidence[2]"


def test_real_photos_pass_and_tell_their_size() -> None:
    assert check_structure(png(40, 30), "image/png") == (40, 30)
    heic = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(heic, format="HEIF")
    assert check_structure(heic.getvalue(), "image/heic") == (64, 48)


def test_a_truncated_heic_is_refused() -> None:
    heic = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(heic, format="HEIF")
    with pytest.raises(ValidationError, match="cannot be decoded|well-formed"):
        check_structure(heic.getvalue()[:60], "image/heic")


def test_a_video_must_be_well_formed_boxes_with_a_description() -> None:
    check_structure(mp4(), "video/mp4")
    assert [k for k, _, _ in iso_boxes(mp4())] == ["ftyp", "moov", "mdat"]
    with pytest.raises(ValidationError, match="no video description"):
        check_structure(mp4(moov=False), "video/mp4")
    with pytest.raises(ValidationError, match="not a well-formed video"):
        check_structure(mp4()[:-10], "video/mp4")  # the last box claims more than is there
    with pytest.raises(ValidationError, match="not a well-formed video"):
        check_structure(mp4()[:24] + b"\x00\x00\x00\x10\xff\xfe\x01\x02" + bytes(8), "video/mp4")
    big = struct.pack(">I4sQ", 1, b"mdat", 16 + 4) + bytes(4)  # a 64-bit size, well formed
    check_structure(mp4()[:-72] + big, "video/mp4")


def test_a_photo_over_our_own_limit_names_its_size() -> None:
    with pytest.raises(ValidationError, match=r"declares 3000 x 2000 pixels, more than"):
        check_structure(png_bomb(3000, 2000), "image/png", max_pixels=1_000_000)
