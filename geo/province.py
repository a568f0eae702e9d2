"""The province a deployment serves: configuration, not code.

A :class:`Province` profile says which province the data belongs to: its BPS code and name, the
time zone people read times in (WIB, WITA or WIT), its kabupaten/kota, the area of interest and
the default field team bases. Profiles are JSON files in ``data/provinces/<code>.json``; the root
setting ``province`` (``PANTAU_PROVINCE``, a code such as ``64`` or a name such as ``Kalimantan
Tengah``) picks one, and :attr:`geo.settings.Settings.province_profile` returns it.

Examples
--------
>>> kaltim = load_province("64")
>>> kaltim.name, kaltim.zone_label, kaltim.timezone
('Kalimantan Timur', 'WITA', 'Asia/Makassar')
>>> load_province("kalimantan tengah").code, load_province("Kalteng").zone_label
('62', 'WIB')
>>> kaltim.local_time(dt.datetime(2026, 11, 1, 1, 30, tzinfo=dt.UTC)).isoformat()
'2026-11-01T09:30:00+08:00'
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geo.errors import N_, ConfigurationError
from geo.i18n import translator

__all__ = [
    "DEFAULT_PROVINCE",
    "PROVINCES_DIR",
    "Province",
    "available_provinces",
    "load_province",
]

#: The province of a deployment that does not say: East Kalimantan, where the project started.
DEFAULT_PROVINCE = "64"
#: Where the profiles live, one ``<code>.json`` per province.
PROVINCES_DIR = Path(__file__).resolve().parents[1] / "data" / "provinces"
#: Indonesia's three time zones and their offsets from UTC in hours.
_ZONE_OFFSETS: dict[str, int] = {"WIB": 7, "WITA": 8, "WIT": 9}


class Province(BaseModel):
    """A province profile: who the data belongs to and how its times are shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: BPS province code, two digits (``64`` Kalimantan Timur, ``62`` Kalimantan Tengah).
    code: str = Field(pattern=r"^\d{2}$")
    #: The name people read, in Indonesian (also used in Indonesian and English titles alike).
    name: str = Field(min_length=1)
    #: The English name (``East Kalimantan``), for English titles.
    name_en: str = Field(min_length=1)
    #: The usual short form (``Kaltim``).
    short: str = Field(min_length=1)
    #: IANA time zone name: naive times are read in it and times are shown in it.
    timezone: str
    #: The label people know the zone by.
    zone_label: Literal["WIB", "WITA", "WIT"]
    #: The kabupaten and kota of the province.
    kabupaten: tuple[str, ...] = Field(min_length=1)
    #: Area of interest (lon_min, lat_min, lon_max, lat_max), the province with a margin.
    aoi_bbox: tuple[float, float, float, float]
    #: Default field team bases (GeoJSON), relative to the province's data folder.
    bases_file: str | None = None
    #: Kabupaten boundaries (GeoJSON), relative to ``data/``; optional.
    boundaries_file: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _label_matches_zone(self) -> Province:
        offset = self.zone.utcoffset(dt.datetime(2026, 1, 1))
        expected = _ZONE_OFFSETS[self.zone_label]
        if offset != dt.timedelta(hours=expected):
            raise ValueError(f"{self.timezone} is not {self.zone_label} (UTC+{expected})")
        lon_min, lat_min, lon_max, lat_max = self.aoi_bbox
        if not (lon_min < lon_max and lat_min < lat_max):
            order = "(lon_min, lat_min, lon_max, lat_max)"
            raise ValueError(f"aoi_bbox {self.aoi_bbox} is not {order}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The time zone as a :class:`~zoneinfo.ZoneInfo`."""
        return ZoneInfo(self.timezone)

    def display_name(self, lang: str = "id") -> str:
        """Return the name for titles in ``lang`` (``en``: the English name).

        Examples
        --------
        >>> load_province("62").display_name("en")
        'Central Kalimantan'
        """
        return self.name_en if lang == "en" else self.name

    def map_title(self, lang: str = "id") -> str:
        """Return the overview map's and briefing's title for this province, in ``lang``.

        Examples
        --------
        >>> load_province("62").map_title("id")
        'Peta Pemantauan PETI Kalimantan Tengah'
        >>> load_province("64").map_title("en")
        'Illegal Mining (PETI) Monitoring Map, East Kalimantan'
        """
        return translator(lang).gettext(
            "Illegal Mining (PETI) Monitoring Map, {province}", province=self.display_name(lang)
        )

    @property
    def agency(self) -> str:
        """The agency the data belongs to, as its name is written (a proper name, untranslated).

        >>> load_province("62").agency
        'Dinas ESDM Provinsi Kalimantan Tengah'
        """
        return f"Dinas ESDM Provinsi {self.name}"

    def map_source(self, lang: str = "id") -> str:
        """Return the data source line of maps (the registry of this province's agency).

        Examples
        --------
        >>> load_province("62").map_source("id")
        'Registri Pantau Tambang, Dinas ESDM Kalteng'
        """
        return translator(lang).gettext(
            "Pantau Tambang registry, Dinas ESDM {province}", province=self.short
        )

    def local_time(self, when: dt.datetime) -> dt.datetime:
        """Return ``when`` in the province's zone (a naive time is taken to be in it already)."""
        if when.tzinfo is None:
            return when.replace(tzinfo=self.zone)
        return when.astimezone(self.zone)


def _error(key: str) -> ConfigurationError:
    known = ", ".join(f"{p.code} ({p.name})" for p in available_provinces())
    return ConfigurationError.of(
        N_("`province` must be a province code or name with a profile ({known}), got {value!r}"),
        field="province",
        known=known,
        value=key,
    )


@cache
def _read(path: Path) -> Province:
    try:
        return Province.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigurationError.of(
            N_("the province profile {path} is not valid: {problem}"),
            field="province",
            path=str(path),
            problem=str(exc).splitlines()[0] if isinstance(exc, json.JSONDecodeError) else exc,
        ) from exc


@cache
def _by_code(code: int, directory: Path, key: str) -> Province:
    """Return the profile of a BPS code, kept: every report reads it (its time zone)."""
    path = directory / f"{code:02d}.json"
    if path.is_file():
        return _read(path)
    raise _error(key)


def available_provinces(directory: Path = PROVINCES_DIR) -> list[Province]:
    """Return every shipped profile, by code.

    Examples
    --------
    >>> [p.code for p in available_provinces()]
    ['62', '64']
    """
    return [_read(path) for path in sorted(directory.glob("[0-9][0-9].json"))]


def load_province(key: str | int, directory: Path = PROVINCES_DIR) -> Province:
    """Return the profile for a BPS code (``"64"``, ``64``), a name or a short name.

    Names are matched without regard to case or surrounding spaces (``"kalimantan timur"``,
    ``"East Kalimantan"``, ``"Kaltim"``). An unknown key raises
    :class:`~geo.errors.ConfigurationError` naming the field ``province`` and the known profiles.

    Examples
    --------
    >>> load_province(62).name
    'Kalimantan Tengah'
    >>> load_province("Papua Tengah")
    Traceback (most recent call last):
    ...
    geo.errors.ConfigurationError: `province` must be a province code or name with a profile \
(62 (Kalimantan Tengah), 64 (Kalimantan Timur)), got 'Papua Tengah'
    """
    wanted = str(key).strip()
    if wanted.isdigit():
        return _by_code(int(wanted), directory, str(key))
    folded = wanted.casefold()
    for profile in available_provinces(directory):
        names = {profile.name, profile.name_en, profile.short}
        if folded in {name.casefold() for name in names}:
            return profile
    raise _error(str(key))
