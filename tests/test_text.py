"""The shared text helpers: newsroom numbers, and Markdown escaping checked by rendering it."""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from crime_outcomes.outputs import packs, story_text
from crime_outcomes.text import choose_places, interval, md_escape, number, ordinal, percent, period, rank_phrase, safe_cell, signed_points

# GitHub-flavoured enough: CommonMark plus tables and ~~strikethrough~~, as GitHub and most wikis render.
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])

NASTY = [
    "~~struck~~ text",
    "1. item",
    "12) item",
    "- dash",
    "+ plus",
    "---",
    "- - -",
    "# heading",
    "> quote",
    "a|b|c",
    "<b>bold</b> <script>x</script>",
    "*em* _em_ **strong** `code`",
    "[link](http://example.com) ![img](x.png)",
    "&lt; &amp; &#60; & plain",
    "back\\slash \\*",
    "x ~~y~~ z",
    "Theft & handling (2017-18) -5 1.5%",
]


@pytest.mark.parametrize("text", NASTY)
def test_md_escape_renders_as_typed_in_a_paragraph_a_list_and_a_table(text: str) -> None:
    shown = html.escape(text, quote=False)
    assert MD.render(md_escape(text)) == f"<p>{shown}</p>\n"
    assert MD.render("- " + md_escape(text)) == f"<ul>\n<li>{shown}</li>\n</ul>\n"
    table = MD.render(f"| head |\n| --- |\n| {md_escape(text)} |\n")
    assert f"<td>{shown}</td>" in table and table.count("<td>") == 1


def test_md_escape_values_and_pass_through() -> None:
    assert md_escape("~~x~~") == r"\~\~x\~\~"
    assert md_escape("1. item") == r"1\. item"
    assert md_escape("line one\nline two\r\nthree") == "line one line two three"
    assert md_escape(None) == "" and md_escape(3) == "3"
    assert md_escape("a & b") == "a & b"  # a plain ampersand stays readable

    class Built:
        def __html__(self) -> str:
            return "**already markup**"

        def __str__(self) -> str:
            return "**already markup**"

    assert md_escape(Built()) == "**already markup**"


def test_one_escaper_for_the_story_and_the_packs() -> None:
    assert story_text.md_escape is md_escape and packs.md_escape is md_escape


def test_numbers_percentages_and_words() -> None:
    assert (number(24647), number(None), number(2.25), number(-5)) == ("24,647", "–", "2.2", "-5")
    assert (percent(0.045), percent(0.0167, 1), percent(0.00001, 1), percent(None)) == ("5%", "1.7%", "less than 0.1%", "–")
    assert signed_points(-0.0123, 1) == "1.2 percentage points" and signed_points(0.01) == "1 percentage point"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 33, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "33rd",
        "101st",
        "111th",
    ]
    assert [rank_phrase(r, 43) for r in (1, 2, 33, 42, 43)] == [
        "the highest of 43",
        "the 2nd highest of 43",
        "the 11th lowest of 43",
        "the 2nd lowest of 43",
        "the lowest of 43",
    ]
    assert period("2017/18", "2017/18") == "2017/18" and period("2014/15", "2017/18") == "between 2014/15 and 2017/18"
    assert [safe_cell(t) for t in ("=1+1", "+44", "-3", "@x", "plain")] == ["'=1+1", "'+44", "'-3", "'@x", "plain"]


# ------------------------------------------------------------------ house style: one precision per story
def test_ranks_read_from_the_nearer_end_with_numerals() -> None:
    assert rank_phrase(1, 43) == "the highest of 43"
    assert rank_phrase(2, 43) == "the 2nd highest of 43"
    assert rank_phrase(22, 43) == "the 22nd highest of 43"  # the middle: 22nd from either end
    assert rank_phrase(23, 43) == "the 21st lowest of 43"
    assert rank_phrase(39, 43) == "the 5th lowest of 43"
    assert rank_phrase(42, 43) == "the 2nd lowest of 43"
    assert rank_phrase(43, 43) == "the lowest of 43"
    # Forces 40 and 41 tied (competition ranking gives both 40): from the bottom they are 3rd and 4th.
    assert rank_phrase(40, 43, lowest=3, tied=True) == "the joint 3rd lowest of 43"
    assert rank_phrase(1, 43, tied=True) == "the joint highest of 43"


def test_precision_is_chosen_so_comparisons_cannot_mislead() -> None:
    # Kent against England and Wales, 2017/18 sample: 1.26% against 2.13%; interval 1.21% to 1.31%.
    # Whole per cent reads "1% against 2%" (looks like half): one place, 1.3% against 2.1%.
    assert choose_places(compared=[(0.012585, 0.021349)], intervals=[(0.0121, 0.0131)]) == 1
    # 0.52% against 0.70%: one place keeps one significant figure only, so two places.
    assert choose_places(compared=[(0.0052, 0.0070)]) == 2
    # 12.6% against 25.1% with an interval 12.1% to 13.2%: whole per cent is enough.
    assert choose_places(compared=[(0.126, 0.251)], intervals=[(0.121, 0.132)]) == 0
    # 24.6% against 24.9% print alike whole (25% and 25%): one place.
    assert choose_places(compared=[(0.246, 0.249)]) == 1
    # An interval whose ends would print alike at one place needs two.
    assert choose_places(intervals=[(0.10301, 0.10349)]) == 2
    # Nothing to compare: whole per cent.
    assert choose_places() == 0


def test_a_share_at_the_story_precision_lies_inside_its_interval() -> None:
    # The reported contradiction: "0.8%" beside "0.82% to 0.85%".
    share, ci = 0.00835, (0.0082, 0.0085)
    places = choose_places(intervals=[ci])
    assert places == 1
    assert percent(share, places) == "0.8%" and interval(ci, places) == "0.8% to 0.9%"
    assert percent(share, 2) == "0.84%" and interval(ci, 2) == "0.82% to 0.85%"
