"""reconcile: the store's totals against published figures, with the reason for any difference.

The fixtures are workbooks in the published layout whose totals are set by hand to the Home
Office's published 2025/26 figures (charged/summonsed 447,514; types 2, 3, 6, 7 and 8 together
217,209, recorded basis, 44 forces), then tampered with, re-dated or cut short.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crime_outcomes.analysis.reconcile import AGREES, DIFFERS, NOT_LOADED, Target, load_targets, reconcile
from crime_outcomes.cli import app
from crime_outcomes.errors import EXIT_RECONCILE, InputError
from crime_outcomes.normalise.forces import england_and_wales_forces
from crime_outcomes.sample import open_sample_store
from crime_outcomes.store import Store
from crime_outcomes.store.ingest import ingest_file
from crime_outcomes.testing.workbooks import HEADERS_2019, write_outcomes_workbook

CHARGED = 447_514  # Home Office, 2025/26, recorded basis (docs/home-office-data.md, section 8)
OUT_OF_COURT = 217_209  # types 2, 3, 6, 7 and 8 together
OOC_TYPES = (2, 3, 6, 7, 8)
NAMES = {1: "Charged/Summonsed", 2: "Caution - youths", 3: "Caution - adults", 6: "Penalty Notices for Disorder",
         7: "Cannabis/Khat Warning", 8: "Community Resolution", 18: "Investigation complete - no suspect identified"}  # fmt: skip


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` whole numbers that add up to it exactly."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def rows(*, bump: int = 0, bump_closed: bool = True, drop_last_force: bool = False):
    """2025/26 rows for every force: type 1 adds to CHARGED, types 2-8 to OUT_OF_COURT (plus
    ``bump`` on the first force's charges), and a type 18 row that belongs to neither; with
    ``drop_last_force`` the last force's rows are left out (its share goes missing)."""
    forces = england_and_wales_forces()
    charged = split(CHARGED, len(forces))
    ooc = split(OUT_OF_COURT, len(forces) * len(OOC_TYPES))
    for i, force in enumerate(forces):
        if drop_last_force and i == len(forces) - 1:
            break
        cells = [(1, charged[i] + (bump if i == 0 else 0))]
        cells += [(t, ooc[i * len(OOC_TYPES) + k]) for k, t in enumerate(OOC_TYPES)] + [(18, 1000)]
        for otype, n in cells:
            closed = n if bump_closed or i or otype != 1 else n - bump
            yield ["2025/26", 1, force, "Shoplifting", "Theft offences", "Shoplifting", "46", None,
                   NAMES[otype], "Out-of-court", otype, n, closed]  # fmt: skip


@pytest.fixture()
def make_store(tmp_path: Path) -> Callable[..., Store]:
    opened: list[Store] = []

    def make(edition: str = "170726", **kwargs) -> Store:
        folder = tmp_path / f"s{len(opened)}"
        folder.mkdir()
        store = Store.open(folder / "store.duckdb")
        opened.append(store)
        book = write_outcomes_workbook(folder / f"prc-outcomes-open-data-mar2026-tables-{edition}.xlsx", rows(**kwargs), HEADERS_2019)
        assert ingest_file(store, book).status == "loaded"
        return store

    yield make
    for store in opened:
        store.close()


def bulletin_targets() -> list[Target]:
    return [t for t in load_targets() if t.id.startswith("ho-2025-26")]


def test_the_shipped_reference_holds_the_published_targets() -> None:
    targets = {t.id: t for t in load_targets()}
    assert targets["ho-2025-26-charged"].value == CHARGED and targets["ho-2025-26-charged"].types == (1,)
    assert targets["ho-2025-26-out-of-court"].value == OUT_OF_COURT
    assert targets["ho-2025-26-out-of-court"].types == OOC_TYPES
    for t in targets.values():
        assert t.link.startswith("https://") and t.table and t.edition and t.coverage, t.id


def test_agrees_on_a_fixture_built_to_the_published_target(make_store) -> None:
    results = reconcile(make_store(), bulletin_targets())
    assert [(r.status, r.store_value) for r in results] == [(AGREES, CHARGED), (AGREES, OUT_OF_COURT)]
    assert all(r.explained for r in results)


def test_a_tampered_total_differs_for_no_known_reason(make_store) -> None:
    charged, ooc = reconcile(make_store(bump=250), bulletin_targets())
    assert (charged.status, charged.store_value, charged.reasons) == (DIFFERS, CHARGED + 250, ())
    assert not charged.explained
    assert ooc.status == AGREES


def test_the_other_basis_explains_a_difference(make_store) -> None:
    (charged, _) = reconcile(make_store(bump=250, bump_closed=False), bulletin_targets())
    assert charged.status == DIFFERS and charged.explained
    assert charged.reasons[0].startswith("basis: the store's closed basis gives the published figure")


def test_missing_forces_explain_a_difference_as_coverage(make_store) -> None:
    (charged, _) = reconcile(make_store(drop_last_force=True), bulletin_targets())
    assert charged.status == DIFFERS
    assert charged.reasons == ("coverage: 43 of the 44 forces the figure covers have outcomes in the store",)


def test_a_later_edition_explains_a_small_revision_not_a_large_one(make_store) -> None:
    (small, _) = reconcile(make_store(edition="170727", bump=400), bulletin_targets())  # +0.09%
    assert small.status == DIFFERS and small.explained
    assert small.reasons[0].startswith("edition: the figure comes from July 2026 edition; the store holds 2027-07-17")
    (large, _) = reconcile(make_store(edition="170727", bump=20_000), bulletin_targets())  # +4.5%
    assert large.status == DIFFERS and not large.explained


def test_rounded_figures_agree_within_half_their_unit(make_store) -> None:
    store = make_store()
    about = [Target(
        id="about", what="about 447,000 charges", publisher="test", first="2025/26", last="2025/26", outcome="charged",
        types=(1,), measure="count", value=Fraction(448_000), precision=Fraction(1000), basis="recorded", coverage="44",
        forces=44, edition="July 2026", edition_year=2026, table="t", link="https://example.org",
    )]  # fmt: skip
    assert reconcile(store, about)[0].status == AGREES  # 447,514 is within 500 of 448,000


def test_on_the_sample_every_target_is_not_loaded() -> None:
    store = open_sample_store()
    try:
        results = reconcile(store)
    finally:
        store.close()
    assert {r.status for r in results} == {NOT_LOADED}
    assert all(r.explained for r in results)


def test_reference_errors_name_the_file_and_target(tmp_path: Path) -> None:
    path = tmp_path / "ref.toml"
    path.write_text('version = 1\n[[target]]\nid = "x"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"ref.toml.*target 1 \('x'\): unknown key 'colour'"):
        load_targets(path)


# ----------------------------------------------------------------------------------- the CLI


def test_cli_exits_non_zero_only_on_an_unexplained_difference(make_store, tmp_path: Path) -> None:
    reference = tmp_path / "bulletin.toml"
    shipped = Path(__import__("crime_outcomes").__file__).parent / "data" / "reconciliation.toml"
    text = shipped.read_text(encoding="utf-8")
    reference.write_text(text[: text.index('[[target]]\nid = "bbc-')], encoding="utf-8")
    runner = CliRunner()

    good = make_store()
    db = good.path
    good.close()
    ok = runner.invoke(app, ["reconcile", "--db", str(db), "--reference", str(reference)], env={"COLUMNS": "300"})
    assert ok.exit_code == 0, ok.output
    assert "agrees: charges and summonses, 2025/26: store 447,514, published 447,514" in ok.output
    assert "2 agree, 0 differ for a known reason, 0 not loaded, 0 differ for no known reason" in " ".join(ok.output.split())

    bad = make_store(bump=250)
    db = bad.path
    bad.close()
    tampered = runner.invoke(app, ["reconcile", "--db", str(db), "--reference", str(reference)], env={"COLUMNS": "300"})
    assert tampered.exit_code == EXIT_RECONCILE == 8, tampered.output
    assert "DIFFERS, no known reason: charges and summonses, 2025/26: store 447,764, published 447,514" in tampered.output
