"""Every story on the sample (44 forces x every outcome group) follows the house style for numbers.

Read from the printed text only, as a reader would: no quantity at two precisions (every
percentage of a story has the story's number of decimal places), every printed share inside its
printed interval, different shares never printed alike in a comparison, every bracketed
percentage saying what it is a share of, and ranks as 'Nth highest' in the top half and
'Nth lowest' in the bottom half, with numerals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from crime_outcomes.analysis.story import Story, story
from crime_outcomes.normalise.forces import FORCES, TERRITORIAL
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS
from crime_outcomes.outputs.story_text import render_text
from crime_outcomes.sample import open_sample_store

pytestmark = pytest.mark.slow

FORCE_NAMES = sorted(f.name for f in FORCES.values() if f.kind == TERRITORIAL) + ["British Transport Police"]
LABELS = re.compile(r"(95|99\.8)% (interval|limits?|control limits?)")
PERCENT = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.(\d+))?)%")
RANK = re.compile(r"the (joint )?(\d+)(st|nd|rd|th) (highest|lowest) of (\d+)")


def _stories() -> Iterator[Story]:
    store = open_sample_store()
    for name in FORCE_NAMES:
        for group in OUTCOME_GROUPS:
            yield story(store, force=name, outcome=group)


@pytest.fixture(scope="module")
def stories() -> list[Story]:
    out = list(_stories())
    assert len(out) == 44 * len(OUTCOME_GROUPS)
    return out


def _value(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def test_every_percentage_of_a_story_at_one_precision(stories: list[Story]) -> None:
    bad = []
    for s in stories:
        text = LABELS.sub("", render_text(s))
        for m in PERCENT.finditer(text):
            places = len(m.group(2) or "")
            if places != s.percent_places:
                bad.append((s.force.name, s.outcome_label, m.group(0), s.percent_places))
    assert not bad, bad[:10]


def test_printed_share_inside_printed_interval(stories: list[Story]) -> None:
    checked = 0
    for s in stories:
        text = render_text(s)
        found = re.findall(r"Share\s+((?:less than )?\S+%) \(95% interval ((?:less than )?\S+%) to ((?:less than )?\S+%)\)", text)
        assert len(found) == (1 if s.ci95 is not None else 0), (s.force.name, s.outcome_label)
        for share, low, high in found:
            # "less than 0.01%" lies in [0, 0.01]: compare its upper end.
            assert (
                _value(low.removeprefix("less than "))
                <= _value(share.removeprefix("less than "))
                <= _value(high.removeprefix("less than "))
            ), (
                s.force.name,
                s.outcome_label,
                share,
                low,
                high,
            )
            checked += 1
    assert checked == sum(1 for s in stories if s.ci95 is not None) > 500


def test_comparisons_never_print_different_shares_alike(stories: list[Story]) -> None:
    for s in stories:
        head = s.lines[0]
        compared = next((line for line in s.lines if line.startswith("That ")), None)
        if compared is None or s.share is None or s.share == s.national.share:
            continue
        printed = [m.group(0) for m in PERCENT.finditer(head)]
        if not printed:  # "issued no ...": the headline states the count, not a share
            continue
        ours = printed[0]
        theirs = PERCENT.search(compared).group(0)  # type: ignore[union-attr]
        if ours == theirs:
            # Alike even at two decimal places: the sentence must say they are nearly equal, not contrast them.
            assert s.percent_places == 2 and compared.startswith("That was almost exactly the share"), compared
        else:
            assert compared.startswith("That compared with "), compared


def test_bracketed_percentages_say_what_they_are_shares_of(stories: list[Story]) -> None:
    for s in stories:
        for line in s.lines:
            for m in re.finditer(r"\((-?\d[\d,.]*%)([^)]*)\)", line):
                assert m.group(2).startswith(" of "), (s.force.name, line)


def test_rank_wording(stories: list[Story]) -> None:
    seen = {"highest": 0, "lowest": 0}
    for s in stories:
        text = " ".join(s.lines)
        assert not re.search(r"\b(second|third|fourth|fifth) (highest|lowest)\b", text), text
        for _joint, n, _, end, of in RANK.findall(text):
            n, of = int(n), int(of)
            if end == "highest":
                assert n <= of - n + 1, (s.force.name, text)  # top half (the middle reads either way)
            else:
                assert n < of - n + 1, (s.force.name, text)  # bottom half
            seen[end] += 1
        r = s.rank
        if r is not None and r.by_share is not None:
            # The share rank, checked against the force comparison table independently of the wording code.
            ranks = [c.rank_by_share for c in s.comparison if c.rank_by_share is not None]
            from_bottom = sum(1 for x in ranks if x > r.by_share) + 1
            expected = ("the joint " if r.tied_share else "the ") + ("highest" if r.by_share == 1 else "lowest" if from_bottom == 1 else "")
            line = next(line for line in s.lines if "its share was" in line or "its rate was" in line)
            if r.by_share != 1 and from_bottom != 1:
                word = f"{r.by_share}" if r.by_share <= from_bottom else f"{from_bottom}"
                assert re.search(rf"was {expected}{word}(st|nd|rd|th) (highest|lowest) of {r.of}", line), line
            else:
                assert f"was {expected} of {r.of}" in line, line
    assert seen["highest"] and seen["lowest"]
