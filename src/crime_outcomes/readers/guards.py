"""Checks that sit in front of the spreadsheet parser.

The parser is native code: a zip bomb or a part that declares a huge size can make it
allocate gigabytes in one piece and abort the process, with no exception to catch. So
the container is checked here, by its zip directory and by the first bytes of each XML
part, before any parser sees it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from crime_outcomes.errors import InputError, LimitError, Location
from crime_outcomes.settings import Limits

XML_PEEK_BYTES = 4096


def check_spreadsheet_container(path: Path, limits: Limits) -> None:
    """Raise InputError/LimitError unless ``path`` is a sane zip-based spreadsheet."""
    where = Location(str(path))
    size = path.stat().st_size
    if size == 0:
        raise InputError(where, "the file is empty", expected="a spreadsheet", found="0 bytes")
    if size > limits.max_file_bytes:
        raise LimitError(where, "the file is larger than the limit", expected=f"at most {limits.max_file_bytes:,} bytes", found=f"{size:,} bytes")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            head = fh.read(8)
        raise InputError(
            where,
            "not a spreadsheet (xlsx and ods files are zip archives)",
            expected="a zip archive starting with 'PK'",
            found=f"bytes {head!r}" if head else "nothing",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > limits.max_member_bytes:
                    raise LimitError(where, f"part {info.filename!r} would expand past the limit", expected=f"at most {limits.max_member_bytes:,} bytes", found=f"{info.file_size:,} bytes")
                if info.file_size > limits.ratio_applies_above_bytes and info.compress_size:
                    ratio = info.file_size / info.compress_size
                    if ratio > limits.max_compression_ratio:
                        raise LimitError(where, f"part {info.filename!r} is compressed {ratio:,.0f} to 1, like a zip bomb", expected=f"a ratio under {limits.max_compression_ratio:,.0f}", found=f"{info.compress_size:,} bytes expanding to {info.file_size:,}")
            if total > limits.max_total_uncompressed_bytes:
                raise LimitError(where, "the archive would expand past the limit", expected=f"at most {limits.max_total_uncompressed_bytes:,} bytes", found=f"{total:,} bytes")
            for info in infos:
                if info.filename.endswith(".xml") or info.filename.endswith(".rels"):
                    _check_xml_head(zf, info, where)
    except zipfile.BadZipFile as exc:
        raise InputError(where, "the archive is damaged (perhaps a download cut short)", found=str(exc)) from None


def _check_xml_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: Location) -> None:
    """Reject DTDs: entity expansion ('billion laughs') and external entities start there."""
    try:
        with zf.open(info) as fh:
            head = fh.read(XML_PEEK_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(where, f"part {info.filename!r} cannot be decompressed (the file may be cut short)", found=str(exc)) from None
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise InputError(where, f"part {info.filename!r} declares a DOCTYPE or entities, which spreadsheets never need", expected="plain XML", found="<!DOCTYPE/<!ENTITY")
