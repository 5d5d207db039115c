"""``python -m fleetplan`` runs the CLI."""

from fleetplan.cli import main

main()
