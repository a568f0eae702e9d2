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
from collections.abc import Callable, Mapping, Sequence
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


#: The checked columns :func:`clean_many` assembles rows from, in the order it unpacks them.
_ASSEMBLED = (
    "channel",
    "received_at",
    "observed_at",
    "activity",
    "commodity_guess",
    "confidentiality",
    "reporter_hash",
    *_TEXT_FIELDS,
)

#: A value :func:`clean_many` cannot prove valid (the row goes to ``clean_report``).
_UNPROVEN: Any = object()


def _mapped(values: Sequence[Any], check: Callable[[Any], Any]) -> list[Any]:
    """Return ``check`` of each value, or ``_UNPROVEN`` where it raises :class:`_Unproven`.

    Strings and ``None`` are checked once per distinct value. Other values are checked each
    time: ``1``, ``1.0`` and ``True`` are equal keys, but not equal values here.
    """

    def checked(value: Any) -> Any:
        try:
            return check(value)
        except _Unproven:
            return _UNPROVEN

    if values.count(None) == len(values):  # a column the file does not have
        return [checked(None)] * len(values)
    memo: dict[Any, Any] = {}
    out: list[Any] = []
    append = out.append
    for value in values:
        if value is None or type(value) is str:
            try:
                append(memo[value])
                continue
            except KeyError:
                result = memo[value] = checked(value)
        else:
            result = checked(value)
        append(result)
    return out


def _numbers(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Each value as :func:`_number` reads it (NaN for blank), and where it is unproven.

    A column of plain numeric strings is converted at once: ``float`` accepts exactly what
    ``_number`` accepts once its spelling fixes (decimal comma, Unicode minus) are not needed,
    and a string ``float`` refuses sends the whole column the slow way.
    """
    unproven = np.zeros(len(values), dtype=bool)
    if all(type(v) is str for v in values):
        try:
            numbers = np.array(values, dtype=np.float64)
        except ValueError:
            pass
        else:
            unproven |= ~np.isfinite(numbers)  # NaN and infinity are refused by clean_report
            return numbers, unproven
    numbers = np.empty(len(values))
    for i, value in enumerate(values):
        try:
            numbers[i] = _number(value)
        except _Unproven:
            numbers[i] = np.nan
            unproven[i] = True
    return numbers, unproven


def clean_many(
    rows: Sequence[Mapping[str, Any]],
    *,
    identities: IdentityCache,
    report_settings: ReportSettings,
    now: dt.datetime,
) -> list[Proven | None]:
    """Return each row checked as :func:`clean_report` would, or ``None`` where not proven.

    The rows are checked a column at a time: each distinct value of a column with few of them
    (channel, times, vocabularies, phone numbers) is checked once, numbers are converted in
    bulk, and only then is each row assembled.

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
    slack = dt.timedelta(seconds=report_settings.future_tolerance_s)
    latest = now + slack

    present = set().union(*rows)
    nothing = [None] * n

    def column(name: str) -> list[Any]:
        return [row.get(name) for row in rows] if name in present else nothing

    def evidence(value: Any) -> None:
        if value is not None and (type(value) is not str or value.strip()):
            raise _Unproven

    def channel(value: Any) -> str:
        word = _word(value)
        word = CHANNEL_ALIASES.get(word, word) if word else None
        if word not in _CHANNELS:
            raise _Unproven
        return word

    def moment(value: Any, name: str) -> dt.datetime | None:
        if value is None:
            return None
        try:
            parsed = _parse_time(value, name)
        except ValidationError:
            raise _Unproven from None
        if parsed is not None and parsed > latest:
            raise _Unproven
        return parsed

    def received(value: Any) -> dt.datetime:
        when = moment(value, "received_at") or now
        if when > latest:
            raise _Unproven
        return when

    def text_of(name: str) -> list[Any]:
        return _mapped(column(name), lambda v: _text(v, name))

    def phone_hash(phone: str | None) -> str | None:
        if phone is _UNPROVEN:
            raise _Unproven
        try:
            return identities.phone_hash(phone)
        except ValidationError:
            raise _Unproven from None

    lat, lat_bad = _numbers(column("lat"))
    lon, lon_bad = _numbers(column("lon"))
    accuracy, accuracy_bad = _numbers(column("accuracy_m"))
    texts = {name: text_of(name) for name in _TEXT_FIELDS}
    columns = {
        "evidence": _mapped(column("evidence"), evidence),
        "channel": _mapped(column("channel"), channel),
        "received_at": _mapped(column("received_at"), received),
        "observed_at": _mapped(column("observed_at"), lambda v: moment(v, "observed_at")),
        "activity": _mapped(column("activity"), lambda v: _choice(v, _ACTIVITIES, "other")),
        "commodity_guess": _mapped(
            column("commodity_guess"),
            lambda v: None if _word(v) is None else _choice(v, _COMMODITIES, None),
        ),
        "confidentiality": _mapped(column("confidentiality"), _confidentiality),
        "reporter_hash": _mapped(texts["reporter_phone"], phone_hash),
        **texts,
    }
    sources = column("location_source")
    described = _mapped(sources, lambda v: _choice(v, _SOURCES, "described"))
    pinned = _mapped(sources, lambda v: _choice(v, _SOURCES, "map_pin"))

    # Points, all at once: the conditions under which check_point neither refuses nor flags.
    indonesia, aoi = settings.indonesia_bbox, settings.aoi_bbox
    with np.errstate(invalid="ignore"):
        no_point = np.isnan(lat)
        bad = lat_bad | lon_bad | accuracy_bad | (accuracy < 0) | (no_point != np.isnan(lon))
        possible = (
            (lon >= indonesia[0])
            & (lon <= indonesia[2])
            & (lat >= indonesia[1])
            & (lat <= indonesia[3])
            & (lat >= -90.0)
            & (lat <= 90.0)
            & (lon >= -180.0)
            & (lon <= 180.0)
            & ~((lat == 0.0) & (lon == 0.0))
        )
        bad |= ~no_point & ~possible
        in_aoi = (lon >= aoi[0]) & (lon <= aoi[2]) & (lat >= aoi[1]) & (lat <= aoi[3])
    for values in columns.values():
        if _UNPROVEN in values:
            bad[[i for i, v in enumerate(values) if v is _UNPROVEN]] = True

    out: list[Proven | None] = [None] * n
    rows_of = zip(
        bad.tolist(),
        no_point.tolist(),
        in_aoi.tolist(),
        lat.tolist(),
        lon.tolist(),
        accuracy.tolist(),
        described,
        pinned,
        *(columns[name] for name in _ASSEMBLED),
        strict=True,
    )
    for i, (
        refused,
        no_location,
        inside,
        y,
        x,
        accuracy_m,
        source_if_described,
        source_if_point,
        channel_,
        receipt,
        observed,
        activity,
        commodity,
        confidentiality,
        reporter_hash,
        external_id,
        location_text,
        title,
        description,
        name,
        phone,
    ) in enumerate(rows_of):
        if refused or (observed is not None and observed > receipt + slack):
            continue
        if no_location:  # a described place is required
            if source_if_described != "described" or location_text is None:
                continue
            point: dict[str, Any] = {"location_source": "described", "flags": ["no_location"]}
        else:
            if source_if_point is _UNPROVEN:
                continue
            point = {
                "location_source": "map_pin"
                if source_if_point == "described"
                else source_if_point,
                "lat": y,
                "lon": x,
                "flags": [] if inside else ["outside_aoi"],
            }
        out[i] = Proven(
            CleanReport(
                channel=channel_,
                received_at=receipt,
                observed_at=observed,
                accuracy_m=None if accuracy_m != accuracy_m else accuracy_m,
                activity=activity,
                commodity_guess=commodity,
                confidentiality=confidentiality,
                external_id=external_id,
                location_text=location_text,
                title=title,
                description=description,
                reporter_hash=reporter_hash,
                **point,
            ),
            name,
            phone,
        )
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
    encode = _string
    plain = (str, type(None))
    numeric = (float, type(None))

    def moment(value: dt.datetime | None) -> str:
        if value is None:
            return "null"
        try:
            return times[value]
        except KeyError:
            text = times[value] = encode(value.astimezone(utc).isoformat())
            return text

    out: list[str] = []
    append = out.append
    sha256 = hashlib.sha256
    for r in reports:
        channel, external_id, location_text = r.channel, r.external_id, r.location_text
        title, description, activity, reporter = r.title, r.description, r.activity, r.reporter_hash
        lat, lon = r.lat, r.lon
        if not (
            type(lat) in numeric
            and type(lon) in numeric
            and type(channel) in plain
            and type(external_id) in plain
            and type(location_text) in plain
            and type(title) in plain
            and type(description) in plain
            and type(activity) in plain
            and type(reporter) in plain
        ):
            append(r.content_hash())
            continue
        evidence = ", ".join(encode(h) for h in sorted(e.sha256 for e in r.evidence))
        blob = (
            f'{{"activity": {"null" if activity is None else encode(activity)}, '
            f'"channel": {"null" if channel is None else encode(channel)}, '
            f'"description": {"null" if description is None else encode(description)}, '
            f'"evidence": [{evidence}], '
            f'"external_id": {"null" if external_id is None else encode(external_id)}, '
            f'"lat": {"null" if lat is None else repr(round(lat, 7))}, '
            f'"location_text": {"null" if location_text is None else encode(location_text)}, '
            f'"lon": {"null" if lon is None else repr(round(lon, 7))}, '
            f'"observed_at": {moment(r.observed_at)}, "received_at": {moment(r.received_at)}, '
            f'"reporter": {"null" if reporter is None else encode(reporter)}, '
            f'"title": {"null" if title is None else encode(title)}}}'
        )
        append(sha256(blob.encode("utf-8")).hexdigest())
    return out
