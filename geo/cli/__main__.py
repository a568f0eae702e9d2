"""``python -m geo.cli`` runs the ``pantau`` command."""

from geo.cli import main

main()
