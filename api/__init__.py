"""The HTTP adapter over :mod:`geo`."""
