"""Seriousness reference and rules: coverage of the real codes, default flags, user rule files.

Expectations about the real data are read from the extract with the standard library only.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
from importlib import resources
from pathlib import Path

import pytest

from crime_outcomes.analysis.seriousness import (
    OffenceReference,
    RuleHit,
    RuleSet,
    load_reference,
    load_rules,
)
from crime_outcomes.errors import InputError

Reference = dict[str, OffenceReference]
RETIRED_BURGLARY = ("28A", "28B", "28C", "28D", "29", "30A", "30B", "31")


@pytest.fixture(scope="module")
def extract_codes(extract_path: Path) -> dict[str, str]:
    """Offence code -> 2017/18 description, straight from the real extract."""
    codes: dict[str, str] = {}
    with gzip.open(extract_path, "rt", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["financial_year"] == "NA":  # the trailing all-NA row
                continue
            codes.setdefault(rec["offence_code"], rec["offence_description"])
    return codes


@pytest.fixture(scope="module")
def reference() -> dict[str, OffenceReference]:
    return load_reference()


@pytest.fixture(scope="module")
def default_rules(reference: dict[str, OffenceReference]) -> RuleSet:
    return load_rules(reference=reference)


def write_rules(tmp_path: Path, body: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def ids(hits: list[RuleHit]) -> list[str]:
    return [hit.rule_id for hit in hits]


# ---------------------------------------------------------------------------- reference


def test_every_extract_code_is_in_the_reference_with_its_description(
    extract_codes: dict[str, str], reference: dict[str, OffenceReference]
) -> None:
    assert len(extract_codes) == 122
    missing = sorted(set(extract_codes) - set(reference))
    assert missing == []
    for code, description in extract_codes.items():
        assert reference[code].description == description, code


def test_reference_keeps_retired_burglary_and_homicide_parts(
    reference: dict[str, OffenceReference],
) -> None:
    for code in RETIRED_BURGLARY:
        assert "outcome only" in reference[code].description, code
    assert {"1", "4.1", "4.10", "4.2", "1/4.1/4.10/4.2"} <= set(reference)


def test_reference_codes_are_text(reference: dict[str, OffenceReference]) -> None:
    assert reference["4.10"].description == "Corporate manslaughter"
    assert reference["4.1"].description == "Manslaughter"
    assert reference["37.2"].code == "37.2"


def test_reference_values_are_consistent(reference: dict[str, OffenceReference]) -> None:
    for entry in reference.values():
        if entry.mode_of_trial in ("IO", "EW", "SO"):
            assert entry.most_serious_mode == entry.mode_of_trial, entry.code
        if entry.mode_of_trial is None:
            assert entry.confidence == "unknown", entry.code
        assert entry.note, entry.code
    rape = {code for code, e in reference.items() if "rape" in e.named_lists}
    assert rape == {"19C", "19D", "19E", "19F", "19G", "19H"}
    bbc = {code for code, e in reference.items() if "bbc_sdu_2019" in e.named_lists}
    assert bbc == {
        "11A", "13", "36", "35", "19E", "19G", "19H", "88A", "71",
        "29", "29A", "31", "31A", "28C", "28D", "28G", "28H",
    }  # fmt: skip


def test_packaged_csv_has_no_comment_lines() -> None:
    text = resources.files("crime_outcomes").joinpath("data", "offence_codes.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("offence_code,description,")
    assert not any(line.startswith("#") for line in text.splitlines())


def test_bad_reference_row_names_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(
        "offence_code,description,mode_of_trial,most_serious_mode,si_2015_790,"
        "named_lists,confidence,note\n"
        "8N,Assault with injury,EW,EW,,,inferred,ok\n"
        "9A,Public fear,XX,SO,,,inferred,bad mode\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_reference(path)
    message = str(info.value)
    assert str(path) in message and "row 3" in message and "mode_of_trial" in message


# ------------------------------------------------------------------------ default rules


def test_default_rules_identify_themselves(default_rules: RuleSet) -> None:
    raw = resources.files("crime_outcomes").joinpath("data", "seriousness.toml").read_bytes()
    assert default_rules.source == "built-in"
    assert default_rules.fingerprint == hashlib.sha256(raw).hexdigest()
    assert [r.id for r in default_rules.enabled_rules] == [
        "indictable-only",
        "si-2015-790",
        "community-resolution-guidance",
        "bbc-sdu-2019",
        "bbc-sdu-2019-national",
    ]
    assert default_rules.warnings == ()


def test_child_rape_is_indictable_only_and_on_the_bbc_list(default_rules: RuleSet) -> None:
    hits = default_rules.match("19E")
    assert ids(hits) == [
        "indictable-only", "community-resolution-guidance", "bbc-sdu-2019", "bbc-sdu-2019-national"
    ]  # fmt: skip
    assert ids(default_rules.match("19E", [3])) == [
        "indictable-only", "bbc-sdu-2019", "bbc-sdu-2019-national"
    ]  # fmt: skip
    assert all(hit.label for hit in hits)


def test_child_cruelty_is_on_si_2015_790(default_rules: RuleSet) -> None:
    assert "si-2015-790" in ids(default_rules.match("11A"))


def test_common_assault_is_not_serious(default_rules: RuleSet) -> None:
    assert default_rules.match("105A") == []
    assert default_rules.match("105A", [8]) == []


def test_codes_are_compared_exactly_as_text(default_rules: RuleSet) -> None:
    assert default_rules.match("4.100") == []
    assert default_rules.match(" 19E") == []
    assert default_rules.match("19e") == []


def test_mixed_codes_are_not_flagged_by_mode_alone(default_rules: RuleSet) -> None:
    # 17A (sexual assault, 13 and over) can hold an indictable-only offence but is MIXED
    assert default_rules.match("17A") == []
    # 71 is MIXED too, but the BBC list names it
    assert ids(default_rules.match("71")) == ["bbc-sdu-2019"]


def test_unknown_code_is_not_serious_by_default(default_rules: RuleSet) -> None:
    assert default_rules.match("ZZ9") == []


# --------------------------------------------------------------------- user rule files

BASE = """
version = 1

[[rule]]
id = "indictable-only"
label = "Indictable-only offence"
mode_of_trial = ["IO"]
"""


def test_user_rules_can_add_a_code(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        BASE + '\n[[rule]]\nid = "shoplifting"\nlabel = "Shoplifting, for this study"\ncodes = ["46"]\n',
    )
    rules = load_rules(path, reference=reference)
    assert ids(rules.match("46")) == ["shoplifting"]
    assert "46" in rules.serious_codes()
    assert rules.source == str(path)
    assert rules.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest()


def test_overrides_change_the_list(tmp_path: Path, reference: Reference, default_rules: RuleSet) -> None:
    body = resources.files("crime_outcomes").joinpath("data", "seriousness.toml").read_text(encoding="utf-8")
    body = body.replace("not_serious = []", 'not_serious = ["11A"]')
    body = body.replace("serious = []", 'serious = ["46"]', 1)
    rules = load_rules(write_rules(tmp_path, body), reference=reference)
    assert rules.match("11A") == []
    assert ids(rules.match("46")) == ["override"]
    before = set(default_rules.serious_codes())
    after = set(rules.serious_codes())
    assert before - after == {"11A"}
    assert after - before == {"46"}
    assert rules.fingerprint != default_rules.fingerprint


def test_outcome_restriction(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        'version = 1\n[[rule]]\nid = "class-a-caution"\nlabel = "Adult caution for drug trafficking"\ncodes = ["92A"]\noutcomes = [3]\n',
    )
    rules = load_rules(path, reference=reference)
    assert ids(rules.match("92A", [3])) == ["class-a-caution"]
    assert rules.match("92A", [8]) == []
    assert ids(rules.match("92A", (8, 3))) == ["class-a-caution"]
    # no outcome context: the hit is reported together with its restriction
    (hit,) = rules.match("92A")
    assert hit.outcomes == (3,)
    assert rules.serious_codes([8]) == []


def test_reference_selectors_combine_with_and(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        'version = 1\n[[rule]]\nid = "mixed-io"\nlabel = "May be indictable-only"\nmode_of_trial = ["MIXED"]\nmost_serious_mode = "IO"\n',
    )
    rules = load_rules(path, reference=reference)
    assert ids(rules.match("17A")) == ["mixed-io"]
    assert rules.match("8L") == []  # MIXED, but the most serious part is either-way
    assert rules.match("19C") == []  # IO, not MIXED


def test_code_outside_reference_matches_only_code_rules(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        BASE + '\n[[rule]]\nid = "new-code"\nlabel = "A newer code"\ncodes = ["8Z"]\n\n[overrides]\nserious = ["8Y"]\n',
    )
    rules = load_rules(path, reference=reference)
    assert ids(rules.match("8Z")) == ["new-code"]
    assert ids(rules.match("8Y")) == ["override"]
    assert len(rules.warnings) == 2
    assert all(str(path) in w for w in rules.warnings)
    with pytest.raises(InputError, match="8Z"):
        load_rules(path, reference=reference, strict=True)


def test_disabled_rule_does_not_match(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        'version = 1\n[[rule]]\nid = "off"\nlabel = "Off"\nenabled = false\ncodes = ["46"]\n',
    )
    assert load_rules(path, reference=reference).match("46") == []


# ---------------------------------------------------------------- malformed rule files


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (BASE.replace('mode_of_trial = ["IO"]', 'mode_of_trial = ["IO"]\nmode = ["IO"]'),
         "unknown key 'mode'"),
        (BASE + "\n[[rule]\nid = broken", "not valid TOML"),
        (BASE.replace('["IO"]', '["XX"]'), "unknown value for 'mode_of_trial'"),
        (BASE.replace('mode_of_trial = ["IO"]', 'named_list = "no_such_list"'),
         "unknown value for 'named_list'"),
        (BASE.replace('mode_of_trial = ["IO"]', 'si_2015_790 = ["N"]'),
         "unknown value for 'si_2015_790'"),
        (BASE.replace('mode_of_trial = ["IO"]', "codes = [4.10]"), "not quoted text"),
        (BASE.replace('mode_of_trial = ["IO"]', 'codes = ["46"]\noutcomes = [23]'),
         "unknown outcome type"),
        (BASE.replace('mode_of_trial = ["IO"]', ""), "no selector"),
        (BASE.replace('label = "Indictable-only offence"\n', ""), "'label'"),
        (BASE + BASE.replace("version = 1", ""), "used twice"),
        (BASE.replace("version = 1", "version = 3"), "version"),
        (BASE + "\n[overrides]\nserious = [\"46\"]\nnot_serious = [\"46\"]\n", "both"),
        (BASE + "\n[overrides]\ninclude = [\"46\"]\n", "unknown key 'include'"),
        ("threshold = 3\n" + BASE, "unknown top-level key 'threshold'"),
    ],
)  # fmt: skip
def test_malformed_rule_files_name_the_file(tmp_path: Path, reference: Reference, body: str, fragment: str) -> None:
    path = write_rules(tmp_path, body)
    with pytest.raises(InputError) as info:
        load_rules(path, reference=reference)
    message = str(info.value)
    assert str(path) in message
    assert fragment in message


def test_unknown_key_error_names_the_rule(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        BASE + '\n[[rule]]\nid = "second"\nlabel = "Second"\ncodes = ["46"]\ncolour = "red"\n',
    )
    with pytest.raises(InputError, match=r"rule 2 \('second'\): unknown key 'colour'"):
        load_rules(path, reference=reference)


def test_missing_rule_file_is_an_input_error(tmp_path: Path, reference: Reference) -> None:
    with pytest.raises(InputError, match="cannot read the rule file"):
        load_rules(tmp_path / "absent.toml", reference=reference)


# ------------------------------------------------ legal basis, scope and the words printed

STATUTE_SINCE = "2015-04-13"
CLAIMS = ("exceptional circumstances", "requires an officer", "the law has allowed")


def test_every_shipped_rule_declares_basis_governs_and_source(default_rules: RuleSet) -> None:
    scope = {r.id: (r.basis, r.governs, r.effective_from) for r in default_rules.rules}
    assert scope["indictable-only"][:2] == ("statute", (3,))
    assert scope["si-2015-790"][:2] == ("statute", (3,))
    assert str(scope["indictable-only"][2]) == str(scope["si-2015-790"][2]) == STATUTE_SINCE
    assert scope["community-resolution-guidance"] == ("guidance", (8,), None)
    assert scope["bbc-sdu-2019"] == ("editorial", (), None)
    assert scope["bbc-sdu-2019-national"] == ("editorial", (), None)
    for rule in default_rules.rules:
        assert rule.source, rule.id
        assert "http" in rule.source or not rule.enabled, rule.id
        assert rule.basis in ("statute", "guidance", "editorial"), rule.id
        if rule.basis == "editorial":
            assert rule.governs == () and rule.when_applies is None, rule.id


def test_statutory_rule_applies_only_to_adult_cautions_after_april_2015(
    default_rules: RuleSet,
) -> None:
    def applying(code: str, types: list[int], years: list[str]) -> list[str]:
        return [h.rule_id for h in default_rules.match(code, types, years) if h.applies]

    assert applying("19E", [3], ["2015/16"]) == ["indictable-only"]
    assert applying("19E", [3], ["2014/15"]) == []  # before s.17 came into force
    assert applying("19E", [3], ["2014/15", "2015/16"]) == []  # part of the period predates it
    assert applying("19E", [2, 3], ["2017/18"]) == []  # youth cautions are not governed by s.17
    assert applying("19E", [2], ["2017/18"]) == []
    assert applying("19E", [8], ["2014/15"]) == ["community-resolution-guidance"]
    assert applying("19E", [2, 3, 6, 7, 8, 22], ["2017/18"]) == []
    assert applying("11A", [3], ["2017/18"]) == ["si-2015-790"]
    assert applying("11A", [8], ["2017/18"]) == []
    assert applying("19E", [3], None) == []  # no period, no claim


def test_words_claim_only_what_an_applying_rule_says(default_rules: RuleSet) -> None:
    selections = ([8], [2], [3], [2, 3, 6, 7, 8, 22], [1])
    periods = (["2014/15"], ["2015/16"], ["2014/15", "2015/16"], ["2017/18"])
    for code in default_rules.serious_codes():
        for types in selections:
            for years in periods:
                for hit in default_rules.match(code, types, years):
                    text = hit.label.lower()
                    assert "unlawful" not in text and "illegal" not in text, (code, hit)
                    claims = any(phrase in text for phrase in CLAIMS)
                    assert claims == hit.applies, (code, types, years, hit.rule_id, hit.label)
                    if hit.applies:
                        assert set(types) <= set(hit.governs)
                        assert "cannot show" in text
    # "tried only at the Crown Court" is said of adults only
    (hit, *_) = default_rules.match("19C", [8], ["2017/18"])
    assert "for adults, tried only at the crown court" in hit.label.lower()


def test_mixed_codes_are_worded_as_including(default_rules: RuleSet) -> None:
    for code in ("17B", "20B", "21", "22B"):
        for types in ([3], [8]):
            (hit,) = [h for h in default_rules.match(code, types, ["2017/18"]) if h.rule_id == "si-2015-790"]
            assert hit.label.startswith(("An offence code that includes", "This offence code includes")), (code, hit.label)
    (whole,) = [h for h in default_rules.match("11A", [8], ["2017/18"]) if h.rule_id == "si-2015-790"]
    assert whole.label.startswith("An either-way offence on the SI 2015/790 list")
    assert "includes" not in whole.label


def test_reference_marks_what_the_schedule_read_could_not_confirm(reference: Reference) -> None:
    for code in ("10D", "13", "17A", "20A", "70", "71", "86", "88A"):
        assert reference[code].si_2015_790 == "UNCONFIRMED", code
    assert reference["23"].si_2015_790 == "PARTIAL"
    for code in ("17B", "20B", "21", "22B", "23", "28", "92A"):
        assert reference[code].mode_of_trial == "MIXED", code
    assert "bbc_sdu_2019" in reference["19G"].named_lists
    assert "bbc_sdu_2019_national" in reference["10D"].named_lists


def test_unconfirmed_codes_are_never_called_listed(default_rules: RuleSet) -> None:
    for code in ("10D", "17A", "20A", "86"):
        for hit in default_rules.match(code, [3], ["2017/18"]):
            assert "SI 2015/790" not in hit.label, (code, hit.label)


def test_hit_json_carries_basis_governs_source_and_applies(default_rules: RuleSet) -> None:
    (hit, *_) = default_rules.match("19E", [3], ["2016/17"])
    data = hit.to_json()
    assert data["id"] == "indictable-only" and data["applies"] is True
    assert data["basis"] == "statute" and data["governs"] == [3]
    assert data["effective_from"] == STATUTE_SINCE and data["effective_to"] is None
    assert "legislation.gov.uk" in data["source"]


def test_version_1_rules_default_to_editorial_and_never_apply(tmp_path: Path, reference: Reference) -> None:
    rules = load_rules(write_rules(tmp_path, BASE), reference=reference)
    (hit,) = rules.match("19E", [3], ["2017/18"])
    assert (hit.basis, hit.governs, hit.applies) == ("editorial", (), False)


V2 = """
version = 2

[[rule]]
id = "mine"
label = "an offence I care about"
codes = ["46"]
"""


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ('basis = "editorial"\nsource = "me"\n', "'governs' is missing"),
        ('governs = []\nsource = "me"\n', "'basis' is missing"),
        ('basis = "editorial"\ngoverns = []\n', "'source' is missing"),
        ('basis = "law"\ngoverns = []\nsource = "me"\n', "unknown value for 'basis'"),
        ('basis = "editorial"\ngoverns = [8]\nsource = "me"\n', "editorial rule cannot govern"),
        ('basis = "guidance"\ngoverns = []\nsource = "me"\n', "must say which outcome types"),
        ('basis = "guidance"\ngoverns = [23]\nsource = "me"\n', "unknown outcome type in 'governs'"),
        ('basis = "editorial"\ngoverns = []\nsource = "me"\nwhen_applies = "x"\n', "needs 'governs'"),
        ('basis = "statute"\ngoverns = [3]\nsource = "me"\neffective_from = "2015"\n', "must be a date"),
        ('basis = "statute"\ngoverns = [3]\nsource = "me"\neffective_from = 2015-04-13\n'
         "effective_to = 2014-01-01\n", "before"),
    ],
)  # fmt: skip
def test_version_2_rules_must_declare_their_scope(tmp_path: Path, reference: Reference, extra: str, fragment: str) -> None:
    path = write_rules(tmp_path, V2 + extra)
    with pytest.raises(InputError) as info:
        load_rules(path, reference=reference)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_version_2_rule_with_dates_and_wording(tmp_path: Path, reference: Reference) -> None:
    path = write_rules(
        tmp_path,
        V2 + 'basis = "guidance"\ngoverns = [8]\nsource = "a circular, https://example.org"\n'
        "effective_from = 2016-01-01\neffective_to = 2018-03-31\n"
        'when_applies = "guidance says no community resolution for shoplifting"\n',
    )
    rules = load_rules(path, reference=reference)
    assert [h.applies for h in rules.match("46", [8], ["2016/17", "2017/18"])] == [True]
    assert [h.applies for h in rules.match("46", [8], ["2015/16"])] == [False]  # came in Jan 2016
    assert [h.applies for h in rules.match("46", [8], ["2018/19"])] == [False]  # lapsed
    (hit,) = rules.match("46", [8], ["2017/18"])
    assert hit.label == "Guidance says no community resolution for shoplifting"
    (hit,) = rules.match("46", [8], ["2015/16"])
    assert hit.label == "An offence I care about"


README_EXAMPLES = {
    "indictable-only": "19E",
    "si-2015-790": "11A",
    "community-resolution-guidance": "19E",
    "bbc-sdu-2019": "13",
    "bbc-sdu-2019-national": "10D",
}


def test_readme_wording_table_is_what_the_rules_print(default_rules: RuleSet) -> None:
    from crime_outcomes.analysis.seriousness import wording_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = wording_table(default_rules, README_EXAMPLES)
    assert table in readme
    mixed = wording_table(default_rules, {"si-2015-790": "17B"}).splitlines()[2:]
    assert "\n".join([table, *mixed]) in readme
    # every shipped rule is in the table, and the table shows claims only where a rule applies
    assert set(README_EXAMPLES) == {r.id for r in default_rules.enabled_rules}
    for row in table.splitlines()[2:]:
        cells = row.split(" | ")
        for cell in cells[3:]:
            assert ("**applies**" in cell) == any(p in cell for p in CLAIMS), row


def test_a_rule_file_is_parsed_again_only_when_its_bytes_change(tmp_path: Path) -> None:
    """Stories reuse a parse of the same file; an edit (even one keeping size and modification time) is read afresh."""
    import os

    assert load_rules() is load_rules()
    path = write_rules(tmp_path, BASE + '\n[[rule]]\nid = "shoplifting"\nlabel = "Shoplifting, for this study"\ncodes = ["46"]\n')
    first = load_rules(path)
    assert load_rules(path) is first and ids(first.match("46")) == ["shoplifting"]
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace('codes = ["46"]', 'codes = ["45"]'), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    edited = load_rules(path)
    assert edited is not first and ids(edited.match("46")) == [] and ids(edited.match("45")) == ["shoplifting"]
    assert edited.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest() != first.fingerprint


def test_each_caller_gets_its_own_copy_of_the_reference() -> None:
    mine = load_reference()
    mine.pop("46")
    assert "46" in load_reference()
