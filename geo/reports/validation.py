"""Turn raw report fields (a form, a CSV row, a GeoJSON feature) into a checked report.

One function, :func:`clean_report`, serves ``submit`` and the bulk importer, so that a value is
refused with the same message whichever way it arrives. Each field is read by its rule in
:data:`~geo.reports.fieldrules.FIELD_RULES` (the table the bulk checker reads too); the checks
across fields follow here. Every refusal is a :class:`~geo.errors.ValidationError` naming the
field, what was expected and what arrived, made from a catalogue entry: ``str(error)`` is
English, ``error.localized(translator("id"))`` Bahasa Indonesia.
Warnings that must not lose a report (outside the area of interest, a photo taken far away or
long before) become flags instead.

Examples
--------
>>> import datetime as dt
>>> from geo.settings import Settings
>>> now = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)
>>> r = clean_report({"channel": "web", "lat": -0.5, "lon": 117.1}, settings=Settings(), now=now)
>>> (r.channel, r.lat, r.lon, r.confidentiality, r.flags)
('web', -0.5, 117.1, 'rahasia', [])
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pyproj import Geod

from geo.errors import N_, ValidationError
from geo.reports.config import ReportSettings
from geo.reports.evidence import EvidenceFile
from geo.reports.fieldrules import CHANNEL_ALIASES, FIELD_RULES, RULES, parse_time
from geo.reports.privacy import encrypt_identity, reporter_hash
from geo.settings import Settings

__all__ = [
    "CleanReport",
    "clean_report",
    "read_fields",
    "parse_time",
    "check_point",
    "CHANNEL_ALIASES",
    "ROW_REFUSALS",
]

_GEOD = Geod(ellps="WGS84")


@dataclass
class CleanReport:
    """A report whose every field has been checked; identity already encrypted and hashed."""

    channel: str
    received_at: dt.datetime
    location_source: str
    activity: str
    confidentiality: str
    external_id: str | None = None
    observed_at: dt.datetime | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    location_text: str | None = None
    title: str | None = None
    description: str | None = None
    commodity_guess: str | None = None
    reporter_name_enc: bytes | None = field(default=None, repr=False)
    reporter_phone_enc: bytes | None = field(default=None, repr=False)
    reporter_hash: str | None = field(default=None, repr=False)
    flags: list[str] = field(default_factory=list)
    evidence: list[EvidenceFile] = field(default_factory=list, repr=False)

    @property
    def ewkt(self) -> str | None:
        """The point as EWKT for PostGIS, or ``None`` for a described place."""
        if self.lat is None or self.lon is None:
            return None
        return f"SRID=4326;POINT({self.lon!r} {self.lat!r})"

    def content_hash(self) -> str:
        """SHA-256 of what the report says, for idempotent bulk imports.

        Ciphertexts are left out (they differ on every encryption); the keyed reporter hash
        stands for the reporter.
        """
        payload = {
            "channel": self.channel,
            "external_id": self.external_id,
            "received_at": self.received_at.astimezone(dt.UTC).isoformat(),
            "observed_at": self.observed_at.astimezone(dt.UTC).isoformat()
            if self.observed_at
            else None,
            "lat": None if self.lat is None else round(self.lat, 7),
            "lon": None if self.lon is None else round(self.lon, 7),
            "location_text": self.location_text,
            "title": self.title,
            "description": self.description,
            "activity": self.activity,
            "reporter": self.reporter_hash,
            "evidence": sorted(e.sha256 for e in self.evidence),
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


#: Refusals that look at more than one field (each field's own are in :data:`FIELD_RULES`).
OBSERVED_AFTER_RECEIVED = N_(
    "{field}: expected a time before the report was received ({received}), got {value}"
)
LAT_WITHOUT_LON = N_("{field}: lat and lon come together, got only {other}")
SWAPPED = N_(
    "lat/lon: latitude and longitude look swapped: lat={lat}, lon={lon} is outside "
    "Indonesia but lat={lon}, lon={lat} is inside; send latitude (about -4 to 3 in "
    "East Kalimantan) as lat and longitude (about 113 to 120) as lon"
)
NULL_ISLAND = N_(
    'lat/lon: got 0, 0 ("null island"), which is what a device writes without a '
    "position fix; send the real position or only the described place"
)
OUTSIDE_INDONESIA = N_(
    "lat/lon: expected a position in Indonesia (lon {west} to {east}, "
    "lat {south} to {north}), got lat={lat}, lon={lon}"
)
NO_LOCATION = N_(
    "lat/lon: a point (lat and lon) is required, or a described place "
    "(location_text) when no position is known; got neither"
)
#: Every refusal of a row that no single field's rule makes.
ROW_REFUSALS: tuple[str, ...] = (
    OBSERVED_AFTER_RECEIVED,
    LAT_WITHOUT_LON,
    SWAPPED,
    NULL_ISLAND,
    OUTSIDE_INDONESIA,
    NO_LOCATION,
)


def _inside(lon: float, lat: float, bbox: tuple[float, float, float, float]) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def check_point(lat: float, lon: float, *, settings: Settings) -> list[str]:
    """Refuse an impossible point; return ``["outside_aoi"]`` for one outside the area.

    Raises
    ------
    ValidationError
        Swapped latitude and longitude, out of range, (0, 0), or outside Indonesia.

    Examples
    --------
    >>> from geo.settings import Settings
    >>> check_point(-0.5, 117.1, settings=Settings())
    []
    >>> check_point(-6.2, 106.8, settings=Settings())  # Jakarta: Indonesia, not Kaltim
    ['outside_aoi']
    """
    indonesia = settings.indonesia_bbox
    if not _inside(lon, lat, indonesia) and _inside(lat, lon, indonesia):
        raise ValidationError.of(SWAPPED, field="lat", lat=lat, lon=lon)
    RULES["lat"].check_range(lat)
    RULES["lon"].check_range(lon)
    if lat == 0.0 and lon == 0.0:
        raise ValidationError.of(NULL_ISLAND, field="lat")
    if not _inside(lon, lat, indonesia):
        west, south, east, north = indonesia
        raise ValidationError.of(
            OUTSIDE_INDONESIA,
            field="lat",
            west=west,
            east=east,
            south=south,
            north=north,
            lat=lat,
            lon=lon,
        )
    return [] if _inside(lon, lat, settings.aoi_bbox) else ["outside_aoi"]


def read_fields(raw: Mapping[str, Any], *, zone: ZoneInfo | None = None) -> dict[str, Any]:
    """Return each field of :data:`FIELD_RULES` read from ``raw`` by its rule, in table order.

    Times without an offset are local to ``zone``, the province's.

    Raises
    ------
    ValidationError
        The first field whose rule refuses its value.

    Examples
    --------
    >>> read_fields({"channel": "WA", "activity": "Hauling Trucks"})["activity"]
    'hauling_trucks'
    """
    return {rule.name: rule.read(raw.get(rule.name), zone=zone) for rule in FIELD_RULES}


def _check_times(
    values: Mapping[str, Any], *, now: dt.datetime, limits: ReportSettings
) -> tuple[dt.datetime, dt.datetime | None]:
    """Return (received, observed): neither in the future, observed not after received."""
    slack = limits.future_tolerance_s
    received_at: dt.datetime = values["received_at"] or now
    observed_at: dt.datetime | None = values["observed_at"]
    RULES["received_at"].check_not_future(received_at, now, slack)
    RULES["observed_at"].check_not_future(observed_at, now, slack)
    if observed_at is not None and observed_at > received_at + dt.timedelta(seconds=slack):
        raise ValidationError.of(
            OBSERVED_AFTER_RECEIVED,
            field="observed_at",
            received=received_at.isoformat(timespec="seconds"),
            value=observed_at.isoformat(timespec="seconds"),
        )
    return received_at, observed_at


@dataclass
class _Place:
    lat: float | None
    lon: float | None
    location_source: str
    flags: list[str]


def _locate(
    values: Mapping[str, Any], evidence: Sequence[EvidenceFile], *, settings: Settings
) -> _Place:
    """Return the point (or the described place), its source and its flags."""
    lat, lon = values["lat"], values["lon"]
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        other = "lat" if missing == "lon" else "lon"
        raise ValidationError.of(LAT_WITHOUT_LON, field=missing, other=other)
    source_default = "map_pin"
    photo_point = next(
        (e.exif for e in evidence if e.exif.lat is not None and e.exif.lon is not None), None
    )
    if lat is None and photo_point is not None:
        # Only the photo knows where it was taken: its EXIF position becomes the location.
        lat, lon, source_default = photo_point.lat, photo_point.lon, "exif"
    source = values["location_source"]
    if lat is not None and lon is not None:
        flags = check_point(lat, lon, settings=settings)
        if source is None or source == "described":
            source = source_default
        return _Place(lat, lon, source, flags)
    if (source or "described") != "described" or values["location_text"] is None:
        raise ValidationError.of(NO_LOCATION, field="lat")
    return _Place(None, None, "described", ["no_location"])


def _photo_flags(
    place: _Place, evidence: Sequence[EvidenceFile], when: dt.datetime, limits: ReportSettings
) -> list[str]:
    """Flag (never refuse) a photo taken far from the point or long before."""
    flags: list[str] = []
    for file in evidence:
        exif = file.exif
        if (
            place.lat is not None
            and place.lon is not None
            and exif.lat is not None
            and exif.lon is not None
            and "exif_far" not in flags
        ):
            _, _, distance = _GEOD.inv(place.lon, place.lat, exif.lon, exif.lat)
            if distance > limits.exif_max_distance_m:
                flags.append("exif_far")
        if (
            exif.taken_at is not None
            and when - exif.taken_at > dt.timedelta(days=limits.exif_max_age_days)
            and "exif_old" not in flags
        ):
            flags.append("exif_old")
    return flags


def clean_report(
    raw: Mapping[str, Any],
    *,
    evidence: Sequence[EvidenceFile] = (),
    settings: Settings,
    report_settings: ReportSettings | None = None,
    now: dt.datetime | None = None,
) -> CleanReport:
    """Check the raw fields of one report and return it ready to store.

    Parameters
    ----------
    raw
        Field name to value: ``channel`` (required), ``external_id``, ``received_at``,
        ``observed_at``, ``lat``, ``lon``, ``location_source``, ``accuracy_m``,
        ``location_text``, ``title``, ``description``, ``activity``, ``commodity_guess``,
        ``confidentiality``, ``reporter_name``, ``reporter_phone``. Unknown keys are ignored.
    evidence
        Files already checked by :func:`geo.reports.evidence.inspect_evidence`.
    settings
        Area of interest and secret key (the injected settings tree).
    report_settings
        Time tolerance and EXIF thresholds; ``settings.reports`` when not given.
    now
        The current time (tests pass a fixed one).

    Raises
    ------
    ValidationError
        The first bad field, named in ``field`` and in the message: each field's own rule
        (:data:`~geo.reports.fieldrules.FIELD_RULES`, in its order), then the rules across
        fields (:data:`ROW_REFUSALS`).

    Examples
    --------
    >>> from geo.settings import Settings
    >>> clean_report({"channel": "sms", "lat": 0.1, "lon": 117.0}, settings=Settings())
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geo.errors.ValidationError: channel: expected one of hotline, lapor, ..., got 'sms'
    """
    limits = report_settings or settings.reports
    now = now or dt.datetime.now(dt.UTC)
    values = read_fields(raw, zone=settings.province_profile.zone)
    received_at, observed_at = _check_times(values, now=now, limits=limits)
    place = _locate(values, evidence, settings=settings)
    if values["accuracy_m"] is not None:
        RULES["accuracy_m"].check_range(values["accuracy_m"])
    flags = place.flags + _photo_flags(place, evidence, observed_at or received_at, limits)
    phone, name = values["reporter_phone"], values["reporter_name"]
    return CleanReport(
        channel=values["channel"],
        external_id=values["external_id"],
        received_at=received_at,
        observed_at=observed_at,
        lat=place.lat,
        lon=place.lon,
        location_source=place.location_source,
        accuracy_m=values["accuracy_m"],
        location_text=values["location_text"],
        title=values["title"],
        description=values["description"],
        activity=values["activity"],
        commodity_guess=values["commodity_guess"],
        confidentiality=values["confidentiality"],
        reporter_name_enc=encrypt_identity(name, settings=settings),
        reporter_phone_enc=encrypt_identity(phone, settings=settings),
        reporter_hash=reporter_hash(phone, settings=settings),
        flags=flags,
        evidence=list(evidence),
    )
