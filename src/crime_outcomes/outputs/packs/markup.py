"""The brief as Markdown and as self-contained HTML, and the packs' index page (Jinja templates
in ``outputs/templates``). Data text is escaped for each: Markdown syntax backslash-escaped,
HTML autoescaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from crime_outcomes.outputs.glossary_text import UNSOURCED_MARK
from crime_outcomes.outputs.packs.model import SOURCE_NAME, SOURCE_PAGE, Brief, ChartRef, LeadEntry, Table, TipSheet
from crime_outcomes.readers.text import finalize
from crime_outcomes.text import md_escape, number


def md_table(t: Table | None) -> Markup:
    """A Markdown table (GitHub style), every cell escaped; the highlighted row in bold."""
    if t is None:
        return Markup("")
    out: list[str] = []
    if t.caption:
        out += [f"**{md_escape(t.caption)}**", ""]
    out.append("| " + " | ".join(md_escape(h) for h in t.headers) + " |")
    out.append("|" + "".join(" ---: |" if a == "r" else " --- |" for a in t.align))
    for i, row in enumerate(t.rows):
        cells = [md_escape(c) for c in row]
        if t.highlight == i:
            cells = [f"**{c}**" if c else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return Markup("\n".join(out) + "\n")


def md_figure(ref: ChartRef | None) -> Markup:
    """An image line (PNG, with the alt text) and a caption naming the SVG too."""
    if ref is None:
        return Markup("")
    return Markup(f"![{md_escape(ref.alt)}]({ref.png_path})\n\n*{md_escape(ref.title)}* ({ref.svg_path})\n")


def lead_md(e: LeadEntry) -> Markup:
    """One lead as a Markdown list item: its sentence, then what it is about, its score, caveats and where to look next."""
    out = [f"- **{md_escape(e.sentence)}**", f"  {md_escape(e.about)}. {md_escape(e.rank_text)}; score {md_escape(e.score)}."]
    out += [f"  - {md_escape(c)}" for c in e.caveats]
    out.append("  - Look next: " + "; ".join(f"{md_escape(label)}: {md_escape(where)}" for label, where in e.look))
    return Markup("\n".join(out) + "\n")


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("crime_outcomes.outputs", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize if autoescape else md_escape,
    )
    env.globals.update(
        source_name=SOURCE_NAME,
        source_page=SOURCE_PAGE,
        md_table=md_table,
        md_figure=md_figure,
        lead_md=lead_md,
        number=number,
        unsourced_mark=UNSOURCED_MARK,
    )
    return env


_ENVS: dict[bool, Environment] = {}


def _env(autoescape: bool) -> Environment:
    if autoescape not in _ENVS:
        _ENVS[autoescape] = _environment(autoescape)
    return _ENVS[autoescape]


def render_markdown(brief: Brief) -> str:
    return _env(False).get_template("brief.md.j2").render(b=brief)


def render_html(brief: Brief) -> str:
    return _env(True).get_template("brief.html.j2").render(b=brief)


def render_index(**values: object) -> str:
    """The index page of a run of packs (``index.html``)."""
    return _env(True).get_template("index.html.j2").render(**values)


def render_tip_markdown(sheet: TipSheet) -> str:
    """The national pack's tip sheet as Markdown (``leads.md``)."""
    return _env(False).get_template("leads.md.j2").render(t=sheet)


def render_tip_html(sheet: TipSheet) -> str:
    """The tip sheet as self-contained HTML (``leads.html``)."""
    return _env(True).get_template("leads.html.j2").render(t=sheet)
