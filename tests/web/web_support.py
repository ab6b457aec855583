"""Helpers for the web tests: the two-year fixture rows, live servers and browser settings.

The two-year store is ingested from small CSV files with the published 2019 headers, through
the same ingest path as a real download. Its figures are chosen by hand (``ROWS``) so tests can
check pages against sums computed here in plain Python. One offence description carries
markup, to prove that data is shown as text and never runs.

Live servers run uvicorn in a thread on a free loopback port; the browser is Debian's Chromium
driven by Playwright (never a downloaded browser).
"""

from __future__ import annotations

import csv
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crime_outcomes.testing.workbooks import HEADERS_2019

WEB_TESTS = Path(__file__).resolve().parent
REPO = WEB_TESTS.parents[1]
AXE_JS = WEB_TESTS / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

MARKUP = "<script>alert(1)</script><b>bold</b>"
"""An offence description that would run a script if the app did not escape it."""

HOMICIDE = "1/4.1/4.10/4.2"

OFFENCES = {
    "8N": ("Assault with injury", "Violence against the person", "Violence with injury"),
    "11A": ("Cruelty to children/young persons", "Violence against the person", "Violence without injury"),
    HOMICIDE: ("Homicide", "Violence against the person", "Homicide"),
    "99Z": (MARKUP, "Other crimes against society", "<i>Miscellaneous</i>"),
}

# (year, force, offence, outcome type) -> (recorded basis, closed basis)
ROWS: dict[tuple[str, str, str, int], tuple[int, int]] = {
    ("2016/17", "West Midlands", "8N", 8): (11, 10),
    ("2016/17", "West Midlands", "8N", 1): (20, 20),
    ("2016/17", "West Midlands", "8N", 18): (70, 70),
    ("2016/17", "West Midlands", "11A", 8): (5, 5),
    ("2016/17", "West Midlands", "11A", 1): (5, 5),
    ("2016/17", "West Midlands", "99Z", 8): (1, 1),
    ("2016/17", "West Midlands", "99Z", 1): (3, 3),
    ("2016/17", "Kent", "8N", 8): (4, 4),
    ("2016/17", "Kent", "8N", 1): (30, 30),
    ("2016/17", "Kent", "8N", 18): (66, 66),
    ("2016/17", "Kent", "11A", 1): (10, 10),
    ("2016/17", "Kent", HOMICIDE, 1): (2, 2),
    ("2016/17", "Surrey", "8N", 8): (2, 2),
    ("2016/17", "Surrey", "8N", 1): (8, 8),
    ("2016/17", "Surrey", "8N", 18): (40, 40),
    ("2016/17", "Surrey", HOMICIDE, 8): (1, 1),
    ("2016/17", "Surrey", HOMICIDE, 1): (1, 1),
    ("2017/18", "West Midlands", "8N", 8): (12, 12),
    ("2017/18", "West Midlands", "8N", 1): (25, 25),
    ("2017/18", "West Midlands", "8N", 18): (63, 63),
    ("2017/18", "West Midlands", "11A", 8): (6, 6),
    ("2017/18", "West Midlands", "11A", 1): (4, 4),
    ("2017/18", "West Midlands", "99Z", 8): (2, 2),
    ("2017/18", "West Midlands", "99Z", 1): (2, 2),
    ("2017/18", "Kent", "8N", 8): (6, 6),
    ("2017/18", "Kent", "8N", 1): (35, 35),
    ("2017/18", "Kent", "8N", 18): (60, 60),
    ("2017/18", "Kent", "11A", 1): (8, 8),
    ("2017/18", "Surrey", "8N", 8): (3, 3),
    ("2017/18", "Surrey", "8N", 1): (7, 7),
    ("2017/18", "Surrey", "8N", 18): (50, 50),
    ("2017/18", "Surrey", HOMICIDE, 1): (2, 2),
}

OUTCOME_TEXT = {
    1: ("Charged/Summonsed", "Charged/Summonsed"),
    8: ("Community Resolution", "Out-of-court (informal)"),
    18: ("Investigation complete - no suspect identified", "Investigation complete - no suspect identified"),
}


def fixture_sum(
    *,
    year: str | None = None,
    force: str | None = None,
    code: str | None = None,
    types: tuple[int, ...] | None = None,
    basis: str = "closed",
) -> int:
    """Plain-Python sum over ROWS (the expectation the tests hold the app to)."""
    at = 0 if basis == "recorded" else 1
    return sum(
        v[at]
        for (y, f, c, t), v in ROWS.items()
        if (year is None or y == year) and (force is None or f == force) and (code is None or c == code) and (types is None or t in types)
    )


def write_year_csv(folder: Path, year: str) -> Path:
    end = int(year[:4]) + 1
    path = folder / f"prc-outcomes-open-data-mar{end}-tables-010719.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS_2019)
        for (y, force, code, outcome), (recorded, closed) in ROWS.items():
            if y != year:
                continue
            description, group, subgroup = OFFENCES[code]
            out_desc, out_group = OUTCOME_TEXT[outcome]
            writer.writerow([y, 1, force, description, group, subgroup, code, "", out_desc, out_group, outcome, recorded, closed])
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(app: Any) -> LiveServer:
    """uvicorn in a thread on a free loopback port; returns once it accepts connections."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None
