"""The production base map: vector MBTiles from an OpenStreetMap extract, made by ``tilemaker``.

The agency downloads the extract once (Geofabrik's ``indonesia/kalimantan-latest.osm.pbf``, or
a BBBike/Protomaps cut of the province) and runs ``pantau basemap build``. Debian's
``tilemaker`` turns it into vector tiles with the layers of :mod:`geo.basemap.layers` (the
config and Lua process files sit beside this module, in ``tilemaker/``). OpenStreetMap does not
hold the sea as polygons (and tilemaker leaves out a polygon that covers a whole tile), so the
maps take the land from GSHHG (Debian ``gmt-gshhg-high``) when GMT is installed. The maps
read the tiles back at their highest zoom through GDAL and draw them as vectors, like the demo
base: no tile server and no JavaScript tile plugin is needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from geo.basemap.gshhg import Bbox
from geo.errors import N_, ConfigurationError, InputFileError, ValidationError

__all__ = ["TILEMAKER_DIR", "BuildResult", "build_tiles", "tilemaker_config"]

#: The tilemaker config and process files of the repository.
TILEMAKER_DIR: Final[Path] = Path(__file__).resolve().parent / "tilemaker"
ATTRIBUTION: Final[str] = "© OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class BuildResult:
    """What ``pantau basemap build`` wrote: the file, its size and the features per layer."""

    path: Path
    size_bytes: int
    counts: dict[str, int]


def tilemaker_config() -> dict[str, object]:
    """Return the tilemaker config of the repository (layers, zoom levels, attribution).

    Examples
    --------
    >>> sorted(tilemaker_config()["layers"])  # type: ignore[call-overload]
    ['boundaries', 'coastline', 'places', 'rivers', 'roads', 'water']
    """
    config: dict[str, object] = json.loads((TILEMAKER_DIR / "config.json").read_text("utf-8"))
    return config


def _check(pbf: Path, out: Path) -> None:
    if shutil.which("tilemaker") is None:
        raise ConfigurationError.of(
            N_(
                "`tilemaker` is not installed: install the Debian package tilemaker "
                "(scripts/setup-system)"
            ),
            field="pbf",
        )
    if not pbf.is_file():
        raise InputFileError.of(
            N_("OpenStreetMap extract {file} does not exist"), field="pbf", file=pbf
        )
    if not pbf.name.endswith(".pbf"):
        raise InputFileError.of(
            N_("`--pbf` must be an OpenStreetMap .osm.pbf extract, got {file}"),
            field="pbf",
            file=pbf,
        )
    if out.suffix.lower() != ".mbtiles":
        raise ValidationError.of(
            N_("`--out` must end in .mbtiles (tilemaker writes MBTiles), got {file}"),
            field="out",
            file=out,
        )


def build_tiles(pbf: Path, out: Path, *, bbox: Bbox) -> BuildResult:
    """Build the base map tiles of ``bbox`` from the extract ``pbf`` into the MBTiles ``out``.

    ``out`` is replaced only when tilemaker succeeded.

    Raises
    ------
    ConfigurationError
        When tilemaker is missing or fails.
    InputFileError, ValidationError
        When the extract is missing or the output is not an ``.mbtiles`` path.

    Examples
    --------
    >>> built = build_tiles(Path("samarinda.osm.pbf"), Path("var/basemap.mbtiles"),
    ...                     bbox=(116.9, -0.7, 117.3, -0.3))
    >>> built.path, built.counts["places"]
    (PosixPath('var/basemap.mbtiles'), 1)
    """
    from geo.basemap.layers import read_base

    pbf, out = Path(pbf), Path(out)
    _check(pbf, out)
    with tempfile.TemporaryDirectory(prefix="pantau-basemap-") as tmp:
        folder = Path(tmp)
        config = folder / "config.json"
        config.write_text(json.dumps(tilemaker_config()), "utf-8")
        target = folder / "basemap.mbtiles"
        west, south, east, north = bbox
        command = [
            "tilemaker",
            "--input", str(pbf.resolve()),
            "--output", str(target),
            "--config", str(config),
            "--process", str(TILEMAKER_DIR / "process.lua"),
            "--bbox", f"{west},{south},{east},{north}",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp, check=False)
        if done.returncode != 0 or not target.is_file():
            raise ConfigurationError.of(
                N_("tilemaker failed on {file}: {reason}"),
                field="pbf",
                file=pbf,
                reason=(done.stderr or done.stdout).strip()[-400:],
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), out)
    counts = {key: len(frame) for key, frame in read_base(out).items()}
    return BuildResult(out, out.stat().st_size, counts)
