"""Most similar forces: which forces deal with crime most like this one.

"How does my force compare with forces like it?" needs a notion of "like it" that does not use
the outcome being compared (that would make forces that act alike look alike). So similarity is
on what a force deals with, not how it deals with it:

* **crime mix**: the share of the force's outcomes (all types, 1-22, same basis and period) in
  each published offence subgroup (violence with injury, shoplifting, possession of drugs ...);
* **volume**: the natural logarithm of the force's outcomes of all types.

Each part is scaled by how much the territorial forces differ on it: the squared distance
between two forces' mixes is divided by its average over all pairs of territorial forces
(2 x the summed variance of the subgroup shares), likewise the squared difference in log
volume (2 x its variance). The distance is the square root of the mean of the two parts, so
crime mix and volume weigh equally and 1 is the typical distance between two forces. The most
similar forces are the territorial forces nearest by this distance (ties by name).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crime_outcomes.analysis.fair_queries import MixRow

SIMILAR_TOP = 6
"""How many most similar forces a story lists."""

METHOD = (
    "Similarity is on what a force deals with, not on how: its crime mix (the share of its outcomes of all "
    "types in each published offence subgroup) and its volume (the logarithm of its outcomes of all types), "
    "over the same period and basis. Each part is divided by its average over all pairs of territorial "
    "forces and the two are weighted equally, so a distance of 1 is typical of two forces; the "
    f"{SIMILAR_TOP} territorial forces with the smallest distance are listed."
)


@dataclass(frozen=True)
class Profile:
    force: str
    outcomes: int
    mix: dict[str, float]  # subgroup -> share of the force's outcomes


def profiles(rows: Iterable[MixRow], forces: Sequence[str]) -> dict[str, Profile]:
    """Crime-mix profiles of the given forces (those with any outcomes)."""
    by_force: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.force in forces:
            by_force[r.force][r.subgroup] += r.denominator
    out: dict[str, Profile] = {}
    for f in forces:
        counts = by_force.get(f, {})
        total = sum(counts.values())
        if total > 0:
            out[f] = Profile(f, total, {g: v / total for g, v in counts.items()})
    return out


def _variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def distances(pool: dict[str, Profile], name: str) -> dict[str, float]:
    """Distance from ``name`` to every other force in the pool (see the module docstring)."""
    if name not in pool or len(pool) < 3:
        return {}
    groups = sorted({g for p in pool.values() for g in p.mix})
    forces = sorted(pool)
    mix_spread = 2 * sum(_variance([pool[f].mix.get(g, 0.0) for f in forces]) for g in groups)
    logs = {f: math.log(pool[f].outcomes) for f in forces}
    vol_spread = 2 * _variance(list(logs.values()))
    me = pool[name]
    out: dict[str, float] = {}
    for f in forces:
        if f == name:
            continue
        mix_part = sum((me.mix.get(g, 0.0) - pool[f].mix.get(g, 0.0)) ** 2 for g in groups)
        mix_part = mix_part / mix_spread if mix_spread > 0 else 0.0
        vol_part = (logs[name] - logs[f]) ** 2 / vol_spread if vol_spread > 0 else 0.0
        out[f] = math.sqrt((mix_part + vol_part) / 2)
    return out


def most_similar(pool: dict[str, Profile], name: str, top: int = SIMILAR_TOP) -> list[tuple[str, float]]:
    """The ``top`` nearest forces to ``name`` with their distances, nearest first."""
    return sorted(distances(pool, name).items(), key=lambda kv: (kv[1], kv[0]))[:top]
