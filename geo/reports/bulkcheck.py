"""A fast path for bulk imports that proves ordinary rows valid, and leaves the rest alone.

What a field may hold is said once, in :data:`~geo.reports.fieldrules.FIELD_RULES`, which
:func:`~geo.reports.validation.clean_report` reads too; ``clean_report`` owns every message.
:func:`clean_many` only *accepts*: for each row it either returns the
same :class:`~geo.reports.validation.CleanReport` that ``clean_report`` would (its identity
encrypted later by :func:`seal`, through an :class:`~geo.reports.privacy.IdentityCache`),
or ``None`` when it cannot prove the row valid (a bad value, evidence files, an unusual type
or spelling), and the caller sends that row through ``clean_report`` to get the same result
or the right message. It never refuses.

It is faster because it checks whole columns at once where it can (numbers and their bounds
with numpy), checks each distinct value of a column once with its rule (times, vocabularies,
texts), and hashes and encrypts each distinct phone once.

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
from functools import partial
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

from geo.errors import ValidationError
from geo.reports.config import ReportSettings
from geo.reports.fieldrules import FIELD_RULES, RULES, FieldRule
from geo.reports.privacy import IdentityCache
from geo.reports.validation import CleanReport
from geo.settings import Settings

__all__ = ["Proven", "clean_many", "seal", "content_hashes"]

_LAT, _LON, _ACCURACY = RULES["lat"], RULES["lon"], RULES["accuracy_m"]


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


#: A value :func:`clean_many` cannot prove valid (the row goes to ``clean_report``).
_UNPROVEN: Any = object()


def _mapped(values: Sequence[Any], check: Callable[[Any], Any]) -> list[Any]:
    """Return ``check`` of each value, or ``_UNPROVEN`` where it refuses the value.

    A refusal is a :class:`~geo.errors.ValidationError` (the rule's own, whose message
    ``clean_report`` gives) or :class:`_Unproven`. Strings and ``None`` are checked once per
    distinct value. Other values are checked each time: ``1``, ``1.0`` and ``True`` are equal
    keys, but not equal values here.
    """

    def checked(value: Any) -> Any:
        try:
            return check(value)
        except (_Unproven, ValidationError):
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


def _numbers(values: Sequence[Any], rule: FieldRule) -> tuple[np.ndarray, np.ndarray]:
    """Each value as ``rule`` reads it (NaN for blank), and where the rule refuses it.

    A column of plain numeric strings is converted at once: ``float`` accepts exactly what
    the rule accepts once its spelling fixes (decimal comma, Unicode minus) are not needed,
    and a string ``float`` refuses sends the whole column the value-by-value way. The bounds
    are checked by :func:`_outside`, for the whole column.
    """
    unproven = np.zeros(len(values), dtype=bool)
    if all(type(v) is str for v in values):
        try:
            numbers = np.array(values, dtype=np.float64)
        except ValueError:
            pass
        else:
            unproven |= ~np.isfinite(numbers)  # NaN and infinity are refused by the rule
            return numbers, unproven
    numbers = np.empty(len(values))
    read = rule.read
    for i, value in enumerate(values):
        try:
            number = read(value)
        except ValidationError:
            numbers[i] = np.nan
            unproven[i] = True
        else:
            numbers[i] = np.nan if number is None else number
    return numbers, unproven


def _outside(numbers: np.ndarray, rule: FieldRule) -> np.ndarray:
    """Where a number lies outside ``rule``'s bounds (NaN is not outside)."""
    outside = np.zeros(len(numbers), dtype=bool)
    with np.errstate(invalid="ignore"):
        if rule.low is not None:
            outside |= numbers < rule.low
        if rule.high is not None:
            outside |= numbers > rule.high
    return outside


def _no_evidence(value: Any) -> None:
    """Rows naming evidence files are left to the importer, which reads the files."""
    if value is not None and (type(value) is not str or value.strip()):
        raise _Unproven


def _text_check(rule: FieldRule) -> Callable[[Any], Any]:
    """Return ``rule.read`` for a text column, with a shortcut for the plain strings it accepts.

    Texts are mostly distinct (tracking numbers, descriptions), so each is checked: a string
    within the rule's length limit and without NUL is what ``rule.read`` returns, stripped;
    anything else is left to ``rule.read``, which refuses it with the rule's message.
    """
    read, default = rule.read, rule.default
    limit = rule.max_length or float("inf")

    def check(value: Any) -> Any:
        if type(value) is str:
            text = value.strip()
            if not text:
                return default
            if len(text) <= limit and "\x00" not in text:
                return text
        return read(value)

    return check


def _column_check(
    rule: FieldRule, now: dt.datetime, slack_s: float, zone: ZoneInfo
) -> Callable[[Any], Any]:
    """Return the check of one value of ``rule``'s column (times also not in the future).

    Times without an offset are local to ``zone``, the province's.
    """
    if rule.kind == "text":
        return _text_check(rule)
    if rule.kind != "time":
        return rule.read
    read, not_future = partial(rule.read, zone=zone), rule.check_not_future
    default = now if rule.name == "received_at" else None

    def moment(value: Any) -> dt.datetime | None:
        when = read(value) or default
        not_future(when, now, slack_s)
        return when

    return moment


def _check_columns(
    rows: Sequence[Mapping[str, Any]],
    *,
    identities: IdentityCache,
    now: dt.datetime,
    slack_s: float,
) -> tuple[dict[str, list[Any]], dict[str, np.ndarray]]:
    """Check each column by its rule: (checked values by field, numbers by field).

    Numbers come back as arrays (NaN for blank) with a ``<name>_bad`` mask beside them.
    """
    present = set().union(*rows)
    zone = identities.settings.province_profile.zone
    nothing = [None] * len(rows)

    def column(name: str) -> list[Any]:
        return [row.get(name) for row in rows] if name in present else nothing

    def phone_hash(phone: str | None) -> str | None:
        if phone is _UNPROVEN:
            raise _Unproven
        return identities.phone_hash(phone)

    columns: dict[str, list[Any]] = {}
    numbers: dict[str, np.ndarray] = {}
    for rule in FIELD_RULES:
        if rule.kind == "number":
            numbers[rule.name], numbers[rule.name + "_bad"] = _numbers(column(rule.name), rule)
        else:
            columns[rule.name] = _mapped(column(rule.name), _column_check(rule, now, slack_s, zone))
    columns["reporter_hash"] = _mapped(columns["reporter_phone"], phone_hash)
    columns["evidence"] = _mapped(column("evidence"), _no_evidence)
    return columns, numbers


def _refused_points(
    numbers: Mapping[str, np.ndarray], settings: Settings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where rows are refused for their numbers, have no point, and lie in the area of interest.

    All at once: the conditions under which ``check_point`` neither refuses nor flags, with the
    bounds of the lat, lon and accuracy rules.
    """
    lat, lon, accuracy = numbers["lat"], numbers["lon"], numbers["accuracy_m"]
    indonesia, aoi = settings.indonesia_bbox, settings.aoi_bbox
    with np.errstate(invalid="ignore"):
        no_point = np.isnan(lat)
        bad = numbers["lat_bad"] | numbers["lon_bad"] | numbers["accuracy_m_bad"]
        bad |= _outside(accuracy, _ACCURACY) | (no_point != np.isnan(lon))
        possible = (
            (lon >= indonesia[0])
            & (lon <= indonesia[2])
            & (lat >= indonesia[1])
            & (lat <= indonesia[3])
            & ~_outside(lat, _LAT)
            & ~_outside(lon, _LON)
            & ~((lat == 0.0) & (lon == 0.0))
        )
        bad |= ~no_point & ~possible
        in_aoi = (lon >= aoi[0]) & (lon <= aoi[2]) & (lat >= aoi[1]) & (lat <= aoi[3])
    return bad, no_point, in_aoi


#: The checked columns :func:`_assemble` builds rows from, in the order it unpacks them.
_ASSEMBLED = (
    "channel",
    "received_at",
    "observed_at",
    "location_source",
    "activity",
    "commodity_guess",
    "confidentiality",
    "reporter_hash",
    "external_id",
    "location_text",
    "title",
    "description",
    "reporter_name",
    "reporter_phone",
)


def clean_many(
    rows: Sequence[Mapping[str, Any]],
    *,
    identities: IdentityCache,
    report_settings: ReportSettings,
    now: dt.datetime,
) -> list[Proven | None]:
    """Return each row checked as :func:`clean_report` would, or ``None`` where not proven.

    The rows are checked a column at a time, each by its rule in
    :data:`~geo.reports.fieldrules.FIELD_RULES` (the table ``clean_report`` reads): each
    distinct value of a column with few of them (channel, times, vocabularies, phone numbers)
    is checked once, numbers are converted and bounded in bulk, and only then is each row
    assembled.

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
    slack_s = report_settings.future_tolerance_s
    columns, numbers = _check_columns(rows, identities=identities, now=now, slack_s=slack_s)
    bad, no_point, in_aoi = _refused_points(numbers, identities.settings)
    for values in columns.values():
        if _UNPROVEN in values:
            bad[[i for i, v in enumerate(values) if v is _UNPROVEN]] = True
    return _assemble(
        bad.tolist(),
        no_point.tolist(),
        in_aoi.tolist(),
        numbers,
        [columns[name] for name in _ASSEMBLED],
        slack=dt.timedelta(seconds=slack_s),
    )


def _assemble(
    bad: list[bool],
    no_point: list[bool],
    in_aoi: list[bool],
    numbers: Mapping[str, np.ndarray],
    columns: list[list[Any]],
    *,
    slack: dt.timedelta,
) -> list[Proven | None]:
    """Build the report of each row not refused; ``None`` for the others."""
    out: list[Proven | None] = [None] * len(bad)
    rows_of = zip(
        bad,
        no_point,
        in_aoi,
        numbers["lat"].tolist(),
        numbers["lon"].tolist(),
        numbers["accuracy_m"].tolist(),
        *columns,
        strict=True,
    )
    for i, (
        refused,
        no_location,
        inside,
        y,
        x,
        accuracy_m,
        channel,
        receipt,
        observed,
        source,
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
            if (source or "described") != "described" or location_text is None:
                continue
            point: dict[str, Any] = {"location_source": "described", "flags": ["no_location"]}
        else:
            point = {
                "location_source": "map_pin" if source in (None, "described") else source,
                "lat": y,
                "lon": x,
                "flags": [] if inside else ["outside_aoi"],
            }
        out[i] = Proven(
            CleanReport(
                channel=channel,
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
