"""Maps and briefings: Folium overview maps that work offline, and PNG/PDF briefing exports.

Examples
--------
>>> import geo.maps
>>> m = geo.maps.overview(engine, lang="en", offline=True)
>>> geo.maps.export(m, html_path="out/map.html", pdf="out/briefing.pdf").pdf
PosixPath('out/briefing.pdf')
"""

from __future__ import annotations

from geo.maps.briefing import Briefing, export
from geo.maps.build import LAYERS, MapInfo, Period, build_map, map_info, overview, parse_period
from geo.maps.catalogue import Catalogue, catalogue
from geo.maps.outputs import write_outputs

__all__ = [
    "LAYERS",
    "Briefing",
    "Catalogue",
    "MapInfo",
    "Period",
    "build_map",
    "catalogue",
    "export",
    "map_info",
    "overview",
    "parse_period",
    "write_outputs",
]
