"""Satellite deforestation alerts (GFW integrated alerts: GLAD-L, GLAD-S2, RADD), CC BY 4.0.

Alerts are imported from the Data API's query answers (CSV or JSON) or from its GeoTIFF tiles,
keyed by source, date and rounded position so that a re-import adds nothing, then grouped into
patches in PostGIS. A patch is matched to sites, hotspots and reports and classified by the
permit and forest layers of :mod:`geo.layers`.

Modules: :mod:`~geo.alerts.config` (vocabulary, settings), :mod:`~geo.alerts.models` (tables),
:mod:`~geo.alerts.readers` (files into arrays), :mod:`~geo.alerts.store` (COPY and
``ON CONFLICT``), :mod:`~geo.alerts.client` (the Data API), :mod:`~geo.alerts.patches`
(clustering, matching, classification) and :mod:`~geo.alerts.service` (the use cases). This
module imports none of them, so that :mod:`geo.settings` can import the settings without a cycle.
"""
