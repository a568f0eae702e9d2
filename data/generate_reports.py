"""Generate ~2,000 synthetic public reports for the demo, reproducibly.

The reports are NOT real. They are placed by a seeded random generator over the 12 months
before a fixed reference date:

- most near the demo sites of ``data/sites.geojson`` (busier sites get more reports);
- some around 6 hotspots that are in no registry (what clustering should discover);
- some noise scattered over East Kalimantan, a few just outside it (flagged ``outside_aoi``)
  and a few with only a described place;
- near duplicates (the same reporter again, a few hundred metres and hours later) and exact
  duplicates (a LAPOR! tracking number or a whole row sent twice);
- about 60 with a small JPEG whose EXIF carries a GPS position and capture time (a few far
  from the claimed point, a few months old) in ``data/evidence/``;
- rows with bad coordinates or times in a separate ``data/demo_reports_rejects.csv``, which
  the importer must refuse one by one.

Names and phone numbers are invented (phones use the unassigned ``0800-00`` range).

``--province 62`` writes the smaller Kalimantan Tengah demo (400 reports around its 30 sites, 4
hidden hotspots, times in WIB); without it, East Kalimantan's (times in WITA) as always.

Run ``python data/generate_reports.py`` (``--seed``, ``--reference-date``, ``--out``,
``--province``); the same arguments always write byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import piexif
from PIL import Image

from geo.reports.row import INPUT_FIELDS

SEED = 20261125
REFERENCE_DATE = dt.date(2026, 11, 1)
N_REPORTS = 2000
HERE = Path(__file__).parent
WITA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class ReportArea:
    """Where a province's synthetic reports fall and the clock they are written in."""

    #: The zone times are written in (with their offset).
    tz: dt.timezone
    #: Box (lat_min, lat_max, lon_min, lon_max) for scattered noise inside the province.
    noise: tuple[float, float, float, float]
    #: Box for reports just outside the area of interest (flagged ``outside_aoi``).
    outside: tuple[float, float, float, float]
    #: Hidden hotspots, reports and near duplicates by default.
    hotspots: int
    n: int
    seed: int


#: Each province's reports, by BPS code. Kaltim's outside box is Kalimantan Selatan, just south
#: of the area; Kalteng's is near Pontianak, Kalimantan Barat, just west of it.
AREAS: dict[str, ReportArea] = {
    "64": ReportArea(
        WITA, (-2.3, 2.2, 115.2, 118.6), (-3.8, -3.2, 115.0, 116.3), 6, N_REPORTS, SEED
    ),
    "62": ReportArea(
        dt.timezone(dt.timedelta(hours=7)),
        (-2.8, 0.3, 112.0, 115.2),
        (-0.5, 0.3, 109.2, 110.0),
        4,
        400,
        20261202,
    ),
}

CHANNELS = {
    "hotline": 0.40,
    "lapor": 0.25,
    "web": 0.15,
    "field_team": 0.10,
    "media": 0.06,
    "satellite": 0.04,
}
ACTIVITY_BY_COMMODITY = {
    "batubara": (["excavator", "hauling_trucks", "stockpile", "land_clearing"], [4, 3, 2, 1]),
    "emas": (["river_dredging", "excavator", "land_clearing", "other"], [5, 3, 1, 1]),
    "pasir": (["river_dredging", "hauling_trucks", "excavator"], [6, 3, 1]),
    "batu": (["excavator", "hauling_trucks", "land_clearing"], [4, 3, 1]),
    "lainnya": (["excavator", "other"], [1, 1]),
}
DESCRIPTIONS = {
    "excavator": "Ada {n} ekskavator bekerja {when} di {place}.",
    "hauling_trucks": "Truk pengangkut batubara lewat {when}, sekitar {n} truk, dari arah {place}.",
    "stockpile": "Tumpukan batubara baru di pinggir jalan dekat {place}.",
    "river_dredging": "Mesin sedot/dompeng beroperasi di sungai dekat {place}, air jadi keruh.",
    "land_clearing": "Lahan dibuka dan pohon ditebang {when} di {place}.",
    "other": "Kegiatan tambang mencurigakan di {place}.",
}
WHEN = ["malam hari", "pagi hari", "siang tadi", "sejak seminggu", "setiap hari"]
FIRST = [
    "Siti",
    "Budi",
    "Rahmat",
    "Dewi",
    "Agus",
    "Nur",
    "Hendra",
    "Yuliani",
    "Slamet",
    "Rina",
    "Andi",
    "Fitri",
    "Joko",
    "Lestari",
    "Arif",
    "Wahyuni",
    "Dedi",
    "Ratna",
    "Samsul",
    "Ayu",
]
LAST = [
    "Aminah",
    "Santoso",
    "Hidayat",
    "Lestari",
    "Saputra",
    "Rahmawati",
    "Gunawan",
    "Pratiwi",
    "Syahrani",
    "Kurniawan",
    "Wijaya",
    "Handayani",
    "Effendi",
    "Utami",
]
# An import file's columns: every field of a report (derived from the reports table), then its
# evidence files; external_id first, as the committed demo files have always had it.
FIELDS = ["external_id", *(f for f in INPUT_FIELDS if f != "external_id"), "evidence"]


def _sites(path: Path) -> list[dict[str, Any]]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    out = []
    for f in features:
        geom = f["geometry"]
        if geom["type"] == "Point":
            lon, lat = geom["coordinates"][:2]
        else:  # a polygon's first ring vertex mean is close enough to place reports around it
            ring = (
                geom["coordinates"][0] if geom["type"] == "Polygon" else geom["coordinates"][0][0]
            )
            lon = sum(p[0] for p in ring) / len(ring)
            lat = sum(p[1] for p in ring) / len(ring)
        p = f["properties"]
        weight = {
            "active": 4.0,
            "suspected": 2.0,
            "inspected": 1.5,
            "dormant": 0.5,
            "sealed": 0.7,
            "legalised": 0.2,
        }.get(p["status"], 1.0)
        weight *= {"critical": 2.0, "high": 1.5, "medium": 1.0, "low": 0.6}.get(
            p["risk_level"], 1.0
        )
        out.append(
            {
                "lat": lat,
                "lon": lon,
                "commodity": p["commodity"],
                "weight": weight,
                "place": f"{p.get('kecamatan') or p['kabupaten']}, {p['kabupaten']}",
            }
        )
    return out


def _offset(
    rng: np.random.Generator, lat: float, lon: float, sigma_m: float, max_m: float
) -> tuple[float, float]:
    r = min(abs(rng.normal(0, sigma_m)), max_m)
    a = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(a) / 111_320
    dlon = r * math.sin(a) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _hotspots(
    rng: np.random.Generator, sites: list[dict[str, Any]], n: int
) -> list[dict[str, Any]]:
    """Hidden hotspots: 8 to 25 km from a site, at least 5 km from every site."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        base = sites[int(rng.integers(len(sites)))]
        lat, lon = _offset(rng, base["lat"], base["lon"], 15_000, 25_000)
        if all(_distance_m((lat, lon), (s["lat"], s["lon"])) > 5_000 for s in sites) and all(
            _distance_m((lat, lon), (h["lat"], h["lon"])) > 10_000 for h in out
        ):
            out.append({**base, "lat": lat, "lon": lon, "weight": 1.0})
    return out


def _photo(lat: float, lon: float, taken: dt.datetime, seed: int) -> bytes:
    def dms(v: float) -> tuple[tuple[int, int], ...]:
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        s = round((v - d - m / 60) * 3600 * 100)
        return ((d, 1), (m, 1), (s, 100))

    exif = {
        "0th": {piexif.ImageIFD.Make: b"Synthetic", piexif.ImageIFD.Model: b"Pantau demo"},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: taken.strftime("%Y:%m:%d %H:%M:%S").encode()},
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"S" if lat < 0 else b"N",
            piexif.GPSIFD.GPSLatitude: dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: dms(lon),
        },
    }
    rng = np.random.default_rng(seed)
    # A brown-green blur that looks like a clearing from far away; 64 x 48 keeps files ~2 KB.
    base = np.array([110, 90, 60]) + rng.integers(-30, 30, size=3)
    pixels = np.clip(base + rng.normal(0, 18, size=(48, 64, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, "JPEG", quality=70, exif=piexif.dump(exif))
    return buf.getvalue()


def _time(rng: np.random.Generator, ref: dt.date, tz: dt.timezone = WITA) -> dt.datetime:
    # More reports lately (the problem is growing): density rising linearly over the year.
    days_back = 365 * (1 - math.sqrt(rng.uniform(0.0, 1.0)))
    hour = int(rng.choice([7, 8, 9, 10, 11, 13, 14, 15, 16, 19, 20, 21]))
    start = dt.datetime.combine(ref, dt.time(), tzinfo=tz)
    moment = start - dt.timedelta(days=days_back)
    return moment.replace(hour=hour, minute=int(rng.integers(60)), second=0, microsecond=0)


@dataclass
class _World:
    """What every synthetic report is drawn from, and the counters that run through them."""

    sites: list[dict[str, Any]]
    site_w: np.ndarray
    hotspots: list[dict[str, Any]]
    reporters: list[tuple[str, str]]
    reference_date: dt.date
    evidence_dir: Path
    seed: int
    area: ReportArea = AREAS["64"]
    lapor_no: int = 4_800_000
    photos: int = 0


def generate(
    *,
    sites_path: Path,
    out: Path,
    seed: int | None = None,
    reference_date: dt.date = REFERENCE_DATE,
    n: int | None = None,
    province: str = "64",
) -> dict[str, int]:
    """Write ``demo_reports.csv``, ``demo_reports_rejects.csv`` and ``evidence/`` under ``out``.

    ``seed`` and ``n`` default to the province's (:data:`AREAS`).
    """
    area = AREAS[province]
    seed = area.seed if seed is None else seed
    n = area.n if n is None else n
    # Every draw from rng happens in a fixed order: the same arguments write the same bytes.
    rng = np.random.default_rng(seed)
    sites = _sites(sites_path)
    hotspots = _hotspots(rng, sites, area.hotspots)
    reporters = [
        (
            f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}",
            f"0800-00{int(rng.integers(100_000, 999_999))}",
        )
        for _ in range(700)
    ]
    site_w = np.array([s["weight"] for s in sites])
    site_w /= site_w.sum()
    evidence_dir = out / "evidence"
    evidence_dir.mkdir(parents=True, exist_ok=True)
    for old in evidence_dir.glob("demo-*.jpg"):
        old.unlink()
    world = _World(sites, site_w, hotspots, reporters, reference_date, evidence_dir, seed, area)
    kinds = rng.choice(
        ["site", "hotspot", "noise", "outside", "described"],
        size=n,
        p=[0.70, 0.16, 0.08, 0.03, 0.03],
    )
    rows = [_report(rng, world, i, str(kind)) for i, kind in enumerate(kinds)]
    near = _add_near_duplicates(rng, rows, reference_date)
    exact = _add_exact_duplicates(rng, rows)
    rows.sort(key=lambda r: r["received_at"])
    _write(out / "demo_reports.csv", rows)
    rejects = _rejects(rng, reference_date, area.tz)
    _write(out / "demo_reports_rejects.csv", rejects)
    return {
        "reports": len(rows),
        "near_duplicates": near,
        "exact_duplicates": exact,
        "photos": world.photos,
        "rejects": len(rejects),
        "hotspots": len(hotspots),
    }


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _place(
    rng: np.random.Generator, world: _World, kind: str
) -> tuple[dict[str, Any], float, float]:
    """Return the anchor (site or hotspot) of a report and its point."""
    sites = world.sites
    if kind == "site" or kind == "described":
        anchor = sites[int(rng.choice(len(sites), p=world.site_w))]
        lat, lon = _offset(rng, anchor["lat"], anchor["lon"], 300, 900)
    elif kind == "hotspot":
        anchor = world.hotspots[int(rng.integers(len(world.hotspots)))]
        lat, lon = _offset(rng, anchor["lat"], anchor["lon"], 350, 1200)
    else:  # noise inside the province, or just outside the area of interest
        lat0, lat1, lon0, lon1 = world.area.noise if kind == "noise" else world.area.outside
        anchor = sites[int(rng.integers(len(sites)))]
        lat, lon = (
            round(float(rng.uniform(lat0, lat1)), 6),
            round(float(rng.uniform(lon0, lon1)), 6),
        )
    return anchor, lat, lon


def _report(rng: np.random.Generator, world: _World, i: int, kind: str) -> dict[str, Any]:
    """Return the ``i``-th synthetic report, of the given kind."""
    anchor, lat, lon = _place(rng, world, kind)
    channel = str(rng.choice(list(CHANNELS), p=np.array(list(CHANNELS.values()))))
    received = _time(rng, world.reference_date, world.area.tz)
    observed = (received - dt.timedelta(hours=float(rng.uniform(1, 48)))).replace(
        second=0, microsecond=0
    )
    activities, weights = ACTIVITY_BY_COMMODITY[anchor["commodity"]]
    activity = str(rng.choice(activities, p=np.array(weights) / sum(weights)))
    anonymous = rng.uniform() < 0.2 or channel in ("satellite", "media")
    reporters = world.reporters
    name, phone = ("", "") if anonymous else reporters[int(rng.integers(len(reporters)))]
    if channel == "field_team":
        name, phone = "", ""
    row = {
        "external_id": "",
        "channel": channel,
        "received_at": received.isoformat(),
        "observed_at": observed.isoformat(),
        "lat": lat,
        "lon": lon,
        "location_source": {
            "hotline": "device_gps",
            "field_team": "device_gps",
            "satellite": "map_pin",
        }.get(channel, "map_pin"),
        "accuracy_m": int(rng.choice([5, 10, 15, 30, 50, 100])),
        "location_text": f"sekitar {anchor['place']}",
        "title": f"Dugaan PETI: {activity.replace('_', ' ')}",
        "description": DESCRIPTIONS[activity].format(
            n=int(rng.integers(1, 6)), when=str(rng.choice(WHEN)), place=anchor["place"]
        ),
        "activity": activity,
        "commodity_guess": anchor["commodity"] if rng.uniform() < 0.6 else "",
        "confidentiality": str(rng.choice(["rahasia", "anonim", ""], p=[0.6, 0.3, 0.1])),
        "reporter_name": name,
        "reporter_phone": phone,
        "evidence": "",
    }
    if channel == "lapor":
        world.lapor_no += int(rng.integers(1, 400))
        row["external_id"] = str(world.lapor_no)
    elif channel == "hotline":
        row["external_id"] = f"WA-{received:%Y%m%d}-{i:05d}"
    if kind == "described":
        row.update(lat="", lon="", location_source="described", accuracy_m="")
    if (
        kind in ("site", "hotspot")
        and channel in ("hotline", "web")
        and world.photos < 60
        and (rng.uniform() < 0.12)
    ):
        _attach_photo(rng, world, row, lat, lon, observed)
    return row


def _attach_photo(
    rng: np.random.Generator,
    world: _World,
    row: dict[str, Any],
    lat: float,
    lon: float,
    observed: dt.datetime,
) -> None:
    """Write a JPEG with EXIF for the report and name it in its evidence column."""
    world.photos += 1
    photos = world.photos
    taken = observed.replace(tzinfo=None)
    p_lat, p_lon = _offset(rng, lat, lon, 40, 150)
    if photos % 12 == 0:  # taken far from where the report says
        p_lat, p_lon = _offset(rng, lat, lon, 6_000, 9_000)
        p_lat = round(p_lat + 0.03, 6)
    if photos % 15 == 0:  # an old photo sent as new
        taken -= dt.timedelta(days=120)
    name_jpg = f"demo-{photos:03d}.jpg"
    (world.evidence_dir / name_jpg).write_bytes(_photo(p_lat, p_lon, taken, world.seed + photos))
    row["evidence"] = f"evidence/{name_jpg}"
    row["location_source"] = "exif"
    if photos % 5 == 0:  # the app sent only the photo: its EXIF gives the location
        row.update(lat="", lon="", accuracy_m="")


def _add_near_duplicates(
    rng: np.random.Generator, rows: list[dict[str, Any]], reference_date: dt.date
) -> int:
    """Append near duplicates (the same reporter again, close by, hours later); count them."""
    originals = [r for r in rows if r["reporter_phone"] and r["lat"] != ""]
    near = 0
    for k in rng.choice(len(originals), size=80, replace=False):
        src = originals[int(k)]
        dup = dict(src)
        lat, lon = _offset(rng, float(src["lat"]), float(src["lon"]), 60, 150)
        later = (
            dt.datetime.fromisoformat(src["received_at"])
            + dt.timedelta(hours=float(rng.uniform(2, 30)))
        ).replace(second=0, microsecond=0)
        if later.date() >= reference_date:
            continue
        seen = (later - dt.timedelta(hours=float(rng.uniform(1, 6)))).replace(
            second=0, microsecond=0
        )
        dup.update(
            lat=lat,
            lon=lon,
            received_at=later.isoformat(),
            evidence="",
            observed_at=seen.isoformat(),
            description=src["description"] + " Masih berlangsung.",
            external_id="",
        )
        if dup["channel"] == "hotline":
            dup["external_id"] = f"WA-{later:%Y%m%d}-D{near:04d}"
        rows.append(dup)
        near += 1
    return near


def _add_exact_duplicates(rng: np.random.Generator, rows: list[dict[str, Any]]) -> int:
    """Append exact duplicates (a LAPOR! ticket exported twice, a web form sent twice)."""
    exact = 0
    for k in rng.choice(len(rows), size=60, replace=False):
        src = rows[int(k)]
        if src["channel"] in ("lapor", "web"):
            rows.append(dict(src))
            exact += 1
    return exact


def _rejects(
    rng: np.random.Generator, ref: dt.date, tz: dt.timezone = WITA
) -> list[dict[str, Any]]:
    """Rows each of which the importer must refuse, one problem per row."""
    problems: list[dict[str, Any]] = [
        {"lat": 0, "lon": 0},  # null island
        {"lat": 117.12, "lon": -0.51},  # swapped
        {"lat": -95.0, "lon": 117.0},  # out of range
        {"lat": "NaN", "lon": 117.0},
        {"lat": -12.46, "lon": 130.84},  # Darwin: outside Indonesia
        {"lat": -0.5, "lon": 117.1, "channel": "sms"},
        {"lat": -0.5, "lon": 117.1, "received_at": (ref + dt.timedelta(days=3650)).isoformat()},
        {"lat": -0.5, "lon": 117.1, "activity": "fishing"},
        {"lat": "-0.5", "lon": ""},  # latitude alone
        {"lat": "", "lon": "", "location_text": "", "location_source": "described"},
    ]
    rows = []
    for i in range(40):
        problem = problems[i % len(problems)]
        base: dict[str, Any] = dict.fromkeys(FIELDS, "")
        base.update(
            channel="hotline",
            received_at=_time(rng, ref, tz).isoformat(),
            description="Baris contoh yang harus ditolak",
            activity="excavator",
            external_id=f"WA-REJECT-{i:03d}",
        )
        base.update(problem)
        rows.append(base)
    return rows


def main() -> None:
    """Write the demo report files from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: the province's")
    parser.add_argument("--reference-date", type=dt.date.fromisoformat, default=REFERENCE_DATE)
    parser.add_argument("--sites", type=Path, default=HERE / "sites.geojson")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("-n", type=int, default=None, help="default: the province's")
    parser.add_argument("--province", choices=sorted(AREAS), default="64")
    args = parser.parse_args()
    counts = generate(
        sites_path=args.sites,
        out=args.out,
        seed=args.seed,
        reference_date=args.reference_date,
        n=args.n,
        province=args.province,
    )
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
