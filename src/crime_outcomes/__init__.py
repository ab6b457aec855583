"""crime-outcomes: how police forces in England and Wales close crimes.

The public API, for notebooks and scripts::

    import crime_outcomes as co

    store = co.open_store()  # your store, or the bundled 2017/18 sample until you load data
    kent = co.story(store, force="Kent")
    print(kent.count, kent.to_json()["share"])

``open_store``, ``ingest`` and ``update`` get data into a store (``crime_outcomes.pipeline``);
``story`` computes a force's findings and ``offence`` one offence's across the forces
(``crime_outcomes.analysis``), both for a ``Selection`` (outcome, period, basis, denominator,
rules) or its fields, a bad one raising ``SelectionError``; ``leads`` ranks the findings worth a
story across every force, outcome group and offence; ``changes`` says what each edition loaded
changed (new years, revised figures, new and gone leads, force by force); ``write_pack`` and ``write_all``
write story packs; ``export`` writes every table as Parquet or CSV. The CLI and the web
explorer are thin layers over these.

The names are loaded on first use, so ``import crime_outcomes`` stays cheap and the modules
below this one can import ``crime_outcomes.<module>`` without importing the whole library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from crime_outcomes.version import __version__

if TYPE_CHECKING:
    from crime_outcomes.analysis.changes import changes
    from crime_outcomes.analysis.leads import Lead, LeadSet, leads
    from crime_outcomes.analysis.model import Story
    from crime_outcomes.analysis.offence import offence
    from crime_outcomes.analysis.selection import Selection
    from crime_outcomes.analysis.story import story
    from crime_outcomes.errors import (
        CrimeOutcomesError,
        DiskError,
        ExportError,
        InputError,
        LimitError,
        NetworkError,
        NotFoundError,
        SelectionError,
        StoreError,
    )
    from crime_outcomes.outputs.packs import write_all, write_pack
    from crime_outcomes.pipeline import ingest, open_store, update
    from crime_outcomes.store import Store
    from crime_outcomes.store.export import export

__all__ = [
    "CrimeOutcomesError",
    "DiskError",
    "ExportError",
    "InputError",
    "Lead",
    "LeadSet",
    "LimitError",
    "NetworkError",
    "NotFoundError",
    "Selection",
    "SelectionError",
    "Store",
    "StoreError",
    "Story",
    "__version__",
    "changes",
    "export",
    "ingest",
    "leads",
    "offence",
    "open_store",
    "story",
    "update",
    "write_all",
    "write_pack",
]

# Public name -> the module that defines it.
_HOMES: dict[str, str] = {
    "open_store": "crime_outcomes.pipeline",
    "ingest": "crime_outcomes.pipeline",
    "update": "crime_outcomes.pipeline",
    "story": "crime_outcomes.analysis.story",
    "Story": "crime_outcomes.analysis.model",
    "Selection": "crime_outcomes.analysis.selection",
    "offence": "crime_outcomes.analysis.offence",
    "leads": "crime_outcomes.analysis.leads",
    "changes": "crime_outcomes.analysis.changes",
    "Lead": "crime_outcomes.analysis.leads",
    "LeadSet": "crime_outcomes.analysis.leads",
    "export": "crime_outcomes.store.export",
    "write_pack": "crime_outcomes.outputs.packs",
    "write_all": "crime_outcomes.outputs.packs",
    "Store": "crime_outcomes.store",
    "CrimeOutcomesError": "crime_outcomes.errors",
    "DiskError": "crime_outcomes.errors",
    "ExportError": "crime_outcomes.errors",
    "InputError": "crime_outcomes.errors",
    "LimitError": "crime_outcomes.errors",
    "NetworkError": "crime_outcomes.errors",
    "NotFoundError": "crime_outcomes.errors",
    "SelectionError": "crime_outcomes.errors",
    "StoreError": "crime_outcomes.errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
