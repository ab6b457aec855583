"""Characters that can make text read as something it is not, and how text is made safe.

Published text is plain: letters, digits, punctuation and the en dash. A right-to-left
override (U+202E) makes "Assault gnp.exe" display as "Assault exe.png"; zero-width and
other format characters hide text or make two equal-looking names differ; C0 and C1
controls move terminals' cursors or end strings early. None has a meaning in the data,
so they are removed (line and paragraph breaks become a space) and the number removed is
reported; everything else is kept, in Unicode normal form C.
"""

from __future__ import annotations

import re
import unicodedata

# Cc: C0 and C1 controls and DEL; Cf: format characters (bidi embeddings, overrides and
# isolates, zero-width space/joiners, word joiner, soft hyphen, BOM, ...). Zl/Zp: line
# and paragraph separators. Written for both Python's re and Polars' (Rust) regex.
UNSAFE_PATTERN = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"
# Breaks that separate words are a space, not nothing, so "Theft\nfrom" stays two words.
BREAK_PATTERN = r"[\t\n\v\f\r\x85\u2028\u2029]+"
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_BREAKS = re.compile(BREAK_PATTERN)
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unsafe(text: str) -> list[str]:
    if text.isascii():
        return _ASCII_CONTROL.findall(text)
    return [ch for ch in text if unicodedata.category(ch) in UNSAFE_CATEGORIES]


def count_unsafe(text: str) -> int:
    """How many characters ``clean_text`` would remove or replace."""
    return len(_unsafe(text))


def clean_text(text: str) -> tuple[str, int]:
    """``text`` in NFC without control, format or bidi characters, and how many there were."""
    text = unicodedata.normalize("NFC", text)
    found = count_unsafe(text)
    if not found:
        return text, 0
    text = _BREAKS.sub(" ", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in UNSAFE_CATEGORIES), found


def describe(text: str) -> str:
    """The unsafe characters of ``text`` named, e.g. 'U+202E RIGHT-TO-LEFT OVERRIDE', for messages."""
    seen: dict[str, None] = {}
    for ch in _unsafe(text):
        seen.setdefault(f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}", None)
    return ", ".join(seen)


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut for a message, saying how long it was: never prints a huge cell whole."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


_KEPT = frozenset("\t\n\r")
_OUTPUT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_unsafe(text: str) -> str:
    """``text`` without control, format or bidi characters, keeping tabs and line breaks.

    Defence in depth for every output: ingest already removes these from the data, so
    this changes nothing unless text arrives by another way (a rules file, a future
    reader). Keeps the type, so markup already made safe (a ``Markup``) stays safe.
    """
    if text.isascii():
        if not _OUTPUT_CONTROL.search(text):
            return text
        return type(text)(_OUTPUT_CONTROL.sub("", text))
    unsafe = {ch for ch in set(text) if ch not in _KEPT and unicodedata.category(ch) in UNSAFE_CATEGORIES}
    if not unsafe:  # the usual case, decided per distinct character: a page's chart SVG is tens of KB
        return text
    return type(text)("".join(ch for ch in text if ch not in unsafe))


def finalize(value: object) -> object:
    """A Jinja ``finalize``: every string a template prints passes ``strip_unsafe``."""
    return strip_unsafe(value) if isinstance(value, str) else value
