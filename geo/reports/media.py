"""Evidence files checked by their structure, not by their first bytes.

- Photos (JPEG, PNG, HEIC) are opened by their real decoders (Pillow; pillow-heif for the HEIC
  photos iPhones take) and their declared size is compared with a pixel limit *before* any pixel
  is decoded: a 30 KB PNG that declares 50,000 x 50,000 pixels (a decompression bomb) is refused
  by name, never handed to a decoder that would need gigabytes.
- Videos (MP4, MOV, 3GP: the ISO base media file format) must be a sequence of well-formed boxes
  that exactly fills the file, start with ``ftyp`` and hold the ``moov`` box that describes the
  tracks; a file with the right four bytes and garbage behind them is refused.

Each refusal is a :class:`~geo.errors.ValidationError` that names the field.

Examples
--------
>>> import io
>>> from PIL import Image
>>> buffer = io.BytesIO()
>>> Image.new("RGB", (8, 8)).save(buffer, "PNG")
>>> check_structure(buffer.getvalue(), "image/png", field="evidence[0]")
(8, 8)
"""

from __future__ import annotations

import io
import struct
import warnings

import pillow_heif
from PIL import Image, UnidentifiedImageError

from geo.errors import ValidationError

__all__ = ["MAX_PIXELS", "check_structure", "iso_boxes"]

#: The most pixels a photo may declare: 100 megapixels, beyond any phone camera.
MAX_PIXELS = 100_000_000

pillow_heif.register_heif_opener()


def iso_boxes(content: bytes) -> list[tuple[str, int, int]]:
    """Return the top-level boxes (type, offset, size) of an ISO base media file.

    Raises
    ------
    ValueError
        When a box header is truncated, a size is impossible, or the boxes do not fill the file.
    """
    boxes: list[tuple[str, int, int]] = []
    offset, end = 0, len(content)
    while offset < end:
        if end - offset < 8:
            raise ValueError(f"a truncated box header at byte {offset}")
        size, kind = struct.unpack(">I4s", content[offset : offset + 8])
        header = 8
        if size == 1:
            if end - offset < 16:
                raise ValueError(f"a truncated 64-bit box size at byte {offset}")
            (size,) = struct.unpack(">Q", content[offset + 8 : offset + 16])
            header = 16
        elif size == 0:
            size = end - offset  # the last box runs to the end of the file
        if size < header or offset + size > end:
            raise ValueError(f"box at byte {offset} claims {size} bytes; {end - offset} remain")
        if not all(32 <= c < 127 for c in kind):
            raise ValueError(f"box at byte {offset} has no valid type")
        boxes.append((kind.decode("ascii"), offset, size))
        offset += size
    return boxes


def _check_video(content: bytes, mime: str, field: str, label: str) -> None:
    try:
        boxes = iso_boxes(content)
    except ValueError as exc:
        raise ValidationError(
            f"{field}: {label} looks like {mime} but is not a well-formed video ({exc})",
            field=field,
        ) from None
    kinds = [kind for kind, _, _ in boxes]
    if not kinds or kinds[0] != "ftyp" or "moov" not in kinds:
        raise ValidationError(
            f"{field}: {label} looks like {mime} but has no video description "
            "(ftyp and moov boxes); it may be truncated",
            field=field,
        )


def _check_photo(content: bytes, mime: str, field: str, label: str, max_pixels: int) -> tuple[
    int, int
]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size  # read from the header, nothing decoded yet
                if width * height > max_pixels:
                    raise ValidationError(
                        f"{field}: {label} declares {width} x {height} pixels, more than the "
                        f"limit of {max_pixels:,} (a decompression bomb?)",
                        field=field,
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"{field}: {label} declares more pixels than any photo (a decompression bomb?)",
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, RuntimeError):
        raise ValidationError(
            f"{field}: {label} looks like {mime} but cannot be decoded (truncated or corrupt)",
            field=field,
        ) from None
    return width, height


def check_structure(
    content: bytes,
    mime: str,
    *,
    field: str = "evidence",
    label: str = "the file",
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int] | None:
    """Check a file whose first bytes said ``mime``; return a photo's (width, height).

    Raises
    ------
    ValidationError
        A decompression bomb, a photo its decoder cannot read, or a malformed video.
    """
    if mime.startswith("image/"):
        return _check_photo(content, mime, field, label, max_pixels)
    if mime in ("video/mp4", "video/quicktime", "video/3gpp"):
        _check_video(content, mime, field, label)
    return None
