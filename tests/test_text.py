"""The shared text helpers: newsroom numbers, and Markdown escaping checked by rendering it."""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from crime_outcomes.outputs import packs, story_text
from crime_outcomes.text import md_escape, number, ordinal, percent, period, rank_phrase, safe_cell, signed_points

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
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "33rd", "101st", "111th"]
    assert [rank_phrase(r, 43) for r in (1, 2, 33, 42, 43)] == [
        "the highest of 43", "the 2nd highest of 43", "the 11th lowest of 43", "the 2nd lowest of 43", "the lowest of 43"]
    assert period("2017/18", "2017/18") == "2017/18" and period("2014/15", "2017/18") == "between 2014/15 and 2017/18"
    assert [safe_cell(t) for t in ("=1+1", "+44", "-3", "@x", "plain")] == ["'=1+1", "'+44", "'-3", "'@x", "plain"]
