"""Reading ODK submissions: OData rows from ODK Central, and CSV-with-media export zips.

Both become :class:`FieldSubmission`: the instance id, the form's values by field name (the
last segment of the group path, so ``visit-site`` in ODK Central's CSV, ``visit/site`` in
KoboToolbox's and ``{"visit": {"site": ...}}`` in OData all give ``site``), and the names of the
photos. A geopoint is kept as ODK writes it, ``"lat lon altitude accuracy"``, whether it came as
one cell, as Central's ``-Latitude``/``-Longitude`` columns or as OData's GeoJSON.

An export zip holds the main CSV (``SubmissionDate``, the fields, ``meta-instanceID``, ``KEY``),
one CSV per repeat (rows tied to their submission by ``PARENT_KEY``: the photos of the form's
``evidence`` repeat) and the files under ``media/``. KoboToolbox's ``;``-separated CSV with
``group/name`` headers and ``_uuid`` is read as well, with its media anywhere in the zip.

Examples
--------
>>> s = from_odata({"__id": "uuid:1", "visit": {"site": "KKR-001", "location": {
...     "type": "Point", "coordinates": [117.1, -0.5, 12.0], "properties": {"accuracy": 4}}},
...     "evidence": [{"photo": "a.jpg"}], "__system": {"submitterName": "tim1"}})
>>> s.instance_id, s.values["site"], s.values["location"], s.photos
('uuid:1', 'KKR-001', '-0.5 117.1 12.0 4', ('a.jpg',))
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from geo.errors import N_, InputFileError

__all__ = ["FieldSubmission", "ExportZip", "from_odata", "read_export", "normalise_instance_id"]

_GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
_PHOTO = re.compile(r"^photo\d*$")
_SEP = re.compile(r"[/-]")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}$")

_NOT_A_ZIP = N_("{path} is not a zip file of an ODK export")
_NO_MAIN_CSV = N_("{path}: no CSV of submissions found (a CSV with a KEY or instanceID column)")


@dataclass(frozen=True)
class FieldSubmission:
    """One submission as the importer reads it, whatever it came from."""

    instance_id: str
    #: The form's values by field name (``site``, ``result``, ``location``, ...).
    values: dict[str, str] = field(default_factory=dict)
    #: Names of the photo files, in the order of the repeat.
    photos: tuple[str, ...] = ()
    submitter: str | None = None
    submitted_at: dt.datetime | None = None
    #: The row of the export's CSV it was read from (``None`` for ODK Central).
    row: int | None = None
    #: Central's review state (``approved``, ``hasIssues``, ``rejected``...), when known.
    review_state: str | None = None


def normalise_instance_id(value: str | None) -> str:
    """Return the id as ODK writes it (``uuid:...``); KoboToolbox's ``_uuid`` lacks the prefix.

    Examples
    --------
    >>> normalise_instance_id("5b7e0c1e-8d0a-4a57-9d55-2f7c1bb7a3a1")
    'uuid:5b7e0c1e-8d0a-4a57-9d55-2f7c1bb7a3a1'
    >>> normalise_instance_id(" uuid:abc ")
    'uuid:abc'
    """
    text = (value or "").strip()
    return f"uuid:{text}" if _UUID.match(text) else text


def _when(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _leaf(path: str) -> str:
    """Return the field name of a column: its last segment (``location/Latitude`` for geopoints)."""
    parts = [p for p in _SEP.split(path) if p]
    if not parts:
        return path
    if len(parts) >= 2 and parts[-1] in _GEO_PARTS:
        return f"{parts[-2]}/{parts[-1]}"
    return parts[-1]


def _values(flat: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Map each column to its field name; a geopoint split in parts is joined into one value."""
    values: dict[str, str] = {}
    for path, value in flat:
        if value is None or value == "":
            continue
        values.setdefault(_leaf(path), str(value).strip())
    for key in [k for k in values if k.endswith("/Latitude")]:
        name = key.split("/")[0]
        parts = [values.get(f"{name}/{p}", "0") for p in _GEO_PARTS]
        values.setdefault(name, " ".join(parts))
    return values


def _geojson_point(value: Mapping[str, Any]) -> str | None:
    coords = value.get("coordinates")
    if value.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
        return None
    altitude = coords[2] if len(coords) > 2 else 0
    accuracy = (value.get("properties") or {}).get("accuracy", 0)
    return f"{coords[1]} {coords[0]} {altitude} {accuracy}"


def _walk(node: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in node.items():
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, Mapping):
            point = _geojson_point(value)
            if point is not None:
                yield path, point
            elif key != "__system":
                yield from _walk(value, path)
        elif not isinstance(value, list):
            yield path, value


def _photos_in(node: Any) -> list[str]:
    """Every photo file name in the repeats of an OData row."""
    found: list[str] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, list):
                for item in value:
                    found += _photos_in(item)
            elif isinstance(value, Mapping):
                found += _photos_in(value)
            elif _PHOTO.match(str(key)) and value:
                found.append(str(value))
    return found


def from_odata(row: Mapping[str, Any]) -> FieldSubmission:
    """Read one row of Central's OData ``Submissions`` table (with ``$expand=*``)."""
    system = row.get("__system") or {}
    iid = normalise_instance_id(str(row.get("__id") or ""))
    return FieldSubmission(
        instance_id=iid,
        values=_values(_walk(row)),
        photos=tuple(_photos_in({k: v for k, v in row.items() if k != "__system"})),
        submitter=system.get("submitterName") or None,
        submitted_at=_when(system.get("submissionDate")),
        review_state=system.get("reviewState") or None,
    )


def _read_csv(data: bytes) -> tuple[set[str], list[dict[str, str]]]:
    text = data.decode("utf-8-sig", errors="replace")
    head = text.split("\n", 1)[0]
    delimiter = ";" if head.count(";") > head.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return set(reader.fieldnames or ()), list(reader)


def _instance_of(row: Mapping[str, str]) -> str:
    # Central's KEY (like OData's ``__id``) stays the first version's id when a submission is
    # edited, while meta-instanceID changes: keying on it keeps one inspection per submission.
    for column in ("KEY", "meta-instanceID", "meta/instanceID", "instanceID", "_uuid"):
        if row.get(column):
            return normalise_instance_id(row[column])
    return ""


@dataclass
class ExportZip:
    """An opened export: its submissions and the media files it carries."""

    path: Path
    submissions: list[FieldSubmission]
    _zip: zipfile.ZipFile
    _media: dict[str, list[str]]

    def media(self, instance_id: str, name: str) -> bytes | None:
        """Return the bytes of a photo the submission names, or ``None`` when it is not there.

        When several files share the name (KoboToolbox keeps one folder per submission), the
        one in a folder named after the submission wins.
        """
        candidates = self._media.get(PurePosixPath(name.replace("\\", "/")).name, [])
        if not candidates:
            return None
        bare = instance_id.removeprefix("uuid:")
        best = next((c for c in candidates if bare and bare in c), candidates[0])
        return self._zip.read(best)

    def close(self) -> None:
        """Close the zip file."""
        self._zip.close()


def _submissions(
    main: list[dict[str, str]], repeats: list[list[dict[str, str]]]
) -> list[FieldSubmission]:
    photos: dict[str, list[str]] = {}
    for table in repeats:
        for r in table:
            parent = normalise_instance_id(r.get("PARENT_KEY", "").split("/")[0])
            photos.setdefault(parent, []).extend(
                v for k, v in r.items() if k and _PHOTO.match(_leaf(k)) and v
            )
    out = []
    for i, r in enumerate(main, start=2):  # row 1 is the header
        iid = _instance_of(r)
        inline = [v for k, v in r.items() if k and _PHOTO.match(_leaf(k)) and v]
        out.append(
            FieldSubmission(
                instance_id=iid,
                values=_values((k, v) for k, v in r.items() if k),
                photos=tuple(inline + photos.get(iid, [])),
                submitter=r.get("SubmitterName") or r.get("_submitted_by") or None,
                submitted_at=_when(r.get("SubmissionDate") or r.get("_submission_time") or ""),
                row=i,
                review_state=r.get("ReviewState") or None,
            )
        )
    return out


def read_export(path: Path | str) -> ExportZip:
    """Open an ODK Central or KoboToolbox CSV-with-media export zip.

    Raises
    ------
    InputFileError
        Not a zip, or no CSV of submissions in it.
    """
    source = Path(path)
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile):
        raise InputFileError.of(_NOT_A_ZIP, field="export", path=source.name) from None
    main: list[dict[str, str]] | None = None
    repeats: list[list[dict[str, str]]] = []
    media: dict[str, list[str]] = {}
    for info in sorted(archive.infolist(), key=lambda i: (i.filename.count("/"), i.filename)):
        if info.is_dir():
            continue
        name = info.filename
        if name.lower().endswith(".csv") and "/" not in name:
            header, rows = _read_csv(archive.read(info))
            if "PARENT_KEY" in header:
                repeats.append(rows)
            elif main is None and (header & {"KEY", "meta-instanceID", "meta/instanceID", "_uuid"}):
                main = rows
        else:
            media.setdefault(PurePosixPath(name).name, []).append(name)
    if main is None:
        archive.close()
        raise InputFileError.of(_NO_MAIN_CSV, field="export", path=source.name)
    return ExportZip(source, _submissions(main, repeats), archive, media)
