"""The store's totals against figures others published from the same data.

A reader trusts a figure more when it matches the Home Office's own. ``reconcile()`` takes each
target in a reference file (``data/reconciliation.toml`` by default: value, table, edition, basis,
coverage, link), computes the same quantity from the store and says whether it agrees. When it
does not, a difference is *explained* only by a reason the store can show:

* **not loaded**: a year of the target is not in the store, so nothing is compared;
* **basis**: the store's other count basis gives the published figure;
* **coverage**: the store covers less than the figure does (fewer of its forces have outcomes in
  the period, cells were published as missing markers, or it is the bundled sample, which lacks
  expired offence codes);
* **edition**: the store holds other editions than the figure came from, and the difference is
  within ``REVISION_TOLERANCE`` (editions revise figures, but not by much).

Anything else is unexplained, and the CLI exits non-zero.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from crime_outcomes.analysis import story_queries as q
from crime_outcomes.errors import InputError
from crime_outcomes.normalise.forces import FORCES, england_and_wales_forces
from crime_outcomes.normalise.outcome_types import parse_outcome_selector
from crime_outcomes.store import Store

REVISION_TOLERANCE = Fraction(2, 100)
"""How far a later edition may move a figure and still count as a revision: 2%. The largest
revision the project has seen between editions is Durham's 2014/15-2017/18 outcomes on the
closed basis, 171,952 (2019 editions) to 172,886 (later), 0.5%; 2% leaves room without letting
a wrong total pass."""

MEASURES = ("count", "mean_per_year", "denominator", "share")
BASES = ("closed", "recorded")
AGREES, DIFFERS, NOT_LOADED = "agrees", "differs", "not loaded"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_REQUIRED = (
    "id", "what", "publisher", "first", "last", "outcome", "measure", "value", "precision",
    "basis", "coverage", "forces", "edition", "edition_year", "table", "link",
)  # fmt: skip
_OPTIONAL = ("force", "codes", "note")


@dataclass(frozen=True)
class Target:
    """One published figure and everything needed to compute it again."""

    id: str
    what: str
    publisher: str
    first: str
    last: str
    outcome: str
    types: tuple[int, ...]
    measure: str
    value: Fraction
    precision: Fraction
    basis: str
    coverage: str
    forces: int
    edition: str
    edition_year: int
    table: str
    link: str
    force: str | None = None
    codes: tuple[str, ...] | None = None
    note: str | None = None

    @property
    def years(self) -> list[str]:
        start, end = int(self.first[:4]), int(self.last[:4])
        return [f"{y}/{(y + 1) % 100:02d}" for y in range(start, end + 1)]

    def agrees(self, value: Fraction) -> bool:
        """Equal, or within half the unit the published figure was rounded to."""
        return abs(value - self.value) <= self.precision / 2


@dataclass(frozen=True)
class Result:
    """One target compared: the store's value, the verdict and the reasons found."""

    target: Target
    status: str  # agrees | differs | not loaded
    store_value: Fraction | None
    reasons: tuple[str, ...]

    @property
    def explained(self) -> bool:
        return self.status != DIFFERS or bool(self.reasons)

    def to_json(self) -> dict[str, Any]:
        t = self.target
        return {
            "id": t.id,
            "what": t.what,
            "status": self.status,
            "explained": self.explained,
            "published": float(t.value),
            "store": None if self.store_value is None else float(self.store_value),
            "reasons": list(self.reasons),
            "publisher": t.publisher,
            "basis": t.basis,
            "coverage": t.coverage,
            "edition": t.edition,
            "table": t.table,
            "link": t.link,
        }


# ------------------------------------------------------------------------------ reference


def load_targets(path: Path | None = None) -> list[Target]:
    """Read and check a reference file (default: the packaged ``reconciliation.toml``)."""
    if path is None:
        resource = resources.files("crime_outcomes").joinpath("data", "reconciliation.toml")
        raw, where = resource.read_bytes(), "built-in reconciliation.toml"
    else:
        where = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(where, f"cannot read the reference file: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(where, f"the reference file is not valid UTF-8 TOML ({exc})") from exc
    if data.get("version") != 1:
        raise InputError(where, "unsupported reference file version", expected="version = 1", found=repr(data.get("version")))
    raw_targets = data.get("target")
    if not isinstance(raw_targets, list) or not raw_targets:
        raise InputError(where, "no targets", expected="[[target]] entries")
    targets: list[Target] = []
    for index, item in enumerate(raw_targets, start=1):
        target = _target(where, index, item)
        if any(t.id == target.id for t in targets):
            raise InputError(where, f"target {index}: id {target.id!r} is used twice", expected="unique ids")
        targets.append(target)
    return targets


def _target(where: str, index: int, item: Any) -> Target:
    """One [[target]] table, every value checked; errors name the target and key."""
    name = f"target {index}" + (f" ({item.get('id')!r})" if isinstance(item, dict) and isinstance(item.get("id"), str) else "")

    def fail(problem: str, expected: str | None = None, found: object = None) -> InputError:
        return InputError(where, f"{name}: {problem}", expected=expected, found=None if found is None else repr(found))

    if not isinstance(item, dict):
        raise fail("is not a table", "a [[target]] table", item)
    unknown = [k for k in item if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}", "one of " + ", ".join(_REQUIRED + _OPTIONAL))
    missing = [k for k in _REQUIRED if k not in item]
    if missing:
        raise fail(f"missing key {missing[0]!r}")
    for key in ("id", "what", "publisher", "first", "last", "outcome", "measure", "basis", "coverage", "edition", "table", "link"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise fail(f"'{key}' must be non-empty text", found=item[key])
    if not _ID.match(item["id"]):
        raise fail("bad 'id'", "lower-case letters, digits and hyphens", item["id"])
    for key in ("first", "last"):
        m = _YEAR.match(item[key])
        if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
            raise fail(f"'{key}' is not a financial year", "e.g. 2017/18", item[key])
    if item["last"] < item["first"]:
        raise fail("'last' is before 'first'")
    try:
        types, _ = parse_outcome_selector(item["outcome"])
    except ValueError as exc:
        raise fail(f"'outcome': {exc}") from None
    if item["measure"] not in MEASURES:
        raise fail("unknown 'measure'", "one of " + ", ".join(MEASURES), item["measure"])
    if item["basis"] not in BASES:
        raise fail("unknown 'basis'", "one of " + ", ".join(BASES), item["basis"])
    for key in ("value", "precision"):
        if isinstance(item[key], bool) or not isinstance(item[key], int | float) or item[key] < 0:
            raise fail(f"'{key}' must be a number of at least 0", found=item[key])
    for key in ("forces", "edition_year"):
        if isinstance(item[key], bool) or not isinstance(item[key], int):
            raise fail(f"'{key}' must be a whole number", found=item[key])
    if not 1 <= item["forces"] <= 44:
        raise fail("'forces' must be from 1 to 44", found=item["forces"])
    force = item.get("force")
    if force is not None and force not in FORCES:
        raise fail("unknown 'force'", "a canonical force name such as 'Durham'", force)
    codes = item.get("codes")
    if codes is not None and (not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c for c in codes)):
        raise fail("'codes' must be a list of quoted offence codes", 'e.g. codes = ["11A"]', codes)
    note = item.get("note")
    if note is not None and not isinstance(note, str):
        raise fail("'note' must be text", found=note)
    return Target(
        id=item["id"], what=item["what"], publisher=item["publisher"], first=item["first"], last=item["last"],
        outcome=item["outcome"], types=types, measure=item["measure"], value=Fraction(str(item["value"])),
        precision=Fraction(str(item["precision"])), basis=item["basis"], coverage=item["coverage"],
        forces=item["forces"], edition=item["edition"], edition_year=item["edition_year"], table=item["table"],
        link=item["link"], force=force, codes=tuple(codes) if codes else None, note=note,
    )  # fmt: skip


# ------------------------------------------------------------------------------- compare


def reconcile(store: Store, targets: list[Target] | None = None) -> list[Result]:
    """Compare every target with the store, in the reference file's order."""
    return [_compare(store, t) for t in (load_targets() if targets is None else targets)]


def _compare(store: Store, t: Target) -> Result:
    loaded = set(store.years())
    absent = [y for y in t.years if y not in loaded]
    if absent:
        return Result(t, NOT_LOADED, None, (f"not loaded: the store does not hold {', '.join(absent)}",))
    value = _measure(store, t, t.basis)
    if value is not None and t.agrees(value):
        return Result(t, AGREES, value, ())
    reasons: list[str] = []
    other = "recorded" if t.basis == "closed" else "closed"
    other_value = _measure(store, t, other)
    if other_value is not None and t.agrees(other_value):
        reasons.append(f"basis: the store's {other} basis gives the published figure; the reference says {t.basis}")
    reasons += _coverage(store, t)
    edition = _edition(store, t, value)
    if edition:
        reasons.append(edition)
    return Result(t, DIFFERS, value, tuple(reasons))


def _measure(store: Store, t: Target, basis: str) -> Fraction | None:
    """The target's quantity from the store; None when it cannot be formed (nothing to divide by)."""
    col = q.BASIS_COLUMNS[basis]
    forces = [t.force] if t.force else england_and_wales_forces()
    marks = lambda values: ", ".join("?" for _ in values)  # noqa: E731
    code_filter = f"AND offence_code IN ({marks(t.codes)})" if t.codes else ""
    sql = f"""
        SELECT coalesce(sum({col}) FILTER (WHERE outcome_type IN ({marks(t.types)})), 0),
               coalesce(sum({col}), 0)
        FROM outcomes
        WHERE financial_year BETWEEN ? AND ? AND outcome_type BETWEEN 1 AND 22
          AND force IN ({marks(forces)}) {code_filter}
    """
    row = store.fetchone(sql, [*t.types, t.first, t.last, *forces, *(t.codes or ())])
    count, denominator = (int(row[0]), int(row[1])) if row else (0, 0)
    if t.measure == "count":
        return Fraction(count)
    if t.measure == "mean_per_year":
        return Fraction(count, len(t.years))
    if t.measure == "denominator":
        return Fraction(denominator)
    return Fraction(100 * count, denominator) if denominator else None


def _coverage(store: Store, t: Target) -> list[str]:
    """Ways the store covers less than the published figure does."""
    out = []
    forces = [t.force] if t.force else england_and_wales_forces()
    marks = ", ".join("?" for _ in forces)
    with_data = _scalar(
        store,
        f"SELECT count(DISTINCT force) FROM outcomes WHERE financial_year BETWEEN ? AND ? AND force IN ({marks})",
        [t.first, t.last, *forces],
    )
    if with_data < t.forces:
        out.append(f"coverage: {with_data} of the {t.forces} forces the figure covers have outcomes in the store")
    col = q.BASIS_COLUMNS[t.basis]
    missing = _scalar(
        store,
        f"""SELECT count(*) FROM outcomes
            WHERE financial_year BETWEEN ? AND ? AND force IN ({marks}) AND {col} IS NULL
              AND {col}_marker IS NOT NULL AND outcome_type BETWEEN 1 AND 22
              AND lower({col}_marker) NOT LIKE '%expired%'""",
        [t.first, t.last, *forces],
    )
    if missing:
        out.append(f"coverage: {missing:,} cells in the period were published as missing, not as numbers")
    if store.is_sample:
        out.append("coverage: the store is the bundled sample, which lacks the expired offence codes")
    return out


def _scalar(store: Store, sql: str, params: list[Any]) -> int:
    row = store.fetchone(sql, params)
    return int(row[0]) if row else 0


def _edition(store: Store, t: Target, value: Fraction | None) -> str | None:
    """An edition difference that could account for a small gap."""
    held = q.editions(store, t.years, ["outcomes"])
    dates = sorted({e.edition_date for e in held if e.edition_date is not None})
    if held and len(dates) == len(held) and all(d.year == t.edition_year for d in dates):
        return None  # the same editions: a revision cannot explain the gap
    if value is None or t.value == 0 or abs(value - t.value) / t.value > REVISION_TOLERANCE:
        return None
    have = ", ".join(d.isoformat() for d in dates) if dates else "editions of unknown date"
    return (
        f"edition: the figure comes from {t.edition}; the store holds {have}, and the gap is within {float(REVISION_TOLERANCE):.0%} of it"
    )
