"""Permit and land-status layers (WIUP, kawasan hutan, PIPPIB), classified indicatively.

Layers are imported as dated snapshots; sites, reports and hotspots are classified by them.

Modules: :mod:`~geo.layers.config` (vocabulary, settings), :mod:`~geo.layers.models` (tables),
:mod:`~geo.layers.importer` (files and ArcGIS services), :mod:`~geo.layers.classify` (PostGIS),
:mod:`~geo.layers.guidance` (what a class points to, in the reader's language) and
:mod:`~geo.layers.service` (the use cases the CLI and the API call). This module imports none of
them, so that :mod:`geo.settings` can import the settings without a cycle.
"""
