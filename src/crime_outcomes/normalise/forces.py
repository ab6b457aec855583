"""Police forces: canonical names, aliases, and which bodies are forces at all.

Canonical names follow the published files, except City of London, which is published as
"London, City of" and shown as "City of London". British Transport Police is a force
(counted in England and Wales totals) but not territorial, so it is never ranked. The
fraud reporting bodies in the recorded-crime table are not forces: they are kept in the
store, marked ``fraud``, and left out of force figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TERRITORIAL = "territorial"
NON_TERRITORIAL = "non-territorial"
FRAUD = "fraud"


@dataclass(frozen=True)
class Force:
    name: str
    kind: str
    slug: str
    country: str  # England or Wales; "" for bodies with no area


_TERRITORIAL_FORCES = {
    "Avon and Somerset": "England",
    "Bedfordshire": "England",
    "Cambridgeshire": "England",
    "Cheshire": "England",
    "City of London": "England",
    "Cleveland": "England",
    "Cumbria": "England",
    "Derbyshire": "England",
    "Devon and Cornwall": "England",
    "Dorset": "England",
    "Durham": "England",
    "Dyfed-Powys": "Wales",
    "Essex": "England",
    "Gloucestershire": "England",
    "Greater Manchester": "England",
    "Gwent": "Wales",
    "Hampshire": "England",
    "Hertfordshire": "England",
    "Humberside": "England",
    "Kent": "England",
    "Lancashire": "England",
    "Leicestershire": "England",
    "Lincolnshire": "England",
    "Merseyside": "England",
    "Metropolitan Police": "England",
    "Norfolk": "England",
    "North Wales": "Wales",
    "North Yorkshire": "England",
    "Northamptonshire": "England",
    "Northumbria": "England",
    "Nottinghamshire": "England",
    "South Wales": "Wales",
    "South Yorkshire": "England",
    "Staffordshire": "England",
    "Suffolk": "England",
    "Surrey": "England",
    "Sussex": "England",
    "Thames Valley": "England",
    "Warwickshire": "England",
    "West Mercia": "England",
    "West Midlands": "England",
    "West Yorkshire": "England",
    "Wiltshire": "England",
}

FORCES: dict[str, Force] = {}


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


for _name, _country in _TERRITORIAL_FORCES.items():
    FORCES[_name] = Force(_name, TERRITORIAL, slugify(_name), _country)
FORCES["British Transport Police"] = Force("British Transport Police", NON_TERRITORIAL, "british-transport-police", "")
for _name in ("Action Fraud", "CIFAS", "UK Finance"):
    FORCES[_name] = Force(_name, FRAUD, slugify(_name), "")

# Published spellings and the names people type, folded by ``alias_key``.
_ALIASES = {
    "London, City of": "City of London",
    "City of London Police": "City of London",
    "City": "City of London",
    "Metropolitan Police Service": "Metropolitan Police",
    "Met": "Metropolitan Police",
    "MPS": "Metropolitan Police",
    "Metropolitan": "Metropolitan Police",
    "Met Police": "Metropolitan Police",
    "Hampshire and Isle of Wight": "Hampshire",
    "Hampshire & Isle of Wight": "Hampshire",
    "GMP": "Greater Manchester",
    "BTP": "British Transport Police",
    "Devon & Cornwall": "Devon and Cornwall",
    "Avon & Somerset": "Avon and Somerset",
    "Dyfed Powys": "Dyfed-Powys",
    "Financial Fraud Action UK": "UK Finance",
    "Action Fraud (NFIB)": "Action Fraud",
}

_NOISE_WORDS = {"police", "constabulary", "service", "the", "force"}


def alias_key(text: str) -> str:
    """Fold a force name: case, '&', punctuation and words like 'Police' do not matter."""
    text = text.replace("&", " and ").lower()
    words = re.findall(r"[a-z0-9]+", text)
    kept = [w for w in words if w not in _NOISE_WORDS]
    return " ".join(kept or words)


ALIAS_INDEX: dict[str, str] = {}
for _name in FORCES:
    ALIAS_INDEX[alias_key(_name)] = _name
for _alias, _name in _ALIASES.items():
    ALIAS_INDEX[alias_key(_alias)] = _name


def canonical_force(text: str | None) -> str | None:
    """The canonical name for a published or typed force name, or None if unknown."""
    if text is None:
        return None
    return ALIAS_INDEX.get(alias_key(text))


def territorial_forces() -> list[str]:
    return sorted(n for n, f in FORCES.items() if f.kind == TERRITORIAL)


def england_and_wales_forces() -> list[str]:
    """The 44 forces whose sum is 'England and Wales': 43 territorial plus BTP."""
    return sorted(n for n, f in FORCES.items() if f.kind != FRAUD)
