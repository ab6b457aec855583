"""Story.offences_frame(): the offence table of the JSON as a Polars DataFrame."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

import crime_outcomes as co
from crime_outcomes.analysis.model import OFFENCES_FRAME_SCHEMA, Story
from crime_outcomes.sample import open_sample_store


@pytest.fixture(scope="module")
def west_midlands() -> Story:
    with open_sample_store() as store:
        return co.story(store, force="West Midlands", last="2017/18", first="2017/18")


def test_the_frame_is_the_json_offence_table(west_midlands: Story) -> None:
    frame = west_midlands.offences_frame()
    rows = west_midlands.to_json()["offences"]
    assert frame.schema == pl.Schema(OFFENCES_FRAME_SCHEMA)
    assert frame.height == len(rows) > 0
    for got, want in zip(frame.iter_rows(named=True), rows, strict=True):
        assert got == {**want, "rules": [r["id"] for r in want["rules"]]}
    # Every community resolution of the period is attributed to an offence.
    assert frame["count"].sum() == west_midlands.count
    serious = frame.filter(pl.col("serious"))
    assert serious.height and all(len(r) > 0 for r in serious["rules"])


def test_an_empty_offence_table_keeps_its_columns(west_midlands: Story) -> None:
    empty = dataclasses.replace(west_midlands, offences=[]).offences_frame()
    assert empty.height == 0 and empty.schema == pl.Schema(OFFENCES_FRAME_SCHEMA)
