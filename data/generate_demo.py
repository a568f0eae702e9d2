"""Generate the synthetic demo registry: 108 suspect PETI sites and 5 field team bases.

The sites are NOT real: real site lists are confidential government data. They are placed by a
seeded random generator around real kecamatan (district) centres in East Kalimantan's mining
regencies, so that distances, travel times and clusters look like the real problem.

``--province 62`` writes the second, smaller demo instead: 30 synthetic sites and 4 bases in
Kalimantan Tengah (gold along the Kahayan and Katingan, coal in the Barito), with its own seed.
``pantau demo --province 62`` writes it at demo time into the data folder (not committed).

Run ``python data/generate_demo.py`` (options: ``--seed``, ``--out``, ``--province``); the same
seed always writes byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

SEED = 20261124
REFERENCE_DATE = dt.date(2026, 11, 1)
HERE = Path(__file__).parent

# (kabupaten, code prefix, sites, [(kecamatan, lat, lon, commodity weights b/e/p)])
# Kecamatan centres are approximate public locations; the weights say which commodity is
# plausible there (coal in the Mahakam basin, gold in the interior, sand along rivers).
_Regions = list[tuple[str, str, int, list[tuple[str, float, float, tuple[float, float, float]]]]]
REGIONS: _Regions = [
    (
        "Kutai Kartanegara",
        "KKR",
        40,
        [
            ("Tenggarong", -0.416, 116.985, (0.7, 0.0, 0.3)),
            ("Tenggarong Seberang", -0.350, 117.060, (0.95, 0.0, 0.05)),
            ("Loa Janan", -0.580, 117.095, (0.9, 0.0, 0.1)),
            ("Loa Kulu", -0.505, 116.950, (0.95, 0.0, 0.05)),
            ("Sanga-Sanga", -0.635, 117.230, (0.9, 0.0, 0.1)),
            ("Muara Jawa", -0.800, 117.215, (0.9, 0.0, 0.1)),
            ("Sebulu", -0.300, 116.985, (0.9, 0.0, 0.1)),
            ("Muara Badak", -0.300, 117.400, (0.8, 0.0, 0.2)),
            ("Samboja", -1.030, 117.100, (0.9, 0.0, 0.1)),
            ("Kota Bangun", -0.270, 116.580, (0.8, 0.0, 0.2)),
            ("Muara Kaman", -0.190, 116.720, (0.9, 0.0, 0.1)),
            ("Kembang Janggut", 0.050, 116.400, (0.6, 0.4, 0.0)),
        ],
    ),
    (
        "Samarinda",
        "SMD",
        14,
        [
            ("Palaran", -0.580, 117.190, (0.9, 0.0, 0.1)),
            ("Sambutan", -0.500, 117.220, (0.9, 0.0, 0.1)),
            ("Samarinda Utara", -0.400, 117.170, (1.0, 0.0, 0.0)),
            ("Sungai Kunjang", -0.510, 117.100, (0.7, 0.0, 0.3)),
        ],
    ),
    (
        "Kutai Barat",
        "KBR",
        12,
        [
            ("Melak", -0.230, 115.830, (0.4, 0.3, 0.3)),
            ("Barong Tongkok", -0.250, 115.720, (0.4, 0.6, 0.0)),
            ("Siluq Ngurai", -0.500, 115.600, (0.5, 0.5, 0.0)),
            ("Long Iram", -0.020, 115.600, (0.2, 0.8, 0.0)),
        ],
    ),
    (
        "Kutai Timur",
        "KTM",
        12,
        [
            ("Sangatta Utara", 0.500, 117.550, (1.0, 0.0, 0.0)),
            ("Bengalon", 0.750, 117.550, (1.0, 0.0, 0.0)),
            ("Rantau Pulung", 0.600, 117.300, (0.9, 0.0, 0.1)),
            ("Muara Wahau", 1.030, 116.850, (0.6, 0.4, 0.0)),
        ],
    ),
    (
        "Berau",
        "BRU",
        10,
        [
            ("Gunung Tabur", 2.200, 117.450, (0.9, 0.0, 0.1)),
            ("Sambaliung", 2.100, 117.550, (0.9, 0.0, 0.1)),
            ("Kelay", 1.900, 117.000, (0.2, 0.8, 0.0)),
            ("Segah", 2.050, 117.100, (0.5, 0.5, 0.0)),
        ],
    ),
    (
        "Paser",
        "PSR",
        8,
        [
            ("Batu Sopang", -1.750, 115.950, (0.9, 0.1, 0.0)),
            ("Long Ikis", -1.650, 116.350, (0.8, 0.0, 0.2)),
            ("Kuaro", -1.830, 116.100, (0.8, 0.0, 0.2)),
            ("Muara Komam", -1.700, 115.750, (0.4, 0.6, 0.0)),
        ],
    ),
    (
        "Penajam Paser Utara",
        "PPU",
        6,
        [
            ("Sepaku", -0.930, 116.750, (0.6, 0.0, 0.4)),
            ("Babulu", -1.500, 116.450, (0.8, 0.0, 0.2)),
            ("Waru", -1.380, 116.550, (0.8, 0.0, 0.2)),
        ],
    ),
    ("Mahakam Ulu", "MHU", 3, [("Long Bagun", 0.600, 115.050, (0.0, 1.0, 0.0))]),
    ("Balikpapan", "BPN", 2, [("Balikpapan Utara", -1.190, 116.880, (0.3, 0.0, 0.7))]),
    ("Bontang", "BTG", 1, [("Bontang Selatan", 0.100, 117.470, (0.5, 0.0, 0.5))]),
]
# Kalimantan Tengah (BPS 62), the second demo: smaller, same shape. Kecamatan centres are
# approximate public locations.
REGIONS_62: _Regions = [
    (
        "Gunung Mas",
        "GMS",
        6,
        [
            ("Kurun", -1.108, 113.878, (0.0, 0.9, 0.1)),
            ("Tewah", -1.000, 113.700, (0.0, 1.0, 0.0)),
            ("Rungan", -1.350, 113.800, (0.0, 0.8, 0.2)),
        ],
    ),
    (
        "Katingan",
        "KTG",
        6,
        [
            ("Katingan Tengah", -1.460, 113.080, (0.0, 0.7, 0.3)),
            ("Katingan Hulu", -0.950, 112.950, (0.0, 1.0, 0.0)),
        ],
    ),
    (
        "Barito Utara",
        "BTU",
        5,
        [
            ("Teweh Tengah", -0.957, 114.893, (0.9, 0.1, 0.0)),
            ("Lahei", -0.730, 114.880, (1.0, 0.0, 0.0)),
        ],
    ),
    (
        "Kapuas",
        "KPS",
        4,
        [
            ("Kapuas Tengah", -1.480, 114.220, (0.6, 0.4, 0.0)),
            ("Timpah", -1.750, 114.350, (0.2, 0.8, 0.0)),
        ],
    ),
    (
        "Murung Raya",
        "MRY",
        4,
        [
            ("Murung", -0.630, 114.570, (0.7, 0.3, 0.0)),
            ("Tanah Siang", -0.450, 114.250, (0.3, 0.7, 0.0)),
        ],
    ),
    (
        "Palangka Raya",
        "PKY",
        3,
        [
            ("Rakumpit", -1.850, 113.880, (0.0, 0.6, 0.4)),
            ("Bukit Batu", -2.000, 113.780, (0.0, 0.3, 0.7)),
        ],
    ),
    ("Kotawaringin Timur", "KTT", 2, [("Cempaga Hulu", -2.200, 113.000, (0.0, 0.7, 0.3))]),
]
COMMODITY = ("batubara", "emas", "pasir")
STATUSES = ("suspected", "active", "inspected", "sealed", "dormant", "legalised")
STATUS_P = (0.34, 0.30, 0.15, 0.09, 0.09, 0.03)
KIND = {"batubara": "Tambang Batubara", "emas": "Tambang Emas", "pasir": "Galian Pasir"}
FEATURE = ("Bukit", "Sungai", "Km", "Dusun", "Jalan Tani", "Gang", "Simpang")
RIVER_WORDS = (
    "Mahakam",
    "Belayan",
    "Kelinjau",
    "Telen",
    "Kedang Kepala",
    "Karang Mumus",
    "Jembayan",
)

RIVER_WORDS_62 = ("Kahayan", "Katingan", "Barito", "Kapuas", "Rungan", "Teweh", "Manuhing")

BASES = [
    # Dinas ESDM Provinsi Kalimantan Timur, head office on Jl. MT Haryono, Samarinda.
    (
        "SMD",
        "Dinas ESDM Provinsi Kalimantan Timur",
        "Jl. MT Haryono, Samarinda",
        "Samarinda",
        -0.4786,
        117.1328,
    ),
    (
        "TGR",
        "Pos Lapangan ESDM Tenggarong",
        "Jl. Wolter Monginsidi, Tenggarong",
        "Kutai Kartanegara",
        -0.4204,
        116.9860,
    ),
    (
        "SGT",
        "Pos Lapangan ESDM Sangatta",
        "Jl. APT Pranoto, Sangatta",
        "Kutai Timur",
        0.4960,
        117.5380,
    ),
    (
        "TRB",
        "Pos Lapangan ESDM Tanjung Redeb",
        "Jl. Pemuda, Tanjung Redeb",
        "Berau",
        2.1530,
        117.4930,
    ),
    (
        "TGG",
        "Pos Lapangan ESDM Tanah Grogot",
        "Jl. Kusuma Bangsa, Tanah Grogot",
        "Paser",
        -1.9100,
        116.1940,
    ),
]


# Kalimantan Tengah: the provincial office in Palangka Raya and three field posts (synthetic).
BASES_62 = [
    (
        "PKY",
        "Dinas ESDM Provinsi Kalimantan Tengah",
        "Jl. Tjilik Riwut, Palangka Raya",
        "Palangka Raya",
        -2.2100,
        113.9200,
    ),
    (
        "KKN",
        "Pos Lapangan ESDM Kuala Kurun",
        "Jl. Tjilik Riwut, Kuala Kurun",
        "Gunung Mas",
        -1.1080,
        113.8780,
    ),
    (
        "MTW",
        "Pos Lapangan ESDM Muara Teweh",
        "Jl. Yetro Sinseng, Muara Teweh",
        "Barito Utara",
        -0.9570,
        114.8930,
    ),
    (
        "KSG",
        "Pos Lapangan ESDM Kasongan",
        "Jl. Tjilik Riwut, Kasongan",
        "Katingan",
        -1.8920,
        113.4050,
    ),
]


class DemoProvince(NamedTuple):
    """What one province's demo is made of."""

    regions: _Regions
    rivers: tuple[str, ...]
    bases: list[tuple[str, str, str, str, float, float]]
    seed: int


#: Each province's demo, by BPS code (the profiles are in ``data/provinces/``).
PROVINCES: dict[str, DemoProvince] = {
    "64": DemoProvince(REGIONS, RIVER_WORDS, BASES, SEED),
    "62": DemoProvince(REGIONS_62, RIVER_WORDS_62, BASES_62, 20261201),
}


def _polygon(rng: np.random.Generator, lat: float, lon: float, area_ha: float) -> list[list[float]]:
    """Return a star-shaped (hence simple) irregular polygon of about ``area_ha`` around a point."""
    n = int(rng.integers(7, 12))
    angles = np.sort(rng.uniform(0, 2 * math.pi, n))
    radius_m = math.sqrt(area_ha * 10_000 / math.pi)
    radii = radius_m * rng.uniform(0.6, 1.3, n)
    m_per_deg_lat = 110_574.0
    m_per_deg_lon = 111_320.0 * math.cos(math.radians(lat))
    ring = [
        [
            round(lon + r * math.cos(a) / m_per_deg_lon, 6),
            round(lat + r * math.sin(a) / m_per_deg_lat, 6),
        ]
        for a, r in zip(angles, radii, strict=True)
    ]
    ring.append(ring[0])
    return ring


def _risk(rng: np.random.Generator, status: str, commodity: str) -> str:
    if status in ("sealed", "legalised", "dormant"):
        return str(rng.choice(["low", "medium"], p=[0.7, 0.3]))
    base = [0.1, 0.35, 0.4, 0.15] if status == "active" else [0.25, 0.45, 0.25, 0.05]
    if commodity == "emas":  # mercury use in gold panning raises the stakes
        base = [0.05, 0.25, 0.45, 0.25]
    return str(rng.choice(["low", "medium", "high", "critical"], p=base))


def generate_sites(
    seed: int = SEED, reference: dt.date = REFERENCE_DATE, province: str = "64"
) -> dict[str, object]:
    """Return the sites as a GeoJSON FeatureCollection (a dict), deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    features = []
    demo = PROVINCES[province]
    for kabupaten, prefix, count, places in demo.regions:
        for i in range(1, count + 1):
            kecamatan, lat0, lon0, weights = places[int(rng.integers(len(places)))]
            commodity = str(rng.choice(COMMODITY, p=np.array(weights) / sum(weights)))
            spread_km = 9.0 if commodity == "emas" else 6.0
            lat = lat0 + rng.normal(0, spread_km / 111.0)
            lon = lon0 + rng.normal(0, spread_km / 111.0)
            status = str(rng.choice(STATUSES, p=STATUS_P))
            first = reference - dt.timedelta(days=int(rng.integers(60, 365 * 6)))
            inspected = None
            if status in ("inspected", "sealed", "legalised") or rng.random() < 0.3:
                span = (reference - first).days
                inspected = first + dt.timedelta(days=int(rng.integers(14, max(15, span))))
            place = (
                f"Sungai {rng.choice(demo.rivers)}"
                if commodity != "batubara" and rng.random() < 0.5
                else f"{rng.choice(FEATURE)} {kecamatan}"
            )
            if rng.random() < 0.3:
                area = float(
                    rng.uniform(0.5, 15.0) if commodity == "batubara" else rng.uniform(0.3, 4.0)
                )
                geometry = {"type": "Polygon", "coordinates": [_polygon(rng, lat, lon, area)]}
            else:
                geometry = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": f"{prefix}-{i:03d}",
                        "name": f"{KIND[commodity]} {place} {i}",
                        "kabupaten": kabupaten,
                        "kecamatan": kecamatan,
                        "commodity": commodity,
                        "status": status,
                        "risk_level": _risk(rng, status, commodity),
                        "first_reported": first.isoformat(),
                        "last_inspected": inspected.isoformat() if inspected else None,
                        "notes": "Data demo sintetis (synthetic demo data)",
                    },
                    "geometry": geometry,
                }
            )
    return {"type": "FeatureCollection", "name": "sites", "features": features}


def generate_bases(province: str = "64") -> dict[str, object]:
    """Return the field team bases as a GeoJSON FeatureCollection (a dict)."""
    return {
        "type": "FeatureCollection",
        "name": "bases",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "address": address, "kabupaten": kab},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            for code, name, address, kab, lat, lon in PROVINCES[province].bases
        ],
    }


def write(out: Path, seed: int | None = None, province: str = "64") -> list[Path]:
    """Write ``sites.geojson`` and ``bases.geojson`` into ``out`` and return their paths.

    ``seed`` defaults to the province's own (:data:`PROVINCES`).
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    seed = PROVINCES[province].seed if seed is None else seed
    sites = generate_sites(seed, province=province)
    for name, collection in (("sites", sites), ("bases", generate_bases(province))):
        path = out / f"{name}.geojson"
        path.write_text(
            json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        paths.append(path)
    return paths


def main() -> None:
    """Command-line entry: write the demo files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: the province's")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--province", choices=sorted(PROVINCES), default="64")
    args = parser.parse_args()
    for path in write(args.out, args.seed, province=args.province):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
