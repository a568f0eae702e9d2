"""A fast path for bulk imports that proves ordinary rows valid, and leaves the rest alone.

:func:`~geo.reports.validation.clean_report` stays the one source of truth for what a report may
be and for every message. :func:`clean_many` only *accepts*: for each row it either returns the
same :class:`~geo.reports.validation.CleanReport` that ``clean_report`` would (its identity
encrypted later by :func:`seal`, through an :class:`~geo.reports.privacy.IdentityCache`),
or ``None`` when it cannot prove the row valid (a bad value, evidence files, an unusual type
or spelling), and the caller sends that row through ``clean_report`` to get the same result
or the right message. It never refuses.

It is faster because it checks whole columns at once where it can (points with numpy), parses
each distinct time string once, and hashes and encrypts each distinct phone once.

Examples
--------
>>> import datetime as dt
>>> from geo.reports.config import ReportSettings
>>> from geo.reports.privacy import IdentityCache
>>> from geo.settings import Settings
>>> s = Settings(secret_key="example-key")
>>> now = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)
>>> rows = [{"channel": "web", "lat": "-0.5", "lon": "117.1"}, {"channel": "sms"}]
>>> out = clean_many(rows, identities=IdentityCache(s), report_settings=ReportSettings(), now=now)
>>> (out[0].clean.channel, out[0].clean.lat, out[0].clean.flags), out[1]
(('web', -0.5, []), None)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json.encoder
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from geo.errors import ValidationError
from geo.reports.config import ReportSettings
from geo.reports.models import ACTIVITIES, CHANNELS, CONFIDENTIALITY, LOCATION_SOURCES
from geo.reports.privacy import IdentityCache
from geo.reports.validation import _PUBLIC_WORDS, _TEXT_LIMITS, CHANNEL_ALIASES, CleanReport
from geo.reports.validation import parse_time as _parse_time
from geo.vocab import COMMODITIES

__all__ = ["Proven", "clean_many", "seal", "content_hashes"]

_CHANNELS = frozenset(CHANNELS)
_SOURCES = frozenset(LOCATION_SOURCES)
_ACTIVITIES = frozenset(ACTIVITIES)
_COMMODITIES = frozenset(COMMODITIES)
_CONFIDENTIALITY = frozenset(CONFIDENTIALITY)
_TEXT_FIELDS = (
    "external_id",
    "location_text",
    "title",
    "description",
    "reporter_name",
    "reporter_phone",
)


class Proven(NamedTuple):
    """A row proven valid: its checked report, and the identity still to encrypt.

    ``clean`` equals what :func:`clean_report` returns except that ``reporter_name_enc`` and
    ``reporter_phone_enc`` are left ``None``: encrypting ``name`` and ``phone`` (see
    :func:`seal`) is left to the writer, which does it while the database works.
    """

    clean: CleanReport
    name: str | None
    phone: str | None


def seal(proven: Proven, identities: IdentityCache) -> CleanReport:
    """Encrypt a proven row's identity into its report (as ``clean_report`` would).

    Examples
    --------
    >>> import datetime as dt
    >>> from geo.reports.privacy import decrypt_identity
    >>> from geo.settings import Settings
    >>> c = IdentityCache(Settings(secret_key="k"))
    >>> now = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)
    >>> [p] = clean_many([{"channel": "web", "lat": "-0.5", "lon": "117.1",
    ...                    "reporter_phone": "0812 3456 7890"}],
    ...                  identities=c, report_settings=ReportSettings(), now=now)
    >>> decrypt_identity(seal(p, c).reporter_phone_enc, settings=c.settings)
    '0812 3456 7890'
    """
    clean = proven.clean
    clean.reporter_phone_enc = identities.phone(proven.phone)
    clean.reporter_name_enc = identities.name(proven.name, clean.reporter_hash)
    return clean


#: The string encoder of ``json.dumps(..., ensure_ascii=False)``.
_string = json.encoder.encode_basestring


class _Unproven(Exception):
    """The row needs the full check."""


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise _Unproven
    text = value.strip()
    if not text:
        return None
    if "\x00" in text or len(text) > _TEXT_LIMITS.get(name, len(text)):
        raise _Unproven
    return text


def _word(value: Any) -> str | None:
    """``_choice``'s normalisation: ``None`` for blank."""
    if value is None:
        return None
    if type(value) is not str:
        raise _Unproven
    text = value.strip()
    return text.lower().replace(" ", "_") if text else None


def _choice(value: Any, allowed: frozenset[str], default: str | None) -> str:
    word = _word(value)
    if word is None:
        if default is None:
            raise _Unproven
        return default
    if word not in allowed:
        raise _Unproven
    return word


def _number(value: Any) -> float:
    """Return a finite float, or NaN for blank; anything unusual is unproven."""
    if value is None:
        return float("nan")
    kind = type(value)
    if kind is str:
        text = value.strip()
        if not text:
            return float("nan")
        text = text.replace("\u2212", "-")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise _Unproven from None
    elif kind is float or kind is int:
        number = float(value)
    else:
        raise _Unproven
    if number != number or number in (float("inf"), float("-inf")):
        raise _Unproven  # NaN and infinity are refused by clean_report
    return number


def _confidentiality(value: Any) -> str:
    if value is not None and type(value) is str and value.strip():
        text = value.strip().lower()
        if "rahasia" in text:
            return "rahasia"
        if "anonim" in text or text in _PUBLIC_WORDS:
            return "anonim"
    return _choice(value, _CONFIDENTIALITY, "rahasia")


def clean_many(
    rows: Sequence[Mapping[str, Any]],
    *,
    identities: IdentityCache,
    report_settings: ReportSettings,
    now: dt.datetime,
) -> list[Proven | None]:
    """Return each row checked as :func:`clean_report` would, or ``None`` where not proven.

    Parameters
    ----------
    rows
        Raw fields of each row (as :func:`clean_report` takes them), without evidence files.
    identities
        Memoised encryption and keyed hash; its ``settings`` give the area and the key.
    report_settings
        Tolerance for times in the future.
    now
        The current time.

    Returns
    -------
    list
        One entry per row: a :class:`Proven` whose report equals ``clean_report``'s once
        :func:`seal`-ed, or ``None``.

    Examples
    --------
    >>> import datetime as dt
    >>> from geo.settings import Settings
    >>> c = IdentityCache(Settings(secret_key="k"))
    >>> now = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)
    >>> clean_many([{"channel": "web", "lat": "0", "lon": "0"}], identities=c,
    ...            report_settings=ReportSettings(), now=now)
    [None]
    """
    settings = identities.settings
    n = len(rows)
    lat = np.empty(n)
    lon = np.empty(n)
    out: list[Proven | None] = [None] * n
    staged: list[tuple[int, dict[str, Any]] | None] = [None] * n
    times: dict[Any, dt.datetime | None] = {}
    slack = dt.timedelta(seconds=report_settings.future_tolerance_s)
    latest = now + slack

    def when(value: Any, name: str) -> dt.datetime | None:
        if value is None:
            return None
        try:
            return times[value]
        except KeyError:
            pass
        except TypeError:  # unhashable
            raise _Unproven from None
        try:
            parsed = _parse_time(value, name)
        except ValidationError:
            raise _Unproven from None
        times[value] = parsed
        return parsed

    for i, raw in enumerate(rows):
        lat[i] = lon[i] = np.nan
        try:
            evidence = raw.get("evidence")
            if evidence is not None and (type(evidence) is not str or evidence.strip()):
                raise _Unproven
            channel = _word(raw.get("channel"))
            channel = CHANNEL_ALIASES.get(channel, channel) if channel else None
            if channel not in _CHANNELS:
                raise _Unproven
            received = when(raw.get("received_at"), "received_at") or now
            observed = when(raw.get("observed_at"), "observed_at")
            if received > latest or (
                observed is not None and (observed > latest or observed > received + slack)
            ):
                raise _Unproven
            y = _number(raw.get("lat"))
            x = _number(raw.get("lon"))
            if (y != y) != (x != x):
                raise _Unproven
            accuracy = _number(raw.get("accuracy_m"))
            if accuracy < 0:
                raise _Unproven
            texts = {name: _text(raw.get(name), name) for name in _TEXT_FIELDS}
            commodity = raw.get("commodity_guess")
            values: dict[str, Any] = {
                "channel": channel,
                "received_at": received,
                "observed_at": observed,
                "accuracy_m": None if accuracy != accuracy else accuracy,
                "activity": _choice(raw.get("activity"), _ACTIVITIES, "other"),
                "commodity_guess": None
                if _word(commodity) is None
                else _choice(commodity, _COMMODITIES, None),
                "confidentiality": _confidentiality(raw.get("confidentiality")),
                **texts,
            }
            if y != y:  # no point: a described place is required
                source = _choice(raw.get("location_source"), _SOURCES, "described")
                if source != "described" or texts["location_text"] is None:
                    raise _Unproven
                values["location_source"] = source
                values["flags"] = ["no_location"]
            else:
                source = _choice(raw.get("location_source"), _SOURCES, "map_pin")
                values["location_source"] = "map_pin" if source == "described" else source
            phone = texts["reporter_phone"]
            try:
                values["reporter_hash"] = identities.phone_hash(phone)
            except ValidationError:
                raise _Unproven from None
            lat[i], lon[i] = y, x
            staged[i] = (i, values)
        except _Unproven:
            continue

    # Points, all at once: the conditions under which check_point neither refuses nor flags.
    indonesia, aoi = settings.indonesia_bbox, settings.aoi_bbox
    with np.errstate(invalid="ignore"):
        has_point = ~np.isnan(lat)
        in_indonesia = (
            (lon >= indonesia[0])
            & (lon <= indonesia[2])
            & (lat >= indonesia[1])
            & (lat <= indonesia[3])
        )
        possible = (
            in_indonesia
            & (lat >= -90.0)
            & (lat <= 90.0)
            & (lon >= -180.0)
            & (lon <= 180.0)
            & ~((lat == 0.0) & (lon == 0.0))
        )
        in_aoi = (lon >= aoi[0]) & (lon <= aoi[2]) & (lat >= aoi[1]) & (lat <= aoi[3])
    for item in staged:
        if item is None:
            continue
        i, values = item
        phone = values.pop("reporter_phone")
        name = values.pop("reporter_name")
        if has_point[i]:
            if not possible[i]:
                continue
            values["lat"], values["lon"] = float(lat[i]), float(lon[i])
            values["flags"] = [] if in_aoi[i] else ["outside_aoi"]
        out[i] = Proven(CleanReport(**values), name, phone)
    return out


def content_hashes(reports: Sequence[CleanReport]) -> list[str]:
    """Return :meth:`CleanReport.content_hash` of each report, computed faster in bulk.

    The JSON text is assembled directly (same keys, order, separators and escapes as
    ``json.dumps(..., sort_keys=True, ensure_ascii=False)``), with each distinct time
    formatted once; a report with values of unexpected types uses the method itself.

    Examples
    --------
    >>> import datetime as dt
    >>> r = CleanReport(channel="web", received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    ...                 location_source="map_pin", activity="other", confidentiality="rahasia",
    ...                 lat=-0.5, lon=117.1)
    >>> content_hashes([r]) == [r.content_hash()]
    True
    """
    utc = dt.UTC
    times: dict[dt.datetime, str] = {}

    def moment(value: dt.datetime | None) -> str:
        if value is None:
            return "null"
        try:
            return times[value]
        except KeyError:
            text = times[value] = _string(value.astimezone(utc).isoformat())
            return text

    def string(value: str | None) -> str:
        return "null" if value is None else _string(value)

    def number(value: float | None) -> str:
        return "null" if value is None else repr(round(value, 7))

    out = []
    for r in reports:
        if not (
            (r.lat is None or type(r.lat) is float)
            and (r.lon is None or type(r.lon) is float)
            and all(
                type(v) is str or v is None
                for v in (
                    r.channel,
                    r.external_id,
                    r.location_text,
                    r.title,
                    r.description,
                    r.activity,
                    r.reporter_hash,
                )
            )
        ):
            out.append(r.content_hash())
            continue
        evidence = ", ".join(_string(h) for h in sorted(e.sha256 for e in r.evidence))
        blob = (
            f'{{"activity": {string(r.activity)}, "channel": {string(r.channel)}, '
            f'"description": {string(r.description)}, "evidence": [{evidence}], '
            f'"external_id": {string(r.external_id)}, "lat": {number(r.lat)}, '
            f'"location_text": {string(r.location_text)}, "lon": {number(r.lon)}, '
            f'"observed_at": {moment(r.observed_at)}, "received_at": {moment(r.received_at)}, '
            f'"reporter": {string(r.reporter_hash)}, "title": {string(r.title)}}}'
        )
        out.append(hashlib.sha256(blob.encode("utf-8")).hexdigest())
    return out
