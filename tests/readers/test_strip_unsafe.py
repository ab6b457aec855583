"""The text helpers every output uses as a second line of defence: whatever reaches an
output by another way than ingest still loses its control, format and bidi characters."""

from __future__ import annotations

from markupsafe import Markup

from crime_outcomes.readers.text import finalize, strip_unsafe

DECEPTIVE = "Assault\u202egnp.exe\u200b\u2066x\u2069\u0085\u009b\x1b[31m\x07\u00ad"


def test_strip_unsafe_keeps_layout_and_type() -> None:
    assert strip_unsafe(DECEPTIVE) == "Assaultgnp.exex[31m"
    assert strip_unsafe("two\tcolumns\r\nand lines") == "two\tcolumns\r\nand lines"
    assert strip_unsafe("plain") == "plain" and strip_unsafe("Theft \u2013 other") == "Theft \u2013 other"
    safe = strip_unsafe(Markup("<b>x\u202e</b>"))
    assert isinstance(safe, Markup) and safe == Markup("<b>x</b>")
    assert finalize(3) == 3 and finalize(DECEPTIVE) == "Assaultgnp.exex[31m"


def test_every_output_helper_strips_what_still_arrives() -> None:
    from jinja2 import Environment

    from crime_outcomes.cli.app import escape
    from crime_outcomes.outputs.packs.markup import _env, md_escape
    from crime_outcomes.outputs.story_text import md_escape as story_md_escape
    from crime_outcomes.text import safe_cell
    from crime_outcomes.web.pages import ENV

    assert safe_cell(DECEPTIVE) == "Assaultgnp.exex[31m"
    assert safe_cell("\u202e=1+1") == "'=1+1"  # stripped first, so a hidden formula is still caught
    assert md_escape(DECEPTIVE) == "Assaultgnp.exex\\[31m"
    assert "\u202e" not in story_md_escape(DECEPTIVE) and "\x1b" not in story_md_escape(DECEPTIVE)
    assert escape(DECEPTIVE) == "Assaultgnp.exex[31m"
    for env in (ENV, _env(True)):
        assert isinstance(env, Environment)
        assert env.from_string("<p>{{ v }}</p>").render(v=DECEPTIVE) == "<p>Assaultgnp.exex[31m</p>"
    assert _env(False).from_string("{{ v }}").render(v=DECEPTIVE) == "Assaultgnp.exex\\[31m"
