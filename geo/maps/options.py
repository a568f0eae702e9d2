"""What a person asks of a map: period, layers, language, offline, sharing; checked once.

The CLI, the API and notebooks fill one :class:`MapOptions` and hand it to the use cases of
:mod:`geo.maps.service` (or to :func:`geo.maps.build.build_map`), so that every adapter accepts
and refuses the same things.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Final

from geo.errors import N_, ValidationError
from geo.i18n import DEFAULT_LANGUAGE, check_language

__all__ = ["LAYERS", "Period", "MapOptions", "parse_period", "parse_layers", "check_base_url"]

#: Layer keys, in drawing order.
LAYERS: Final[tuple[str, ...]] = (
    "admin",
    "forest",
    "wiup",
    "hotspots",
    "alerts",
    "sites",
    "reports",
    "heat",
    "bases",
    "routes",
)


@dataclass(frozen=True)
class Period:
    """The reporting period a map covers, both ends included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError.of(
                N_("period start {start} is after its end {end}"),
                field="period",
                start=self.start,
                end=self.end,
            )

    @classmethod
    def last(cls, days: int, *, today: dt.date | None = None) -> Period:
        """Return the ``days`` days up to ``today``."""
        end = today or dt.date.today()
        return cls(end - dt.timedelta(days=days - 1), end)


def parse_period(text: str | None, *, today: dt.date | None = None) -> Period:
    """Parse ``"2026-01-01..2026-06-30"``, ``"90d"`` (last 90 days) or None (last 365 days).

    Examples
    --------
    >>> parse_period("2026-01-01..2026-03-31")
    Period(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31))
    >>> parse_period("30d", today=dt.date(2026, 1, 30)).start
    datetime.date(2026, 1, 1)
    """
    if text is None or text == "":
        return Period.last(365, today=today)
    text = text.strip()
    if text.endswith("d") and text[:-1].isdigit() and int(text[:-1]) > 0:
        return Period.last(int(text[:-1]), today=today)
    parts = text.split("..")
    try:
        if len(parts) != 2:
            raise ValueError
        return Period(dt.date.fromisoformat(parts[0]), dt.date.fromisoformat(parts[1]))
    except ValueError:
        raise ValidationError.of(
            N_("`period` must look like 2026-01-01..2026-06-30 or 90d, got {text!r}"),
            field="period",
            text=text,
        ) from None


def parse_layers(text: str | None) -> tuple[str, ...] | None:
    """Split ``"sites,hotspots"`` into layer keys; ``None`` or ``""`` means every layer.

    Examples
    --------
    >>> parse_layers(" sites, bases ")
    ('sites', 'bases')
    """
    if not text:
        return None
    return tuple(k.strip() for k in text.split(",") if k.strip()) or None


def _check_layers(layers: Iterable[str] | None) -> tuple[str, ...]:
    if layers is None:
        return LAYERS
    chosen = tuple(dict.fromkeys(layers))
    unknown = [k for k in chosen if k not in LAYERS]
    if unknown:
        raise ValidationError.of(
            N_("`layers` has unknown key(s) {unknown}; expected some of {expected}"),
            field="layers",
            unknown=unknown,
            expected=list(LAYERS),
        )
    return chosen


def check_base_url(base_url: str | None) -> str | None:
    """Accept ``http(s)://...`` or a root-relative path for API links; refuse anything else.

    Examples
    --------
    >>> check_base_url("https://pantau.example/api")
    'https://pantau.example/api'
    """
    if base_url is None or base_url == "":
        return None
    if not (base_url.startswith(("http://", "https://")) or base_url.startswith("/")):
        raise ValidationError.of(
            N_("`base_url` must start with http://, https:// or /, got {url!r}"),
            field="base_url",
            url=base_url,
        )
    return base_url


@dataclass(frozen=True, init=False)
class MapOptions:
    """The options of one map, checked when made (a :class:`ValidationError` names the field).

    Parameters
    ----------
    period
        Reporting period (default: the last 365 days); reports outside it are left out.
    layers
        Keys of :data:`LAYERS` to draw (default: every one with data).
    lang
        ``"id"`` (default) or ``"en"``: every label comes from the one catalogue (:mod:`geo.i18n`).
    offline
        Inline Leaflet and plugins (no network needed) and use no web tiles.
    tiles
        A tile URL template (e.g. ``"tiles/{z}/{x}/{y}.png"`` relative to the HTML file).
    base_url
        Root of the API; site cards then link to ``{base_url}/sites/{code}``.
    share
        For audiences outside the agency: reports aggregated, ``anonim`` only.
    demo
        Mark the title block "synthetic demo data"; ``None``: as the loaded data say.
    title, source, generated
        The title block's title, data source and date (defaults from the catalogue, today).

    Examples
    --------
    >>> MapOptions(layers=["sites", "sites"], lang="en").layers
    ('sites',)
    >>> MapOptions(layers=["volcanoes"])
    Traceback (most recent call last):
    ...
    geo.errors.ValidationError: `layers` has unknown key(s) ['volcanoes']; expected some of \
['admin', 'forest', 'wiup', 'hotspots', 'alerts', 'sites', 'reports', 'heat', 'bases', 'routes']
    """

    period: Period
    layers: tuple[str, ...]
    lang: str
    offline: bool
    tiles: str | None
    base_url: str | None
    share: bool
    demo: bool | None
    title: str | None
    source: str | None
    generated: dt.date | None

    def __init__(
        self,
        *,
        period: Period | None = None,
        layers: Iterable[str] | None = None,
        lang: str = DEFAULT_LANGUAGE,
        offline: bool = False,
        tiles: str | None = None,
        base_url: str | None = None,
        share: bool = False,
        demo: bool | None = None,
        title: str | None = None,
        source: str | None = None,
        generated: dt.date | None = None,
    ) -> None:
        values = {
            "period": period or Period.last(365),
            "layers": _check_layers(layers),
            "lang": check_language(lang),
            "offline": offline,
            "tiles": tiles,
            "base_url": check_base_url(base_url),
            "share": share,
            "demo": demo,
            "title": title,
            "source": source,
            "generated": generated,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: object) -> MapOptions:
        """Return a copy with ``changes`` (checked again), e.g. ``opts.replace(offline=True)``."""
        values: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return MapOptions(**values)  # type: ignore[arg-type]
