"""The glossary file: complete, sourced, and checked on load."""

from __future__ import annotations

import pytest

from crime_outcomes.errors import InputError
from crime_outcomes.normalise.glossary import FACT_LABELS, load_glossary, parse_glossary
from crime_outcomes.normalise.outcome_types import OUTCOME_GROUPS, OUTCOME_TYPES


def test_every_outcome_type_and_group_is_defined_with_a_source() -> None:
    g = load_glossary()
    assert sorted(g.outcomes) == sorted(OUTCOME_TYPES) == list(range(23))
    assert set(g.groups) == set(OUTCOME_GROUPS)
    for entry in [*g.outcomes.values(), *g.groups.values()]:
        assert entry.sources, entry
        assert all(s.link.startswith("https://") for s in entry.sources)
    for entry in g.outcomes.values():
        assert [q for q, _, _ in entry.facts()] == list(FACT_LABELS.values())


def test_definition_sentences() -> None:
    g = load_glossary()
    assert g.definition((8,)).startswith("A community resolution is an informal way of dealing with a less serious offence")
    assert g.definition((3,)).startswith("An adult caution is a formal warning given to an adult")
    assert g.definition((2, 3, 6, 7, 8, 22)).startswith("Out-of-court disposals are ways the police deal with an offence")
    assert g.definition((3, 8)) == (
        "The figures count these outcomes together: adult caution and community resolution; the glossary defines each."
    )


def test_the_facts_a_reader_asks_about_community_resolutions() -> None:
    cr = load_glossary().outcomes[8]
    facts = {q: (a, sourced) for q, a, sourced in cr.facts()}
    assert facts["Is it a conviction"] == ("no", True)
    assert facts["Does it show on a standard DBS check"][0].startswith("no")
    assert facts["Is the victim consulted"][0].startswith("yes")


def test_unsourced_facts_are_marked() -> None:
    pnd = load_glossary().outcomes[6]
    assert {q for q, _, sourced in pnd.facts() if not sourced} == {"Is it a conviction", "Does it show on a standard DBS check"}


def _minimal(extra: str = "") -> str:
    out = ['[sources]\nx = { title = "X", link = "https://example.org" }\n']
    for t in OUTCOME_TYPES:
        out.append(
            f'[[outcome]]\ntype = {t}\nname = "n{t}"\nis = "i"\nwho_decides = "w"\nvictim_consulted = "v"\n'
            f'conviction = "c"\nstandard_dbs = "d"\nsources = ["x"]\n'
        )
    for key in OUTCOME_GROUPS:
        out.append(f'[[group]]\nkey = "{key}"\nname = "g"\nis = "i"\nsources = ["x"]\n')
    return "\n".join(out) + extra


def test_a_minimal_file_loads_and_bad_ones_say_where() -> None:
    assert len(parse_glossary(_minimal().encode(), "g.toml").outcomes) == 23
    with pytest.raises(InputError, match=r"outcome #24.*outcome type 0 is described twice"):
        parse_glossary(
            _minimal(
                '[[outcome]]\ntype = 0\nname = "a"\nis = "i"\nwho_decides = "w"\nvictim_consulted = "v"\nconviction = "c"\nstandard_dbs = "d"\nsources = ["x"]\n'
            ).encode(),
            "g.toml",
        )
    with pytest.raises(InputError, match=r"g.toml.*outcome #1.*unknown source keys nope"):
        parse_glossary(_minimal().replace('sources = ["x"]', 'sources = ["nope"]', 1).encode(), "g.toml")
    without_22 = _minimal().replace('[[outcome]]\ntype = 22\nname = "n22"', '[[unused]]\ntype = 22\nname = "n22"')
    with pytest.raises(InputError, match=r"lacks outcome types 22"):
        parse_glossary(without_22.encode(), "g.toml")
