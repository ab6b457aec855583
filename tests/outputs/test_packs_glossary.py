"""Packs carry the glossary for the types they cover, known breaks in the data, and a reader's methodology."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from crime_outcomes.outputs.packs import write_pack
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019

pytestmark = pytest.mark.slow

JSON_TERMS = ("per='", "flagged_small", "{name:", "share_of_national", "p0 ±")


def _notes(folder: Path) -> list[tuple[str, str]]:
    rows = CalamineWorkbook.from_path(str(folder / "data.xlsx")).get_sheet_by_name("Notes").to_python()
    return [(str(r[0]), str(r[1])) for r in rows if r and r[0]]


def test_kent_brief_explains_community_resolutions(tmp_path: Path) -> None:
    result = write_pack(open_sample_store(), "Kent", tmp_path)
    md = (result.folder / "brief.md").read_text(encoding="utf-8")
    section = md.split("## What the outcomes mean", 1)[1].split("## Key figures", 1)[0]
    assert "**Community resolution (type 8).** A community resolution is an informal way" in section
    assert "- Is it a conviction? No." in section
    assert "- Does it show on a standard DBS check? No, though an enhanced check may mention it" in section
    assert "Sources: Home Office, Crime outcomes in England and Wales 2023 to 2024: technical annex" in section
    html = (result.folder / "brief.html").read_text(encoding="utf-8")
    assert '<h2 id="glossary">What the outcomes mean</h2>' in html and "Is the victim consulted?" in html
    methodology = md.split("## Methodology", 1)[1].split("## Source and licence", 1)[0]
    assert "**What is counted.** The count is the number of community resolutions (Home Office outcome type 8)" in methodology
    assert "given to one decimal place" in methodology
    assert not any(term in methodology for term in JSON_TERMS), methodology
    notes = _notes(result.folder)
    assert ("Glossary: type 8, community resolution", result.story.definition) in notes
    assert any(k.startswith("Methodology: What is counted") for k, _ in notes)
    # The exact definitions stay, for developers.
    assert any(k == "Definition (developers): Share" for k, _ in notes)
    # Kent in 2017/18 has no known break in the data.
    assert "Known breaks in the data" not in md


def test_greater_manchester_pack_names_the_2019_break(tmp_path: Path) -> None:
    path = tmp_path / "gm.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(HEADERS_2019))
        w.writeheader()
        for force, n in (("Greater Manchester", 12), ("Kent", 20)):
            for otype, value, desc in (
                (8, n, ("Community Resolution", "Out-of-court (informal)")),
                (1, 200, ("Charged/Summonsed", "Charged/Summonsed")),
            ):
                w.writerow(
                    {
                        "Financial Year": "2019/20",
                        "Financial Quarter": 1,
                        "Force Name": force,
                        "Offence Description": "Shoplifting",
                        "Offence Group": "Theft offences",
                        "Offence Subgroup": "Shoplifting",
                        "Offence Code": "46",
                        "Offence Code Expired": "",
                        "Outcome Description": desc[0],
                        "Outcome Group": desc[1],
                        "Outcome Type": otype,
                        "Force outcomes for offences recorded in quarter": value,
                        "Force outcomes recorded in quarter": value,
                    }
                )
    with Store.open(tmp_path / "gm.duckdb") as store:
        ingest_file(store, path)
        result = write_pack(store, "Greater Manchester", tmp_path / "packs")
    assert [(scope, a.id) for scope, a in result.story.annotations] == [("force", "greater-manchester-2019-systems")]
    md = (result.folder / "brief.md").read_text(encoding="utf-8")
    breaks = md.split("## Known breaks in the data", 1)[1].split("## Caveats", 1)[0]
    assert "Greater Manchester could not supply data from July 2019" in breaks
    assert "https://www.gov.uk/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables" in breaks
    # The year table says which year the break touches; the chart prints it and its alt text says it.
    assert "2019/20: these figures are affected by a known break in the data (Greater Manchester could not supply" in md
    svg = (result.folder / "charts" / "year-series.svg").read_text(encoding="utf-8")
    assert "Known break" in svg
    assert any(
        k == "Known break in the data" and v.startswith("Greater Manchester could not supply data") for k, v in _notes(result.folder)
    )
