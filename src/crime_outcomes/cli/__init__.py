"""Command-line interface: ``crime-outcomes``. Each module registers its commands on ``app``."""

import sys  # noqa: I001  (the command modules below are imported in the order --help lists them)

from crime_outcomes.cli import data as _data  # noqa: F401
from crime_outcomes.cli import fetch as _fetch  # noqa: F401
from crime_outcomes.cli import story as _story  # noqa: F401
from crime_outcomes.cli import serve as _serve  # noqa: F401
from crime_outcomes.cli import pack as _pack  # noqa: F401
from crime_outcomes.cli import reconcile as _reconcile  # noqa: F401
from crime_outcomes.cli import similar as _similar  # noqa: F401
from crime_outcomes.cli import leads as _leads  # noqa: F401
from crime_outcomes.cli import changes as _changes  # noqa: F401
from crime_outcomes.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``crime-outcomes`` command: every command is registered by the imports above."""
    try:
        app()
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
