"""SPARQL text: the query form, the prologue, where to bind values (a small tokenizer, not a parser)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from ..errors import StoreError
from ..namespaces import PREFIXES
from .results import to_term

# SPARQL text: the query form, the prologue, where to bind values (a small tokenizer, not a parser)
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<var>[?$][^\s{}()<>"',;.]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>"',;]*)?|:[^\s{}()<>"',;]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
''', re.X | re.S)

_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}


def tokens(query: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of the significant tokens (no white space, no comments)."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start()


def query_form(query: str) -> str:
    """``select``, ``ask``, ``construct`` or ``describe``; ``update`` for an update request;
    ``unknown`` when it starts with none of these (the store will say why)."""
    for kind, text, _ in tokens(query):
        if kind == "word":
            up = text.upper()
            if up in _FORMS:
                return _FORMS[up]
            if up in ("PREFIX", "BASE"):
                continue
            if up in ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"):
                return "update"
            if ":" in text:
                continue  # the prefix name of a PREFIX declaration
        if kind in ("iri",):
            continue
        break
    return "unknown"  # let the store say what is wrong with it


def split_prologue(query: str) -> tuple[str, str]:
    """(PREFIX/BASE declarations, the rest from the query form keyword on)."""
    for kind, text, pos in tokens(query):
        if kind == "word" and text.upper() in _FORMS:
            return query[:pos], query[pos:]
    return "", query


def _declared_prefixes(prologue: str) -> set[str]:
    toks = list(tokens(prologue))
    out = set()
    for i, (kind, text, _) in enumerate(toks):
        if kind == "word" and text.upper() == "PREFIX" and i + 1 < len(toks):
            out.add(toks[i + 1][1].split(":", 1)[0])
    return out


def with_known_prefixes(query: str) -> str:
    """``query`` with PREFIX declarations for the known prefixes (esco:, skos: ...) it uses without
    declaring them.

    They go on the query's first line, so the line numbers of a store's error messages still match
    the user's text; a query that declares its prefixes is sent as it is."""
    prologue, _ = split_prologue(query)
    declared = _declared_prefixes(prologue)
    used = set()
    for kind, text, _ in tokens(query):
        if kind == "word" and ":" in text:
            used.add(text.split(":", 1)[0])
    extra = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p in used and p not in declared)
    return f"{extra} {query}" if extra else query


def _where_open(query: str) -> int:
    """Offset just after the ``{`` that opens the query's WHERE group."""
    form = None
    depth = 0
    template_done = False
    for kind, text, pos in tokens(query):
        if form is None:
            if kind == "word" and text.upper() in _FORMS:
                form = _FORMS[text.upper()]
            continue
        if kind == "open":
            if depth == 0:
                if form == "construct" and not template_done:
                    depth += 1
                    continue
                return pos + 1
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0 and form == "construct":
                template_done = True
        elif kind == "word" and depth == 0 and text.upper() == "WHERE" and form == "construct" and not template_done:
            raise StoreError("values cannot be bound into the short form CONSTRUCT WHERE { ... }: "
                             "write the template out")
    raise StoreError("values can only be bound into a query with a WHERE clause")


def values_clause(bindings: dict[str, Any]) -> str:
    """``VALUES (?a ?b) { (<iri> "literal"@en) }`` built from escaped RDF terms (N-Triples syntax)."""
    names = []
    terms = []
    for name, value in bindings.items():
        name = name.lstrip("?$")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise StoreError(f"not a SPARQL variable name: {name!r}")
        term = to_term(value)
        if isinstance(term, ox.BlankNode):
            raise StoreError("a blank node cannot be bound into a query sent to a store")
        names.append(f"?{name}")
        terms.append(str(term))  # pyoxigraph writes N-Triples: quotes, backslashes, newlines escaped
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind_values(query: str, bindings: dict[str, Any]) -> str:
    """``query`` with ``bindings`` as a VALUES block at the top of its WHERE group.

    Inside the group (not after the query) so that FILTERs see the values, as with pyoxigraph's
    ``substitutions``."""
    if not bindings:
        return query
    at = _where_open(query)
    return f"{query[:at]} {values_clause(bindings)} {query[at:]}"


# --------------------------------------------------------------------------------------------
