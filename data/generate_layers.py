"""Generate SYNTHETIC mining-permit (WIUP) and forest-estate layers for the Kaltim demo.

These are NOT real permits or forest boundaries: every feature carries ``"synthetic": true``
and a ``keterangan`` saying so, and the file names start with ``demo_``. The polygons are
squares placed around the demo sites of ``data/sites.geojson`` so that every indicative class
occurs: outside any permit, active production, exploration, expired, each forest function,
and both authorities (coal and gold: the centre; sand and rock: the province).

Run ``python data/generate_layers.py``; the output is the same every time. Load it with::

    pantau layers import wiup data/demo_wiup.geojson --date 2026-11-01
    pantau layers import kawasan_hutan data/demo_kawasan_hutan.geojson --date 2026-11-01
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping, shape

HERE = Path(__file__).parent
NOTE = "DATA SINTETIS untuk demo, bukan izin atau kawasan hutan yang sebenarnya (synthetic)"
HALF = 0.006  # half the side of a permit square, degrees (about 670 m)


def _epoch_ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def _centres() -> list[tuple[str, str, float, float]]:
    doc = json.loads((HERE / "sites.geojson").read_text())
    out = []
    for f in sorted(doc["features"], key=lambda f: f["properties"]["code"]):
        c = shape(f["geometry"]).centroid
        out.append((f["properties"]["code"], f["properties"]["commodity"], c.x, c.y))
    return out


# Every sixth site gets a permit of each kind; the rest stay outside any permit.
_PERMITS = (
    ("OPERASI PRODUKSI", "IUP Operasi Produksi", dt.date(2034, 6, 30)),
    ("Eksplorasi", "IUP Eksplorasi", dt.date(2029, 3, 31)),
    ("OPERASI PRODUKSI", "IUP OP", dt.date(2022, 12, 31)),  # expired before the demo date
)
_COMMODITY = {"batubara": "Batubara", "emas": "Emas", "pasir": "Batuan (Pasir)"}


def wiup_features() -> list[dict[str, Any]]:
    """Return the synthetic permit squares, with ESDM's WIUP attribute names in mixed case."""
    features = []
    for i, (code, commodity, x, y) in enumerate(_centres()):
        if i % 6 >= len(_PERMITS):
            continue
        kegiatan, jenis, end = _PERMITS[i % 6]
        props: dict[str, Any] = {
            "KODE_WIUP": f"DEMO-{i:03d}",
            "sk_iup": f"SINTETIS/{i:03d}/IUP/2020",
            "nama_usaha": f"PT Contoh Tambang {i:03d} (sintetis)",
            "badan_usaha": "PT",
            "Jenis_Izin": jenis,
            "KOMODITAS": _COMMODITY.get(commodity, "Batuan"),
            "kegiatan": kegiatan,
            "tgl_berlaku": "2020-01-15",
            # Half the end dates as epoch milliseconds, as ArcGIS services send them.
            "tgl_akhir": _epoch_ms(end) if i % 2 else end.isoformat(),
            "luas_sk": round((2 * HALF * 111.32) ** 2 * 100, 1),
            "nama_prov": "KALIMANTAN TIMUR",
            "nama_kab": None,
            "cnc": "CNC",
            "synthetic": True,
            "keterangan": NOTE,
            "near_site": code,
        }
        geom = box(x - HALF, y - HALF, x + HALF, y + HALF)
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    return features


# Forest function codes (FUNGSIKWS) cycled over the sites; APL is land outside the estate.
_FOREST_CODES = (1001, 1004, 1006, 1005, 1007, 5003)


def forest_features() -> list[dict[str, Any]]:
    """Return synthetic forest-estate squares, offset so that some cover a site partly."""
    features = []
    for i, (code, _, x, y) in enumerate(_centres()):
        if i % 4 != 1:
            continue
        fungsi = _FOREST_CODES[(i // 4) % len(_FOREST_CODES)]
        geom = box(x - 0.0003, y - 0.01, x + 0.02, y + 0.01)
        props = {
            "FUNGSIKWS": fungsi,
            "NAMOBJ": f"Kawasan sintetis {i:03d}",
            "synthetic": True,
            "keterangan": NOTE,
            "near_site": code,
        }
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    return features


def _write(name: str, title: str, features: list[dict[str, Any]]) -> Path:
    doc = {"type": "FeatureCollection", "name": title, "synthetic": True, "features": features}
    path = HERE / name
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def main() -> None:
    """Write ``data/demo_wiup.geojson`` and ``data/demo_kawasan_hutan.geojson``."""
    for path in (
        _write("demo_wiup.geojson", "WIUP sintetis (demo)", wiup_features()),
        _write("demo_kawasan_hutan.geojson", "Kawasan hutan sintetis (demo)", forest_features()),
    ):
        print(f"wrote {path}")  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
