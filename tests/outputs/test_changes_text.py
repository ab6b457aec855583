"""The text of ``changes``: a force's revised figures are capped in text, the largest kept, and the rest counted."""

from __future__ import annotations

import re

from crime_outcomes.analysis.changes import ForceChanges, RevisedFigure
from crime_outcomes.outputs.changes_text import REVISIONS_PER_FORCE, force_bullets


def _revision(outcome_type: int, old: int, new: int) -> RevisedFigure:
    return RevisedFigure("Kent", "2017/18", outcome_type, "closed", old, new)


def test_a_force_lists_its_largest_revisions_in_order_and_counts_the_rest() -> None:
    # Changes by type: 1: +1, 2: -40, 3: +7, 4: +2, 5: -9, 6: +3, 7: +12, 8: +5.
    changes = [(1, 100, 101), (2, 500, 460), (3, 10, 17), (4, 20, 22), (5, 30, 21), (6, 40, 43), (7, 0, 12), (8, 50, 55)]
    kent = ForceChanges("Kent", revisions=[_revision(*c) for c in changes])
    bullets = force_bullets(kent, leads_known=False)
    revised = [b for b in bullets if b.startswith("Revised:")]
    assert REVISIONS_PER_FORCE == 5
    # The five largest moves (-40, +12, -9, +7, +5), in the order the store lists them (by outcome type).
    assert [re.search(r"type (\d+)", b).group(1) for b in revised] == ["2", "3", "5", "7", "8"]  # type: ignore[union-attr]
    assert [b.rsplit("(", 1)[1] for b in revised] == ["-40).", "+7).", "-9).", "+12).", "+5)."]
    assert bullets[-1] == (
        "Also revised: 3 more of this force's figures, none by more than those above (crime-outcomes changes --format json lists every revised figure)."
    )


def test_a_force_with_few_revisions_lists_them_all() -> None:
    kent = ForceChanges("Kent", revisions=[_revision(8, 1_200, 1_250), _revision(1, 43, 46)])
    bullets = force_bullets(kent, leads_known=False)
    assert bullets == [
        "Revised: 2017/18, community resolutions (type 8), closed basis: 1,200 to 1,250 (+50).",
        "Revised: 2017/18, charges and summonses (type 1), closed basis: 43 to 46 (+3).",
    ]
