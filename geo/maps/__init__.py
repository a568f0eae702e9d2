"""Maps and briefings: Folium overview maps that work offline, and PNG/PDF briefing exports.

The use cases are in :mod:`geo.maps.service`; the map options in :mod:`geo.maps.options`.

Examples
--------
>>> import geo.maps
>>> page = geo.maps.map_page(settings=settings, engine=engine,
...                          options=geo.maps.MapOptions(lang="en"))
>>> page.counts["sites"]
108

``geo.maps.map_files(..., out=Path("out/map.html"), pdf=Path("out/briefing.pdf"))`` writes the
offline page and, through headless Chromium, the briefing.
"""

from __future__ import annotations

from geo.maps.briefing import Briefing, export
from geo.maps.build import LAYERS, MapInfo, build_from, build_map, map_info, overview
from geo.maps.options import MapOptions, Period, parse_layers, parse_period
from geo.maps.service import (
    BriefingFile,
    MapFiles,
    MapPage,
    briefing_file,
    map_files,
    map_page,
    write_outputs,
)

__all__ = [
    "LAYERS",
    "Briefing",
    "BriefingFile",
    "MapFiles",
    "MapInfo",
    "MapOptions",
    "MapPage",
    "Period",
    "briefing_file",
    "build_from",
    "build_map",
    "export",
    "map_files",
    "map_info",
    "map_page",
    "overview",
    "parse_layers",
    "parse_period",
    "write_outputs",
]
