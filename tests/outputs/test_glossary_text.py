"""The glossary as the CLI prints it."""

from __future__ import annotations

from crime_outcomes.normalise.glossary import load_glossary
from crime_outcomes.outputs.glossary_text import UNSOURCED_MARK, outcome_types_json, render_glossary_text


def test_text_lists_every_type_with_numbered_sources() -> None:
    text = render_glossary_text(load_glossary())
    for t in range(23):
        assert f"Type {t}: " in text
    assert "Type 8: community resolution [" in text
    assert "  Who decides? The police officer dealing with the case" in text
    assert "What the groups mean" in text and "Sources\n  [1] " in text


def test_only_the_types_asked_for() -> None:
    text = render_glossary_text(load_glossary(), [2, 3])
    assert "Type 2: youth caution" in text and "Type 3: adult caution" in text and "Type 8" not in text
    assert "What the groups mean" not in text


def test_unsourced_answers_are_marked() -> None:
    text = render_glossary_text(load_glossary(), [7])
    assert f"  Does it show on a standard DBS check? No.{UNSOURCED_MARK}" in text
    assert f"  Who decides? The police officer who gives it.{UNSOURCED_MARK}" not in text


def test_json_carries_the_glossary() -> None:
    data = outcome_types_json()
    assert data["types"][3]["glossary"]["standard_dbs"].startswith("yes")
    assert data["groups"]["out-of-court"]["is"].startswith("ways the police deal with an offence without a prosecution")
