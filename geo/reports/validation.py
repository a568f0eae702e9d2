"""Turn raw report fields (a form, a CSV row, a GeoJSON feature) into a checked report.

One function, :func:`clean_report`, serves ``submit`` and the bulk importer, so that a value is
refused with the same message whichever way it arrives. Every refusal is a
:class:`~geo.errors.ValidationError` naming the field, what was expected and what arrived.
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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pyproj import Geod

from geo.errors import ValidationError
from geo.reports.config import LOCAL_TIMEZONE, ReportSettings, get_report_settings
from geo.reports.evidence import EvidenceFile
from geo.reports.models import ACTIVITIES, CHANNELS, CONFIDENTIALITY, LOCATION_SOURCES
from geo.reports.privacy import encrypt_identity, reporter_hash
from geo.settings import Settings, get_settings
from geo.vocab import COMMODITIES

__all__ = ["CleanReport", "clean_report", "parse_time", "check_point", "CHANNEL_ALIASES"]

#: Names channels arrive under in exports and forms, mapped to the stored code.
CHANNEL_ALIASES: dict[str, str] = {
    "whatsapp": "hotline",
    "wa": "hotline",
    "telepon": "hotline",
    "sp4n-lapor": "lapor",
    "sp4n-lapor!": "lapor",
    "lapor!": "lapor",
    "web_form": "web",
    "website": "web",
    "field": "field_team",
    "tim_lapangan": "field_team",
    "media_monitoring": "media",
    "satellite_alert": "satellite",
}

_GEOD = Geod(ellps="WGS84")
_LOCAL = ZoneInfo(LOCAL_TIMEZONE)
_TIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)
_TEXT_LIMITS = {
    "title": 300,
    "description": 10_000,
    "location_text": 1_000,
    "external_id": 200,
    "reporter_name": 200,
    "reporter_phone": 40,
}


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


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return False  # NaN is a value, and a wrong one: reported by the number parser
    return isinstance(value, str) and not value.strip()


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if _blank(value):
        return None
    text = str(value).strip()
    if "\x00" in text:
        # PostgreSQL text cannot hold it, and no honest form sends it.
        raise ValidationError(f"{name}: contains a NUL character", field=name)
    limit = _TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise ValidationError(
            f"{name}: expected at most {limit} characters, got {len(text)}", field=name
        )
    return text


def _number(value: Any, name: str, what: str) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{name}: expected {what}, got {value!r}", field=name)
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # Indonesian decimal comma
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(f"{name}: expected {what}, got {value!r}", field=name) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{name}: expected {what}, got {value!r}", field=name) from None
    if math.isnan(number) or math.isinf(number):
        raise ValidationError(f"{name}: expected {what}, got {number}", field=name)
    return number


def parse_time(value: Any, name: str) -> dt.datetime | None:
    """Parse an ISO 8601 or ``dd/mm/yyyy [HH:MM[:SS]]`` time; naive times are WITA (UTC+8).

    Examples
    --------
    >>> parse_time("24/12/2025 09:30", "received_at").isoformat()
    '2025-12-24T09:30:00+08:00'
    """
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    else:
        text = str(value).strip()
        parsed_or_none: dt.datetime | None = None
        try:
            parsed_or_none = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    parsed_or_none = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed_or_none is None:
            raise ValidationError(
                f"{name}: expected a time like 2025-12-24T09:30:00+08:00 or 24/12/2025 09:30, "
                f"got {text!r}",
                field=name,
            )
        parsed = parsed_or_none
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_LOCAL)
    return parsed


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
        raise ValidationError(
            f"lat/lon: latitude and longitude look swapped: lat={lat}, lon={lon} is outside "
            f"Indonesia but lat={lon}, lon={lat} is inside; send latitude (about -4 to 3 in "
            "East Kalimantan) as lat and longitude (about 113 to 120) as lon",
            field="lat",
        )
    if not -90.0 <= lat <= 90.0:
        raise ValidationError(
            f"lat: expected a latitude between -90 and 90 degrees, got {lat}", field="lat"
        )
    if not -180.0 <= lon <= 180.0:
        raise ValidationError(
            f"lon: expected a longitude between -180 and 180 degrees, got {lon}", field="lon"
        )
    if lat == 0.0 and lon == 0.0:
        raise ValidationError(
            'lat/lon: got 0, 0 ("null island"), which is what a device writes without a '
            "position fix; send the real position or only the described place",
            field="lat",
        )
    if not _inside(lon, lat, indonesia):
        raise ValidationError(
            f"lat/lon: expected a position in Indonesia (lon {indonesia[0]} to {indonesia[2]}, "
            f"lat {indonesia[1]} to {indonesia[3]}), got lat={lat}, lon={lon}",
            field="lat",
        )
    return [] if _inside(lon, lat, settings.aoi_bbox) else ["outside_aoi"]


def _choice(raw: Mapping[str, Any], name: str, allowed: Sequence[str], default: str | None) -> str:
    value = raw.get(name)
    if _blank(value):
        if default is None:
            raise ValidationError(
                f"{name}: required, expected one of {', '.join(allowed)}", field=name
            )
        return default
    text = str(value).strip().lower().replace(" ", "_")
    if name == "channel":
        text = CHANNEL_ALIASES.get(text, text)
    if text not in allowed:
        raise ValidationError(
            f"{name}: expected one of {', '.join(allowed)}, got {str(value)!r}", field=name
        )
    return text


#: SP4N-LAPOR! marks a report public ("biasa") when neither box is ticked: it may be shown, and
#: the identity is never shown here anyway, so it is the ``anonim`` level.
_PUBLIC_WORDS = frozenset({"biasa", "publik", "umum", "public", "terbuka"})


def _confidentiality(raw: Mapping[str, Any]) -> str:
    value = raw.get("confidentiality")
    if not _blank(value):
        text = str(value).strip().lower()
        # "Rahasia & Anonim" in an export: the stricter level wins.
        if "rahasia" in text:
            return "rahasia"
        if "anonim" in text or text in _PUBLIC_WORDS:
            return "anonim"
    return _choice(raw, "confidentiality", CONFIDENTIALITY, "rahasia")


def _not_future(value: dt.datetime | None, name: str, now: dt.datetime, slack_s: float) -> None:
    if value is not None and value > now + dt.timedelta(seconds=slack_s):
        raise ValidationError(
            f"{name}: expected a time not in the future "
            f"(now is {now.isoformat(timespec='seconds')}), "
            f"got {value.isoformat(timespec='seconds')}",
            field=name,
        )


def clean_report(
    raw: Mapping[str, Any],
    *,
    evidence: Sequence[EvidenceFile] = (),
    settings: Settings | None = None,
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
    settings, report_settings
        Area of interest, secret key; EXIF thresholds.
    now
        The current time (tests pass a fixed one).

    Raises
    ------
    ValidationError
        The first bad field, named in ``field`` and in the message.

    Examples
    --------
    >>> clean_report({"channel": "sms", "lat": 0.1, "lon": 117.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geo.errors.ValidationError: channel: expected one of hotline, lapor, ..., got 'sms'
    """
    settings = settings or get_settings()
    limits = report_settings or get_report_settings()
    now = now or dt.datetime.now(dt.UTC)
    channel = _choice(raw, "channel", CHANNELS, None)
    received_at = parse_time(raw.get("received_at"), "received_at") or now
    observed_at = parse_time(raw.get("observed_at"), "observed_at")
    _not_future(received_at, "received_at", now, limits.future_tolerance_s)
    _not_future(observed_at, "observed_at", now, limits.future_tolerance_s)
    if observed_at is not None and observed_at > received_at + dt.timedelta(
        seconds=limits.future_tolerance_s
    ):
        raise ValidationError(
            f"observed_at: expected a time before the report was received "
            f"({received_at.isoformat(timespec='seconds')}), got "
            f"{observed_at.isoformat(timespec='seconds')}",
            field="observed_at",
        )

    lat = _number(raw.get("lat"), "lat", "a latitude in decimal degrees")
    lon = _number(raw.get("lon"), "lon", "a longitude in decimal degrees")
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise ValidationError(
            f"{missing}: lat and lon come together, got only "
            f"{'lat' if missing == 'lon' else 'lon'}",
            field=missing,
        )
    location_text = _text(raw, "location_text")
    source_default = "map_pin"
    photo_point = next(
        (e.exif for e in evidence if e.exif.lat is not None and e.exif.lon is not None), None
    )
    if lat is None and photo_point is not None:
        # Only the photo knows where it was taken: its EXIF position becomes the location.
        lat, lon, source_default = photo_point.lat, photo_point.lon, "exif"
    flags: list[str] = []
    if lat is not None and lon is not None:
        flags += check_point(lat, lon, settings=settings)
        location_source = _choice(raw, "location_source", LOCATION_SOURCES, source_default)
        if location_source == "described":
            location_source = source_default
    else:
        location_source = _choice(raw, "location_source", LOCATION_SOURCES, "described")
        if location_source != "described" or location_text is None:
            raise ValidationError(
                "lat/lon: a point (lat and lon) is required, or a described place "
                "(location_text) when no position is known; got neither",
                field="lat",
            )
        flags.append("no_location")

    accuracy_m = _number(raw.get("accuracy_m"), "accuracy_m", "a distance in metres")
    if accuracy_m is not None and accuracy_m < 0:
        raise ValidationError(
            f"accuracy_m: expected a distance of 0 metres or more, got {accuracy_m}",
            field="accuracy_m",
        )

    when = observed_at or received_at
    for file in evidence:
        exif = file.exif
        if (
            lat is not None
            and lon is not None
            and exif.lat is not None
            and exif.lon is not None
            and "exif_far" not in flags
        ):
            _, _, distance = _GEOD.inv(lon, lat, exif.lon, exif.lat)
            if distance > limits.exif_max_distance_m:
                flags.append("exif_far")
        if (
            exif.taken_at is not None
            and when - exif.taken_at > dt.timedelta(days=limits.exif_max_age_days)
            and "exif_old" not in flags
        ):
            flags.append("exif_old")

    commodity = raw.get("commodity_guess")
    phone = _text(raw, "reporter_phone")
    name = _text(raw, "reporter_name")
    return CleanReport(
        channel=channel,
        external_id=_text(raw, "external_id"),
        received_at=received_at,
        observed_at=observed_at,
        lat=lat,
        lon=lon,
        location_source=location_source,
        accuracy_m=accuracy_m,
        location_text=location_text,
        title=_text(raw, "title"),
        description=_text(raw, "description"),
        activity=_choice(raw, "activity", ACTIVITIES, "other"),
        commodity_guess=None
        if _blank(commodity)
        else _choice(raw, "commodity_guess", COMMODITIES, None),
        # When the flag is missing the safest level applies: the report stays in the agency.
        confidentiality=_confidentiality(raw),
        reporter_name_enc=encrypt_identity(name, settings=settings),
        reporter_phone_enc=encrypt_identity(phone, settings=settings),
        reporter_hash=reporter_hash(phone, settings=settings),
        flags=flags,
        evidence=list(evidence),
    )
