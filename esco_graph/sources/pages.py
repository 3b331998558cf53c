"""Reading pages: find the inputs, read their bytes, decode them to text.

Everything here is about getting a page's text and its provenance; nothing about layouts.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Union

from ..errors import InputError
from ..text import iso_utc

#: Files that are never pages, skipped when walking a folder.
SKIP_NAMES = {".DS_Store", "Thumbs.db"}
PAGE_SUFFIXES = {".txt", ".text", ".htm", ".html", ".xhtml", ""}

MAX_PAGE_BYTES = 64 * 1024 * 1024  # a page larger than this is not an occupation page


@dataclass(frozen=True)
class Page:
    """A page's decoded text and where it came from."""

    location: str  # as the user named it (path, URL, '-', 'archive!member')
    text: str
    sha256: str
    retrieved: str | None  # ISO 8601 UTC
    media_type: str  # 'text/plain' or 'text/html'
    iri: str  # the page's own IRI (file: URI, URL, ...), for provenance


def rooted(page: Page, root: "str | Path", base_iri: str) -> Page:
    """The page named relative to a source root: a file (or archive member) below ``root`` gets the
    IRI ``<base_iri>source/<path below root>``, so the same pages give the same graph wherever the
    folder sits. Pages elsewhere (URLs, stdin, files outside the root) keep their IRIs."""
    root_uri = Path(root).resolve().as_uri().rstrip("/") + "/"
    for prefix in ("", "jar:"):
        if page.iri.startswith(prefix + root_uri):
            return replace(page, iri=f"{base_iri}source/{page.iri[len(prefix + root_uri):]}")
    return page


def decode(data: bytes, location: str) -> str:
    """Decode a page's bytes to text, whatever encoding a browser or old disk left it in.

    BOMs decide first (UTF-8, UTF-16, UTF-32); then UTF-8; then UTF-16 without BOM (every other
    byte NUL); then binary data is refused; then Windows-1252 / Latin-1. Line ends become '\\n'.
    """
    if not data.strip():
        raise InputError(location, "the file is empty")
    text = None
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(location, f"not valid {encoding.upper()} text ({exc.reason})") from None
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _mostly_utf8(data)
    if text is None and len(data) >= 4 and _looks_utf16(data):
        try:
            text = data.decode("utf-16-le" if data[1] == 0 else "utf-16-be")
        except UnicodeDecodeError:
            text = None
    if text is None:
        if _looks_binary(data):
            raise InputError(location, f"binary data ({_sniff_kind(data)}), not a text or HTML page")
        text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")
    if "\x00" in text or _control_ratio(text) > 0.05:
        raise InputError(location, f"binary data ({_sniff_kind(data)}), not a text or HTML page")
    if text.startswith("\ufeff"):
        text = text[1:]
    if _BLANK.fullmatch(text):
        raise InputError(location, "the file is empty (white space only)")
    # U+FFFE / U+FFFF are noncharacters (a byte-swapped BOM, or a 0xFFFF sentinel) that common RDF
    # parsers (raptor) refuse in a literal: they become U+FFFD like any other undecodable input.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_NONCHARACTERS) if "\ufffe" in text or "\uffff" in text else text


_NONCHARACTERS = {0xFFFE: 0xFFFD, 0xFFFF: 0xFFFD}
_BLANK = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]*")

#: One well-formed multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few damaged bytes, decoded as a browser does (U+FFFD for each); else None.

    A page is taken for damaged UTF-8 when it holds well-formed multi-byte sequences and at most
    eight invalid bytes for each: one stray byte must not turn a UTF-8 page (whose '§' or '·'
    the layouts look for) into Windows-1252 mojibake. Latin-1 text ('é' followed by ASCII)
    holds no well-formed sequences and still goes to the Latin-1 branch.
    """
    valid = len(_UTF8_MULTIBYTE.findall(data))
    if not valid:
        return None
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    return text if invalid <= 8 * valid else None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    return max(even_nuls, odd_nuls) > 0.4 * half and min(even_nuls, odd_nuls) < 0.05 * half


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > 0.05 * len(sample)


def _control_ratio(text: str) -> float:
    sample = text[:8192]
    if not sample:
        return 0.0
    return len(_CONTROL_CHARS.findall(sample)) / len(sample)


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _sniff_kind(data: bytes) -> str:
    """Name well-known binary formats, so the error says what the file is."""
    for magic, kind in (
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a zip archive"),
        (b"\x1f\x8b", "a gzip file"),
        (b"\x7fELF", "an executable"),
    ):
        if data.startswith(magic):
            return kind
    return "unknown binary format"


def looks_like_html(text: str) -> bool:
    """True when the text is markup (a saved web page) rather than a text dump."""
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body", "<meta", "<!--")) or (
        "<html" in head and "</" in text[:65536].lower()
    )


def page_from_bytes(data: bytes, location: str, *, iri: str, retrieved: str | None) -> Page:
    """Decode bytes into a Page (HTML is kept as HTML; the parsers' front end lays it out)."""
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(location, f"{len(data)} bytes is larger than any occupation page ({MAX_PAGE_BYTES} at most)")
    text = decode(data, location)
    media_type = "text/html" if looks_like_html(text) else "text/plain"
    return Page(
        location=location,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        retrieved=retrieved,
        media_type=media_type,
        iri=iri,
    )


def check_regular(path: Union[str, Path], location: str) -> None:
    """Refuse a FIFO, device or socket before it is opened: reading one can wait forever."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # the open below says so
    except OSError as exc:
        raise InputError(location, exc.strerror or str(exc)) from None
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device")
        raise InputError(location, f"{kind}, not a file: not read")


def read_bounded(path: Union[str, Path], location: str, *, what: str = "page") -> bytes:
    """A file's bytes, at most one more than a page can hold; one InputError naming it otherwise."""
    check_regular(path, location)
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_PAGE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(location, "no such file" if what == "page" else f"no such {what} file") from None
    except IsADirectoryError:
        raise InputError(location, f"is a folder, not a {what}") from None
    except PermissionError:
        raise InputError(location, "permission denied") from None
    except OSError as exc:
        raise InputError(location, exc.strerror or str(exc)) from None


def read_file(path: Union[str, Path], location: str | None = None) -> Page:
    """Read one page file."""
    path = Path(path)
    location = location or str(path)
    data = read_bounded(path, location)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise InputError(location, exc.strerror or str(exc)) from None
    return page_from_bytes(data, location, iri=path.resolve().as_uri(), retrieved=iso_utc(mtime))
