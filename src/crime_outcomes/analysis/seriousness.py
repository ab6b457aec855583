"""Which offence codes count as serious when they receive an out-of-court outcome.

Two packaged files drive this: ``data/offence_codes.csv``, a reference of Home Office offence
codes with their mode of trial and list memberships, and ``data/seriousness.toml``, the rules
that turn those facts into a flag. Users can replace the rules with ``--rules FILE``, so
every result records which rule fired, the rule file it came from, and the file's
fingerprint.

A rule also says what it rests on (``basis``: statute, guidance or an editorial list), which
outcome types it is about (``governs``) and when it was in force. A hit *applies* only when the
rule governs every selected outcome type and was in force for every year of the period; only
then may a sentence say the outcome ran against the law or guidance (``RuleHit.label`` is then
the rule's ``when_applies`` text). Otherwise the label says what the rule is, nothing more.

Codes are text throughout: ``4.10`` and ``4.1`` are different codes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from crime_outcomes.errors import InputError, Location

__all__ = [
    "OffenceReference",
    "Rule",
    "RuleHit",
    "RuleSet",
    "load_reference",
    "load_rules",
]

BUILT_IN = "built-in"
OVERRIDE_RULE_ID = "override"
DEFAULT_OVERRIDE_LABEL = "Marked serious in the rule file's overrides"

MODES_OF_TRIAL = ("IO", "EW", "SO", "MIXED")
MOST_SERIOUS_MODES = ("IO", "EW", "SO")
SI_VALUES = ("Y", "PARTIAL", "UNCONFIRMED")
BASES = ("statute", "guidance", "editorial")

IN_FORCE_GRACE = timedelta(days=30)
"""A rule counts as in force for a financial year when it came into force within the year's first
month: the figures are published by quarter, so s.17 (13 April 2015) is taken to cover 2015/16,
and every sentence that relies on it names the date."""
CONFIDENCE_VALUES = ("verified", "inferred", "unknown")
OUTCOME_TYPES = range(0, 23)  # outcome types 0-22 in the published files

REFERENCE_COLUMNS = (
    "offence_code",
    "description",
    "mode_of_trial",
    "most_serious_mode",
    "si_2015_790",
    "named_lists",
    "confidence",
    "note",
)

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LIST_NAME = re.compile(r"^[a-z0-9_]+$")
_TOP_LEVEL_KEYS = ("version", "description", "rule", "overrides")
_SELECTOR_KEYS = ("mode_of_trial", "most_serious_mode", "si_2015_790", "named_list", "codes")
_TEXT_KEYS = ("label", "label_includes", "when_applies", "when_applies_includes", "summary")
_RULE_KEYS = (
    "id", "source", "enabled", "outcomes", "basis", "governs", "effective_from", "effective_to",
    *_TEXT_KEYS, *_SELECTOR_KEYS,
)  # fmt: skip
_OVERRIDE_KEYS = ("serious", "not_serious", "label")
SUPPORTED_VERSIONS = (1, 2)
"""Version 2 files must declare basis, governs and source for every rule; in version 1 files they
are optional and default to an editorial rule that governs nothing, so no sentence claims more."""


@dataclass(frozen=True)
class OffenceReference:
    """What the tool knows about one offence code; blank CSV cells become ``None``."""

    code: str
    description: str
    mode_of_trial: str | None
    most_serious_mode: str | None
    si_2015_790: str | None
    named_lists: tuple[str, ...]
    confidence: str
    note: str


@dataclass(frozen=True)
class RuleHit:
    """One reason a code is serious, kept so outputs can say which rule flagged it.

    ``label`` is the text to print for this code, outcome selection and period: the rule's
    ``when_applies`` text when ``applies``, otherwise what the rule is. ``outcomes`` repeats the
    rule's outcome restriction (``None`` = any outcome), so a caller that asked without outcome
    types can still tell the hit was conditional.
    """

    rule_id: str
    label: str
    outcomes: tuple[int, ...] | None = None
    basis: str = "editorial"
    governs: tuple[int, ...] = ()
    source: str | None = None
    applies: bool = False
    summary: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def to_json(self) -> dict[str, Any]:
        """The hit as it appears in story JSON (``notable[].rules[]``)."""
        return {
            "id": self.rule_id,
            "label": self.label,
            "basis": self.basis,
            "governs": list(self.governs),
            "source": self.source,
            "applies": self.applies,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
        }


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]`` entry; a ``None`` selector is absent and does not constrain."""

    id: str
    label: str
    source: str | None = None
    enabled: bool = True
    basis: str = "editorial"
    governs: tuple[int, ...] = ()
    effective_from: date | None = None
    effective_to: date | None = None
    label_includes: str | None = None
    when_applies: str | None = None
    when_applies_includes: str | None = None
    summary: str | None = None
    mode_of_trial: frozenset[str] | None = None
    most_serious_mode: frozenset[str] | None = None
    si_2015_790: frozenset[str] | None = None
    named_lists: frozenset[str] | None = None
    codes: frozenset[str] | None = None
    outcomes: tuple[int, ...] | None = None

    def selects(self, code: str, reference: OffenceReference | None) -> bool:
        """True when every selector the rule has matches; reference facts need a known code."""
        if self.codes is not None and code not in self.codes:
            return False
        needs_reference = (
            self.mode_of_trial is not None
            or self.most_serious_mode is not None
            or self.si_2015_790 is not None
            or self.named_lists is not None
        )
        if not needs_reference:
            return True
        if reference is None:
            return False
        if self.mode_of_trial is not None and reference.mode_of_trial not in self.mode_of_trial:
            return False
        if self.most_serious_mode is not None and reference.most_serious_mode not in self.most_serious_mode:
            return False
        if self.si_2015_790 is not None and reference.si_2015_790 not in self.si_2015_790:
            return False
        if self.named_lists is not None and not self.named_lists.intersection(reference.named_lists):
            return False
        return True

    def applies_to(self, outcome_types: frozenset[int] | None) -> bool:
        """Whether the outcome restriction allows a hit; no outcome types given means any."""
        if self.outcomes is None or outcome_types is None:
            return True
        return not outcome_types.isdisjoint(self.outcomes)

    def in_force(self, year: str) -> bool:
        """Whether the rule was in force for a financial year such as ``2015/16`` (see
        ``IN_FORCE_GRACE``); a rule without dates is taken as in force throughout."""
        start_year = int(year[:4])
        start, end = date(start_year, 4, 1), date(start_year + 1, 3, 31)
        if self.effective_from is not None and self.effective_from > start + IN_FORCE_GRACE:
            return False
        return self.effective_to is None or self.effective_to >= end

    def governs_selection(self, outcome_types: frozenset[int] | None, years: Iterable[str] | None) -> bool:
        """True when the rule governs every selected outcome type and was in force for every
        year: the only case in which a sentence may say the outcome ran against it."""
        if not self.governs or not outcome_types or years is None:
            return False
        period = list(years)
        if not period or not outcome_types.issubset(self.governs):
            return False
        return all(self.in_force(year) for year in period)

    def hit(
        self,
        reference: OffenceReference | None,
        outcome_types: frozenset[int] | None,
        years: Iterable[str] | None,
    ) -> RuleHit:
        """The hit for one code: the words depend on whether the rule applies and whether the
        code holds offences of more than one kind (then it "includes" the flagged offences)."""
        applies = self.governs_selection(outcome_types, years)
        mixed = reference is not None and (reference.mode_of_trial == "MIXED" or reference.si_2015_790 == "PARTIAL")
        if applies and self.when_applies:
            text = (self.when_applies_includes if mixed else None) or self.when_applies
        else:
            text = (self.label_includes if mixed else None) or self.label
        return RuleHit(
            self.id, _sentence(text), self.outcomes, self.basis, self.governs, self.source,
            applies, self.summary, self.effective_from, self.effective_to,
        )  # fmt: skip


def _sentence(text: str) -> str:
    """Rule texts are written as clauses; shown alone they start with a capital."""
    return text[:1].upper() + text[1:]


class RuleSet:
    """Loaded, validated rules plus the reference they read, and where they came from."""

    def __init__(
        self,
        *,
        rules: tuple[Rule, ...],
        serious: frozenset[str],
        not_serious: frozenset[str],
        override_label: str,
        reference: Mapping[str, OffenceReference],
        source: str,
        fingerprint: str,
        version: int,
        description: str | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.rules = rules
        self.serious = serious
        self.not_serious = not_serious
        self.override_label = override_label
        self.reference = reference
        self.source = source
        self.fingerprint = fingerprint
        self.version = version
        self.description = description
        self.warnings = warnings

    def __repr__(self) -> str:
        return f"RuleSet(source={self.source!r}, fingerprint={self.fingerprint[:12]!r}, rules={[r.id for r in self.rules if r.enabled]!r})"

    @property
    def enabled_rules(self) -> tuple[Rule, ...]:
        """Rules that take part in matching; disabled ones stay in the file as documentation."""
        return tuple(rule for rule in self.rules if rule.enabled)

    def match(
        self,
        code: str,
        outcome_types: Iterable[int] | None = None,
        years: Iterable[str] | None = None,
    ) -> list[RuleHit]:
        """Every reason ``code`` is serious (empty list = not serious), overrides first.

        ``outcome_types`` limits rules that carry an ``outcomes`` restriction; ``None`` means
        no outcome context, so restricted rules still report, with their restriction attached.
        ``years`` (financial years such as ``2015/16``) is the period: with the outcome types it
        decides whether each hit ``applies``; without it no hit applies.
        """
        if code in self.not_serious:
            return []
        wanted = None if outcome_types is None else frozenset(outcome_types)
        period = None if years is None else tuple(years)
        hits: list[RuleHit] = []
        if code in self.serious:
            hits.append(RuleHit(OVERRIDE_RULE_ID, self.override_label))
        reference = self.reference.get(code)
        for rule in self.enabled_rules:
            if rule.applies_to(wanted) and rule.selects(code, reference):
                hits.append(rule.hit(reference, wanted, period))
        return hits

    def is_serious(self, code: str, outcome_types: Iterable[int] | None = None) -> bool:
        """Shorthand for ``bool(match(...))``."""
        return bool(self.match(code, outcome_types))

    def serious_codes(self, outcome_types: Iterable[int] | None = None) -> list[str]:
        """Flagged codes: reference codes in file order, then codes only named in the rules."""
        wanted = None if outcome_types is None else frozenset(outcome_types)
        candidates = list(self.reference)
        extra = set(self.serious)
        for rule in self.rules:
            if rule.codes is not None:
                extra.update(rule.codes)
        candidates.extend(sorted(extra.difference(self.reference)))
        return [code for code in candidates if self.match(code, wanted)]


# ---------------------------------------------------------------------------- reference


def _read_packaged(name: str) -> tuple[bytes, str]:
    """Bytes and a display name of a file shipped in ``crime_outcomes/data``."""
    resource = resources.files("crime_outcomes").joinpath("data", name)
    return resource.read_bytes(), str(resource)


_PARSED_LIMIT = 32
"""Parsed reference and rule files kept per process (``_parsed_reference``, ``_parsed_rules``): a story
reads the same files every time, and parsing them cost more than some of its queries."""

_parsed_reference: dict[tuple[str, str], dict[str, OffenceReference]] = {}
_parsed_rules: dict[tuple[str, str, str, bool, str], RuleSet] = {}


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _PARSED_LIMIT:
        cache.clear()
    cache[key] = value


def load_reference(path: Path | None = None) -> dict[str, OffenceReference]:
    """Read an offence-code reference CSV, checking every value; default is the packaged one."""
    return dict(_reference_and_fingerprint(path)[0])


def _reference_and_fingerprint(path: Path | None) -> tuple[dict[str, OffenceReference], str]:
    """The parsed reference (shared: callers copy it) and the SHA-256 of its bytes.

    The file is read every time and parsed again only when its bytes differ from a parse already
    made, so an edited file is never answered from a stale copy."""
    if path is None:
        raw, where = _read_packaged("offence_codes.csv")
    else:
        where = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(where, f"cannot read the offence-code reference: {exc.strerror}") from exc
    fingerprint = hashlib.sha256(raw).hexdigest()
    parsed = _parsed_reference.get((where, fingerprint))
    if parsed is None:
        parsed = _parse_reference(raw, where)
        _remember(_parsed_reference, (where, fingerprint), parsed)
    return parsed, fingerprint


def _parse_reference(raw: bytes, where: str) -> dict[str, OffenceReference]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(where, "the offence-code reference is not UTF-8 text") from exc

    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in REFERENCE_COLUMNS if column not in header]
    if missing:
        raise InputError(
            Location(where, row=1),
            "the offence-code reference lacks columns " + ", ".join(missing),
            expected="header " + ",".join(REFERENCE_COLUMNS),
            found=",".join(header) or "no header",
        )

    out: dict[str, OffenceReference] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise InputError(
                Location(where, row=line),
                "the row has more cells than the header",
                expected=f"{len(header)} cells",
            )
        entry = _reference_row(row, where, line)
        if entry.code in out:
            raise InputError(
                Location(where, row=line, column="offence_code"),
                f"offence code {entry.code!r} appears twice",
                expected="one row per code",
            )
        out[entry.code] = entry
    if not out:
        raise InputError(where, "the offence-code reference has no rows")
    return out


def _reference_row(row: dict[str, str | None], where: str, line: int) -> OffenceReference:
    """Validate one CSV row; codes and values must be exact, so nothing is silently fixed."""

    def cell(column: str) -> str:
        return row.get(column) or ""

    def fail(column: str, problem: str, expected: str, found: str) -> InputError:
        return InputError(Location(where, row=line, column=column), problem, expected=expected, found=found)

    code = cell("offence_code")
    if not code or code != code.strip():
        raise fail("offence_code", "bad offence code", "a code such as 8N or 4.10", repr(code))
    mode = cell("mode_of_trial")
    if mode and mode not in MODES_OF_TRIAL:
        raise fail(
            "mode_of_trial",
            f"code {code}: unknown mode of trial",
            _one_of(MODES_OF_TRIAL) + " or blank",
            repr(mode),
        )
    most = cell("most_serious_mode")
    if most and most not in MOST_SERIOUS_MODES:
        raise fail(
            "most_serious_mode",
            f"code {code}: unknown mode of trial",
            _one_of(MOST_SERIOUS_MODES) + " or blank",
            repr(most),
        )
    if mode in MOST_SERIOUS_MODES and most != mode:
        raise fail("most_serious_mode", f"code {code}: must equal mode_of_trial", repr(mode), repr(most))
    if mode == "MIXED" and not most:
        raise fail(
            "most_serious_mode",
            f"code {code}: a MIXED code needs its most serious mode",
            _one_of(MOST_SERIOUS_MODES),
            "blank",
        )
    si = cell("si_2015_790")
    if si and si not in SI_VALUES:
        raise fail(
            "si_2015_790",
            f"code {code}: unknown SI 2015/790 value",
            _one_of(SI_VALUES) + " or blank",
            repr(si),
        )
    lists: list[str] = []
    for name in cell("named_lists").split(";"):
        name = name.strip()
        if not name:
            continue
        if not _LIST_NAME.match(name):
            raise fail(
                "named_lists",
                f"code {code}: bad list name",
                "lower-case letters, digits and _",
                repr(name),
            )
        lists.append(name)
    confidence = cell("confidence")
    if confidence not in CONFIDENCE_VALUES:
        raise fail(
            "confidence",
            f"code {code}: unknown confidence",
            _one_of(CONFIDENCE_VALUES),
            repr(confidence),
        )
    return OffenceReference(
        code=code,
        description=cell("description"),
        mode_of_trial=mode or None,
        most_serious_mode=most or None,
        si_2015_790=si or None,
        named_lists=tuple(lists),
        confidence=confidence,
        note=cell("note"),
    )


# -------------------------------------------------------------------------------- rules


def load_rules(
    path: Path | None = None,
    *,
    reference: Mapping[str, OffenceReference] | None = None,
    strict: bool = False,
) -> RuleSet:
    """Read and validate a rule file (default: the packaged ``seriousness.toml``).

    Structural mistakes raise :class:`InputError` naming the file and the rule or key.
    Codes in ``codes`` selectors or overrides that the reference lacks are allowed (new codes
    appear over time) but listed in ``RuleSet.warnings``; with ``strict=True`` they raise.
    """
    if path is None:
        raw, where = _read_packaged("seriousness.toml")
        source = BUILT_IN
    else:
        where = str(path)
        source = where
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(where, f"cannot read the rule file: {exc.strerror}") from exc
    fingerprint = hashlib.sha256(raw).hexdigest()
    key = None
    if reference is None:  # the packaged reference: the parse can be shared while both files' bytes are unchanged
        reference, reference_fingerprint = _reference_and_fingerprint(None)
        key = (where, source, fingerprint, strict, reference_fingerprint)
        cached = _parsed_rules.get(key)
        if cached is not None:
            return cached
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(where, "the rule file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"the rule file is not valid TOML ({exc})", expected="a TOML rule file") from exc

    parser = _RuleFileParser(where, reference)
    rule_set = parser.parse(data, source=source, fingerprint=fingerprint, strict=strict)
    if key is not None:
        _remember(_parsed_rules, key, rule_set)
    return rule_set


class _RuleFileParser:
    """Turns parsed TOML into a RuleSet, with errors that point at the rule and key at fault."""

    def __init__(self, where: str, reference: Mapping[str, OffenceReference]) -> None:
        self.where = where
        self.reference = reference
        self.list_names = tuple(sorted({name for entry in reference.values() for name in entry.named_lists}))
        self.warnings: list[str] = []

    def error(self, problem: str, *, expected: str | None = None, found: str | None = None) -> InputError:
        return InputError(self.where, problem, expected=expected, found=found)

    def parse(self, data: dict[str, Any], *, source: str, fingerprint: str, strict: bool) -> RuleSet:
        unknown = [key for key in data if key not in _TOP_LEVEL_KEYS]
        if unknown:
            raise self.error(f"unknown top-level key {unknown[0]!r}", expected=_one_of(_TOP_LEVEL_KEYS))
        if "version" not in data:
            raise self.error("missing key 'version'", expected="version = 2")
        version = data["version"]
        if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
            raise self.error("unsupported rule file version", expected="version = 1 or 2", found=repr(version))
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            raise self.error("'description' must be text", found=_describe(description))

        raw_rules = data.get("rule", [])
        if not isinstance(raw_rules, list):
            raise self.error(
                "'rule' must be an array of tables",
                expected="[[rule]] entries",
                found=_describe(raw_rules),
            )
        rules: list[Rule] = []
        seen: set[str] = set()
        for index, raw_rule in enumerate(raw_rules, start=1):
            rule = self.parse_rule(index, raw_rule, version)
            if rule.id in seen:
                raise self.error(f"rule {index}: id {rule.id!r} is used twice", expected="unique rule ids")
            seen.add(rule.id)
            rules.append(rule)

        serious, not_serious, label = self.parse_overrides(data.get("overrides", {}))
        if strict and self.warnings:
            raise self.error(self.warnings[0], expected="codes that are in the offence-code reference")
        return RuleSet(
            rules=tuple(rules),
            serious=serious,
            not_serious=not_serious,
            override_label=label,
            reference=self.reference,
            source=source,
            fingerprint=fingerprint,
            version=version,
            description=description,
            warnings=tuple(self.warnings),
        )

    def parse_rule(self, index: int, raw: Any, version: int = 2) -> Rule:
        """One [[rule]] table; the rule's number and id appear in every error."""
        if not isinstance(raw, dict):
            raise self.error(f"rule {index} is not a table", expected="a [[rule]] table", found=_describe(raw))
        rule_id = raw.get("id")
        name = f"rule {index}" + (f" ({rule_id!r})" if isinstance(rule_id, str) else "")
        unknown = [key for key in raw if key not in _RULE_KEYS]
        if unknown:
            raise self.error(f"{name}: unknown key {unknown[0]!r}", expected=_one_of(_RULE_KEYS))
        if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
            raise self.error(
                f"{name}: bad or missing 'id'",
                expected='lower-case letters, digits and hyphens, e.g. "indictable-only"',
                found=_describe(rule_id),
            )
        if rule_id == OVERRIDE_RULE_ID:
            raise self.error(f"{name}: the id 'override' is reserved for [overrides]", expected="another id")
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            raise self.error(f"{name}: 'label' is missing or empty", expected="a sentence shown to readers")
        source = raw.get("source")
        if source is not None and not isinstance(source, str):
            raise self.error(f"{name}: 'source' must be text", found=_describe(source))
        texts = {key: self.text(name, key, raw.get(key)) for key in _TEXT_KEYS[1:]}
        basis, governs, effective_from, effective_to = self.scope(name, raw, version)
        if version >= 2 and not (isinstance(source, str) and source.strip()):
            raise self.error(f"{name}: 'source' is missing", expected="the citation and a link the rule rests on")
        if (texts["when_applies"] or texts["when_applies_includes"]) and not governs:
            raise self.error(
                f"{name}: 'when_applies' needs 'governs'",
                expected="the outcome types the rule's statute or guidance is about",
            )
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self.error(f"{name}: 'enabled' must be true or false", found=_describe(enabled))
        if not any(key in raw for key in _SELECTOR_KEYS):
            raise self.error(f"{name}: no selector", expected="at least one of " + ", ".join(_SELECTOR_KEYS))
        return Rule(
            id=rule_id,
            label=label.strip(),
            source=source,
            enabled=enabled,
            basis=basis,
            governs=governs,
            effective_from=effective_from,
            effective_to=effective_to,
            label_includes=texts["label_includes"],
            when_applies=texts["when_applies"],
            when_applies_includes=texts["when_applies_includes"],
            summary=texts["summary"],
            mode_of_trial=self.choices(name, "mode_of_trial", raw.get("mode_of_trial"), MODES_OF_TRIAL),
            most_serious_mode=self.choices(name, "most_serious_mode", raw.get("most_serious_mode"), MOST_SERIOUS_MODES),
            si_2015_790=self.choices(name, "si_2015_790", raw.get("si_2015_790"), SI_VALUES),
            named_lists=self.choices(name, "named_list", raw.get("named_list"), self.list_names),
            codes=self.codes(name, "codes", raw.get("codes")),
            outcomes=self.outcomes(name, raw.get("outcomes")),
        )

    def text(self, name: str, key: str, value: Any) -> str | None:
        """An optional piece of reader-facing text; present means non-empty."""
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{name}: '{key}' must be non-empty text", found=_describe(value))
        return value.strip()

    def scope(self, name: str, raw: dict[str, Any], version: int) -> tuple[str, tuple[int, ...], date | None, date | None]:
        """basis, governs and the dates in force; required from version 2, checked always."""
        if version >= 2:
            for key in ("basis", "governs"):
                if key not in raw:
                    raise self.error(
                        f"{name}: '{key}' is missing",
                        expected='basis = "statute", "guidance" or "editorial"'
                        if key == "basis"
                        else "governs = the outcome types it is about, e.g. [3], or [] for none",
                    )
        basis = raw.get("basis", "editorial")
        if basis not in BASES:
            raise self.error(f"{name}: unknown value for 'basis'", expected=_one_of(BASES), found=repr(basis))
        governs_raw = raw.get("governs", [])
        if not isinstance(governs_raw, list):
            raise self.error(
                f"{name}: 'governs' must be a list", expected="e.g. governs = [3]",
                found=_describe(governs_raw),
            )  # fmt: skip
        governs = (self.outcomes(name, governs_raw, key="governs") or ()) if governs_raw else ()
        if basis == "editorial" and governs:
            raise self.error(
                f"{name}: an editorial rule cannot govern outcome types",
                expected="governs = [] (only statute and guidance govern outcomes)",
                found=repr(list(governs)),
            )
        if basis != "editorial" and not governs:
            raise self.error(
                f"{name}: a {basis} rule must say which outcome types it governs",
                expected="e.g. governs = [3]",
            )
        dates: list[date | None] = []
        for key in ("effective_from", "effective_to"):
            value = raw.get(key)
            if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
                raise self.error(
                    f"{name}: '{key}' must be a date", expected=f"{key} = 2015-04-13",
                    found=_describe(value),
                )  # fmt: skip
            dates.append(value)
        if dates[0] and dates[1] and dates[1] < dates[0]:
            raise self.error(f"{name}: 'effective_to' is before 'effective_from'")
        return basis, governs, dates[0], dates[1]

    def choices(self, name: str, key: str, value: Any, allowed: tuple[str, ...]) -> frozenset[str] | None:
        """Values from ``allowed`` (one text or a non-empty list); None when the key is absent."""
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.error(
                f"{name}: '{key}' must be a non-empty list",
                expected=f'e.g. {key} = ["{allowed[0]}"]' if allowed else None,
                found=_describe(value),
            )
        for item in value:
            if item not in allowed:
                raise self.error(
                    f"{name}: unknown value for '{key}'",
                    expected=_one_of(allowed) if allowed else "a list name from the reference",
                    found=repr(item),
                )
        return frozenset(value)

    def codes(self, name: str, key: str, value: Any) -> frozenset[str] | None:
        """Offence codes as quoted text; numbers are refused because 4.10 would become 4.1."""
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.error(
                f"{name}: '{key}' must be a list",
                expected='e.g. ["46", "4.10"]',
                found=_describe(value),
            )
        out: set[str] = set()
        for item in value:
            if not isinstance(item, str):
                raise self.error(
                    f"{name}: offence code in '{key}' is not quoted text",
                    expected='codes in quotes, e.g. "4.10" (bare 4.10 is read as the number 4.1)',
                    found=repr(item),
                )
            if not item or item != item.strip():
                raise self.error(
                    f"{name}: bad offence code in '{key}'",
                    expected="a code without surrounding spaces",
                    found=repr(item),
                )
            if item not in self.reference:
                self.warnings.append(f"{self.where}: {name}: offence code {item!r} in '{key}' is not in the offence-code reference")
            out.add(item)
        return frozenset(out)

    def outcomes(self, name: str, value: Any, key: str = "outcomes") -> tuple[int, ...] | None:
        """Outcome type numbers the rule is limited to (or, as ``governs``, is about)."""
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            raise self.error(
                f"{name}: '{key}' must be a non-empty list",
                expected=f"e.g. {key} = [3, 8]",
                found=_describe(value),
            )
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or item not in OUTCOME_TYPES:
                raise self.error(
                    f"{name}: unknown outcome type in '{key}'",
                    expected="whole numbers from 0 to 22",
                    found=repr(item),
                )
        return tuple(sorted(set(value)))

    def parse_overrides(self, raw: Any) -> tuple[frozenset[str], frozenset[str], str]:
        """The [overrides] table: codes forced serious or not serious, and their label."""
        if not isinstance(raw, dict):
            raise self.error("'overrides' must be a table", expected="[overrides]", found=_describe(raw))
        unknown = [key for key in raw if key not in _OVERRIDE_KEYS]
        if unknown:
            raise self.error(f"[overrides]: unknown key {unknown[0]!r}", expected=_one_of(_OVERRIDE_KEYS))
        serious = self.codes("[overrides]", "serious", raw.get("serious", []))
        not_serious = self.codes("[overrides]", "not_serious", raw.get("not_serious", []))
        serious = serious or frozenset()
        not_serious = not_serious or frozenset()
        both = sorted(serious & not_serious)
        if both:
            raise self.error(
                f"[overrides]: code {both[0]!r} is in both 'serious' and 'not_serious'",
                expected="each code in at most one list",
            )
        label = raw.get("label", DEFAULT_OVERRIDE_LABEL)
        if not isinstance(label, str) or not label.strip():
            raise self.error("[overrides]: 'label' must be non-empty text", found=_describe(label))
        return serious, not_serious, label.strip()


def _one_of(values: Iterable[str]) -> str:
    """Human list of allowed values for error messages."""
    return "one of " + ", ".join(repr(v) for v in values)


def _describe(value: Any) -> str:
    """Short description of a wrong value, without dumping whole tables."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    if isinstance(value, dict):
        return f"a table {text}"
    if isinstance(value, list):
        return f"a list {text}"
    return text


# ------------------------------------------------------------------------- wording table

WORDING_SELECTIONS = ("8", "2", "3", "out-of-court", "charged")
"""The outcome selections the README's wording table shows, as ``--outcome`` takes them."""

WORDING_PERIODS = (("2014/15",), ("2015/16", "2016/17", "2017/18"))
"""A year before s.17 came into force (13 April 2015) and the years after it."""


def wording_table(rules: RuleSet, examples: Mapping[str, str]) -> str:
    """Markdown table of the sentence printed for each rule (by an example code) and outcome
    selection, before and after April 2015: the README shows it so readers see every wording."""
    from crime_outcomes.normalise.outcome_types import parse_outcome_selector

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| Rule (basis; governs) | Example code | Outcome | 2014/15 | 2015/16 onwards |",
        "|---|---|---|---|---|",
    ]
    for rule_id, code in examples.items():
        rule = next(r for r in rules.rules if r.id == rule_id)
        governs = ", ".join(str(t) for t in rule.governs) or "none"
        for selection in WORDING_SELECTIONS:
            types, _ = parse_outcome_selector(selection)
            texts = []
            for years in WORDING_PERIODS:
                hit = next((h for h in rules.match(code, types, years) if h.rule_id == rule_id), None)
                if hit is None:
                    texts.append("(does not fire)")
                else:
                    texts.append(("**applies**: " if hit.applies else "") + hit.label + ".")
            lines.append(f"| `{rule_id}` ({rule.basis}; {governs}) | {code} | `{selection}` | {cell(texts[0])} | {cell(texts[1])} |")
    return "\n".join(lines)
