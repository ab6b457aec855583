"""The web explorer and JSON API: ``crime-outcomes serve``.

A thin layer over the library: every figure on a page or in the API comes from
``crime_outcomes.analysis.story.story`` (the same function ``crime-outcomes story`` calls), the
charts from ``crime_outcomes.outputs.light_charts`` (the packs' own drawing). Pages are
server-rendered and work without JavaScript; every view's state lives in the URL query.
"""

from crime_outcomes.web.app import create_app

__all__ = ["create_app"]
