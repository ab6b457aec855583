"""``crime-outcomes pack``: the story pack for one force, the national pack, or all of them.

The options are the story's (``--outcome``, ``--from``, ``--to``, ``--basis``, ``--per``,
``--rules``) so a pack always matches ``crime-outcomes story --format json`` for the same
options. Option mistakes exit 2 with the allowed values; asking for a force or year the
store does not hold exits 6.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crime_outcomes.cli.app import DbOption, app, console, err_console, escape, handle_errors, open_for_reading
from crime_outcomes.cli.options import BasisOption, FromOption, OutcomeOption, PerOption, RulesOption, ToOption, story_options
from crime_outcomes.outputs.packs import write_all, write_pack


@app.command("pack")
@handle_errors
def pack_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the pack(s) into; created if missing.", show_default=False)],
    force: Annotated[
        str | None, typer.Option("--force", "-f", help='One force, matched forgivingly ("west midlands", "Met").', show_default=False)
    ] = None,
    all_forces: Annotated[bool, typer.Option("--all", help="Every force (44), the national pack and index.html.")] = False,
    national: Annotated[bool, typer.Option("--national", help="Only the England and Wales pack.")] = False,
    outcome: OutcomeOption = "community-resolution",
    first: FromOption = None,
    last: ToOption = None,
    basis: BasisOption = "closed",
    per: PerOption = "outcomes",
    rules: RulesOption = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processes rendering packs with --all (default: one per core).", show_default=False),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write story packs: brief (Markdown, HTML, Word), workbook, charts and a zip per force."""
    chosen = sum([force is not None, all_forces, national])
    if chosen != 1:
        raise typer.BadParameter("give exactly one of --force NAME, --all or --national", param_hint="--force/--all/--national")
    options = story_options(outcome, first, last, basis, per, rules)

    with open_for_reading(db) as store:
        if not all_forces:
            result = write_pack(store, None if national else force, out, selection=options)
            console.print(
                f"Wrote the pack for {escape(result.name)} to {escape(str(result.folder))} ({len(result.files)} files) and {escape(str(result.zip_path))}",
                highlight=False,
            )
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=True) as progress:
            task = progress.add_task("Writing packs", total=45)

            def step(done: int, total: int, name: str) -> None:
                progress.update(task, completed=done, total=total, description=escape(f"Wrote {name}"))

            packs = write_all(store, out, workers=workers, progress=step, selection=options)
    console.print(
        f"Wrote {len(packs.forces)} force packs, the national pack and {escape(str(packs.index))} in {packs.seconds:.1f} s.",
        highlight=False,
    )
    for name, reason in packs.skipped:
        console.print(f"  Skipped {escape(name)}: {escape(reason)}", highlight=False)
