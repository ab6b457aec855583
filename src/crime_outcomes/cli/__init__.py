"""Command-line interface: ``crime-outcomes``. Each module registers its commands on ``app``."""

from crime_outcomes.cli import data as _data  # noqa: F401
from crime_outcomes.cli.app import app, main

__all__ = ["app", "main"]
