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

from geo.errors import N_, ValidationError

__all__ = ["MAX_PIXELS", "check_structure", "iso_boxes"]

#: The most pixels a photo may declare: 100 megapixels, beyond any phone camera.
MAX_PIXELS = 100_000_000

pillow_heif.register_heif_opener()

#: Each refusal naming the file, and for a file without a name.
_NOT_WELL_FORMED = (
    N_("{field}: file {name} looks like {mime} but is not a well-formed video ({problem})"),
    N_("{field}: the file looks like {mime} but is not a well-formed video ({problem})"),
)
_NO_DESCRIPTION = (
    N_(
        "{field}: file {name} looks like {mime} but has no video description (ftyp and moov "
        "boxes); it may be truncated"
    ),
    N_(
        "{field}: the file looks like {mime} but has no video description (ftyp and moov "
        "boxes); it may be truncated"
    ),
)
_OVER_PIXELS = (
    N_(
        "{field}: file {name} declares {width} x {height} pixels, more than the limit of "
        "{limit} (a decompression bomb?)"
    ),
    N_(
        "{field}: the file declares {width} x {height} pixels, more than the limit of "
        "{limit} (a decompression bomb?)"
    ),
)
_BOMB = (
    N_("{field}: file {name} declares more pixels than any photo (a decompression bomb?)"),
    N_("{field}: the file declares more pixels than any photo (a decompression bomb?)"),
)
_UNDECODABLE = (
    N_("{field}: file {name} looks like {mime} but cannot be decoded (truncated or corrupt)"),
    N_("{field}: the file looks like {mime} but cannot be decoded (truncated or corrupt)"),
)


def _refuse(
    templates: tuple[str, str], field: str, name: str | None, **values: object
) -> ValidationError:
    if name:
        return ValidationError.of(templates[0], field=field, name=repr(name), **values)
    return ValidationError.of(templates[1], field=field, **values)


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


def _check_video(content: bytes, mime: str, field: str, name: str | None) -> None:
    try:
        boxes = iso_boxes(content)
    except ValueError as exc:
        raise _refuse(_NOT_WELL_FORMED, field, name, mime=mime, problem=str(exc)) from None
    kinds = [kind for kind, _, _ in boxes]
    if not kinds or kinds[0] != "ftyp" or "moov" not in kinds:
        raise _refuse(_NO_DESCRIPTION, field, name, mime=mime)


def _check_photo(
    content: bytes, mime: str, field: str, name: str | None, max_pixels: int
) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size  # read from the header, nothing decoded yet
                if width * height > max_pixels:
                    raise _refuse(
                        _OVER_PIXELS, field, name, width=width, height=height, limit=max_pixels
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_BOMB, field, name) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, RuntimeError):
        raise _refuse(_UNDECODABLE, field, name, mime=mime) from None
    return width, height


def check_structure(
    content: bytes,
    mime: str,
    *,
    field: str = "evidence",
    name: str | None = None,
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int] | None:
    """Check a file whose first bytes said ``mime``; return a photo's (width, height).

    Raises
    ------
    ValidationError
        A decompression bomb, a photo its decoder cannot read, or a malformed video.
    """
    if mime.startswith("image/"):
        return _check_photo(content, mime, field, name, max_pixels)
    if mime in ("video/mp4", "video/quicktime", "video/3gpp"):
        _check_video(content, mime, field, name)
    return None
