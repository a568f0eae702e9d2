"""Base map tiles for offline maps: a tile folder the user provides, or an MBTiles file.

A browser cannot read an MBTiles (SQLite) file from a page, so its tiles are written out as a
``{z}/{x}/{y}.{ext}`` folder beside the HTML file (MBTiles rows are TMS, so ``y`` is flipped),
and the map refers to that folder by a relative URL template.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from geo.errors import N_, InputFileError

__all__ = ["tile_template", "extract_mbtiles"]

_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}


def extract_mbtiles(mbtiles: Path, folder: Path) -> str:
    """Write every tile of ``mbtiles`` into ``folder/{z}/{x}/{y}.{ext}``; return the extension.

    Examples
    --------
    >>> import sqlite3
    >>> with sqlite3.connect("kaltim.mbtiles") as db:
    ...     _ = db.execute("CREATE TABLE tiles (zoom_level, tile_column, tile_row, tile_data)")
    ...     _ = db.execute("CREATE TABLE metadata (name, value)")
    ...     _ = db.execute("INSERT INTO metadata VALUES ('format', 'png')")
    ...     _ = db.execute("INSERT INTO tiles VALUES (0, 0, 0, x'89504e47')")
    >>> extract_mbtiles(Path("kaltim.mbtiles"), Path("out/peta_tiles"))
    'png'
    """
    try:
        con = sqlite3.connect(f"file:{mbtiles}?mode=ro", uri=True)
        try:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            ext = _FORMATS.get(str(meta.get("format", "png")).lower())
            if ext is None:
                raise InputFileError.of(
                    N_(
                        "{file}: tile format {format!r} is not an image format a browser "
                        "shows; expected one of {expected}"
                    ),
                    field="tiles",
                    file=mbtiles,
                    format=meta.get("format"),
                    expected=sorted(_FORMATS),
                )
            rows = con.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InputFileError.of(
            N_("{file}: not a readable MBTiles file ({reason})"),
            field="tiles",
            file=mbtiles,
            reason=exc,
        ) from exc
    for z, x, tms_y, data in rows:
        y = (1 << int(z)) - 1 - int(tms_y)
        target = folder / str(z) / str(x) / f"{y}.{ext}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(data))
    return ext


def tile_template(tiles: str | Path | None, *, html_path: Path) -> str | None:
    """Return the tile URL template for ``tiles`` as seen from the HTML file at ``html_path``.

    ``tiles`` may be a URL template (kept as it is), a folder of ``{z}/{x}/{y}.png`` tiles, or
    an ``.mbtiles`` file (extracted next to the HTML file, into ``<name>_tiles/``).

    Examples
    --------
    >>> tile_template("https://tiles.example/{z}/{x}/{y}.png", html_path=Path("a.html"))
    'https://tiles.example/{z}/{x}/{y}.png'
    """
    if tiles is None or str(tiles) == "":
        return None
    text = str(tiles)
    if "{z}" in text:
        return text
    path = Path(tiles)
    if path.suffix.lower() == ".mbtiles":
        if not path.is_file():
            raise InputFileError.of(
                N_("MBTiles file {file} does not exist"), field="tiles", file=path
            )
        folder = html_path.parent / f"{html_path.stem}_tiles"
        ext = extract_mbtiles(path, folder)
    elif path.is_dir():
        folder = path
        found = {p.suffix.lstrip(".") for p in path.glob("*/*/*.*")}
        ext = next((e for e in ("png", "jpg", "jpeg", "webp") if e in found), "png")
    else:
        raise InputFileError.of(
            N_(
                "`tiles` was {text!r}: expected a URL template with {{z}}/{{x}}/{{y}}, a tile "
                "folder or an .mbtiles file"
            ),
            field="tiles",
            text=text,
        )
    rel = Path(os.path.relpath(folder.resolve(), html_path.parent.resolve())).as_posix()
    return f"{rel}/{{z}}/{{x}}/{{y}}.{ext}"
