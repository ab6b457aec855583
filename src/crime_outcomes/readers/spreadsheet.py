"""xlsx and ods through fastexcel (calamine), every cell as text.

Measured on 1,038,285-row synthetic files of the real shape (see docs/home-office-data.md
section 9): fastexcel reading every column as text is the fastest correct path (6.2 s xlsx,
9.3 s ods) against 104.6 s for pandas with openpyxl; our own bench/ingest.py repeats that
comparison on every run.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import fastexcel
import pyarrow as pa

from crime_outcomes.errors import EXIT_LIMIT, InputError, LimitError, Location
from crime_outcomes.readers.base import HEADER_SCAN_ROWS, RawSheet, SkippedSheet, checked_headers, checked_sheet_name, find_header_row
from crime_outcomes.readers.guards import PaddingRun, check_spreadsheet_container
from crime_outcomes.readers.text import clean_text
from crime_outcomes.settings import Limits, limits_from_env


class _CappedWarnings(logging.Handler):
    """Collects the reader's warnings that it cut a repeat count short.

    calamine stops ods repeats at 1,048,576 rows and 16,384 columns and only logs it (to
    the ``calamine`` logger); the rows past the cap would be lost without an error.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "capped" in message or "limit" in message.lower():
            self.messages.append(message)


@contextmanager
def _watch_reader_warnings() -> Iterator[_CappedWarnings]:
    logger = logging.getLogger("calamine")
    handler = _CappedWarnings()
    old_propagate, old_level = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False  # the message is reported as an error, not printed raw
    logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = old_propagate, old_level


_ROW_CAP = re.compile(r"^ods row repeat count capped \((\d+) -> \d+, max rows \d+\)$")


def _raise_if_capped(handler: _CappedWarnings, where: Location, limits: Limits, padding: list[PaddingRun]) -> None:
    """Refuse a sheet the reader cut short, unless all it cut were empty padding runs the guards counted."""
    unexplained = []
    runs = Counter(run.count for run in padding)
    for message in handler.messages:
        cap = _ROW_CAP.match(message.strip())
        if cap and runs[int(cap.group(1))] > 0:
            runs[int(cap.group(1))] -= 1
        else:
            unexplained.append(message)
    handler.messages = unexplained
    if handler.messages:
        raise LimitError(
            where,
            "the sheet declares more rows or columns than a spreadsheet holds (repeated rows or cells); the reader would silently drop the rest",
            expected=f"at most {limits.max_rows:,} rows and 16,384 columns",
            found=handler.messages[0],
        )


_deadline_on_stderr = [True]


def report_deadline_on_stderr(on: bool) -> None:
    """Whether a reader that runs out of time is reported here (off in a worker process, whose parent reports it)."""
    _deadline_on_stderr[0] = on


@contextmanager
def _deadline(seconds: float, where: Location) -> Iterator[None]:
    """End the process if one call into the reader runs past ``seconds``.

    The reader is native code that cannot be interrupted, and fuzzing found malformed
    files that keep it looping for ever (the known shapes are refused by the guards; this
    is the net for the unknown ones). Reading happens before any write to the store, so
    ending the process here leaves the store as it was; the message and exit code 7 are
    those of any other limit.
    """

    def give_up() -> None:
        if _deadline_on_stderr[0]:
            sys.stderr.write(
                f"Error: {where}: the spreadsheet reader was still busy after {seconds:,g} s "
                "(CRIME_OUTCOMES_MAX_PARSE_SECONDS); the file is probably malformed. Nothing from it was written to the store.\n"
            )
            sys.stderr.flush()
        os._exit(EXIT_LIMIT)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _is_interrupt(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def read_spreadsheet(path: Path, skipped: list[SkippedSheet] | None = None, limits: Limits | None = None) -> Iterator[RawSheet]:
    """Yield each sheet whose header row is recognised; others go to ``skipped`` with a reason."""
    limits = limits or limits_from_env()
    checked = check_spreadsheet_container(path, limits)
    with _watch_reader_warnings() as capped:
        try:
            with _deadline(limits.max_parse_seconds, Location(str(path))):
                reader = fastexcel.read_excel(path)
            names = reader.sheet_names
        except BaseException as exc:  # fastexcel's errors, and pyo3 panics (BaseException)
            if _is_interrupt(exc):
                raise
            error = LimitError if "limit exceeded" in str(exc).lower() else InputError
            raise error(Location(str(path)), "the spreadsheet cannot be opened", found=_short(exc)) from None
        _raise_if_capped(capped, Location(str(path)), limits, checked.padding)
    names = [checked_sheet_name(path, name, limits) for name in names]
    for index, name in enumerate(names):
        with _watch_reader_warnings() as capped:
            try:
                with _deadline(limits.max_parse_seconds, Location(str(path), name)):
                    sheet = reader.load_sheet(index, header_row=None, dtypes="string")
                _raise_if_capped(capped, Location(str(path), name), limits, checked.padding)
                if sheet.total_height > limits.max_rows + 1:
                    raise LimitError(
                        Location(str(path), name),
                        "the sheet has more rows than the limit",
                        expected=f"at most {limits.max_rows:,}",
                        found=f"{sheet.total_height:,}",
                    )
                with _deadline(limits.max_parse_seconds, Location(str(path), name)):
                    batch = sheet.to_arrow()
            except LimitError:
                raise
            except BaseException as exc:  # as above: a reader panic must not escape as a crash
                if _is_interrupt(exc):
                    raise
                error = LimitError if "limit exceeded" in str(exc).lower() else InputError
                raise error(Location(str(path), name), "the sheet cannot be read", found=_short(exc)) from None
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        if table.num_rows < sheet.total_height:
            raise InputError(
                Location(str(path), name),
                "the reader returned fewer rows than the sheet declares",
                expected=f"{sheet.total_height:,} rows",
                found=f"{table.num_rows:,}",
            )
        del sheet, batch  # the reader's copy of the cells: the Arrow table is all that is needed from here
        raw = _locate_header(path, name, table, limits)
        del table
        if raw is None:
            if skipped is not None:
                skipped.append(SkippedSheet(name, f"no data header in its first {HEADER_SCAN_ROWS} rows"))
            continue
        raw.notes.extend(_padding_notes(name, checked.padding, limits))
        yield raw
        del raw


def _padding_notes(sheet: str, padding: list[PaddingRun], limits: Limits) -> list[str]:
    """Say how many empty rows past the sheet's end were passed over, so nothing goes unmentioned."""
    notes = []
    for run in padding:
        if run.sheet is not None and clean_text(run.sheet)[0] == sheet:
            notes.append(
                f"sheet {sheet!r}: rows {run.first_row:,} to {run.first_row + run.count - 1:,} ({run.count:,} rows) are one empty row "
                f"repeated past the {limits.max_rows:,} rows a sheet holds: padding with no data, so none of them was read as a row"
            )
    return notes


def _locate_header(path: Path, sheet: str, table: pa.Table, limits: Limits) -> RawSheet | None:
    head = table.slice(0, HEADER_SCAN_ROWS).to_pylist()
    rows = [list(r.values()) for r in head]
    at = find_header_row(rows)
    if at is None:
        return None
    header_cells = rows[at]
    # Columns to the right of the last header are padding (ods repeats); they must be empty.
    last = max(i for i, c in enumerate(header_cells) if c not in (None, ""))
    body = table.slice(at + 1)
    for extra in range(last + 1, table.num_columns):
        col = body.column(extra)
        if col.null_count < len(col):
            filled = next(i for i, v in enumerate(col.to_pylist()) if v not in (None, ""))
            raise InputError(
                Location(str(path), sheet, at + 2 + filled, f"column {extra + 1} (no header)"),
                "a value stands in a column without a header",
                expected="every value under a named header",
                found=repr(col[filled].as_py()),
            )
    headers, notes = checked_headers(
        Location(str(path), sheet, at + 1), ["" if c is None else str(c) for c in header_cells[: last + 1]], limits
    )
    body = body.select(list(range(last + 1)))
    body = body.rename_columns([f"c{i}" for i in range(last + 1)])
    body = _drop_trailing_blank_rows(body)
    return RawSheet(path=path, sheet=sheet, header_row=at + 1, headers=headers, table=body, first_row=at + 2, notes=notes)


def _drop_trailing_blank_rows(table: pa.Table) -> pa.Table:
    """Spreadsheets pad with empty rows at the end; they are not data rows.

    Read from the end in growing blocks, so a sheet whose last row holds data costs one row.
    Blank is empty or white space only (str.strip(), which agrees with Arrow's
    utf8_trim_whitespace on every code point).
    """
    end = table.num_rows
    step = 16
    while end > 0:
        start = max(0, end - step)
        columns = [col.to_pylist() for col in table.slice(start, end - start).columns]
        for i in range(end - start - 1, -1, -1):
            if any(col[i] is not None and col[i].strip() != "" for col in columns):
                return table.slice(0, start + i + 1)
        end = start
        step = min(step * 8, 1 << 16)
    return table.slice(0, 0)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
