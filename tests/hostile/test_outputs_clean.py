"""An offence description carrying a right-to-left override, zero-width, bidi-isolate, C0 and
C1 characters: none reaches any output. Checked over the story JSON, every file of a pack
(Markdown, HTML, Word, Excel, SVG, alt text, the zip) and the web explorer's pages, API
and downloads (HTML, JSON, CSV, XLSX); the cleaned description does reach them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from crime_outcomes.testing.workbooks import HEADERS_2019

pytestmark = pytest.mark.slow

INJECTED = "\u202e\u200b\u2066\u2069\u0085\u009b\x1b\x07\u200d\u00ad"
DESCRIPTION = "Assault\u202egnp.exe\u200b \u2066x\u2069\u0085\u009b\x1b[31m\x07"
CLEANED = "Assaultgnp.exe x [31m"
_ESCAPED = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);|\\u([0-9a-fA-F]{4})")


def injected_in(text: str) -> list[str]:
    """Injected characters in ``text``, raw or escaped (&#x202E;, &#8238;, \\u202e)."""
    found = [f"U+{ord(c):04X}" for c in text if c in INJECTED]
    for ref, uni in _ESCAPED.findall(text):
        code = int(uni, 16) if uni else int(ref[1:], 16) if ref.startswith("x") else int(ref)
        if chr(code) in INJECTED:
            found.append(f"U+{code:04X} (escaped)")
    return found


def texts_of(name: str, data: bytes) -> list[tuple[str, str]]:
    """(where, text) for a file: zip-based files (docx, xlsx, zip) part by part."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [item for info in zf.infolist() for item in texts_of(f"{name}!{info.filename}", zf.read(info))]
    if name.lower().endswith((".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".bin")):
        return []
    return [(name, data.decode("utf-8", errors="replace"))]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from crime_outcomes.store import Store
    from crime_outcomes.store.ingest import ingest_file

    d = tmp_path_factory.mktemp("deceptive")
    path = d / "prc-outcomes-open-data-mar2018-tables-010719.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS_2019)
        for force in ("West Midlands", "Kent", "Durham"):
            for q in (1, 2, 3, 4):
                for outcome, label, n in (
                    (8, "Community Resolution", 6),
                    (1, "Charged/Summonsed", 20),
                    (18, "Investigation complete - no suspect identified", 40),
                ):
                    writer.writerow(
                        [
                            "2017/18",
                            q,
                            force,
                            DESCRIPTION,
                            "Violence\u200d against the person",
                            "Violence with injury\u00ad",
                            "8N",
                            "",
                            label,
                            label,
                            outcome,
                            n,
                            n,
                        ]
                    )
                    writer.writerow(
                        [
                            "2017/18",
                            q,
                            force,
                            "Harassment",
                            "Violence against the person",
                            "Stalking and harassment",
                            "8L",
                            "",
                            label,
                            label,
                            outcome,
                            n + 1,
                            n + 1,
                        ]
                    )
    db = d / "store.duckdb"
    with Store.open(db) as store:
        report = ingest_file(store, path)
    assert report.rows_rejected == 0 and any("control, format or bidi" in n for n in report.notes)
    return db


def test_no_injected_character_reaches_the_story_json_or_a_pack(store_path: Path, tmp_path: Path) -> None:
    from crime_outcomes.analysis.story import story
    from crime_outcomes.outputs.packs import write_pack
    from crime_outcomes.store import Store

    with Store.open(store_path, read_only=True) as store:
        for ensure_ascii in (False, True):
            text = json.dumps(story(store, force="West Midlands").to_json(), ensure_ascii=ensure_ascii, default=str)
            assert not injected_in(text)
        assert CLEANED in json.dumps(story(store, force="West Midlands").to_json(), ensure_ascii=False, default=str)
        result = write_pack(store, "West Midlands", tmp_path / "packs")
    files = [*result.files, result.zip_path]
    kinds = {p.suffix for p in files}
    assert {".md", ".html", ".docx", ".xlsx", ".svg", ".json", ".zip"} <= kinds, kinds
    seen_clean = set()
    for path in files:
        for where, text in texts_of(path.name, path.read_bytes()):
            assert not injected_in(text), f"{where}: {injected_in(text)}"
            if "Assaultgnp.exe" in text:
                seen_clean.add(path.suffix)
    assert {".md", ".html", ".docx", ".xlsx"} <= seen_clean, seen_clean


def test_no_injected_character_reaches_the_web(store_path: Path) -> None:
    from starlette.testclient import TestClient

    from crime_outcomes.web import create_app

    app = create_app(store_path)
    try:
        with TestClient(app) as client:
            urls = [
                "/",
                "/force/west-midlands",
                "/offence/8N",
                "/compare",
                "/methodology",
                "/data",
                "/api/story?force=west-midlands",
                "/api/national",
                "/api/offences",
                "/api/offence?code=8N",
                "/api/forces",
            ]
            data_page = client.get("/data").text
            urls += sorted(
                {u for u in re.findall(r'href="(/[^"#]+)"', data_page) if any(k in u for k in ("csv", "xlsx", "json", "download", "zip"))}
            )
            checked = 0
            clean_seen = 0
            for url in urls:
                response = client.get(url.replace("&amp;", "&"))
                if response.status_code != 200:
                    continue
                checked += 1
                for where, text in texts_of(url, response.content):
                    assert not injected_in(text), f"{where}: {injected_in(text)}"
                    clean_seen += "Assaultgnp.exe" in text
    finally:
        app.state.explorer.close()
    assert checked >= 8 and clean_seen >= 3, (checked, clean_seen)
