"""Vocabulary and settings of the permit and land-status layers (no database, no I/O).

The codes are stable English-free identifiers that the agency already uses (``LUAR_WIUP``,
``WIUP_OP``); people read them through :mod:`geo.layers.guidance`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AUTHORITIES",
    "DEFAULT_FOREST_CODES",
    "FOREST_FUNCTIONS",
    "KINDS",
    "OBJECT_KINDS",
    "PERMIT_CLASSES",
    "LayerSettings",
    "authority_for",
]

#: Layer kinds that ``pantau layers import`` accepts.
KINDS: tuple[str, ...] = ("wiup", "kawasan_hutan", "pippib")

#: What is classified.
OBJECT_KINDS: tuple[str, ...] = ("site", "report", "hotspot")

#: Permit classes, in the order a place inside several permits takes them (first wins).
PERMIT_CLASSES: tuple[str, ...] = ("WIUP_OP", "WIUP_EKSPLORASI", "WIUP_BERAKHIR", "LUAR_WIUP")

#: Functions of the forest estate (``APL`` is land for other use, outside the estate).
FOREST_FUNCTIONS: tuple[str, ...] = (
    "KONSERVASI",
    "HUTAN_LINDUNG",
    "HUTAN_PRODUKSI",
    "HUTAN_PRODUKSI_TERBATAS",
    "HUTAN_PRODUKSI_KONVERSI",
    "APL",
)

#: Who issues permits: the province for non-metal minerals and rock, the centre otherwise.
AUTHORITIES: tuple[str, ...] = ("PROVINSI", "PUSAT")

#: The columns of a site's class that the feature queries join to each site row
#: (``geo.layers.columns.classed_sites``); ``class_id`` is NULL when it has no class.
CLASS_COLUMNS: tuple[str, ...] = (
    "class_id",
    "permit_class",
    "permit_share",
    "permit_code",
    "forest_flags",
    "moratorium",
    "authority",
    "wiup_snapshot_date",
    "forest_snapshot_date",
)

#: Default ``FUNGSIKWS`` codes → function, seeded into the ``forest_functions`` table by the
#: migration; the agency edits that table (``pantau layers codes``) to match its source layer.
#: Both the numeric codes of the ministry's layer and the usual abbreviations are listed.
DEFAULT_FOREST_CODES: dict[str, str] = {
    "1001": "KONSERVASI",  # kawasan suaka alam / pelestarian alam (darat)
    "1002": "KONSERVASI",  # kawasan suaka alam / pelestarian alam (perairan)
    "1003": "KONSERVASI",  # taman buru
    "1004": "HUTAN_LINDUNG",
    "1005": "HUTAN_PRODUKSI_TERBATAS",
    "1006": "HUTAN_PRODUKSI",
    "1007": "HUTAN_PRODUKSI_KONVERSI",
    "5003": "APL",
    "KSA": "KONSERVASI",
    "KPA": "KONSERVASI",
    "HK": "KONSERVASI",
    "HL": "HUTAN_LINDUNG",
    "HP": "HUTAN_PRODUKSI",
    "HPT": "HUTAN_PRODUKSI_TERBATAS",
    "HPK": "HUTAN_PRODUKSI_KONVERSI",
    "APL": "APL",
}

# Commodity words (lower case) of permits and of the registry, by issuing authority.
_PUSAT_WORDS = (
    "batubara",
    "batu bara",
    "coal",
    "emas",
    "gold",
    "nikel",
    "nickel",
    "timah",
    "bauksit",
    "tembaga",
    "besi",
    "mangan",
    "perak",
    "logam",
    "zircon",
    "zirkon",
)
_PROVINSI_WORDS = (
    "bukan logam",
    "batuan",
    "batu",
    "pasir",
    "sirtu",
    "kerikil",
    "tanah urug",
    "andesit",
    "granit",
    "kapur",
    "gamping",
    "lempung",
    "tanah liat",
    "kuarsa",
    "felspar",
)


def authority_for(commodity: str | None) -> str | None:
    """Return ``PUSAT`` for coal and metals, ``PROVINSI`` for non-metal minerals and rock.

    Examples
    --------
    >>> authority_for("Batubara"), authority_for("Batuan (Andesit)"), authority_for("lainnya")
    ('PUSAT', 'PROVINSI', None)
    """
    if not commodity:
        return None
    text = " ".join(str(commodity).lower().replace("_", " ").split())
    # "mineral bukan logam" contains "logam": the non-metal words are tested first.
    if any(word in text for word in _PROVINSI_WORDS if word != "batu") or text == "batu":
        return "PROVINSI"
    if any(word in text for word in _PUSAT_WORDS):
        return "PUSAT"
    return None


class LayerSettings(BaseModel):
    """Permit and land-status layers: ``PANTAU_LAYERS_<FIELD>``."""

    model_config = ConfigDict(extra="forbid")

    #: Distance (metres) within which a place counts as touching a layer polygon: the
    #: published layers are small-scale (1:50,000 and coarser).
    tolerance_m: float = Field(default=50.0, ge=0, le=5000)
    #: Features per request when paging an ArcGIS MapServer ``query`` endpoint.
    page_size: int = Field(default=1000, ge=1, le=10_000)
    #: Stop paging after this many requests (a server that never says it is done).
    max_pages: int = Field(default=1000, ge=1)
    #: Seconds to wait for one page.
    timeout_s: float = Field(default=60.0, gt=0)
