"""``python -m crime_outcomes`` runs the CLI."""

from crime_outcomes.cli import main

main()
