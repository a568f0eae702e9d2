"""The rules for each field of a report: one table, read by ``clean_report`` and the bulk checker.

:data:`FIELD_RULES` says, for each field a report may arrive with, what kind of value it is
(a word from a vocabulary, a number, a time, a text), whether it is required, its default, its
vocabulary and the spellings it arrives under, its bounds or length limit, the message of each
refusal, and the other names of its column in a file (read by :mod:`geo.reports.readers`).
:func:`geo.reports.validation.clean_report` reads a row with it, one field at a time;
:func:`geo.reports.bulkcheck.clean_many` reads whole columns with the same rules (and their
bounds, vectorised). A rule changed here changes both.

Every refusal is a catalogue entry (``ValidationError.of(N_("..."))``): ``str(error)`` is the
English text, ``error.localized(translator("id"))`` the reader's language.

Examples
--------
>>> RULES["channel"].read(" WhatsApp ")
'hotline'
>>> RULES["activity"].read("")
'other'
>>> RULES["lat"].read("-0,5")
-0.5
>>> RULES["commodity_guess"].read("nikel")  # doctest: +ELLIPSIS
Traceback (most recent call last):
geo.errors.ValidationError: commodity_guess: expected one of batubara, emas, ..., got 'nikel'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo

from geo.errors import N_, ValidationError
from geo.reports.config import DEFAULT_ZONE
from geo.reports.models import ACTIVITIES, CHANNELS, CONFIDENTIALITY, LOCATION_SOURCES
from geo.vocab import COMMODITIES

__all__ = [
    "FieldRule",
    "FIELD_RULES",
    "RULES",
    "CHANNEL_ALIASES",
    "blank",
    "parse_time",
    "NUL_CHARACTER",
    "TOO_LONG",
    "REQUIRED_CHOICE",
    "UNKNOWN_CHOICE",
    "BAD_TIME",
    "FUTURE_TIME",
]

Kind = Literal["choice", "number", "time", "text"]

# The refusals every rule of a kind shares; each rule adds its own for numbers.
NUL_CHARACTER = N_("{field}: contains a NUL character")
TOO_LONG = N_("{field}: expected at most {limit} characters, got {length}")
REQUIRED_CHOICE = N_("{field}: required, expected one of {allowed}")
UNKNOWN_CHOICE = N_("{field}: expected one of {allowed}, got {value}")
BAD_TIME = N_(
    "{field}: expected a time like 2025-12-24T09:30:00+08:00 or 24/12/2025 09:30, got {value}"
)
FUTURE_TIME = N_("{field}: expected a time not in the future (now is {now}), got {value}")

#: Names channels arrive under in exports and forms, mapped to the stored code.
CHANNEL_ALIASES: Mapping[str, str] = MappingProxyType(
    {
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
)

#: SP4N-LAPOR! marks a report public ("biasa") when neither box is ticked: it may be shown, and
#: the identity is never shown here anyway, so it is the ``anonim`` level.
_PUBLIC_WORDS = ("biasa", "publik", "umum", "public", "terbuka")

_TIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


def blank(value: Any) -> bool:
    """Whether a value counts as not given: ``None`` or a string of spaces (NaN is a value)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return False  # NaN is a value, and a wrong one: reported by the number parser
    return isinstance(value, str) and not value.strip()


def _parse_text_time(text: str, name: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValidationError.of(BAD_TIME, field=name, value=repr(text))


def parse_time(value: Any, name: str, *, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """Parse an ISO 8601 or ``dd/mm/yyyy [HH:MM[:SS]]`` time; naive times are local.

    Local is ``zone``, the province's (``settings.province_profile.zone``): WIB in Kalimantan
    Tengah, WITA (the default province's, when not given) in Kalimantan Timur.

    Examples
    --------
    >>> parse_time("24/12/2025 09:30", "received_at").isoformat()
    '2025-12-24T09:30:00+08:00'
    >>> parse_time("24/12/2025 09:30", "received_at", zone=ZoneInfo("Asia/Jakarta")).isoformat()
    '2025-12-24T09:30:00+07:00'
    """
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    else:
        parsed = _parse_text_time(str(value).strip(), name)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone or DEFAULT_ZONE)
    return parsed


def _bound(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True, eq=False)
class FieldRule:
    """What one field of a report may hold, and the message of each refusal.

    Parameters
    ----------
    name
        The field, as :func:`~geo.reports.validation.clean_report` takes it.
    kind
        ``choice`` (a code of ``vocabulary``), ``number``, ``time`` or ``text``.
    required
        A blank value is refused (choices only; other fields are checked together).
    default
        The value of a blank field.
    vocabulary
        The codes a choice accepts.
    aliases
        Other spellings of a code (lower case, spaces as ``_``), e.g. ``whatsapp``.
    keywords
        A word that, found inside the value, decides the code (``Rahasia & Anonim``).
    low, high
        Bounds of a number (inclusive), checked by :meth:`check_range`.
    max_length
        Most characters a text may have.
    not_valid, out_of_range
        Messages of a number that is not one, and of one outside the bounds.
    columns
        Other names of the field's column in a file (normalised: lower case, ``_`` for
        spaces and punctuation), e.g. ``lintang`` or SP4N-LAPOR!'s ``nomor_tracking``.
    """

    name: str
    kind: Kind
    required: bool = False
    default: str | None = None
    vocabulary: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    keywords: tuple[tuple[str, str], ...] = ()
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    not_valid: str | None = None
    out_of_range: str | None = None
    columns: tuple[str, ...] = ()

    def read(self, value: Any, *, zone: ZoneInfo | None = None) -> Any:
        """Return the checked value (the default when blank), or raise its refusal.

        ``zone`` is the province's: a time without an offset is local time there.
        """
        if blank(value):
            if self.required:
                raise ValidationError.of(
                    REQUIRED_CHOICE, field=self.name, allowed=", ".join(self.vocabulary)
                )
            return self.default
        if self.kind == "time":
            return parse_time(value, self.name, zone=zone)
        return _READERS[self.kind](self, value)

    @property
    def templates(self) -> tuple[str, ...]:
        """Every message this rule may refuse a value with."""
        own = {
            "choice": (REQUIRED_CHOICE, UNKNOWN_CHOICE) if self.required else (UNKNOWN_CHOICE,),
            "number": (self.not_valid, self.out_of_range),
            "time": (BAD_TIME, FUTURE_TIME),
            "text": (NUL_CHARACTER, TOO_LONG),
        }[self.kind]
        return tuple(t for t in own if t)

    def check_range(self, number: float) -> None:
        """Refuse a number outside ``[low, high]``."""
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise ValidationError.of(
                self.out_of_range or "",
                field=self.name,
                low=_bound(self.low) if self.low is not None else "",
                high=_bound(self.high) if self.high is not None else "",
                value=number,
            )

    def check_not_future(self, when: dt.datetime | None, now: dt.datetime, slack_s: float) -> None:
        """Refuse a time later than ``now`` by more than ``slack_s`` seconds."""
        if when is not None and when > now + dt.timedelta(seconds=slack_s):
            raise ValidationError.of(
                FUTURE_TIME,
                field=self.name,
                now=now.isoformat(timespec="seconds"),
                value=when.isoformat(timespec="seconds"),
            )


def _read_choice(rule: FieldRule, value: Any) -> str:
    word = str(value).strip().lower().replace(" ", "_")
    for keyword, code in rule.keywords:
        if keyword in word:
            return code
    word = rule.aliases.get(word, word)
    if word not in rule.vocabulary:
        raise ValidationError.of(
            UNKNOWN_CHOICE,
            field=rule.name,
            allowed=", ".join(rule.vocabulary),
            value=repr(str(value)),
        )
    return word


def _read_number(rule: FieldRule, value: Any) -> float:
    def refuse(shown: str) -> ValidationError:
        return ValidationError.of(rule.not_valid or "", field=rule.name, value=shown)

    if isinstance(value, bool):
        raise refuse(repr(value))
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # Indonesian decimal comma
        try:
            number = float(text)
        except ValueError:
            raise refuse(repr(value)) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise refuse(repr(value)) from None
    if math.isnan(number) or math.isinf(number):
        raise refuse(str(number))
    return number


def _read_time(rule: FieldRule, value: Any) -> dt.datetime | None:
    return parse_time(value, rule.name)


def _read_text(rule: FieldRule, value: Any) -> str:
    text = str(value).strip()
    if "\x00" in text:
        # PostgreSQL text cannot hold it, and no honest form sends it.
        raise ValidationError.of(NUL_CHARACTER, field=rule.name)
    if rule.max_length and len(text) > rule.max_length:
        raise ValidationError.of(TOO_LONG, field=rule.name, limit=rule.max_length, length=len(text))
    return text


_READERS: dict[str, Callable[[FieldRule, Any], Any]] = {
    "choice": _read_choice,
    "number": _read_number,
    "time": _read_time,
    "text": _read_text,
}


def _text(name: str, max_length: int, *columns: str) -> FieldRule:
    return FieldRule(name, "text", max_length=max_length, columns=columns)


#: Every field of a report, in the order ``clean_report`` checks them (the first bad one is
#: the one refused). Checks across fields (lat with lon, a point or a place, inside Indonesia,
#: observed before received) follow in :mod:`geo.reports.validation`.
FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule(
        "channel",
        "choice",
        required=True,
        vocabulary=CHANNELS,
        aliases=CHANNEL_ALIASES,
        columns=("kanal", "saluran", "sumber"),
    ),
    FieldRule(
        "received_at", "time", columns=("date", "tanggal", "tanggal_laporan", "tanggal_masuk")
    ),
    FieldRule("observed_at", "time", columns=("tanggal_kejadian", "waktu_kejadian")),
    FieldRule(
        "lat",
        "number",
        low=-90.0,
        high=90.0,
        not_valid=N_("{field}: expected a latitude in decimal degrees, got {value}"),
        out_of_range=N_(
            "{field}: expected a latitude between {low} and {high} degrees, got {value}"
        ),
        columns=("latitude", "lintang"),
    ),
    FieldRule(
        "lon",
        "number",
        low=-180.0,
        high=180.0,
        not_valid=N_("{field}: expected a longitude in decimal degrees, got {value}"),
        out_of_range=N_(
            "{field}: expected a longitude between {low} and {high} degrees, got {value}"
        ),
        columns=("lng", "long", "longitude", "bujur"),
    ),
    _text("location_text", 1_000, "location", "lokasi", "lokasi_kejadian", "alamat"),
    FieldRule("location_source", "choice", vocabulary=LOCATION_SOURCES, columns=("sumber_lokasi",)),
    FieldRule(
        "accuracy_m",
        "number",
        low=0.0,
        not_valid=N_("{field}: expected a distance in metres, got {value}"),
        out_of_range=N_("{field}: expected a distance of {low} metres or more, got {value}"),
        columns=("accuracy", "akurasi", "akurasi_m"),
    ),
    _text(
        "external_id",
        200,
        "tracking_id",
        "tracking_number",
        "nomor_tracking",
        "no_tracking",
        "kode_tracking",
        "nomor_laporan",
        "id_laporan",
        "message_id",
    ),
    _text("title", 300, "judul", "judul_laporan"),
    _text(
        "description",
        10_000,
        "text",
        "desc",
        "isi",
        "isi_laporan",
        "deskripsi",
        "uraian",
        "keterangan",
    ),
    FieldRule(
        "activity",
        "choice",
        default="other",
        vocabulary=ACTIVITIES,
        columns=("aktivitas", "kegiatan"),
    ),
    FieldRule(
        "commodity_guess", "choice", vocabulary=COMMODITIES, columns=("commodity", "komoditas")
    ),
    # When the level is missing the safest applies: the report stays in the agency.
    FieldRule(
        "confidentiality",
        "choice",
        default="rahasia",
        vocabulary=CONFIDENTIALITY,
        # "Rahasia & Anonim" in an export: the stricter level wins.
        keywords=(("rahasia", "rahasia"), ("anonim", "anonim")),
        aliases=MappingProxyType(dict.fromkeys(_PUBLIC_WORDS, "anonim")),
        columns=("kerahasiaan", "sifat_laporan"),
    ),
    _text("reporter_name", 200, "nama_pelapor", "pelapor"),
    _text("reporter_phone", 40, "phone", "telepon", "no_hp", "nomor_hp", "no_telepon"),
)

#: :data:`FIELD_RULES` by field name.
RULES: Mapping[str, FieldRule] = MappingProxyType({rule.name: rule for rule in FIELD_RULES})
