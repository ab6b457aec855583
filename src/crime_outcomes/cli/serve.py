"""``crime-outcomes serve``: the web explorer and JSON API on a local port."""

from __future__ import annotations

import gc
import ipaddress
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from crime_outcomes.cli.app import DbOption, app, err_console, escape, handle_errors, resolve_db


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


SWAP_WARM_SECONDS = 20.0
"""How long a new edition's default views may be computed before it is served anyway."""


@app.command("serve")
@handle_errors
def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on. Loopback by default: other machines cannot connect.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="A seriousness rules file (TOML) replacing the built-in rules, as for `story`.", show_default=False),
    ] = None,
    warm: Annotated[
        bool, typer.Option("--warm/--no-warm", help="Compute every force page's default view in the background at start.")
    ] = True,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The address readers reach the explorer at (behind a reverse proxy), for the charts' embed code.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Serve the web explorer and the JSON API (read-only) for the store or the bundled sample."""
    import uvicorn

    from crime_outcomes.web.app import LOOPBACK_HOSTS, create_app
    from crime_outcomes.web.explorer import Explorer
    from crime_outcomes.web.pages import warm_default_views

    if rules is not None and not rules.is_file():
        raise typer.BadParameter(f"no rules file at {rules}", param_hint="--rules")
    loopback = is_loopback(host)
    if not loopback:
        err_console.print(
            f"[yellow]Listening on {escape(host)}: anyone who can reach this machine can read the explorer.[/]", highlight=False
        )
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise typer.BadParameter(f"{public_url!r} is not a web address: give it as https://...", param_hint="--public-url")
    web_app = create_app(resolve_db(db), rules_path=rules, allowed_hosts=LOOPBACK_HOSTS if loopback else None, public_url=public_url)
    live = web_app.state.live

    def warm_up(explorer: Explorer) -> None:
        started = time.perf_counter()
        try:
            views = warm_default_views(explorer)
        except Exception:  # the edition was replaced (and closed) before its warm-up finished
            if live.current is explorer:
                raise
            return
        settle_heap()
        err_console.print(f"warmed {views} default force views in {time.perf_counter() - started:.1f} s", highlight=False)

    def new_edition(explorer: Explorer) -> None:
        err_console.print("the store changed: serving its new figures", highlight=False)
        if warm:
            threading.Thread(target=warm_up, args=(explorer,), name="warm-default-views", daemon=True).start()

    def prepare(explorer: Explorer) -> None:
        # the most visited pages are ready before readers see the new edition, so a swap under
        # load does not send every reader to a cold page at once; bounded, so figures stay fresh
        started = time.perf_counter()
        views = warm_default_views(explorer, seconds=SWAP_WARM_SECONDS)
        err_console.print(
            f"new edition: warmed {views} default force views in {time.perf_counter() - started:.1f} s before serving it", highlight=False
        )

    if warm:
        live.before_swap.append(prepare)
    live.on_swap.append(new_edition)
    live.start_watching()
    if warm:
        threading.Thread(target=warm_up, args=(live.current,), name="warm-default-views", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    err_console.print(
        f"crime-outcomes explorer on http://{escape(shown)}:{port}/ ({escape(live.current.label)}); Ctrl+C stops it.", highlight=False
    )
    err_console.print(
        "The store is not locked: `crime-outcomes ingest` and `update` can run meanwhile; new figures appear within seconds.",
        highlight=False,
    )
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
    finally:
        live.close()


def settle_heap() -> None:
    """Exempt what a warm-up built (an edition's cached views, the imports) from Python's cyclic
    garbage collector, after collecting what the previous edition left.

    Measured on the 12-year store: with the warmed caches in the heap, a full collection paused a
    request now and then by 100-150 ms (cold force pages p95 184 ms against a median of 60 ms);
    frozen, the pauses went. Unfreezing first lets the collection free the cycles of an edition
    that has been replaced, so a server that takes new editions for months does not keep them.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
