"""``python -m geo`` runs the ``pantau`` command."""

from geo.cli import main

main()
