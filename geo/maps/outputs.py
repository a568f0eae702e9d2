"""The map files ``pantau demo`` (or a scheduled job) writes: offline HTML and a briefing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from geo.maps.briefing import export
from geo.maps.build import Period, overview
from geo.maps.settings import MapSettings
from geo.maps.sources import load_overdue

__all__ = ["write_outputs"]


def write_outputs(
    engine: Engine,
    out_dir: Path | str,
    *,
    lang: str = "id",
    period: Period | None = None,
    png: bool = True,
    settings: MapSettings | None = None,
) -> dict[str, Path]:
    """Write the offline overview map, a PNG of it and the PDF briefing into ``out_dir``.

    Returns the paths by label (``"Peta offline"``, ``"PNG"``, ``"Briefing PDF"``), ready
    for ``DemoSummary.outputs``.

    Examples
    --------
    >>> write_outputs(engine, "out/demo")
    {'Peta offline': PosixPath('out/demo/peta-offline.html'), ...}
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = overview(engine, period=period, lang=lang, offline=True, settings=settings)
    result = export(
        m,
        html_path=out / "peta-offline.html",
        png=out / "peta.png" if png else None,
        pdf=out / "briefing.pdf",
        overdue=load_overdue(engine),
        settings=settings,
    )
    paths = {"Peta offline": out / "peta-offline.html", "Briefing PDF": out / "briefing.pdf"}
    if result.png is not None:
        paths["PNG"] = result.png
    return paths
