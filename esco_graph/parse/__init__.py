"""Parsing: a page laid out once (HTML as a browser shows it, with its ESCO links), its layout
detected, and the one parser of that layout turning it into an Occupation record.

A parser module knows one layout and nothing of RDF. It provides `LAYOUT` (its name),
`detect(lines) -> bool` and `parse(lines, source, context) -> Occupation`. Adding a site means
adding a module and listing it in `_BUILTIN`, or calling `register()` from outside.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Optional, Union

from ..errors import InputError
from ..model import Occupation, Source
from ..sources.pages import Page

_BUILTIN = ("esco_graph.parse.esco", "esco_graph.parse.destinai", "esco_graph.parse.destinai_current")
_REGISTRY: dict[str, ModuleType] = {}


@dataclass(frozen=True)
class ParseContext:
    """What a parser may use beyond the page itself: known labels for splitting run-together text."""

    lexicon: Optional[object] = None  # esco_graph.parse.split.Lexicon


def register(module: ModuleType) -> None:
    """Make a parser module available for layout detection."""
    for attribute in ("LAYOUT", "detect", "parse"):
        if not hasattr(module, attribute):
            raise TypeError(f"parser module {module.__name__} lacks {attribute}")
    _REGISTRY[module.LAYOUT] = module


def parsers() -> dict[str, ModuleType]:
    """The registered parsers by layout name."""
    if not _REGISTRY:
        for name in _BUILTIN:
            register(importlib.import_module(name))
    return dict(_REGISTRY)


_STRIP = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"


#: No occupation page comes near this many lines (ESCO's pages: under 2,000; DestinAI's: a few
#: hundred): beyond it a page is refused with its reason, in time and memory linear in its size.
MAX_PAGE_LINES = 50_000


def check_page_size(lines: list[str], location: str) -> None:
    if len(lines) > MAX_PAGE_LINES:
        raise InputError(location, f"{len(lines)} lines is more than any occupation page holds "
                                   f"(at most {MAX_PAGE_LINES}); not parsed")


def page_lines(text: str) -> list[str]:
    """The page's lines, stripped of surrounding white space (incl. NBSP and zero-width spaces)."""
    strip = _STRIP
    return [line.strip(strip) for line in text.split("\n")]


def detect_layout(text: Union[str, list[str]], location: str = "<page>") -> str:
    """The name of the one layout this page is in; an InputError if none (or several) claim it.

    Takes the page text, or its `page_lines` when the caller has them already."""
    lines = page_lines(text) if isinstance(text, str) else text
    check_page_size(lines, location)
    found = [name for name, module in parsers().items() if module.detect(lines)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputError(location, "not an occupation page of a known layout (" + ", ".join(sorted(parsers())) + ")")
    raise InputError(location, "the page matches several layouts (" + ", ".join(found) + ")")


def parse_text(
    text: str, source: Source, context: ParseContext = ParseContext(), layout: Optional[str] = None,
    lines: Optional[list[str]] = None,
) -> Occupation:
    """Parse page text of a known or detected layout into an Occupation record (`lines`: its page_lines, if at hand)."""
    lines = page_lines(text) if lines is None else lines
    check_page_size(lines, source.location)
    layout = layout or detect_layout(lines, source.location)
    try:
        module = parsers()[layout]
    except KeyError:
        raise InputError(source.location, f"unknown layout {layout!r}") from None
    if source.layout != layout:
        source = replace(source, layout=layout)
    return module.parse(lines, source, context)


@dataclass(frozen=True)
class LaidOut:
    """A page as the parsers read it: its text, and for an HTML page its ESCO links (the HTML is
    parsed once, for both)."""

    text: str
    html: Optional[object] = None  # esco_graph.parse.html.HtmlPage for HTML pages


def lay_out(page: Page) -> LaidOut:
    """The text the layout parsers read (HTML laid out as a browser would, text as it is) and, for
    HTML, the links to ESCO concepts found in the same pass."""
    if page.media_type == "text/html":
        from .html import layout_html  # imported lazily: text pages need no HTML parser

        html = layout_html(page.text, page.location)
        return LaidOut(html.text, html)
    return LaidOut(page.text)


def page_source(page: Page, layout: str) -> Source:
    """The provenance of a page as the record carries it."""
    return Source(location=page.location, layout=layout, sha256=page.sha256, retrieved=page.retrieved,
                  media_type=page.media_type, iri=page.iri)


def with_links(record: Occupation, laid: LaidOut) -> Occupation:
    """The record with the official ESCO IRIs its HTML page links to (text pages have none)."""
    if laid.html is None:
        return record
    from .html import apply_links

    return apply_links(record, laid.html)


def parse_page(page: Page, context: ParseContext = ParseContext()) -> Occupation:
    """Parse one page (laid out, layout detected, links applied) into an Occupation record."""
    laid = lay_out(page)
    lines = page_lines(laid.text)
    layout = detect_layout(lines, page.location)
    record = parse_text(laid.text, page_source(page, layout), context, layout=layout, lines=lines)
    return with_links(record, laid)
