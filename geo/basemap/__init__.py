"""The base map under every map: coastline, lakes, rivers, roads, boundaries and towns.

:mod:`geo.basemap.layers` defines the layers and reads/writes them; :mod:`geo.basemap.gshhg`
and :mod:`geo.basemap.demo` make the demo base from Debian's GMT data; :mod:`geo.basemap.osm`
makes the production tiles from an OpenStreetMap extract; :mod:`geo.basemap.service` holds
the use cases. The maps draw a base in :mod:`geo.maps.basemap`.
"""
