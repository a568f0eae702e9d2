"""Turn a layer's rows into normalised attributes, keeping the originals as JSON.

Attribute names are matched without regard to case (``KEGIATAN``, ``Kegiatan``); missing
columns and empty values become ``None``; dates arrive as ISO text, epoch milliseconds or
datetimes and leave as ISO dates. A value that cannot be read is an error naming its row and
field, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from geo.errors import N_, InputFileError
from geo.layers.config import authority_for

__all__ = [
    "WIUP_FIELDS",
    "forest_code",
    "json_safe",
    "lower_keys",
    "parse_date",
    "permit_stage",
    "wiup_attrs",
]

#: The attribute names of ESDM's public WIUP layer.
WIUP_FIELDS: tuple[str, ...] = (
    "kode_wiup",
    "sk_iup",
    "nama_usaha",
    "badan_usaha",
    "jenis_izin",
    "komoditas",
    "kegiatan",
    "tgl_berlaku",
    "tgl_akhir",
    "luas_sk",
    "nama_prov",
    "nama_kab",
    "cnc",
)
_DATES = ("tgl_berlaku", "tgl_akhir")
_NOT_A_DATE = N_("row {row}: {field} is not a date: {value}")
_NOT_A_NUMBER = N_("row {row}: {field} is not a number: {value}")
_ENDED_WORDS = ("BERAKHIR", "DICABUT", "PENCABUTAN", "TIDAK AKTIF", "EXPIRED")


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    # pandas' NaT and NA compare unequal to themselves.
    return value != value  # noqa: PLR0124 - NaT/NA test without importing pandas


def json_safe(value: object) -> Any:
    """Return ``value`` as something ``json.dumps`` takes (dates as ISO text, NaN as None)."""
    if _missing(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def lower_keys(record: Mapping[str, object]) -> dict[str, object]:
    """Return ``record`` keyed by lower-case, stripped names.

    A file may carry ``KEGIATAN`` on some rows and ``kegiatan`` on others (two columns once
    read): the first value that is not missing wins.
    """
    out: dict[str, object] = {}
    for key, value in record.items():
        name = str(key).strip().lower()
        if _missing(out.get(name)):
            out[name] = value
    return out


def parse_date(value: object, *, field: str, row: int) -> dt.date | None:
    """Read an ISO date, a ``dd/mm/yyyy`` date, epoch milliseconds or a datetime.

    Examples
    --------
    >>> parse_date(1735689600000, field="tgl_akhir", row=1)
    datetime.date(2025, 1, 1)
    >>> parse_date("2025-01-01T00:00:00Z", field="tgl_akhir", row=1)
    datetime.date(2025, 1, 1)
    >>> parse_date("31/12/2030", field="tgl_akhir", row=1)
    datetime.date(2030, 12, 31)
    """
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()  # type: ignore[no-any-return]
    text = str(value.item() if hasattr(value, "item") else value).strip()
    try:
        if isinstance(value, int | float) or text.lstrip("-").replace(".", "", 1).isdigit():
            millis = float(text)
            return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=millis)).date()
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text[:10])
    except (ValueError, OverflowError):
        raise InputFileError.of(_NOT_A_DATE, field=field, row=row, value=text) from None


def _number(value: object, *, field: str, row: int) -> float | None:
    if _missing(value):
        return None
    text = str(value).strip().replace(",", ".") if isinstance(value, str) else value
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputFileError.of(_NOT_A_NUMBER, field=field, row=row, value=str(value)) from None


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def permit_stage(kegiatan: str | None, jenis_izin: str | None) -> str | None:
    """Return ``operasi_produksi``, ``eksplorasi`` or ``None`` from the permit's stage fields.

    Examples
    --------
    >>> permit_stage("Operasi Produksi", None), permit_stage(None, "IUP Eksplorasi")
    ('operasi_produksi', 'eksplorasi')
    """
    for text in (kegiatan, jenis_izin):
        words = (text or "").upper()
        if "OPERASI" in words or "PRODUKSI" in words or words.split()[-1:] == ["OP"]:
            return "operasi_produksi"
        if "EKSPLORASI" in words or "EXPLORATION" in words:
            return "eksplorasi"
    return None


def wiup_attrs(record: Mapping[str, object], *, row: int) -> dict[str, Any]:
    """Return the normalised attributes of one WIUP row (see :data:`WIUP_FIELDS`)."""
    lower = lower_keys(record)
    attrs: dict[str, Any] = {}
    for name in WIUP_FIELDS:
        # A Shapefile cuts names to ten characters (tgl_berlaku -> tgl_berlak).
        value = lower.get(name, lower.get(name[:10]))
        if name in _DATES:
            date = parse_date(value, field=name, row=row)
            attrs[name] = date.isoformat() if date else None
        elif name == "luas_sk":
            attrs[name] = _number(value, field=name, row=row)
        else:
            attrs[name] = _text(value)
    attrs["stage"] = permit_stage(attrs["kegiatan"], attrs["jenis_izin"])
    status = " ".join(filter(None, (attrs["kegiatan"], attrs["jenis_izin"]))).upper()
    attrs["ended"] = any(word in status for word in _ENDED_WORDS)
    attrs["authority"] = authority_for(attrs["komoditas"])
    return attrs


def forest_code(value: object) -> str | None:
    """Return a ``FUNGSIKWS`` value as the text the mapping table is keyed by.

    Examples
    --------
    >>> forest_code(1004.0), forest_code(" hl "), forest_code(None)
    ('1004', 'HL', None)
    """
    text = _text(value)
    return text.upper() if text else None
