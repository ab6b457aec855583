"""Writing packs: one force's folder and zip, or every force's with the national pack and an index.

Stories are computed in the main process (through a per-run query memo: every force's story
asks the store the same national questions) and handed to a pool of worker processes that
render the files, the slow part (charts, Word, Excel).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from crime_outcomes.analysis.leads import LeadSet
from crime_outcomes.analysis.leads import leads as find_leads
from crime_outcomes.analysis.model import Story
from crime_outcomes.analysis.selection import Selection
from crime_outcomes.analysis.story import resolve_force, story
from crime_outcomes.errors import NotFoundError, disk_error
from crime_outcomes.normalise.forces import england_and_wales_forces
from crime_outcomes.outputs.folders import replacing_folder
from crime_outcomes.outputs.light_charts import story_charts
from crime_outcomes.outputs.packs.brief import NATIONAL, build_brief, credit_line, edition_line, pct, period_text, rank_text
from crime_outcomes.outputs.packs.docx import write_docx
from crime_outcomes.outputs.packs.leads import for_force, scan_outcomes, tip_sheet, write_tip_sheet
from crime_outcomes.outputs.packs.markup import render_html, render_index, render_markdown
from crime_outcomes.outputs.packs.model import AllPacks, ChartRef, PackResult, Progress
from crime_outcomes.outputs.packs.xlsx import write_xlsx
from crime_outcomes.store import Store
from crime_outcomes.text import number

_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
"""A fixed timestamp for zip entries, so a rebuilt pack with the same content zips identically."""


def render_pack(
    story: Story, out_dir: Path | str, *, embed_codes: Mapping[str, str] | None = None, leads: LeadSet | None = None
) -> PackResult:
    """Write every file of one pack from its story; safe to run in a worker process.

    ``leads`` (the force's slice of a scan for leads; every force's for the national pack) opens
    the brief; the national pack also gets the ranked tip sheet (leads.md, leads.html, leads.xlsx).

    ``embed_codes`` (chart name to the iframe code of its embed page, given by the web explorer,
    which alone knows its address) adds ``charts/embed.md`` listing the code for each chart.
    """
    out_dir = Path(out_dir)
    slug = story.force.slug
    # Written beside the old pack and swapped in whole: a crash or a full disk never leaves half a pack.
    with replacing_folder(out_dir / slug, f"the pack folder {out_dir}") as folder:
        chart_dir = folder / "charts"
        chart_dir.mkdir(parents=True, exist_ok=True)

        refs: dict[str, ChartRef] = {}
        alt_index: dict[str, dict[str, str]] = {}
        for name, chart in story_charts(story.to_json(), ratio=True).items():
            chart.write(chart_dir, name)
            refs[name] = ChartRef(
                name, chart.title, chart.alt, f"charts/{name}.svg", f"charts/{name}.png", chart.inline_svg(f"{slug}-{name}")
            )
            alt_index[name] = {"title": chart.title, "alt": chart.alt, "svg": f"{name}.svg", "png": f"{name}.png"}
        (chart_dir / "alt-text.json").write_text(json.dumps(alt_index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if embed_codes:
            (chart_dir / "embed.md").write_text(_embed_markdown(refs, embed_codes), encoding="utf-8")

        brief = build_brief(story, refs, leads)
        if leads is not None and story.force.is_national:
            sheet = tip_sheet(story, leads, credit=credit_line(story), edition=edition_line(story))
            write_tip_sheet(sheet, leads, folder)
        (folder / "brief.md").write_text(render_markdown(brief), encoding="utf-8")
        (folder / "brief.html").write_text(render_html(brief), encoding="utf-8")
        write_docx(brief, folder / "brief.docx", folder)
        write_xlsx(story, brief, folder / "data.xlsx")
    folder = out_dir / slug
    files = tuple(sorted(p for p in folder.rglob("*") if p.is_file()))
    zip_path = out_dir / f"{slug}.zip"
    try:
        _zip_folder(folder, files, zip_path)
    except OSError as exc:
        raise (
            disk_error(exc, f"the pack folder {out_dir}", changed=f"the pack is in {folder}, but {zip_path.name} was left as it was") or exc
        ) from None
    name = NATIONAL if story.force.is_national else story.force.name
    return PackResult(name, slug, folder, zip_path, files, story)


def _embed_markdown(refs: Mapping[str, ChartRef], codes: Mapping[str, str]) -> str:
    """Each chart's title and the code that shows it, with its numbers, on another site."""
    lines = [
        "# Embed these charts",
        "",
        "Paste a chart's code into a web page to show the chart and the numbers behind it, served by the crime-outcomes explorer.",
    ]
    for name, ref in refs.items():
        if name in codes:
            lines += ["", f"## {ref.title}", "", "```html", codes[name], "```"]
    return "\n".join(lines) + "\n"


def _zip_folder(folder: Path, files: Sequence[Path], zip_path: Path) -> None:
    tmp = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            stored = path.suffix in {".png", ".docx", ".xlsx"}  # already compressed
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    os.replace(tmp, zip_path)


def _story(store: Any, force: str | None, selection: Selection) -> Story:
    return story(store, force=force, selection=selection)


def _options(
    selection: Selection | None, outcome: str, first: str | None, last: str | None, basis: str, per: str, rules_path: Path | None
) -> Selection:
    """The selection given, or one parsed from its fields (SelectionError names a bad one)."""
    if selection is not None:
        return selection
    return Selection.parse(outcome=outcome, first=first, last=last, basis=basis, per=per, rules=rules_path)


def write_pack(
    store: Any,
    force: str | None,
    out_dir: Path | str,
    *,
    outcome: str = "8",
    first: str | None = None,
    last: str | None = None,
    basis: str = "closed",
    per: str = "outcomes",
    rules_path: Path | None = None,
    selection: Selection | None = None,
) -> PackResult:
    """Write the pack for one force (None: the national pack) into ``out_dir/<slug>/`` and its zip."""
    options = _options(selection, outcome, first, last, basis, per, rules_path)
    s = _story(store, force, options)
    return render_pack(s, out_dir, leads=_leads(store, None if s.force.is_national else s.force.name, options))


def _leads(store: Any, force: str | None, options: Selection) -> LeadSet:
    """The leads a run of packs opens with: one scan (of one force, or of every force), for the packs' period and basis."""
    return find_leads(
        store,
        force=force,
        outcome=scan_outcomes(options),
        from_year=options.first,
        to_year=options.last,
        basis=options.basis,
        rules=options.rules,
    )


class _MemoStore:
    """The store, with identical read queries answered once per run.

    Every force's story repeats the national queries (loaded years, all-force totals, labels,
    missing cells, editions); for a read-only run the answers cannot change, so the first one
    is kept. Only ``fetchall`` is memoised; everything else goes to the real store.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._memo: dict[tuple[str, tuple[Any, ...]], list[tuple[Any, ...]]] = {}
        self.hits = 0

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        key = (sql, tuple(params or ()))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._inner.fetchall(sql, list(params or ()))
        else:
            self.hits += 1
        return list(found)

    years = Store.years  # runs Store's query through the memoised fetchall above

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def write_all(
    store: Any,
    out_dir: Path | str,
    *,
    outcome: str = "8",
    first: str | None = None,
    last: str | None = None,
    basis: str = "closed",
    per: str = "outcomes",
    rules_path: Path | None = None,
    selection: Selection | None = None,
    forces: Sequence[str] | None = None,
    workers: int | None = None,
    reuse: bool = True,
    progress: Progress | None = None,
) -> AllPacks:
    """Packs for the 44 forces of England and Wales, the national pack and ``index.html``.

    ``forces`` narrows the run to some forces (names matched as ``story`` matches them), for a
    regional desk. ``workers`` processes (default one per core) render packs while the main
    process computes stories (1 renders in-process); ``reuse=False`` turns off the query memo.
    Both exist for the benchmark; the defaults are the fast path. Forces with no outcomes in the store are
    skipped and listed in the result and the index, not treated as errors.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = _options(selection, outcome, first, last, basis, per, rules_path)
    source = _MemoStore(store) if reuse else store
    forces = england_and_wales_forces() if forces is None else list(dict.fromkeys(resolve_force(f) for f in forces))
    total = len(forces) + 1
    done = 0
    results: dict[str, PackResult] = {}
    skipped: list[tuple[str, str]] = []

    def finished(result: PackResult) -> None:
        nonlocal done
        done += 1
        results[result.name] = result
        if progress:
            progress(done, total, result.name)

    national_story = _story(source, None, options)  # fails fast on bad options
    workers = max(1, min(workers or os.cpu_count() or 1, os.cpu_count() or 1))
    if workers == 1:
        found = _leads(source, None, options)  # one scan for every force; each pack gets its slice
        finished(render_pack(national_story, out_dir, leads=found))
        for name in forces:
            s = _try_story(source, name, options, skipped)
            if s is None:
                total -= 1
                continue
            finished(render_pack(s, out_dir, leads=for_force(found, name)))
    else:
        context = multiprocessing.get_context("spawn")  # no inherited DuckDB threads or locks
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for _ in range(workers):
                pool.submit(_warm_up)  # each worker starts now, loading what rendering needs while this process scans for leads
            found = _leads(source, None, options)
            pending: list[Future[PackResult]] = [pool.submit(render_pack, national_story, out_dir, leads=found)]
            pending[0].add_done_callback(_report_to(finished))
            for name in forces:
                s = _try_story(source, name, options, skipped)
                if s is None:
                    total -= 1
                    continue
                fut = pool.submit(render_pack, s, out_dir, leads=for_force(found, name))
                fut.add_done_callback(_report_to(finished))
                pending.append(fut)
            for fut in pending:
                fut.result()  # re-raise any worker error here
    national = results.pop(NATIONAL)
    ordered = [results[name] for name in forces if name in results]
    index = write_index(out_dir, national, ordered, skipped)
    return AllPacks(out_dir, national, ordered, skipped, index, time.perf_counter() - started)


def _warm_up() -> None:
    """Import the pack writers and the PNG renderer, so a worker's first pack does not wait for them."""
    import docx  # noqa: F401
    import resvg_py  # noqa: F401
    import xlsxwriter  # noqa: F401


def _report_to(finished: Callable[[PackResult], None]) -> Callable[[Future[PackResult]], None]:
    """A done-callback passing a finished pack on; a failed one is re-raised by the caller's result()."""

    def callback(fut: Future[PackResult]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            finished(fut.result())

    return callback


def _try_story(store: Any, name: str, options: Selection, skipped: list[tuple[str, str]]) -> Story | None:
    try:
        return _story(store, name, options)
    except NotFoundError as exc:
        skipped.append((name, str(exc)))
        return None


def write_index(out_dir: Path, national: PackResult, packs: Sequence[PackResult], skipped: Sequence[tuple[str, str]]) -> Path:
    """``index.html`` linking the national pack and every force's brief, workbook and zip."""
    s = national.story
    rows = []
    for p in packs:
        f = p.story
        rows.append(
            {
                "name": p.name,
                "slug": p.slug,
                "count": number(f.count),
                "denominator": number(f.denominator),
                "share": pct(f, f.share),
                "rank": rank_text(f, f.rank.by_share, f.rank.of, f.rank.tied_share) if f.rank else "not ranked",
                "verdict": str(f.funnel.verdict) if f.funnel else "–",
                "notable": number(sum(o.count for o in f.notable)),
            }
        )
    html = render_index(
        title=f"Story packs: {s.outcome_label}, {period_text(s)}",
        outcome=s.outcome_label,
        period=period_text(s),
        basis=s.basis,
        national={"slug": national.slug, "count": number(s.count), "share": pct(s, s.share), "denominator": number(s.denominator)},
        rows=rows,
        skipped=list(skipped),
        credit=credit_line(s),
        edition=edition_line(s),
        sample=s.is_sample,
        tip_sheet=(national.folder / "leads.html").is_file(),
    )
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path
