"""The Typer app, the options every command shares, and the error handling.

Commands are thin: they parse options, call the library and print. Errors the user can
act on are printed as one message with a documented exit code; a traceback appears only
with --debug.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from crime_outcomes.errors import EXIT_LIMIT, CrimeOutcomesError
from crime_outcomes.pipeline import open_store
from crime_outcomes.settings import DB_ENV, default_db_path
from crime_outcomes.store import Store
from crime_outcomes.store.bundled import notice

app = typer.Typer(
    name="crime-outcomes",
    help="How police forces in England and Wales close crimes: Home Office crime outcomes open data, validated and explained.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

console = Console()
err_console = Console(stderr=True)
STATE = {"debug": False}
EXIT_INTERNAL = 1  # a bug, not the user's input: reported in one line, traceback with --debug

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", envvar=DB_ENV, help="The store file (default: crime-outcomes.duckdb in your user data folder).", show_default=False
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False) -> None:
    STATE["debug"] = debug


def handle_errors(func: F) -> F:
    """Turn library errors into one clear message and the error's exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrimeOutcomesError as exc:
            if STATE["debug"]:
                raise
            err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("Interrupted; the store is unchanged by the unfinished step.")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise  # typer's own exits and usage errors (its Exit is a RuntimeError)
        except MemoryError:
            if STATE["debug"]:
                raise
            err_console.print(
                "[bold red]Error:[/] ran out of memory; the store is unchanged by the unfinished step. Lower the limits (CRIME_OUTCOMES_MAX_*) or free memory.",
                highlight=False,
            )
            raise typer.Exit(EXIT_LIMIT) from None
        except Exception as exc:  # a bug: one line for the user, the traceback with --debug
            if STATE["debug"]:
                raise
            err_console.print(
                f"[bold red]Internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc).strip()[:300])}. "
                "This is a bug in crime-outcomes; run the command again with --debug for the details and report it.",
                highlight=False,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def escape(text: str) -> str:
    """Rich markup in data (e.g. '[bold]' in a name) must print as text."""
    from rich.markup import escape as rich_escape

    from crime_outcomes.readers.text import strip_unsafe

    return rich_escape(strip_unsafe(text))


def resolve_db(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def open_for_writing(db: Path | None) -> Store:
    return Store.open(resolve_db(db))


@contextmanager
def open_for_reading(db: Path | None, *, quiet: bool = False) -> Iterator[Store]:
    """The store if it holds outcomes, else the bundled sample with a one-line notice."""
    store = open_store(resolve_db(db))
    if store.is_sample and not quiet:
        err_console.print(f"[yellow]{escape(notice())}[/]", highlight=False)
    try:
        yield store
    finally:
        store.close()
