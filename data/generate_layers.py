"""Generate SYNTHETIC mining-permit (WIUP), forest-estate and satellite-alert files for the demo.

These are NOT real permits, forest boundaries or alerts: every feature carries ``"synthetic":
true`` and a ``keterangan`` saying so (the alerts file says so at its top), and the file names
start with ``demo_``. The polygons are
squares placed around the demo sites of ``data/sites.geojson`` so that every indicative class
occurs: outside any permit, active production, exploration, expired, each forest function,
and both authorities (coal and gold: the centre; sand and rock: the province).

The alerts (``demo_alerts.json``, in the Data API's JSON answer form) are small clearings of
10 m pixels: next to every fifth site (matched to it), a few kilometres from others (new
candidates: no report is near them) and single pixels (noise, never a patch).

Run ``python data/generate_layers.py``; the output is the same every time. ``pantau demo``
loads them (another province's are written next to its generated sites by :func:`write`);
by hand::

    pantau layers import wiup data/demo_wiup.geojson --date 2026-11-01
    pantau layers import kawasan_hutan data/demo_kawasan_hutan.geojson --date 2026-11-01
    pantau alerts import data/demo_alerts.json
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


def _centres(folder: Path = HERE) -> list[tuple[str, str, float, float]]:
    doc = json.loads((folder / "sites.geojson").read_text())
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


def wiup_features(folder: Path = HERE, province: str = "KALIMANTAN TIMUR") -> list[dict[str, Any]]:
    """Return the synthetic permit squares, with ESDM's WIUP attribute names in mixed case."""
    features = []
    for i, (code, commodity, x, y) in enumerate(_centres(folder)):
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
            "nama_prov": province,
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


def forest_features(folder: Path = HERE) -> list[dict[str, Any]]:
    """Return synthetic forest-estate squares, offset so that some cover a site partly."""
    features = []
    for i, (code, _, x, y) in enumerate(_centres(folder)):
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


ALERT_NOTE = "DATA SINTETIS untuk demo, bukan peringatan satelit GFW yang sebenarnya (synthetic)"
PIXEL = 0.0001  # about 11 m: neighbouring 10 m alert pixels
ALERT_DAY = dt.date(2026, 10, 20)
_CONFIDENCE = ("nominal", "high", "highest")


def _alert(x: float, y: float, day: dt.date, confidence: str) -> dict[str, Any]:
    return {
        "latitude": round(y, 6),
        "longitude": round(x, 6),
        "gfw_integrated_alerts__date": day.isoformat(),
        "gfw_integrated_alerts__confidence": confidence,
    }


def _clearing(x: float, y: float, side: int, day: dt.date, confidence: str) -> list[dict[str, Any]]:
    """Return a ``side`` x ``side`` block of neighbouring alert pixels from (x, y)."""
    return [
        _alert(x + i * PIXEL, y + j * PIXEL, day, confidence)
        for i in range(side)
        for j in range(side)
    ]


def alert_rows(folder: Path = HERE) -> list[dict[str, Any]]:
    """Return the synthetic alerts: clearings by sites, candidate clearings away, noise."""
    rows: list[dict[str, Any]] = []
    for i, (_, _, x, y) in enumerate(_centres(folder)):
        day = ALERT_DAY + dt.timedelta(days=i % 10)
        confidence = _CONFIDENCE[i % 3]
        if i % 5 == 0:  # next to the site (about 200 m east): matched to it
            rows += _clearing(x + 0.002, y, 3 + i % 3, day, confidence)
        elif i % 15 == 2:  # about 4 km north: nobody reported it
            rows += _clearing(x, y + 0.036, 4, day, "high")
        elif i % 5 == 3:  # one pixel alone: noise, no patch
            rows.append(_alert(x - 0.01, y - 0.01, day, "nominal"))
    return rows


def _write(name: str, title: str, features: list[dict[str, Any]], folder: Path = HERE) -> Path:
    doc = {"type": "FeatureCollection", "name": title, "synthetic": True, "features": features}
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _write_alerts(folder: Path) -> Path:
    doc = {
        "synthetic": True,
        "keterangan": ALERT_NOTE,
        "data": alert_rows(folder),
        "status": "success",
    }
    path = folder / "demo_alerts.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def write(folder: Path = HERE, province: str = "KALIMANTAN TIMUR") -> list[Path]:
    """Write the three demo files next to ``folder/sites.geojson``; return their paths."""
    return [
        _write(
            "demo_wiup.geojson", "WIUP sintetis (demo)", wiup_features(folder, province), folder
        ),
        _write(
            "demo_kawasan_hutan.geojson",
            "Kawasan hutan sintetis (demo)",
            forest_features(folder),
            folder,
        ),
        _write_alerts(folder),
    ]


def main() -> None:
    """Write ``data/demo_wiup.geojson``, ``demo_kawasan_hutan.geojson`` and ``demo_alerts.json``."""
    for path in write():
        print(f"wrote {path}")  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
