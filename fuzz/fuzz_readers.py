"""Fuzzing target for the readers: any input must end in rows or in one of the tool's errors.

A crash is any exception that is not a ``CrimeOutcomesError`` (a bug: it would reach the
user as a traceback), or the process dying (the native parser aborting, which libFuzzer
reports as a deadly signal), or a hang past ``-timeout``.

Spreadsheets are zip archives, so flipping bytes of one mostly breaks its checksums and
never reaches the XML parser. The custom mutator therefore opens the archive, mutates one
part (libFuzzer's mutations plus the tokens of ``readers.dict``: repeat attributes, far
cell references, DOCTYPEs...), and zips it again with honest checksums. One input in ten
is mutated as raw bytes, to exercise the container checks too.

Run outside CI (needs the ``fuzz`` extra: ``pip install -e '.[fuzz]'``)::

    python fuzz/fuzz_readers.py --minutes 10      # restarts after each crash, prints figures

or one plain libFuzzer run::

    python fuzz/fuzz_readers.py -max_total_time=600 -rss_limit_mb=4096 -timeout=30 \\
        -dict=fuzz/readers.dict fuzz/work/corpus fuzz/work/seeds

The seed folder is written on first run (small valid xlsx, ods and csv files in both
header editions, plus the small hostile cases of ``tests/hostile/corpus.py``). Crashing
inputs land in the current folder as ``crash-*``; replay one with
``python fuzz/fuzz_readers.py crash-...`` and keep it in ``tests/hostile/regressions/``.
"""

from __future__ import annotations

import io
import os
import random
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import atheris
import polars as pl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

with atheris.instrument_imports(include=["crime_outcomes"]):
    from crime_outcomes.errors import CrimeOutcomesError
    from crime_outcomes.normalise.rows import NormalisedSheet, normalise_sheet
    from crime_outcomes.readers import read_file
    from crime_outcomes.readers.text import count_unsafe
    from crime_outcomes.settings import limits_from_env

SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-readers-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def suffix_for(data: bytes) -> str:
    """Name the input as a user would: by what it looks like, now and then wrongly."""
    if len(data) % 17 == 0:
        return (".xlsx", ".ods", ".csv")[len(data) % 3]
    if data[:2] == b"PK":
        return ".ods" if MIMETYPE in data[:200] else ".xlsx"
    return ".csv"


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    path = SCRATCH / f"input{suffix_for(data)}"
    path.write_bytes(data)
    try:
        for raw in read_file(path, []):
            check_text(normalise_sheet(raw))
    except CrimeOutcomesError:
        pass  # a clear message and an exit code: the documented outcome


def check_text(sheet: NormalisedSheet) -> None:
    """What ingest promises about text, checked on every input that loads: no control,
    format or bidi character survives and no loaded cell is longer than its bound."""
    limits = limits_from_env()
    for frame in (sheet.main, sheet.alternate, sheet.offences, sheet.outcome_labels):
        for name, dtype in frame.schema.items():
            if dtype != pl.String:
                continue
            for value in frame[name].drop_nulls().unique().to_list():
                if count_unsafe(value):
                    raise AssertionError(f"{name}: {value!r} keeps a control, format or bidi character")
                if len(value) > limits.max_text_chars:
                    raise AssertionError(f"{name}: a value of {len(value):,} characters was loaded")


def _parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(info, zf.read(info)) for info in zf.infolist()]
    except Exception:  # noqa: BLE001 - anything unreadable is mutated as raw bytes
        return None


def _rezip(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate part names are wanted here
        for info, body in parts:
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(info.filename), body, compress_type=method, compresslevel=1)
    return out.getvalue()


def CustomMutator(data: bytes, max_size: int, seed: int) -> bytes:  # noqa: N802
    rng = random.Random(seed)
    parts = _parts(data)
    if not parts or rng.random() < 0.1:
        return atheris.Mutate(data, max_size)
    # Prefer the parts the parser reads: the sheets, content.xml, shared strings.
    weights = [
        8
        if (name := info.filename).startswith("xl/worksheets/") or name == "content.xml"
        else 2
        if name.endswith(".xml") or name.endswith(".rels")
        else 1
        for info, _ in parts
    ]
    i = rng.choices(range(len(parts)), weights=weights)[0]
    info, body = parts[i]
    choice = rng.random()
    if choice < 0.1 and len(parts) > 1:
        del parts[i]  # a missing part
    elif choice < 0.2:
        parts.append((zipfile.ZipInfo(f"{info.filename}.copy"), body))  # an extra part
    else:
        parts[i] = (info, atheris.Mutate(body, max(len(body) * 2, 4096)))
    out = _rezip(parts)
    return out if len(out) <= max_size else atheris.Mutate(data, max_size)


def write_seeds(folder: Path) -> None:
    """Small valid files in both editions and formats, and the small hostile cases."""
    from crime_outcomes.testing.workbooks import HEADERS_2019, HEADERS_CURRENT, synthetic_rows, write_outcomes_workbook

    folder.mkdir(parents=True, exist_ok=True)
    for headers, tag in ((HEADERS_2019, "2019"), (HEADERS_CURRENT, "current")):
        data = list(synthetic_rows(42, 5, headers=headers))
        for suffix in (".xlsx", ".ods"):
            write_outcomes_workbook(folder / f"valid-{tag}{suffix}", data, headers, extra_sheets=(tag == "2019"), ods_padding=False)
        text = ",".join(headers) + "\n" + "\n".join(",".join("" if v is None else str(v) for v in row) for row in data)
        (folder / f"valid-{tag}.csv").write_text(text, encoding="utf-8")
    sys.path.insert(0, str(REPO / "tests" / "hostile"))
    from corpus import CASES  # type: ignore[import-not-found]

    scratch = Path(tempfile.mkdtemp(prefix="fuzz-seeds-"))
    for case in CASES:
        d = scratch / case.name
        d.mkdir()
        try:
            built = case.build(d)
        except Exception:  # noqa: BLE001 - a seed that cannot be built is just skipped
            continue
        if built.is_file() and built.stat().st_size <= 256 * 1024:
            (folder / f"hostile-{case.name}{built.suffix}").write_bytes(built.read_bytes())


def campaign(minutes: float, extra: list[str]) -> int:
    """Fuzz for ``minutes`` in all, restarting after each crash (libFuzzer stops at the
    first one, and its fork mode does not work with atheris); print the figures."""
    import re
    import subprocess
    import time

    work = HERE / "work"
    crashes = work / "crashes"
    for d in (work / "corpus", crashes):
        d.mkdir(parents=True, exist_ok=True)
    if not (work / "seeds").exists():
        write_seeds(work / "seeds")
    end = time.monotonic() + minutes * 60
    execs = runs = 0
    found: list[str] = []
    while (left := int(end - time.monotonic())) > 5:
        before = set(crashes.iterdir())
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            f"-max_total_time={left}",
            "-rss_limit_mb=4096",
            "-timeout=30",
            f"-dict={HERE / 'readers.dict'}",
            f"-artifact_prefix={crashes}/",
            "-print_final_stats=1",
            *extra,
            str(work / "corpus"),
            str(work / "seeds"),
        ]
        # Unbuffered, or the traceback of an uncaught exception is lost when libFuzzer exits.
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        runs += 1
        stats = re.findall(r"stat::number_of_executed_units:\s*(\d+)", done.stderr)
        execs += int(stats[-1]) if stats else sum(int(n) for n in re.findall(r"^#(\d+)\s+DONE", done.stderr, re.M)[-1:])
        new = sorted(set(crashes.iterdir()) - before)
        output = done.stdout + done.stderr  # atheris prints Python tracebacks to stdout
        for f in new:
            tail = [
                ln for ln in output.splitlines() if "Error" in ln or "memory allocation" in ln or "Exception" in ln or "panicked" in ln
            ][-3:]
            found.append(f"{f.name}: {' | '.join(tail)[:300]}")
        if new:
            (work / f"run-{runs}.log").write_text(output)
    print(f"fuzzed {minutes:g} min in {runs} run(s): {execs:,} executions, {len(found)} crash(es)")
    for line in found:
        print("  " + line)
    return 1 if found else 0


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--minutes":
        raise SystemExit(campaign(float(sys.argv[2]), sys.argv[3:]))
    args = [a for a in sys.argv if a != "--write-seeds-only"]
    seeds = HERE / "work" / "seeds"
    if not seeds.exists() or "--write-seeds-only" in sys.argv:
        write_seeds(seeds)
        if "--write-seeds-only" in sys.argv:
            return
    os.environ.setdefault("CRIME_OUTCOMES_MAX_MEMBER_BYTES", str(512 << 20))
    atheris.Setup(args, TestOneInput, custom_mutator=CustomMutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
