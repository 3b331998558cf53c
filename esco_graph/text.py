"""Small text helpers shared by the parsers and the IRI minting."""
from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime, timezone
from typing import Optional

from .errors import DataQualityError, OptionError

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_label(text: str) -> str:
    """A label as the page shows it: invisible characters dropped, white space collapsed."""
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


_KEY_TABLE = {
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
    ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201b"): "'", ord("\u2032"): "'",
    ord("\u201c"): '"', ord("\u201d"): '"', ord("\u2010"): "-", ord("\u2011"): "-",
}


def label_key(label: str) -> str:
    """The identity of a label: the same for every spelling a page may show of one label.

    NFKC (NBSP, full-width forms, ligatures read as their plain forms), invisible characters
    dropped, typographic quotes and hyphens read as ASCII, case-folded, white space collapsed.
    Used for every label lookup (vocabulary, lexicon) and for minting IRIs: same key, same node.
    """
    if not label.isascii():
        label = unicodedata.normalize("NFKC", label).translate(_KEY_TABLE)
    return " ".join(label.casefold().split())


def slug(text: str, limit: int = 60) -> str:
    """An IRI-safe slug: ASCII letters, digits and hyphens only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return out[:limit].rstrip("-")


#: The largest count a page may declare: ESCO has about 14,000 skills in all.
MAX_DECLARED_COUNT = 999_999
_ASCII_COUNT = re.compile(r"[0-9]+")


def declared_count(digits: str, where: str, what: str) -> int:
    """A count a page declares ('79'), as an int; a DataQualityError for a count no page could hold.

    Only ASCII digits: Python's int() also reads '٣' and refuses '²' (which str.isdigit()
    accepts) and any number of more than 4,300 digits, so parsers never call int() on page text
    themselves.
    """
    if not _ASCII_COUNT.fullmatch(digits) or len(digits) > len(str(MAX_DECLARED_COUNT)):
        shown = digits if len(digits) <= 20 else digits[:20] + "..."
        raise DataQualityError(where, f"{what} {shown!r} is not a plausible count (0 to {MAX_DECLARED_COUNT})")
    return int(digits)


def one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line (white space folded), cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_RDFLIB_SYNTAX = re.compile(r"at line (\d+) of <[^>]*>:\s*Bad syntax \(([^)]*)\)")
_SPARQL_AT = re.compile(r"error at (\d+):(\d+)")


def syntax_message(exc: BaseException) -> str:
    """A parser's complaint as one short line: rdflib's Turtle errors quote the input as Python
    bytes (``b''^b'...'``); that quotation is dropped and the line number kept."""
    text = str(exc)
    match = _RDFLIB_SYNTAX.search(text)
    if match:
        return f"line {match.group(1)}: bad syntax ({match.group(2)})"
    text = re.sub(r"\bb'(?:[^'\\]|\\.)*'", "", text)
    return one_line(text, 200) or type(exc).__name__


def sparql_message(exc: BaseException) -> str:
    """A SPARQL parser's complaint as one short line (an undeclared prefix said as such; the long
    list of characters it expected cut)."""
    text = one_line(str(exc), 10_000)
    where = _SPARQL_AT.search(text)
    at = f"line {where.group(1)}, column {where.group(2)}: " if where else ""
    if "Prefix not found" in text or "prefix not found" in text.lower():
        return at + "a prefix is used that the query does not declare (add PREFIX name: <IRI>)"
    if where:
        text = text[where.end():].lstrip(": ")
    if "expected one of" in text:
        head, _, rest = text.partition("expected one of")
        options = [o.strip() for o in rest.split(",")][:4]
        text = f"{head}expected one of {', '.join(options)}, ..."
    return at + one_line(text, 160)


def iso_utc(timestamp: float) -> Optional[str]:
    """A POSIX timestamp as an ISO 8601 UTC string with second precision; None for one no calendar
    holds (a file's mtime in the year 10000, a tar member's huge PAX mtime)."""
    try:
        return datetime.fromtimestamp(int(timestamp), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def source_date() -> Optional[str]:
    """SOURCE_DATE_EPOCH (reproducible builds) as an ISO 8601 UTC string, None when unset; an
    OptionError when it is not a Unix time in years 1-9999."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch.strip() == "":
        return None
    when = iso_utc(int(epoch)) if epoch.strip().isdigit() else None
    if when is None:
        raise OptionError(f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a Unix time (seconds since 1970, before year 10000)")
    return when
