"""Methodology for readers: plain English, no field names, worded for the story at hand."""

from __future__ import annotations

import re

from crime_outcomes.outputs.methodology import DEVELOPER_NOTE, reader_methodology

JSON_TERMS = re.compile(r"per='|flagged_small|\{name:|share_of_national|national_rate|p0|ci95|by_year|_count\b")


def _story_like(places: int, basis: str = "closed") -> dict:
    return {"label": "community resolutions", "types": [8], "basis": basis, "per": "outcomes", "places": places}


def test_no_json_terms_in_the_reader_text() -> None:
    for kw in ({}, _story_like(1), _story_like(2, "recorded")):
        for heading, text in reader_methodology(**kw):
            if heading == "For developers":
                assert text == DEVELOPER_NOTE
                continue
            assert not JSON_TERMS.search(text), (heading, text)


def test_worded_for_the_story() -> None:
    m = dict(reader_methodology(**_story_like(1)))
    assert m["What is counted"].startswith(
        "The count is the number of community resolutions (Home Office outcome type 8), counted when the investigation was closed"
    )
    assert m["How numbers are shown"].startswith("Every percentage in this story is given to one decimal place")
    recorded = dict(reader_methodology(**_story_like(2, "recorded")))
    assert "counted for the crimes recorded in the period" in recorded["What is counted"]
    assert "two decimal places" in recorded["How numbers are shown"]
