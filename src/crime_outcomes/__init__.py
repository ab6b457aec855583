"""crime-outcomes: how police forces in England and Wales close crimes.

Library first: ``crime_outcomes.store.Store`` holds the validated data,
``crime_outcomes.ingest`` loads published files into it, ``crime_outcomes.analysis``
computes the findings. The CLI and the web explorer are thin layers over these.
"""

__version__ = "0.1.0"
