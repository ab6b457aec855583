"""Errors the tool reports to users, each with the exit code the CLI returns.

Every error that comes from a source file says where: file, sheet, row and column where
they exist, what was expected and what was found. The CLI prints the message and exits
with the code; a traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

# Exit codes (documented in the README, "Errors and limits").
EXIT_OK = 0
EXIT_USAGE = 2  # bad command-line arguments (Typer's own code)
EXIT_INPUT = 3  # a source file was rejected as a whole; the store is unchanged
EXIT_STORE = 4  # the store cannot be opened, written or is locked
EXIT_NETWORK = 5  # downloading failed
EXIT_NOT_FOUND = 6  # no data for what was asked (unknown force, year not loaded...)
EXIT_LIMIT = 7  # a resource limit was hit (zip bomb, oversized part)
EXIT_RECONCILE = 8  # reconcile: a published figure differs from the store for no known reason


class CrimeOutcomesError(Exception):
    """Base class: a problem to report to the user, never a bug."""

    exit_code = EXIT_INPUT


@dataclass
class Location:
    """Where in a source file something was found; rows are 1-based as a spreadsheet shows."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [f"file {self.file!r}"]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class InputError(CrimeOutcomesError):
    """A source file cannot be read as a whole; nothing from it is loaded."""

    exit_code = EXIT_INPUT

    def __init__(
        self,
        where: Location | str | Path,
        problem: str,
        *,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.where = where if isinstance(where, Location) else Location(str(where))
        self.problem = problem
        self.expected = expected
        self.found = found
        msg = f"{self.where}: {problem}"
        if expected is not None:
            msg += f"; expected {expected}"
        if found is not None:
            msg += f"; found {found}"
        super().__init__(msg)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled as its parts, so an error raised while reading a file in a worker process
        # reaches the main one whole (the default would rebuild it from the message alone).
        return (_rebuild_input_error, (type(self), self.where, self.problem, self.expected, self.found))


def _rebuild_input_error(cls: type[InputError], where: Location, problem: str, expected: str | None, found: str | None) -> InputError:
    return cls(where, problem, expected=expected, found=found)


class LimitError(InputError):
    """A source file breaks a resource limit (size, expansion ratio, rows)."""

    exit_code = EXIT_LIMIT


class StoreError(CrimeOutcomesError):
    """The DuckDB store cannot be opened or written."""

    exit_code = EXIT_STORE


class NotFoundError(CrimeOutcomesError):
    """What was asked for is not in the store (a force, a year, an offence)."""

    exit_code = EXIT_NOT_FOUND


class SelectionError(CrimeOutcomesError, ValueError):
    """A selection option (outcome, from, to, basis, per, rules) that cannot be used.

    Names the parameter and the values it accepts, so the CLI can report it as a usage error
    (exit 2) and the web as HTTP 400. Also a ValueError: it is a bad argument to ``story()``.
    """

    exit_code = EXIT_USAGE

    def __init__(self, parameter: str, problem: str, allowed: list[str]) -> None:
        self.parameter = parameter
        self.problem = problem
        self.allowed = list(allowed)
        super().__init__(f"{parameter}: {problem}")


class NetworkError(CrimeOutcomesError):
    """A download or discovery request failed."""

    exit_code = EXIT_NETWORK


class ExportError(CrimeOutcomesError):
    """An export cannot be written where asked (a folder not empty, not writable)."""

    exit_code = EXIT_USAGE


class DiskError(StoreError):
    """The disk being written is full or read-only; what was being written was not changed."""

    exit_code = EXIT_STORE


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_FULL_WORDS = ("no space left on device", "disk quota exceeded", "file too large")
_READ_ONLY_WORDS = ("read-only file system",)


def disk_error(exc: BaseException, what: str, *, changed: str = "nothing was changed") -> DiskError | None:
    """The user's message for ``exc`` if it means a full or read-only disk, else None.

    ``what`` names what the disk holds ("the store /data/x.duckdb", "the pack folder
    packs/kent"). DuckDB reports these as its own errors ("TransactionContext Error:
    Failed to commit ... .wal: No space left on device"), so its text is read too. Every
    caller writes in a way that leaves the old state whole (a transaction, a temporary
    file or folder renamed into place), so "nothing was changed" is true where it is said.
    """
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc).lower()
    if code in _FULL_ERRNOS or any(w in text for w in _FULL_WORDS):
        return DiskError(f"the disk holding {what} is full: {changed}; free space and run again")
    if code == errno.EROFS or any(w in text for w in _READ_ONLY_WORDS):
        return DiskError(f"the disk holding {what} is read-only: {changed}; make it writable or choose another place, and run again")
    return None
