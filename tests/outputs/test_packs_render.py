"""Packs as a reader sees them: each format printed to PDF, then read back with poppler.

The Word brief and the workbook are opened in Word, LibreOffice and Google Docs and printed;
the HTML brief is opened in a browser. So the Word and Excel files are printed by LibreOffice
headless and the HTML brief by headless Chromium (LibreOffice's HTML import drops the inline
charts and most of the CSS, which no reader would see). The checks are about what is on the
page: A4 paper, a sensible number of pages, and offence names never broken inside a word (a
too-narrow column wraps "Possession" into "Possessi / on", and pdftotext then no longer finds
the word whole). LibreOffice is slow to start, so every file is converted once per module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crime_outcomes.analysis.story import story
from crime_outcomes.outputs.packs import BRIEF_TOP_OFFENCES, write_pack
from crime_outcomes.sample import open_sample_store

pytestmark = pytest.mark.slow

A4 = (595.3, 841.9)  # points, portrait
WORD = re.compile(r"\w+")
FORMATS = ("brief.docx", "brief.html", "data.xlsx")

# Page-count ceilings, from the content: the HTML brief is 10 A4 pages, the Word brief 11 since
# it carries the chart of standardised ratios beside the funnel plot (half a page) and opens with
# its leads; West Midlands' 12, since its share-of-national leads also state the force's share of
# each offence's outcomes (a line more each); the workbook 13 or 14 (its Notes tab grows as
# methodology and glossary are added).
# Before these checks the Word brief was 11 US Letter pages and the workbook 31.
MAX_PAGES = {
    ("west-midlands", "brief.docx"): 12,
    ("west-midlands", "brief.html"): 10,
    ("west-midlands", "data.xlsx"): 20,
    ("england-and-wales", "brief.docx"): 11,
    ("england-and-wales", "brief.html"): 10,
    ("england-and-wales", "data.xlsx"): 20,
}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (Debian: libreoffice-writer-nogui, libreoffice-calc-nogui, poppler-utils, chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _pages(pdf: Path) -> list[tuple[float, float]]:
    """Every page's size in points, from pdfinfo."""
    out = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "9999", str(pdf)], check=True, capture_output=True, text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out, re.MULTILINE)]


def _text(pdf: Path) -> str:
    return subprocess.run([_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both packs (West Midlands and England and Wales) written and every format converted to PDF once."""
    soffice = _tool("soffice")
    chromium = _tool("chromium")
    _tool("pdfinfo")
    _tool("pdftotext")
    root = tmp_path_factory.mktemp("render")
    store = open_sample_store()
    try:
        stories = {}
        for force in ("West Midlands", None):
            result = write_pack(store, force, root / "packs")
            stories[result.slug] = story(store, force=force).to_json()
    finally:
        store.close()
    flat = root / "flat"
    flat.mkdir()
    pdf_dir = root / "pdf"
    pdfs: dict[tuple[str, str], Path] = {}
    for slug in stories:
        for name in FORMATS:
            # soffice names each PDF after its input's stem, so the stem carries slug and format.
            stem = f"{slug}--{name.replace('.', '-')}"
            shutil.copy(root / "packs" / slug / name, flat / f"{stem}{Path(name).suffix}")
            pdfs[(slug, name)] = pdf_dir / f"{stem}.pdf"
    # Its own profile, so a LibreOffice already running on the machine is neither used nor disturbed.
    profile = (root / "lo-profile").as_uri()
    office = sorted(str(p) for p in flat.iterdir() if p.suffix != ".html")
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(pdf_dir), *office],
        check=True,
        capture_output=True,
        timeout=600,
    )
    for html in sorted(flat.glob("*.html")):
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={root / 'chromium'}",
                f"--print-to-pdf={pdf_dir / (html.stem + '.pdf')}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    missing = [str(p) for p in pdfs.values() if not p.exists()]
    assert not missing, f"LibreOffice wrote no PDF for {missing}"
    return {"stories": stories, "pdfs": pdfs}


def _table_descriptions(sj: dict[str, Any], name: str) -> list[str]:
    """Offence names shown in that file's tables: the brief's top offences, notable and largest-share
    offences; the workbook's every offence and the notable ones."""
    if name == "data.xlsx":
        rows = sj["offences"] + sj["notable"]
    else:
        rows = [o for o in sj["offences"] if o["count"] > 0][:BRIEF_TOP_OFFENCES] + sj["notable"] + sj.get("largest_shares", [])
    return [o["description"] for o in rows if o.get("description")]


@pytest.mark.parametrize("slug", ["west-midlands", "england-and-wales"])
@pytest.mark.parametrize("name", FORMATS)
def test_pages_are_a4_and_few_enough(rendered, slug, name):
    pages = _pages(rendered["pdfs"][(slug, name)])
    assert pages, f"{slug}/{name}: no pages rendered"
    for i, (w, h) in enumerate(pages, start=1):
        short, long = sorted((w, h))
        assert abs(short - A4[0]) < 1 and abs(long - A4[1]) < 1, f"{slug}/{name} page {i} is {w} x {h} pt, not A4"
    print(f"{slug}/{name}: {len(pages)} pages, {sum(w > h for w, h in pages)} landscape")
    assert len(pages) <= MAX_PAGES[(slug, name)], f"{slug}/{name}: {len(pages)} pages"


@pytest.mark.parametrize("slug", ["west-midlands", "england-and-wales"])
@pytest.mark.parametrize("name", FORMATS)
def test_offence_names_are_never_broken_inside_a_word(rendered, slug, name):
    text = _text(rendered["pdfs"][(slug, name)])
    found = Counter(WORD.findall(text))
    wanted = Counter(w for d in _table_descriptions(rendered["stories"][slug], name) for w in WORD.findall(d))
    assert wanted, f"{slug}/{name}: no offence descriptions to look for"
    short = {w: (n, found[w]) for w, n in wanted.items() if found[w] < n}
    assert not short, f"{slug}/{name}: words of offence names missing or broken (word: (in tables, found whole)): {short}"
