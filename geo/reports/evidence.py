"""Evidence files: stored once by SHA-256 content hash, checked for type and size, EXIF read.

Files live under ``<settings.data_dir>/evidence/<aa>/<bb>/<sha256><ext>``; the same photo sent
twice (or by two channels) is written and recorded once. The type comes from the file's first
bytes, not its name. Photos are opened with Pillow, which also reads the EXIF GPS position and
capture time; messaging apps often strip EXIF, in which case both stay ``None``.

Examples
--------
>>> info = read_exif(b"not a photo")
>>> info.lat is None and info.taken_at is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo.errors import N_, ValidationError
from geo.reports.config import DEFAULT_ZONE, ReportSettings
from geo.reports.media import check_structure
from geo.reports.models import Evidence
from geo.settings import Settings

__all__ = [
    "ExifInfo",
    "EvidenceFile",
    "sniff_mime",
    "read_exif",
    "inspect_evidence",
    "store_evidence",
    "evidence_path",
    "write_once",
    "stored_name",
    "stored_file",
]

_PHOTO_MIMES = {"image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic"}
_VIDEO_MIMES = {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/3gpp": ".3gp"}
#: Voice notes (WhatsApp sends OGG/Opus); held to the video size limit.
_AUDIO_MIMES = {"audio/ogg": ".ogg"}
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881
_DATETIME = 306

# Refusals of a file, each as (the file has a name, it has none): catalogue entries.
_EMPTY = (N_("{field}: file {name} is empty"), N_("{field}: the file is empty"))
_UNKNOWN_TYPE = (
    N_(
        "{field}: expected a JPEG, PNG, HEIC, MP4 or MOV file (or an OGG/Opus voice note), "
        "file {name} is none of these"
    ),
    N_(
        "{field}: expected a JPEG, PNG, HEIC, MP4 or MOV file (or an OGG/Opus voice note), "
        "the file is none of these"
    ),
)
_OVER_TYPE_LIMIT = (
    N_("{field}: file {name} is {size} bytes, more than the {mime} limit of {limit} bytes"),
    N_("{field}: the file is {size} bytes, more than the {mime} limit of {limit} bytes"),
)
_UNDECODABLE = (
    N_("{field}: file {name} looks like {mime} but cannot be decoded (truncated or corrupt)"),
    N_("{field}: the file looks like {mime} but cannot be decoded (truncated or corrupt)"),
)
_OVER_LIMIT = N_("{field}: file {name} is {size} bytes, more than the limit of {limit} bytes")
_UNREADABLE = N_("{field}: cannot read file {path} ({reason})")


@dataclass(frozen=True)
class ExifInfo:
    """Position (WGS 84 degrees) and capture time read from a photo's EXIF, when present."""

    lat: float | None = None
    lon: float | None = None
    taken_at: dt.datetime | None = None


@dataclass(frozen=True)
class EvidenceFile:
    """A checked evidence file: its hash, type, EXIF and (until released) its bytes."""

    sha256: str
    content: bytes
    mime: str
    original_name: str | None
    exif: ExifInfo
    #: Where the file was read from, when it came from a path.
    source: Path | None = None
    #: Size in bytes, kept when ``content`` is released (bulk imports read files again).
    size: int = -1

    @property
    def size_bytes(self) -> int:
        """Size of the file in bytes."""
        return self.size if self.size >= 0 else len(self.content)

    @property
    def is_photo(self) -> bool:
        """Whether the file is a photo (as opposed to a video)."""
        return self.mime in _PHOTO_MIMES


def sniff_mime(head: bytes) -> str | None:
    r"""Return the MIME type recognised from a file's first bytes, or ``None``.

    Examples
    --------
    >>> sniff_mime(b"\xff\xd8\xff\xe0rest")
    'image/jpeg'
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"heim", b"heis"):
            return "image/heic"
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if head.startswith(b"OggS") and b"OpusHead" in head[:64]:
        return "audio/ogg"
    return None


def _rational(value: Any) -> float:
    if isinstance(value, tuple):
        return float(value[0]) / float(value[1]) if value[1] else float("nan")
    return float(value)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        deg, minutes, seconds = (_rational(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1.0 if str(ref).strip().upper() in ("S", "W") else 1.0
    result = sign * (deg + minutes / 60.0 + seconds / 3600.0)
    return result if result == result else None  # NaN from a zero denominator


def _exif_time(raw: Any, offset: Any, zone: ZoneInfo) -> dt.datetime | None:
    if not raw:
        return None
    try:
        naive = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            parsed = dt.datetime.strptime(str(offset).strip("\x00 "), "%z")
            return naive.replace(tzinfo=parsed.tzinfo)
        except ValueError:
            pass
    # EXIF times are local and usually carry no offset: the province's (WIB, WITA or WIT).
    return naive.replace(tzinfo=zone)


def read_exif(content: bytes, *, zone: ZoneInfo | None = None) -> ExifInfo:
    """Read the GPS position and capture time from a photo's EXIF; empty when absent.

    A capture time without an offset is read in ``zone``, the province's
    (``settings.province_profile.zone``; the default province's when not given).

    Examples
    --------
    >>> read_exif(b"") == ExifInfo()
    True
    """
    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            gps = exif.get_ifd(_GPS_IFD)
            sub = exif.get_ifd(_EXIF_IFD)
            taken = _exif_time(
                sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME),
                sub.get(_OFFSET_TIME_ORIGINAL),
                zone or DEFAULT_ZONE,
            )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return ExifInfo()
    lat = lon = None
    if gps and 2 in gps and 4 in gps:
        lat = _dms(gps[2], gps.get(1, "N"))
        lon = _dms(gps[4], gps.get(3, "E"))
        if lat is not None and lon is not None and (lat, lon) == (0.0, 0.0):
            lat = lon = None  # cameras without a fix write zeros
    return ExifInfo(lat=lat, lon=lon, taken_at=taken)


def _refusal(
    templates: tuple[str, str], field: str, name: str | None, **values: object
) -> ValidationError:
    """Return the refusal of a file, naming it when it has a name."""
    if name:
        return ValidationError.of(templates[0], field=field, name=repr(name), **values)
    return ValidationError.of(templates[1], field=field, **values)


def _read_path(source: Path | str, field: str, limits: ReportSettings) -> bytes:
    """Read a file no larger than the largest limit."""
    path = Path(source)
    try:
        size = path.stat().st_size
        largest = max(limits.max_photo_bytes, limits.max_video_bytes)
        if size > largest:
            raise ValidationError.of(
                _OVER_LIMIT, field=field, name=repr(path.name), size=size, limit=largest
            )
        return path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValidationError.of(
            _UNREADABLE, field=field, path=repr(str(source)), reason=reason
        ) from None


def inspect_evidence(
    source: Path | str | bytes,
    *,
    name: str | None = None,
    field: str = "evidence",
    report_settings: ReportSettings,
    zone: ZoneInfo | None = None,
) -> EvidenceFile:
    """Read and check one evidence file: known type, within the size limit, readable.

    Parameters
    ----------
    source
        A path, or the bytes of an upload.
    name
        Original file name, kept for the record (a path's own name by default).
    field
        Field name used in error messages (``evidence[2]`` for the third file).
    report_settings
        Size limits (the injected ``settings.reports``).
    zone
        The province's zone (``settings.province_profile.zone``): a photo's EXIF time without
        an offset is local time there (the default province's when not given).

    Raises
    ------
    ValidationError
        Missing, unreadable, oversized or of an unaccepted type; the message names ``field``.

    Examples
    --------
    >>> from geo.settings import ReportSettings
    >>> inspect_evidence(b"hello", report_settings=ReportSettings())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geo.errors.ValidationError: evidence: expected a JPEG, PNG, HEIC, MP4 or MOV file ...
    """
    limits = report_settings
    if isinstance(source, bytes):
        content = source
    else:
        name = name or Path(source).name
        content = _read_path(source, field, limits)
    if not content:
        raise _refusal(_EMPTY, field, name)
    mime = sniff_mime(content[:64])
    if mime is None:
        raise _refusal(_UNKNOWN_TYPE, field, name)
    limit = limits.max_photo_bytes if mime in _PHOTO_MIMES else limits.max_video_bytes
    if len(content) > limit:
        raise _refusal(_OVER_TYPE_LIMIT, field, name, size=len(content), mime=mime, limit=limit)
    # Checked by structure, not by the first bytes alone: a photo by its decoder with the pixel
    # limit read from its header (decompression bombs), a video by its boxes.
    check_structure(content, mime, field=field, name=name)
    exif = read_exif(content, zone=zone) if mime in _PHOTO_MIMES else ExifInfo()
    return EvidenceFile(
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        mime=mime,
        original_name=name,
        exif=exif,
        source=None if isinstance(source, bytes) else Path(source),
        size=len(content),
    )


def write_once(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` atomically unless a file of that size is there."""
    if target.exists() and target.stat().st_size == len(content):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a crash never leaves a half file under a valid hash name.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def evidence_path(sha256: str, mime: str, *, settings: Settings) -> Path:
    """Return where the file with this hash and type is kept under ``settings.data_dir``."""
    ext = {**_PHOTO_MIMES, **_VIDEO_MIMES, **_AUDIO_MIMES}.get(mime, ".bin")
    root = settings.data_dir
    return root / "evidence" / sha256[:2] / sha256[2:4] / f"{sha256}{ext}"


def stored_name(target: Path, *, settings: Settings) -> str:
    """Return the name an evidence file is recorded under: relative to ``PANTAU_DATA_DIR``.

    So a restored system (``pantau backup restore --data-dir``) finds its files wherever its
    data folder now is.

    Examples
    --------
    >>> stored_name(evidence_path("ab" * 32, "image/jpeg", settings=settings), settings=settings)
    'evidence/ab/ab/abababababababababababababababababababababababababababababababab.jpg'
    """
    return target.relative_to(settings.data_dir).as_posix()


def stored_file(name: str, *, settings: Settings) -> Path:
    """Return where a recorded evidence file is: its name under ``PANTAU_DATA_DIR``.

    Absolute names, recorded before names became relative, are taken as they are.
    """
    path = Path(name)
    return path if path.is_absolute() else Path(settings.data_dir) / path


def store_evidence(*, session: Session, file: EvidenceFile, settings: Settings) -> Evidence:
    """Write ``file`` to disk and record it, once per content hash.

    Examples
    --------
    >>> file = inspect_evidence("photo.jpg", report_settings=settings.reports)
    >>> ev = store_evidence(session=session, file=file, settings=settings)
    >>> ev.mime
    'image/jpeg'
    """
    target = evidence_path(file.sha256, file.mime, settings=settings)
    write_once(target, file.content)
    session.execute(
        insert(Evidence)
        .values(
            sha256=file.sha256,
            path=stored_name(target, settings=settings),
            size_bytes=file.size_bytes,
            mime=file.mime,
            original_name=file.original_name,
            exif_lat=file.exif.lat,
            exif_lon=file.exif.lon,
            exif_time=file.exif.taken_at,
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    stored = session.scalar(select(Evidence).where(Evidence.sha256 == file.sha256))
    assert stored is not None  # just inserted or already there
    return stored
