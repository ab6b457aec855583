"""No sentence says an outcome ran against the law or guidance unless a rule that governs that
outcome, in force for the period, fired.

Every force x outcome in {8, 2, 3, out-of-court, charged} is told on the real 2017/18 sample and
on a two-year store (2014/15 and 2015/16, either side of s.17 coming into force on 13 April
2015) written in the published workbook layout. Everything a reader sees about notable offences
is checked: the story lines, the caveats, each rule's label in the JSON, and the pack brief.

What counts as a claim is fixed here, from the words a claim must use, and what may license it is
worked out here from the rule file's declared scope, not from the code's ``applies`` flag.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from crime_outcomes.analysis.seriousness import RuleSet, load_rules
from crime_outcomes.analysis.story import Story, story
from crime_outcomes.normalise.outcome_types import parse_outcome_selector
from crime_outcomes.outputs.packs import build_brief, render_markdown
from crime_outcomes.outputs.packs.brief import rules_behind
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook

pytestmark = pytest.mark.slow

OUTCOMES = ("8", "2", "3", "out-of-court", "charged")
CLAIM = re.compile(
    r"exceptional circumstances|requires an officer|the law has allowed|against (national )?guidance"
    r"|contrary to|not unlawful|unlawful|illegal",
    re.IGNORECASE,
)
"""Words only a claim that the outcome ran against the law or guidance uses (and words no
sentence may use at all: the figures cannot show whether an outcome was lawful)."""

NEVER = re.compile(r"\bunlawful\b|\billegal\b|not unlawful", re.IGNORECASE)


def licensed(rules: RuleSet, types: tuple[int, ...], years: list[str]) -> set[str]:
    """Rules whose declared scope allows a claim: they govern every selected type and were in
    force for every year (from the year's first month: the grace the README states)."""
    out = set()
    for rule in rules.enabled_rules:
        if not rule.governs or not set(types) <= set(rule.governs):
            continue
        in_force = all(
            (rule.effective_from is None or rule.effective_from <= date(int(y[:4]), 4, 1) + timedelta(days=30))
            and (rule.effective_to is None or rule.effective_to >= date(int(y[:4]) + 1, 3, 31))
            for y in years
        )
        if in_force:
            out.add(rule.id)
    return out


def texts(s: Story) -> list[str]:
    """Everything a reader can see about the story's notable offences."""
    sj = s.to_json()
    out = list(s.lines) + list(s.caveats)
    for o in sj["notable"]:
        out += [r["label"] for r in o["rules"]]
    out += [rules_behind(o.rules) for o in s.notable]
    out.append(_without_glossary(render_markdown(build_brief(s, {}))))
    return out


def _without_glossary(markdown: str) -> str:
    """The brief less its glossary: that section defines each outcome type in general, sourced
    terms (what the law says of adult cautions, with its date), not what this force's figures show."""
    head, sep, rest = markdown.partition("## What the outcomes mean")
    if not sep:
        return markdown
    _, nxt, tail = rest.partition("\n## ")
    return head + (nxt + tail if nxt else "")


def check(s: Story, rules: RuleSet) -> int:
    """Assert the claims in one story are licensed; return how many claims it makes."""
    allowed = licensed(rules, s.outcome_types, s.years)
    fired = {h.rule_id for o in s.notable for h in o.rules}
    claims = 0
    for text in texts(s):
        assert not NEVER.search(text), text
        for match in CLAIM.finditer(text):
            claims += 1
            assert fired & allowed, (s.force.name, s.outcome_types, s.years, match.group(0), text[:300])
    for o in s.notable:
        for h in o.rules:
            assert h.applies == (h.rule_id in allowed), (o.code, h.rule_id, s.outcome_types, s.years)
    if 8 in s.outcome_types and s.outcome_types != (8,) or 3 not in s.outcome_types:
        # the pack's "why it is notable" column never gives an adult-caution rule as the reason
        for o in s.notable:
            cell = rules_behind(o.rules)
            assert not re.search(r"the law has allowed|exceptional", cell), cell
    return claims


# ----------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample() -> Iterator[Store]:
    store = open_sample_store()
    yield store
    store.close()


def test_every_force_and_outcome_on_the_sample(sample: Store) -> None:
    rules = load_rules()
    forces = [
        r[0]
        for r in sample.fetchall(
            "SELECT DISTINCT force FROM outcomes WHERE force IN (SELECT force FROM forces WHERE kind <> 'fraud') ORDER BY 1"
        )
    ]
    assert len(forces) == 44
    claims_by_outcome = dict.fromkeys(OUTCOMES, 0)
    for outcome in OUTCOMES:
        for force in [*forces, None]:
            s = story(sample, force=force, outcome=outcome)
            claims_by_outcome[outcome] += check(s, rules)
    # 2017/18 is after April 2015: adult cautions for indictable-only and SI-listed offences, and
    # community resolutions for indictable-only offences, are worded as restricted; the rest never.
    assert claims_by_outcome["3"] > 0 and claims_by_outcome["8"] > 0
    assert claims_by_outcome["2"] == claims_by_outcome["out-of-court"] == claims_by_outcome["charged"] == 0


# ------------------------------------------------------- two years either side of April 2015

FORCES = ("Kent", "Surrey", "Durham", "West Midlands", "Metropolitan Police", "British Transport Police")
CODES = {  # code: (description, group, subgroup); what the default rules make of each
    "19E": ("Rape of a female child under 13", "Sexual offences", "Rape"),  # indictable-only, BBC
    "11A": ("Cruelty to children/young persons", "Violence against the person", "Violence without injury"),  # SI list
    "17B": ("Sexual assault on a male child under 13", "Sexual offences", "Other sexual offences"),  # mixed, SI list
    "10D": ("Possession of article with blade or point", "Possession of weapons offences", "Possession of weapons offences"),
    "13": ("Child abduction", "Violence against the person", "Violence without injury"),  # BBC story list
    "46": ("Shoplifting", "Theft offences", "Shoplifting"),  # not notable
}
TYPES = {
    1: ("Charged/Summonsed", "Charged/Summonsed"),
    2: ("Caution - youths", "Out-of-court (formal)"),
    3: ("Caution - adults", "Out-of-court (formal)"),
    8: ("Community Resolution", "Out-of-court (informal)"),
    18: ("Investigation complete - no suspect identified", "Investigation complete - no suspect identified"),
}


def _rows(year: str, seed: int) -> Iterator[list[object]]:
    rng = random.Random(seed)
    for quarter in (1, 2, 3, 4):
        for force in FORCES:
            for code, (desc, group, subgroup) in CODES.items():
                for otype, (odesc, ogroup) in TYPES.items():
                    n = rng.choice((0, 0, 1, 2, 5, 12)) if code != "46" else rng.randint(20, 200)
                    yield [year, quarter, force, desc, group, subgroup, code, None, odesc, ogroup, otype, n, n]


@pytest.fixture(scope="module")
def spanning(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("spanning")
    store = Store.open(folder / "spanning.duckdb")
    for year, name, seed in (("2014/15", "mar2015", 1415), ("2015/16", "mar2016", 1516)):
        path = write_outcomes_workbook(folder / f"prc-outcomes-open-data-{name}-tables-200719.xlsx", _rows(year, seed), HEADERS_2019)
        assert ingest_file(store, path).status == "loaded"
    yield store
    store.close()


@pytest.mark.parametrize("period", [("2014/15", "2014/15"), ("2015/16", "2015/16"), ("2014/15", "2015/16")])
def test_every_force_and_outcome_either_side_of_april_2015(spanning: Store, period: tuple[str, str]) -> None:
    rules = load_rules()
    first, last = period
    claims = dict.fromkeys(OUTCOMES, 0)
    adult_caution_law = 0
    for outcome in OUTCOMES:
        for force in [*FORCES, None]:
            s = story(spanning, force=force, outcome=outcome, first=first, last=last)
            assert [o.code for o in s.notable if o.code == "46"] == []
            claims[outcome] += check(s, rules)
            adult_caution_law += sum("the law has allowed" in line for line in s.lines)
    # The statute governs adult cautions from 13 April 2015 only: never for 2014/15, nor for a
    # period that includes it; for 2015/16 alone it is worded as restricting them.
    if period == ("2015/16", "2015/16"):
        assert adult_caution_law > 0 and claims["3"] > 0
    else:
        assert adult_caution_law == 0 and claims["3"] == 0
    # The community-resolution guidance has no dates: it is worded as applying in every period.
    assert claims["8"] > 0
    assert claims["2"] == claims["out-of-court"] == claims["charged"] == 0


def test_selection_parsing_matches_the_outcomes_named() -> None:
    # The groups enumerated above are what the README's wording table shows.
    assert parse_outcome_selector("out-of-court")[0] == (2, 3, 6, 7, 8, 22)
    assert parse_outcome_selector("charged")[0] == (1,)
