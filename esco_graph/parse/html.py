"""HTML pages laid out as the text the layout parsers read, and the ESCO links they hold.

A saved web page becomes the text a browser shows (the `innerText` algorithm, simplified):
block elements on lines of their own (`<p>` with a blank line around it), `<br>` a line break,
table cells separated by tabs, white space collapsed except in `<pre>`, entities decoded, and
script, style, template, noscript, `<head>` and hidden elements (`hidden`, `aria-hidden="true"`,
`style="display:none"` / `visibility:hidden`) dropped, and so is the site's own footer (page
chrome in which no profile lives; text after an ESCO page's last item would run into it). Non-breaking spaces stay U+00A0, as in
a browser's text (the text dumps hold them too).

One deliberate difference from a browser: where one element holds a list of labels as separate
sibling elements (a DestinAI label list: `<a class="chip">quality standards</a><a
class="chip">design drawings</a>`), a browser runs them together (`quality standardsdesign
drawings`), which is what makes DestinAI text dumps hard to split. Here each such element goes
on its own line, so the DestinAI parser gets the labels already split (method 'markup').
A label list is an element whose visible children are two or more inline elements of one tag
and one class, with no text of its own between them.

Links to the official ESCO portal or to ESCO IRIs
(`https://esco.ec.europa.eu/...?uri=http://data.europa.eu/esco/skill/<uuid>`,
`http://data.europa.eu/esco/occupation/<uuid>`) are collected with the label they stand for:
their own text, or for a generic link such as `ESCO source` the first line of the nearest
enclosing element that says more. `apply_links` gives a parsed record those official IRIs.
Only IRIs under `http://data.europa.eu/esco/` count: the UUIDs in other sites' URLs (DestinAI's
own ids) are never taken for ESCO's.

Parsed with selectolax (lexbor), never with regular expressions over markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import InputError
from ..text import label_key

#: Elements laid out as blocks (a line of their own).
BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li
    listing main menu nav ol p plaintext pre search section summary table tbody tfoot thead tr
    ul xmp""".split()
)
#: Elements whose content a browser never shows as page text.
DROPPED = frozenset(
    """head title script style template noscript meta link base iframe object embed canvas svg
    math audio video source track select datalist option optgroup input textarea img picture
    map area param""".split()
)
_PARAGRAPH = frozenset({"p"})  # a blank line above and below, as innerText does
_CELLS = frozenset({"td", "th"})
_COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")
_SPACES = re.compile(r" {2,}")
_NBSP = "\u00a0"

# Official ESCO concept IRIs.
_ESCO_IRI = re.compile(
    r"^https?://data\.europa\.eu/esco/(?P<kind>occupation|skill)/"
    r"(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/?$"
)

_MARKERS = re.compile(r"\bdigital\b")  # item markers an ESCO page sets beside an item's links
_NL = object()  # a forced line break (<br>, a newline in <pre>)


@dataclass(frozen=True)
class ConceptLink:
    """A link on the page to an official ESCO concept."""

    kind: str  # 'occupation' or 'skill'
    iri: str  # http://data.europa.eu/esco/<kind>/<uuid>
    text: str  # the link's own text
    context: Optional[str]  # first line of the nearest enclosing element that says more than the link


@dataclass(frozen=True)
class HtmlPage:
    """An HTML page laid out as text, with its links to ESCO concepts."""

    text: str
    links: tuple[ConceptLink, ...] = ()
    canonical: Optional[str] = None  # occupation IRI from <link rel=canonical> / og:url


def esco_iri(href: Optional[str]) -> Optional[tuple[str, str]]:
    """(kind, official IRI) when a URL is an ESCO concept IRI or an ESCO portal link to one.

    Accepts `http://data.europa.eu/esco/skill/<uuid>` itself and any URL with a query parameter
    whose value is such an IRI (`...?uri=http://data.europa.eu/esco/occupation/<uuid>`, percent-
    encoded or not). The official IRIs use http; an https spelling is normalised to it.
    """
    if not href:
        return None
    href = href.strip()
    match = _ESCO_IRI.match(href) or _ESCO_IRI.match(unquote(href))
    if match is None:
        try:
            query = urlsplit(href).query
        except ValueError:
            return None
        for _, value in parse_qsl(query, keep_blank_values=False):
            match = _ESCO_IRI.match(value.strip())
            if match:
                break
    if match is None:
        return None
    kind = match.group("kind")
    return kind, f"http://data.europa.eu/esco/{kind}/{match.group('uuid').lower()}"


def html_to_text(html: str, location: str = "<page>") -> str:
    """The page's text as a browser lays it out (see the module docstring)."""
    return layout_html(html, location).text


#: Caps on what the HTML parser is given (issue 14): lexbor's time grows with the square of the
#: nesting depth and of one tag's attribute count (80,000 nested divs: 8 s; 40,000 attributes:
#: 2.5 s). Real pages nest under a few hundred levels and carry a few dozen attributes a tag.
MAX_HTML_DEPTH = 10_000
MAX_TAG_ATTRIBUTES = 5_000
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^<>]*)>")
#: an attribute (name, maybe `= value`) once quoted values are taken out: each match ends where its
#: name or value ends, never backtracking (the earlier `name\s*=` took the square of a long name)
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ATTRIBUTE = re.compile(r"""[^\s"'=<>/]+(?:\s*=\s*[^\s"'=<>/]*)?""")
#: elements that have no end tag, or whose end tag browsers imply (they never nest deep)
_NO_NESTING = frozenset("""area base br col embed hr img input link meta param source track wbr p li dt dd
option optgroup tr td th thead tbody tfoot colgroup rb rt rtc rp""".split())


def _attribute_count(rest: str) -> int:
    return sum(1 for _ in _ATTRIBUTE.finditer(_QUOTED.sub("v", rest)))


def check_html(html: str, location: str = "<page>") -> None:
    """Refuse, in one linear pass over the tags, HTML nested deeper or with more attributes in a tag
    than the caps: no browser lays such a page out, and the parser would take minutes."""
    depth = 0
    for match in _TAG.finditer(html):
        closing, name, rest = match.groups()
        if len(rest) > 2 * MAX_TAG_ATTRIBUTES and _attribute_count(rest) > MAX_TAG_ATTRIBUTES:
            raise InputError(location, f"an HTML tag <{name[:40]}> with more than {MAX_TAG_ATTRIBUTES} attributes: "
                                       "no page carries so many; not parsed")
        if name.lower() in _NO_NESTING or rest.endswith("/"):
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > MAX_HTML_DEPTH:
            raise InputError(location, f"HTML nested more than {MAX_HTML_DEPTH} elements deep: deeper than any page "
                                       "a browser lays out; not parsed")


def layout_html(html: str, location: str = "<page>") -> HtmlPage:
    """Lay an HTML page out as text and collect its ESCO links, in one parse."""
    check_html(html, location)
    try:
        tree = LexborHTMLParser(html)
    except Exception as exc:  # selectolax raises plain exceptions on documents it cannot take
        raise InputError(location, f"the HTML cannot be parsed ({exc})") from None
    root = tree.root
    if root is None:
        raise InputError(location, "the HTML page has no content")
    text = _layout(root)
    links = tuple(_concept_links(root))
    return HtmlPage(text=text, links=links, canonical=_canonical(tree))


# --- layout ------------------------------------------------------------------------------------


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if not attrs:
        return False
    if "hidden" in attrs:
        return True
    if (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = attrs.get("style")
    if style:
        for declaration in style.split(";"):
            name, _, value = declaration.partition(":")
            name = name.strip().lower()
            value = "".join(value.split()).lower().replace("!important", "")
            if (name == "display" and value == "none") or (name == "visibility" and value in ("hidden", "collapse")):
                return True
    return False


def _visible_element(node: LexborNode) -> bool:
    return node.is_element_node and node.tag not in DROPPED and not _is_hidden(node)


_SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})


def _page_footer(node: LexborNode) -> bool:
    """The site's footer (a `<footer>` of the page itself, or `role="contentinfo"`): site chrome.

    Dropped although a browser shows it: no occupation profile lives there, and text after the
    last item of an ESCO page would otherwise run into it. Footers of articles and sections stay.
    """
    if (node.attributes.get("role") or "").strip().lower() == "contentinfo":
        return True
    if node.tag != "footer":
        return False
    parent = node.parent
    while parent is not None and parent.is_element_node:
        if parent.tag in _SECTIONING:
            return False
        parent = parent.parent
    return True


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.child
    while child is not None:
        yield child
        child = child.next


def _has_block(node: LexborNode) -> bool:
    """Whether a visible block element lies inside the node."""
    stack = list(_children(node))
    while stack:
        child = stack.pop()
        if not _visible_element(child):
            continue
        if child.tag in BLOCK or child.tag == "br":
            return True
        stack.extend(_children(child))
    return False


def _class_key(node: LexborNode) -> tuple[str, ...]:
    return tuple(sorted((node.attributes.get("class") or "").split()))


def _label_list(node: LexborNode) -> bool:
    """Whether the node holds a list of labels as separate sibling elements (see the docstring)."""
    items = []
    for child in _children(node):
        if child.is_text_node:
            if (child.text_content or "").strip(" \t\n\r\f"):
                return False
            continue
        if not child.is_element_node or not _visible_element(child):
            continue
        if child.tag in BLOCK or child.tag in _CELLS or child.tag == "br":
            return False
        items.append(child)
    if len(items) < 2:
        return False
    tag, classes = items[0].tag, _class_key(items[0])
    for item in items:
        if item.tag != tag or _class_key(item) != classes or _has_block(item):
            return False
        if not _COLLAPSIBLE.sub("", item.text(deep=True, separator="") or "").replace(_NBSP, ""):
            return False
    return True


def _items(node: LexborNode) -> list:
    """innerText's list of strings, required line-break counts (ints) and forced breaks (_NL)."""
    out: list = []
    # an explicit stack instead of recursion: saved pages can nest deeper than Python recurses
    stack: list = [(node, False, None)]  # (node, preformatted, None) or (None, None, item to emit)
    while stack:
        current, preformatted, emit = stack.pop()
        if current is None:
            out.append(emit)
            continue
        if current.is_text_node:
            text = current.text_content or ""
            if preformatted:
                for i, line in enumerate(text.split("\n")):
                    if i:
                        out.append(_NL)
                    if line:
                        out.append(("pre", line))
            elif text:
                out.append(text)
            continue
        if not current.is_element_node and not current.is_document_node:
            continue  # comments, doctype, processing instructions
        tag = current.tag
        if current.is_element_node:
            if not _visible_element(current) or _page_footer(current):
                continue
            if tag == "br":
                out.append(_NL)
                continue
        pre = preformatted or tag in ("pre", "listing", "plaintext", "xmp", "textarea")
        breaks = 2 if tag in _PARAGRAPH else 1 if tag in BLOCK else 0
        children = list(_children(current))
        pushed: list = []
        if breaks:
            pushed.append((None, None, breaks))
        if current.is_element_node and _label_list(current):
            for child in children:
                pushed.extend(((None, None, 1), (child, pre, None), (None, None, 1)))
        elif tag == "tr":
            cells = [c for c in children if c.is_element_node and c.tag in _CELLS and _visible_element(c)]
            for child in children:
                pushed.append((child, pre, None))
                if cells and child in cells[:-1]:
                    pushed.append((None, None, ("pre", "\t")))
        else:
            pushed.extend((child, pre, None) for child in children)
        if breaks:
            pushed.append((None, None, breaks))
        stack.extend(reversed(pushed))
    return out


def _layout(node: LexborNode) -> str:
    """The node's text: items joined, breaks resolved, lines trimmed, NBSP kept."""
    pieces: list[str] = []
    pending = 0  # required line breaks waiting for the next content
    for item in _items(node):
        if isinstance(item, int):
            pending = max(pending, item)
            continue
        if item is _NL:
            if pending and pieces:
                pieces.append("\n" * pending)
            pending = 0
            pieces.append("\n")
            continue
        if isinstance(item, tuple):  # preformatted text: kept as it is
            text = item[1]
        else:
            text = _COLLAPSIBLE.sub(" ", item)
            if text == " " and (pending or not pieces or pieces[-1].endswith("\n")):
                continue  # white space between blocks or at a line's start lays out as nothing
        if pending:
            if pieces:
                pieces.append("\n" * pending)
            pending = 0
        pieces.append(text)
    lines = []
    for line in "".join(pieces).split("\n"):
        # collapse across inline boundaries and trim the line's ends; NBSP stays (it never collapses)
        lines.append(_SPACES.sub(" ", line).strip(" "))
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + ("\n" if lines else "")


# --- ESCO links ----------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return " ".join(line.split())
    return ""


def _visible(node: LexborNode) -> bool:
    """Whether the node and all its ancestors are shown."""
    current = node
    while current is not None and current.is_element_node:
        if not _visible_element(current):
            return False
        current = current.parent
    return True


def _concept_links(root: LexborNode) -> Iterator[ConceptLink]:
    laid_out_nodes: dict[int, str] = {}  # a container's text, once however many links it holds

    def laid_out(node: LexborNode) -> str:
        key = node.mem_id
        if key not in laid_out_nodes:
            laid_out_nodes[key] = _layout(node)
        return laid_out_nodes[key]

    for anchor in root.css("a[href]"):
        found = esco_iri(anchor.attributes.get("href"))
        if found is None or not _visible(anchor):
            continue
        kind, iri = found
        own = _layout(anchor)
        text = _first_line(own)
        context = None
        parent = anchor.parent
        while parent is not None and parent.is_element_node and parent.tag not in ("body", "html"):
            text_of_parent = laid_out(parent)
            # an element holding only the link and item markers (`digital`) is a row of the item,
            # not the item: the item's first line (its label) is further up
            if _MARKERS.sub("", text_of_parent.replace(own.strip(), "", 1)).strip(" \t\n·|,;:-"):
                context = _first_line(text_of_parent) or None
                break
            parent = parent.parent
        yield ConceptLink(kind=kind, iri=iri, text=text, context=context)


def _canonical(tree: LexborHTMLParser) -> Optional[str]:
    for node in tree.css('link[rel][href], meta[property="og:url"][content]'):
        attrs = node.attributes
        if node.tag == "link" and "canonical" not in (attrs.get("rel") or "").lower().split():
            continue
        found = esco_iri(attrs.get("href") if node.tag == "link" else attrs.get("content"))
        if found and found[0] == "occupation":
            return found[1]
    return None


def apply_links(record, page: HtmlPage):
    """The record with the official IRIs its HTML page links to (occupation and skills).

    A skill gets the IRI of the ESCO skill link whose text (or, for a generic link such as
    `ESCO source`, whose enclosing item) is the skill's label. The occupation gets the IRI of its
    page (an ESCO portal URL), of the page's canonical link, of a link labelled with its label,
    or of the page's only occupation link. A label linked to two different IRIs keeps none, with
    a note. IRIs the record already has are kept.
    """
    notes = list(record.notes)

    # a link's own text names its concept; the text of its item only for a generic link
    # ("ESCO source", "View on Official Portal"), i.e. one whose text is no label of this record
    labels = {label_key(link.skill.label) for link in record.skills} | {label_key(record.label)}
    skill_iris: dict[str, set[str]] = {}
    skill_context: dict[str, set[str]] = {}
    occupation_iris: dict[str, set[str]] = {}
    every_occupation: set[str] = set()
    for link in page.links:
        own = label_key(link.text) if link.text else ""
        if link.kind == "occupation":
            every_occupation.add(link.iri)
            for label in (link.text, link.context if own not in labels else None):
                if label:
                    occupation_iris.setdefault(label_key(label), set()).add(link.iri)
            continue
        if own:
            skill_iris.setdefault(own, set()).add(link.iri)
        if link.context and own not in labels:
            skill_context.setdefault(label_key(link.context), set()).add(link.iri)

    links = []
    changed = False
    for skill_link in record.skills:
        skill = skill_link.skill
        if skill.iri is None:
            key = label_key(skill.label)
            candidates = skill_iris.get(key, set()) | skill_context.get(key, set())
            if len(candidates) == 1:
                skill = replace(skill, iri=next(iter(candidates)))
                skill_link = replace(skill_link, skill=skill)
                changed = True
            elif len(candidates) > 1:
                notes.append(f"{skill.label!r} links to several ESCO skills ({', '.join(sorted(candidates))}); none used")
        links.append(skill_link)

    occupation = record.iri
    if occupation is None:
        own = esco_iri(record.source.iri) if record.source.iri and "://" in record.source.iri else None
        by_label = occupation_iris.get(label_key(record.label), set())
        if own and own[0] == "occupation":
            occupation = own[1]
        elif page.canonical:
            occupation = page.canonical
        elif len(by_label) == 1:
            occupation = next(iter(by_label))
        elif len(by_label) > 1:
            notes.append(f"the page links its occupation to several ESCO IRIs ({', '.join(sorted(by_label))}); none used")
        elif len(every_occupation) == 1:
            occupation = next(iter(every_occupation))
    if occupation == record.iri and not changed and len(notes) == len(record.notes):
        return record
    return replace(record, iri=occupation, skills=tuple(links), notes=tuple(notes))


__all__ = ["BLOCK", "DROPPED", "ConceptLink", "HtmlPage", "apply_links", "esco_iri", "html_to_text", "layout_html"]
