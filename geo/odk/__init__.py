"""Offline field data through ODK: the inspection form, the site Entity List, and submissions.

A field team records inspections offline in ODK Collect with the XLSForm of :mod:`geo.odk.form`,
choosing the site from the Entity List of :mod:`geo.odk.entities`. Submissions come back from an
ODK Central server (:mod:`geo.odk.central`, through ``pyodk``) or from the CSV-with-media zip
that ODK Central and KoboToolbox export (:mod:`geo.odk.submissions`), and
:mod:`geo.odk.service` turns each into an inspection through the same use case as an inspection
recorded in the office, once per submission.

This package imports nothing at import time: :mod:`geo.settings` reads
:class:`geo.odk.config.OdkSettings` from it.
"""
