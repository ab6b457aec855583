"""What a pack is made of: the brief as formatted text and tables (one model for every
rendering), the files a pack holds, and what writing packs returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crime_outcomes.analysis.model import Story
from crime_outcomes.normalise.glossary import OutcomeEntry

BRIEF_TOP_OFFENCES = 15
"""Offences listed in the brief; the workbook has every one."""

SOURCE_NAME = "Home Office, Police recorded crime and outcomes open data tables"
SOURCE_PAGE = "www.gov.uk/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"
OGL_CREDIT = f"Contains public sector information licensed under the Open Government Licence v3.0: {SOURCE_NAME}."

PACK_FILES = ("brief.md", "brief.html", "brief.docx", "data.xlsx")
CHART_FILES = tuple(f"charts/{name}.{ext}" for name in ("year-series", "offences", "funnel") for ext in ("svg", "png")) + (
    "charts/alt-text.json",
)
RATIO_CHART_FILES = ("charts/ratio.svg", "charts/ratio.png")
"""The chart of standardised ratios, in every pack whose story has them (not with per='recorded-crime')."""


@dataclass
class Table:
    """A table as formatted text: the same rows for Markdown, HTML and Word."""

    headers: list[str]
    rows: list[list[str]]
    align: list[str]  # per column: 'l' left, 'r' right (numbers), 'n' left and never wrapped
    caption: str = ""
    highlight: int | None = None  # row index to emphasise (the force in an all-forces table)


@dataclass
class ChartRef:
    name: str
    title: str
    alt: str
    svg_path: str  # relative to the pack folder
    png_path: str
    inline_svg: str = field(repr=False, default="")


@dataclass(frozen=True)
class LeadEntry:
    """One lead, formatted: its rank in the scan, its sentence, what it is about, its score and where to look next."""

    rank: int
    rank_text: str  # 'Ranked 5th of 18': where it stands among the leads it is listed with
    sentence: str
    about: str
    score: str
    caveats: tuple[str, ...]
    look: tuple[tuple[str, str], ...]  # (label, where): the command, the explorer page, the pack file
    slug: str  # the force's, for links between packs


@dataclass
class LeadsSection:
    """The opening of a brief: the force's leads on the brief's outcomes, then on its others."""

    intro: str
    own_heading: str
    own: list[LeadEntry]
    own_none: str | None  # why there are none on the brief's outcomes, when there are none
    other_heading: str
    other: list[LeadEntry]
    caveats: list[str]


@dataclass
class TipForce:
    name: str
    slug: str
    total: int
    leads: list[LeadEntry]


@dataclass(kw_only=True)
class TipSheet:
    """The national pack's ranked tip sheet for every force (leads.md, leads.html; leads.xlsx has every figure)."""

    title: str
    subtitle: str
    sample_notice: str | None
    intro: list[str]
    caveats: list[str]
    top: list[LeadEntry]
    forces: list[TipForce]
    without: list[str]  # forces with no lead
    not_leads: int
    kinds: list[tuple[str, str]]
    formula: str
    credit: str
    edition: str
    per_force: int


@dataclass(kw_only=True)
class Brief:
    """Everything a brief says, formatted once (UK number style) for every rendering."""

    title: str
    subtitle: str
    force: str
    slug: str
    is_national: bool
    sample_notice: str | None
    lines: list[str]
    figures: Table
    change: str | None
    years: Table
    offences: Table
    offences_note: str
    notable: Table | None
    notable_intro: str
    notable_rules: list[tuple[str, list[str], str]]  # (rule id, offence codes, full wording): one per wording the notable table refers to
    comparison: list[str]
    largest: Table | None
    forces: Table | None
    caveats: list[str]
    questions_heading: str
    questions: list[str]
    methodology: list[tuple[str, str]]
    credit: str
    edition: str
    generated: str
    charts: dict[str, ChartRef]
    glossary: list[OutcomeEntry] = field(default_factory=list)  # plain-English definitions of the types covered
    known_breaks: list[tuple[str, str, str]] = field(default_factory=list)  # (what happened, source, link)
    years_note: str | None = None  # which years of the table a known break touches
    definitions: list[tuple[str, str]] = field(default_factory=list)  # the JSON definitions, for developers (workbook Notes)
    leads: LeadsSection | None = None  # the brief opens with them (None: no scan for leads was given)


@dataclass(frozen=True)
class PackResult:
    """One written pack: where its folder and zip are, and the story it was built from."""

    name: str  # canonical force name, or "England and Wales"
    slug: str
    folder: Path
    zip_path: Path
    files: tuple[Path, ...]
    story: Story = field(repr=False, compare=False)


@dataclass
class AllPacks:
    """Every pack ``write_all`` wrote, what it skipped and why, and how long it took."""

    out_dir: Path
    national: PackResult
    forces: list[PackResult]
    skipped: list[tuple[str, str]]  # (force, reason): forces with no outcomes in the store
    index: Path
    seconds: float


Progress = Callable[[int, int, str], None]
"""Called as packs finish: (done, total, name)."""
