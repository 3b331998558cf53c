"""Triple stores: an embedded on-disk store (pyoxigraph) and any SPARQL 1.1 store over HTTP.

One API for both::

    with open_store("./kg") as store:                        # embedded, created on first use
        report = store.load_file("graph.trig")               # named graphs kept, each replaced
        result = store.query("SELECT ?o WHERE { ?o a esco:Occupation }")
        print(result.to_table())

    store = open_store(endpoint="http://127.0.0.1:7878")      # any SPARQL 1.1 store

Semantics, the same on every store:

* **Named graphs are replaced, never merged.** Loading a file (or ``load_graphs``) replaces each
  named graph it carries, whole: re-loading a page leaves the store as it was, and a changed page
  replaces only its own graph. A file is parsed once to check it (a syntax error changes nothing),
  then streamed graph by graph: one transaction per graph on the embedded store, one SPARQL 1.1
  Graph Store Protocol ``PUT`` per graph on a remote store; only one graph is in memory at a time
  (a graph of more than :data:`CHUNK_TRIPLES` triples goes in several parts).
* **Default-graph triples are added** (set semantics: the same triple twice is one triple), because
  the default graph is shared by everything loaded; to make a Turtle file's triples replaceable,
  load it into a named graph (``load_file(path, graph=IRI)``, ``esco-graph load --graph IRI``).
  Blank nodes in the default graph cannot be recognised on a reload and are reported as a warning.
  Where a store's Graph Store has no usable default graph (Virtuoso) or its union graph leaves the
  default graph out (Fuseki), default-graph triples go to the named graph
  ``urn:esco-graph:default`` (:data:`DEFAULT_GRAPH_STANDIN`).
* **Queries see every graph.** The default graph of a query is the union of all graphs: pyoxigraph's
  ``use_default_graph_as_union``, Oxigraph server's ``union-default-graph``, Fuseki's
  ``urn:x-arq:UnionGraph``; Virtuoso and GraphDB do this by themselves. A triple sitting in several
  graphs matches once per graph, so queries that count should use ``DISTINCT``.
* The prefixes of :data:`esco_graph.namespaces.PREFIXES` (``esco:``, ``skos:``, ``dct:`` ...) may be
  used in queries without declaring them.

Remote stores: credentials come only from ``ESCO_GRAPH_USER``/``ESCO_GRAPH_PASSWORD`` or the netrc
file (``$NETRC`` or ``~/.netrc``), are sent with basic or digest auth as the server asks, and never
appear in messages (URLs are scrubbed of user info). Connection refused, resets, time-outs and 5xx
answers are retried with exponential backoff a bounded number of times, then reported. A result cut
by a server's row cap (Virtuoso's ``ResultSetMaxRows``) is paged (SELECT) or reported (CONSTRUCT).

Only the standard library speaks HTTP here (``http.client``: persistent connections and streamed
bodies; urllib's digest code computes the digest answer).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import pyoxigraph as ox

from ..errors import InputError, OutputError, StoreError
from ..files import write_atomic
from ..terms import SYNTAXES, syntax_named, to_oxigraph
from ..http import SERVER_ERROR_CODE, Body, HttpClient, Response, scrub_url, server_message
from ..text import one_line
from ..namespaces import PREFIXES

__all__ = [
    "DEFAULT_GRAPH_LABEL", "DEFAULT_GRAPH_STANDIN", "PRESETS", "STORE_TYPES", "EmbeddedStore",
    "LoadReport", "Preset", "QueryResult", "RemoteStore", "Store", "StoreAuthError",
    "StoreUnavailable", "default_store_path", "open_store", "scrub_url", "to_ntriples",
]

DEFAULT_GRAPH_LABEL = "(default graph)"
DEFAULT_GRAPH_STANDIN = "urn:esco-graph:default"
_PROBE_GRAPH = "urn:esco-graph:probe"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]


class StoreUnavailable(StoreError):
    """The store could not be reached, or kept failing (connection refused, reset, 5xx), after retries."""


class StoreAuthError(StoreError):
    """The store asked for credentials that were missing or that it rejected."""


# --------------------------------------------------------------------------------------------
# Locations, formats
# --------------------------------------------------------------------------------------------

def default_store_path() -> Path:
    """Where the embedded store lives when neither ``--store`` nor ``--endpoint`` is given.

    ``$ESCO_GRAPH_STORE`` if set; otherwise the per-user data folder: ``$XDG_DATA_HOME/esco-graph/store``
    (``~/.local/share/esco-graph/store``) on Linux, ``~/Library/Application Support/esco-graph/store``
    on macOS, ``%LOCALAPPDATA%\\esco-graph\\store`` on Windows.
    """
    env = os.environ.get("ESCO_GRAPH_STORE")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "esco-graph" / "store"


_JSONLD = "json-ld"  # read through rdflib (its JSON-LD processor handles contexts fully)
def rdf_format(path: str | Path, format: str | None = None):
    """The RDF format of ``path``: ``format`` (a name or extension) if given, else the extension."""
    key = (format or "").lower().lstrip(".")
    if not key:
        name = Path(path).name.lower()
        for suffix in (".gz",):
            if name.endswith(suffix):
                raise InputError(str(path), "compressed files are not read: decompress it first")
        key = name.rsplit(".", 1)[-1] if "." in name else ""
    syntax = syntax_named(key) if key else None
    fmt = None if syntax is None else (syntax.oxigraph or _JSONLD)
    if fmt is None:
        known = ", ".join(sorted({"ttl", "nt", "nq", "trig", "jsonld", "n3", "rdf"}))
        what = f"format {format!r}" if format else f"extension {Path(path).suffix or '(none)'!r}"
        raise InputError(str(path), f"unknown RDF {what}; known: {known}")
    return fmt


def _format_name(fmt) -> str:
    return "JSON-LD" if fmt == _JSONLD else fmt.name


def _has_datasets(fmt) -> bool:
    return fmt == _JSONLD or fmt.supports_datasets


def _jsonld_to_nquads(path: Path, dest: Path) -> None:
    """Read a JSON-LD file with rdflib (named graphs kept) and write it as N-Quads."""
    import rdflib
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from ..graph.jsonld import read_local_jsonld

    text = read_local_jsonld(path)  # refuses remote and file contexts: nothing is fetched or read
    ds = rdflib.Dataset()
    try:
        ds.parse(data=text, format="json-ld", publicID=Path(path).resolve().as_uri())
    except Exception as e:  # rdflib raises many kinds
        raise InputError(str(path), f"not readable as JSON-LD: {one_line(str(e)) or type(e).__name__}") from None
    with open(dest, "wb") as out:
        for s, p, o, g in ds.quads((None, None, None, None)):
            terms = [to_oxigraph(t) for t in (s, p, o)]
            if g is None or getattr(g, "identifier", g) == DATASET_DEFAULT_GRAPH_ID:
                quad = ox.Quad(*terms)
            else:
                quad = ox.Quad(*terms, to_oxigraph(getattr(g, "identifier", g)))
            out.write(str(quad).encode("utf-8") + b" .\n")


# --------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------

def to_term(value) -> Term:
    """A pyoxigraph term for ``value``: pyoxigraph and rdflib terms as they are; a Python ``str``
    is a plain literal (never an IRI: pass ``NamedNode``/``URIRef`` for that); int, float and bool
    are typed literals."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
        return value
    from rdflib.term import Identifier  # rdflib's URIRef and Literal are str subclasses: first

    if isinstance(value, Identifier):
        try:
            return to_oxigraph(value)
        except (TypeError, ValueError) as e:
            raise StoreError(f"cannot bind {value!r} into a query: {e}") from None
    if isinstance(value, (bool, int, float, str)):
        return ox.Literal(value)
    raise StoreError(f"cannot bind {type(value).__name__} {value!r} into a query")


def _term_from_json(b: dict, bnodes: dict[str, ox.BlankNode]) -> Term:
    kind = b.get("type")
    value = b.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        if value not in bnodes:
            bnodes[value] = ox.BlankNode()
        return bnodes[value]
    if kind in ("literal", "typed-literal"):
        lang = b.get("xml:lang")
        if lang:
            return ox.Literal(value, language=lang)
        dt = b.get("datatype")
        if dt and dt != _RDF_LANGSTRING:
            return ox.Literal(value, datatype=ox.NamedNode(dt))
        return ox.Literal(value)
    if kind == "triple":
        v = b["value"]
        return ox.Triple(_term_from_json(v["subject"], bnodes), _term_from_json(v["predicate"], bnodes),
                         _term_from_json(v["object"], bnodes))
    raise StoreError(f"the store answered a result term of unknown type {kind!r}")


def _term_to_json(t: Term) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_to_json(t.subject),
                                            "predicate": _term_to_json(t.predicate),
                                            "object": _term_to_json(t.object)}}
    raise TypeError(t)


_PREFIX_BY_NS = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def _display(t: Term | None) -> str:
    """A term as a person reads it in a table: IRIs compacted with the known prefixes, literals bare."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        for ns, p in _PREFIX_BY_NS:
            if t.value.startswith(ns) and _LOCAL.match(t.value[len(ns):]):
                return f"{p}:{t.value[len(ns):]}"
        return t.value
    if isinstance(t, ox.Literal):
        return t.value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return str(t)


def _plain(t: Term | None) -> str:
    """A term as SPARQL 1.1 CSV results write it."""
    if t is None:
        return ""
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return t.value
    return str(t)


# --------------------------------------------------------------------------------------------
# Query results
# --------------------------------------------------------------------------------------------

RESULT_FORMATS = ("table", "csv", "tsv", "json")
_RESULT_EXT = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".srj": "json", ".txt": "table"}
_RDF_OUT_EXT = {ext: syntax.oxigraph or ox.RdfFormat.JSON_LD
                for syntax in SYNTAXES for ext in syntax.extensions + syntax.loose_extensions}


@dataclass
class QueryResult:
    """The answer to a query, the same whatever store gave it.

    ``kind`` is ``select`` (``variables`` and ``rows``: tuples of pyoxigraph terms, ``None`` where
    unbound), ``ask`` (``boolean``) or ``graph`` (CONSTRUCT/DESCRIBE: ``triples``). ``warnings`` says
    what a person should know (e.g. a server cut the result at its row cap).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows)

    def dicts(self) -> list[dict[str, Term | None]]:
        """The rows as ``{variable: term}`` dictionaries."""
        return [dict(zip(self.variables, row)) for row in self.rows]

    def values(self) -> list[tuple[str, ...]]:
        """The rows with each term as its plain value (IRI or lexical form; '' when unbound)."""
        return [tuple(_plain(t) for t in row) for row in self.rows]

    # -- writers ------------------------------------------------------------------------------
    def to_table(self) -> str:
        """Aligned text columns for a terminal."""
        if self.kind == "ask":
            return ("true" if self.boolean else "false") + "\n"
        if self.kind == "graph":
            return self.to_rdf().decode("utf-8")
        header = [f"?{v}" for v in self.variables]
        cells = [[_display(t) for t in row] for row in self.rows]
        widths = [len(h) for h in header]
        for row in cells:
            for i, c in enumerate(row):
                widths[i] = max(widths[i], len(c))
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
        n = len(self.rows)
        lines.append(f"({n} row{'s' if n != 1 else ''})")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV (values only, CRLF line ends)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if self.kind == "ask":
            w.writerow(["boolean"])
            w.writerow(["true" if self.boolean else "false"])
        else:
            self._need_select("CSV")
            w.writerow(self.variables)
            for row in self.rows:
                w.writerow([_plain(t) for t in row])
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV (terms in N-Triples syntax)."""
        if self.kind == "ask":
            return "?boolean\n" + ("true" if self.boolean else "false") + "\n"
        self._need_select("TSV")
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)}) + "\n"
        self._need_select("SPARQL results JSON")
        bindings = [{v: _term_to_json(t) for v, t in zip(self.variables, row) if t is not None}
                    for row in self.rows]
        return json.dumps({"head": {"vars": self.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1) + "\n"

    def to_rdf(self, format=ox.RdfFormat.TURTLE) -> bytes:
        """CONSTRUCT/DESCRIBE results as RDF (Turtle by default), triples sorted for stable output."""
        if self.kind != "graph":
            raise OutputError("only CONSTRUCT and DESCRIBE results can be written as RDF")
        triples = sorted(self.triples, key=str)
        items: list = triples
        if format.supports_datasets:
            items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        prefixes = PREFIXES if format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3) else None
        if prefixes:
            return ox.serialize(items, format=format, prefixes=prefixes)
        return ox.serialize(items, format=format)

    def serialize(self, fmt: str = "table") -> str | bytes:
        """The result in ``fmt`` (table, csv, tsv, json); graph results are always Turtle bytes."""
        if self.kind == "graph":
            return self.to_rdf()
        try:
            return {"table": self.to_table, "csv": self.to_csv, "tsv": self.to_tsv, "json": self.to_json}[fmt]()
        except KeyError:
            raise OutputError(f"unknown result format {fmt!r}; known: {', '.join(RESULT_FORMATS)}") from None

    def write(self, path: str | Path, fmt: str | None = None) -> None:
        """Write the result to ``path`` atomically; the format comes from ``fmt`` or the extension."""
        path = Path(path)
        ext = path.suffix.lower()
        if self.kind == "graph":
            rdf_fmt = _RDF_OUT_EXT.get(ext)
            if rdf_fmt is None:
                raise OutputError(f"{path}: unknown RDF extension {ext or '(none)'!r} for a graph result; "
                                  f"use one of {', '.join(sorted(_RDF_OUT_EXT))}")
            data = self.to_rdf(rdf_fmt)
        else:
            fmt = fmt or _RESULT_EXT.get(ext) or "table"
            text = self.serialize(fmt)
            data = text.encode("utf-8") if isinstance(text, str) else text
        write_atomic(path, data)

    def _need_select(self, what: str) -> None:
        if self.kind != "select":
            raise OutputError(f"{what} is for SELECT and ASK results; write a graph result as RDF")


# --------------------------------------------------------------------------------------------
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


def _tokens(query: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of the significant tokens (no white space, no comments)."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start()


def query_form(query: str) -> str:
    """``select``, ``ask``, ``construct`` or ``describe``; ``update`` for an update request;
    ``unknown`` when it starts with none of these (the store will say why)."""
    for kind, text, _ in _tokens(query):
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
    for kind, text, pos in _tokens(query):
        if kind == "word" and text.upper() in _FORMS:
            return query[:pos], query[pos:]
    return "", query


def _declared_prefixes(prologue: str) -> set[str]:
    toks = list(_tokens(prologue))
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
    for kind, text, _ in _tokens(query):
        if kind == "word" and ":" in text:
            used.add(text.split(":", 1)[0])
    extra = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p in used and p not in declared)
    return f"{extra} {query}" if extra else query


def _where_open(query: str) -> int:
    """Offset just after the ``{`` that opens the query's WHERE group."""
    form = None
    depth = 0
    template_done = False
    for kind, text, pos in _tokens(query):
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
# Load report
# --------------------------------------------------------------------------------------------

@dataclass
class LoadReport:
    """What a load did: the graphs that landed whole, those that did not (and why), triples sent."""

    graphs_loaded: list[str] = field(default_factory=list)
    graphs_failed: list[tuple[str, str]] = field(default_factory=list)
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    #: files that could not be read at all (nothing of them was sent): (file, reason)
    inputs_failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.graphs_failed and not self.inputs_failed

    def extend(self, other: "LoadReport") -> "LoadReport":
        self.graphs_loaded += other.graphs_loaded
        self.graphs_failed += other.graphs_failed
        self.triples += other.triples
        self.warnings += other.warnings
        self.inputs_failed += other.inputs_failed
        return self

    def summary(self) -> str:
        n = len(self.graphs_loaded)
        text = f"{n} graph{'s' if n != 1 else ''} loaded ({self.triples} triples)"
        if self.graphs_failed:
            m = len(self.graphs_failed)
            text += f", {m} graph{'s' if m != 1 else ''} not loaded"
        if self.inputs_failed:
            m = len(self.inputs_failed)
            text += f", {m} file{'s' if m != 1 else ''} not readable"
        return text


def _label(iri: str | None) -> str:
    return DEFAULT_GRAPH_LABEL if iri is None else iri


def to_ntriples(triples: Iterable) -> bytes:
    """N-Triples bytes of ``triples`` (rdflib or pyoxigraph terms), sorted: the body
    :meth:`Store.load_graphs` takes."""
    lines = set()
    for s, p, o in triples:
        lines.add(f"{to_iri_or_term(s)} {to_iri_or_term(p)} {to_iri_or_term(o)} .")
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8") if lines else b""


def to_iri_or_term(t) -> str:
    """A subject, predicate or object in N-Triples syntax."""
    if isinstance(t, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return str(t)
    return str(to_oxigraph(t))


def _graph_body(data) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    return to_ntriples(data)


def _count_ntriples(data: bytes) -> int:
    n = 0
    for line in data.splitlines():
        s = line.strip()
        if s and not s.startswith(b"#"):
            n += 1
    return n


# --------------------------------------------------------------------------------------------
# The Store interface
# --------------------------------------------------------------------------------------------

class Store(ABC):
    """A triple store: load RDF, query it. Use :func:`open_store` to get one."""

    #: ``embedded`` or the remote store type (``oxigraph``, ``virtuoso`` ...)
    kind: str = ""

    @property
    @abstractmethod
    def location(self) -> str:
        """The store's directory or (scrubbed) URL, for messages."""

    def load_file(self, path: str | Path, format: str | None = None, *, graph: str | None = None,
                  on_graph: Callable[[str, bool], None] | None = None, bulk: bool = False) -> LoadReport:
        """Load an RDF file (.ttl .nt .nq .trig .jsonld .n3 .rdf).

        Each named graph in it replaces the store's graph of that name; default-graph triples are
        added to the default graph, or, with ``graph=IRI``, replace the named graph ``IRI``.
        The file is parsed whole before the store is touched: a syntax error changes nothing.
        Then it is streamed, one graph at a time (one transaction, or one request, per graph).

        ``bulk`` (embedded store only) uses pyoxigraph's bulk loader: a few times faster for big
        files, but not transactional: an interruption can leave graphs part-loaded (loading the
        same file again repairs them).
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(str(path), "no such file" if not path.exists() else "not a file")
        fmt = rdf_format(path, format)
        target = _named_node(graph, "--graph") if graph else None
        with tempfile.TemporaryDirectory(prefix="esco-graph-load-") as tmp:
            source = path
            if fmt == _JSONLD:
                source = Path(tmp) / "jsonld.nq"
                _jsonld_to_nquads(path, source)
                fmt = ox.RdfFormat.N_QUADS
            counts, default_bnodes = _scan(source, fmt, target, shown=path)  # a syntax error stops here
            self._before_load()
            report = LoadReport()
            if default_bnodes:
                report.warnings.append(_BNODE_WARNING.format(file=path))
            if bulk:
                return report.extend(self._bulk_load(source, fmt, target, counts, on_graph))
            return report.extend(self._load_chunks(_chunks(source, fmt, target, shown=path), on_graph))

    def _bulk_load(self, path: Path, fmt, target, counts: dict, on_graph) -> LoadReport:
        raise StoreError("bulk loading is for the embedded store")

    def load_files(self, paths: Iterable[str | Path], format: str | None = None, *, graph: str | None = None,
                   on_graph: Callable[[str, bool], None] | None = None, bulk: bool = False) -> LoadReport:
        """:meth:`load_file` for each path; one report. A file that cannot be read is listed in
        ``inputs_failed`` and the others are still loaded; a store failure that makes further
        loads pointless (store unreachable, credentials rejected) stops the load."""
        report = LoadReport()
        paths = list(paths)
        for i, p in enumerate(paths):
            try:
                report.extend(self.load_file(p, format, graph=graph, on_graph=on_graph, bulk=bulk))
            except InputError as e:
                report.inputs_failed.append((str(p), e.reason))
            except (StoreUnavailable, StoreAuthError) as e:
                report.graphs_failed.append((str(p), str(e)))
                for rest in paths[i + 1:]:
                    report.graphs_failed.append((str(rest), "not attempted: " + str(e)))
                break
        return report

    def load_graphs(self, graphs: Iterable[tuple[str | None, bytes]],
                    on_graph: Callable[[str, bool], None] | None = None) -> LoadReport:
        """Load ``(graph IRI or None for the default graph, N-Triples bytes)`` pairs: each named graph
        replaced whole, default-graph triples added. What ``build --store`` uses.

        The body may also be an iterable of (s, p, o) rdflib or pyoxigraph terms (see
        :func:`to_ntriples`). The pairs are consumed one at a time, so a generator keeps one graph
        in memory."""
        self._before_load()

        def chunks():
            for iri, data in graphs:
                yield (None if iri is None else str(iri)), _graph_body(data), True

        return self._load_chunks(chunks(), on_graph)

    def _before_load(self) -> None:
        """Check the store can take a load (a remote store: reachable, credentials accepted)."""

    @abstractmethod
    def _load_chunks(self, chunks: Iterable[tuple[str | None, bytes | list, bool]], on_graph) -> LoadReport:
        """Store ``(graph key, N-Triples bytes or triples, first part of that graph?)`` in order."""

    @abstractmethod
    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> QueryResult:
        """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query; ``bindings`` ({variable: value}) are bound
        safely (pyoxigraph substitutions, or a VALUES block of escaped terms), never spliced."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 update."""

    def close(self) -> None:
        """Release the store (flush the embedded store, close connections)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"


def _named_node(iri: str, what: str = "graph") -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as e:
        raise StoreError(f"{what} {iri!r} is not a valid IRI: {e}") from None


def _graph_key(q: ox.Quad, target: ox.NamedNode | None, shown: Path) -> str | None:
    g = q.graph_name
    if isinstance(g, ox.DefaultGraph):
        return None if target is None else target.value
    if isinstance(g, ox.NamedNode):
        return g.value
    raise InputError(str(shown), "a named graph is named by a blank node; name it with an IRI")


def _scan(path: Path, fmt, target: ox.NamedNode | None, shown: Path | None = None
          ) -> tuple[dict[str | None, int], bool]:
    """Parse ``path`` once: triples per graph (None = default graph) and whether the default graph
    has blank nodes. Raises InputError on a syntax error."""
    shown = shown or path
    counts: dict[str | None, int] = {}
    default_bnodes = False
    try:
        for q in ox.parse(path=str(path), format=fmt):
            key = _graph_key(q, target, shown)
            if key is None and not default_bnodes and (
                    isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)):
                default_bnodes = True
            counts[key] = counts.get(key, 0) + 1
    except SyntaxError as e:
        raise InputError(str(shown), f"not valid {_format_name(fmt)}: {one_line(str(e))}") from None
    except OSError as e:
        raise InputError(str(shown), f"cannot read: {e.strerror or e}") from None
    return counts, default_bnodes


#: at most this many triples of one graph are held in memory and sent in one request; a bigger
#: graph goes in several (the first replaces the graph, the others add to it)
CHUNK_TRIPLES = 200_000


def _chunks(path: Path, fmt, target: ox.NamedNode | None, shown: Path, limit: int = CHUNK_TRIPLES
            ) -> Iterator[tuple[str | None, list[ox.Triple], bool]]:
    """Stream ``path`` as (graph key, its triples, first part of that graph?) in file order: one
    part per graph when the file keeps each graph together (as TriG and esco-graph's N-Quads do)."""
    seen: set[str | None] = set()
    current: str | None = None
    buf: list[ox.Triple] = []
    try:
        for q in ox.parse(path=str(path), format=fmt):
            key = _graph_key(q, target, shown)
            if buf and (key != current or len(buf) >= limit):
                yield current, buf, current not in seen
                seen.add(current)
                buf = []
            current = key
            buf.append(q.triple)
    except SyntaxError as e:  # (the file changed since it was scanned)
        raise InputError(str(shown), f"not valid {_format_name(fmt)}: {one_line(str(e))}") from None
    if buf:
        yield current, buf, current not in seen


_BNODE_WARNING = ("{file}: its default graph has blank nodes, which a store cannot recognise on a reload: "
                  "loading it again adds them again. Load it into a named graph (--graph IRI) to make reloads replace it.")


# --------------------------------------------------------------------------------------------
# Embedded store (pyoxigraph on disk)
# --------------------------------------------------------------------------------------------

class EmbeddedStore(Store):
    """A persistent pyoxigraph store in a directory, created on first use.

    Per graph, a load first clears the graph, then loads it in one transaction; the file is parsed
    whole beforehand, so the one thing an interruption (a crash between the two steps) can leave is
    an empty graph, never a half-loaded one. Queries use the union of all graphs as default graph.
    """

    kind = "embedded"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is not a directory: --store takes the store's folder")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store: ox.Store | None = ox.Store(str(self.path))
        except OSError as e:
            msg = one_line(str(e))
            if "lock" in msg.lower():
                raise StoreError(f"the store {self.path} is in use by another process ({msg})") from None
            raise StoreError(f"cannot open the store {self.path}: {msg}") from None

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def pyoxigraph(self) -> ox.Store:
        """The underlying ``pyoxigraph.Store``."""
        if self._store is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._store

    def _bulk_load(self, path: Path, fmt, target, counts: dict, on_graph) -> LoadReport:
        store = self.pyoxigraph
        report = LoadReport()
        try:
            for key in counts:
                if key is not None:
                    store.clear_graph(ox.NamedNode(key))
            store.bulk_load(path=str(path), format=fmt, to_graph=target)
        except (OSError, SyntaxError, ValueError) as e:
            reason = one_line(str(e)) + " (bulk load: load the same file again to repair the graphs)"
            report.graphs_failed = [(_label(k), reason) for k in counts]
            return report
        report.graphs_loaded = [_label(k) for k in counts]
        report.triples = sum(counts.values())
        if on_graph:
            for k in counts:
                on_graph(_label(k), True)
        return report

    def _load_chunks(self, chunks, on_graph) -> LoadReport:
        store = self.pyoxigraph
        report = LoadReport()
        for key, payload, first in chunks:
            label = _label(key)
            try:
                graph = ox.DefaultGraph() if key is None else _named_node(key)
                if isinstance(payload, bytes):
                    payload = list(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))  # parsed before any change
                    if key is None and any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                                           for t in payload):
                        report.warnings.append(_BNODE_WARNING.format(file=label))
                if first and key is not None:
                    store.clear_graph(graph)
                store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in payload])  # one transaction
            except (SyntaxError, OSError, ValueError, StoreError) as e:
                if label in report.graphs_loaded:
                    report.graphs_loaded.remove(label)
                report.graphs_failed.append((label, one_line(str(e))))
                if on_graph:
                    on_graph(label, False)
                continue
            report.triples += len(payload)
            if first:
                report.graphs_loaded.append(label)
                if on_graph:
                    on_graph(label, True)
        return report

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> QueryResult:
        form = query_form(sparql)
        if form == "update":
            raise StoreError("this is an update, not a query: use Store.update")
        subs = None
        if bindings:
            subs = {}
            for name, value in bindings.items():
                term = to_term(value)
                subs[ox.Variable(name.lstrip("?$"))] = term
        try:
            try:
                r = self.pyoxigraph.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES,
                                          substitutions=subs)
            except RuntimeError as e:
                if not subs or "projection" not in str(e):
                    raise
                # pyoxigraph substitutes only projected variables: bind the others as a VALUES
                # block of escaped terms, as for a remote store
                r = self.pyoxigraph.query(bind_values(sparql, bindings), use_default_graph_as_union=True,
                                          prefixes=PREFIXES)
            if isinstance(r, ox.QuerySolutions):
                variables = [v.value for v in r.variables]
                rows = [tuple(sol[i] for i in range(len(variables))) for sol in r]
                return QueryResult("select", variables=variables, rows=rows)
            if isinstance(r, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(r))
            return QueryResult("graph", triples=list(r))
        except SyntaxError as e:
            raise StoreError(f"the query is not valid SPARQL: {one_line(str(e))}") from None
        except (OSError, RuntimeError, ValueError) as e:
            raise StoreError(f"the store {self.path} failed the query: {one_line(str(e))}") from None

    def update(self, sparql: str) -> None:
        try:
            self.pyoxigraph.update(sparql, prefixes=PREFIXES)
        except SyntaxError as e:
            raise StoreError(f"the update is not valid SPARQL: {one_line(str(e))}") from None
        except OSError as e:
            raise StoreError(f"the store {self.path} failed the update: {one_line(str(e))}") from None

    def close(self) -> None:
        if self._store is not None:
            try:
                self._store.flush()
            except OSError:
                pass
            self._store = None


# --------------------------------------------------------------------------------------------
# Remote stores: presets, credentials, HTTP
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preset:
    """Where a kind of server keeps its endpoints, relative to the ``--endpoint`` URL."""

    query: str | None
    update: str | None
    gsp: str | None
    #: extra form parameters of every query (how to make the default graph the union of all graphs)
    query_params: tuple[tuple[str, str], ...] = ()
    #: the named graph that stands for the default graph, when the store's GSP cannot be used for it
    default_graph: str | None = None
    #: the server's result row cap, when it has one by default
    row_cap: int | None = None
    endpoint_hint: str = ""


PRESETS: dict[str, Preset] = {
    # http://HOST:7878 ; its default graph is separate from the named graphs: ask for the union
    "oxigraph": Preset("/query", "/update", "/store", (("union-default-graph", ""),),
                       endpoint_hint="the server's root URL, e.g. http://127.0.0.1:7878"),
    # http://HOST:3030/DATASET ; urn:x-arq:UnionGraph is the union of the named graphs only
    "fuseki": Preset("/sparql", "/update", "/data", (("default-graph-uri", "urn:x-arq:UnionGraph"),),
                     default_graph=DEFAULT_GRAPH_STANDIN,
                     endpoint_hint="the dataset's URL, e.g. http://127.0.0.1:3030/esco"),
    # http://HOST:7200/repositories/REPO ; its default graph is already the union
    "graphdb": Preset("", "/statements", "/rdf-graphs/service",
                      endpoint_hint="the repository's URL, e.g. http://127.0.0.1:7200/repositories/esco"),
    # http://HOST:8890 ; the default graph is already the union; GSP: /sparql-graph-crud-auth (digest)
    "virtuoso": Preset("/sparql", "/sparql-auth", "/sparql-graph-crud-auth", default_graph=DEFAULT_GRAPH_STANDIN,
                       row_cap=10000, endpoint_hint="the server's root URL, e.g. http://127.0.0.1:8890"),
    # the endpoint URL is the SPARQL endpoint itself (query and update); no Graph Store: loads go
    # through SPARQL Update (DROP SILENT GRAPH + INSERT DATA, one request per graph)
    "generic": Preset("", "", None, endpoint_hint="the SPARQL endpoint's URL"),
}
STORE_TYPES = ("auto",) + tuple(PRESETS)


class _StoreHttp(HttpClient):
    """The HTTP client with the store's errors."""

    def auth_error(self, message: str) -> Exception:
        return StoreAuthError(message)

    def give_up(self, url, what, attempts, failure) -> Exception:
        return StoreUnavailable(str(super().give_up(url, what, attempts, failure)))

    def fatal(self, url, what, exc) -> Exception:
        return StoreError(str(super().fatal(url, what, exc)))


# --------------------------------------------------------------------------------------------
# Remote store
# --------------------------------------------------------------------------------------------

class RemoteStore(Store):
    """A SPARQL 1.1 store over HTTP: Graph Store Protocol to load, SPARQL Protocol to query and update."""

    def __init__(self, endpoint: str, store_type: str = "auto", *, query_path: str | None = None,
                 update_path: str | None = None, gsp_path: str | None = None, timeout: float = 120.0,
                 retries: int = 3, backoff: float = 0.5, row_cap: int | None = None, sleep=time.sleep):
        parts = urllib.parse.urlsplit(endpoint) if endpoint else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"--endpoint must be an http:// or https:// URL, not {scrub_url(endpoint or '')!r}")
        if parts.username is not None or parts.password is not None:
            raise StoreError(f"credentials in the endpoint URL are not accepted ({scrub_url(endpoint)}): "
                             "set ESCO_GRAPH_USER and ESCO_GRAPH_PASSWORD, or use ~/.netrc")
        self.endpoint = endpoint.rstrip("/")
        if store_type not in STORE_TYPES:
            raise StoreError(f"unknown store type {store_type!r}; known: {', '.join(STORE_TYPES)}")
        self._http = _StoreHttp(self.endpoint, timeout=timeout, retries=retries, backoff=backoff, sleep=sleep)
        self._overrides = (query_path, update_path, gsp_path)
        self._row_cap = row_cap
        self._ready = False
        self.kind = store_type
        self.preset: Preset | None = None
        if store_type != "auto":
            self._configure(store_type)

    # -- configuration --------------------------------------------------------------------------
    def _configure(self, store_type: str) -> None:
        self.kind = store_type
        self.preset = p = PRESETS[store_type]
        if store_type == "graphdb" and "/repositories/" not in self.endpoint:
            raise StoreError(f"for a GraphDB store, --endpoint is {p.endpoint_hint}")
        if store_type == "fuseki" and not urllib.parse.urlsplit(self.endpoint).path.strip("/"):
            raise StoreError(f"for a Fuseki store, --endpoint is {p.endpoint_hint}")
        q, u, g = self._overrides
        self.query_url = self._join(q if q is not None else p.query)
        self.update_url = self._join(u if u is not None else p.update)
        self.gsp_url = self._join(g if g is not None else p.gsp)
        self.row_cap = self._row_cap if self._row_cap is not None else p.row_cap
        if self.gsp_url:
            self._http.preauth_url = self.gsp_url + "?" + urllib.parse.urlencode({"graph": _PROBE_GRAPH})

    def _join(self, path: str | None) -> str | None:
        if path is None:
            return None
        if re.match(r"https?://", path):
            if "@" in urllib.parse.urlsplit(path).netloc:
                raise StoreError("credentials in endpoint paths are not accepted: use ESCO_GRAPH_USER/ESCO_GRAPH_PASSWORD or ~/.netrc")
            return path
        if path and not path.startswith("/"):
            path = "/" + path
        return self.endpoint + path

    def _detect(self) -> None:
        """Pick the preset from the server's answer (its Server header) for --store-type auto."""
        if "/repositories/" in self.endpoint:
            self._configure("graphdb")
            return
        resp = self._http.request("GET", self.endpoint + "/", headers={"Accept": "*/*"}, what="connecting",
                                  authenticate=False)
        server = (resp.headers.get("Server") or "").lower()
        if "oxigraph" in server:
            self._configure("oxigraph")
        elif "virtuoso" in server:
            self._configure("virtuoso")
        elif "fuseki" in server or "jena" in server:
            self._configure("fuseki")
        elif "graphdb" in server:
            self._configure("graphdb")
        else:
            self._configure("generic")

    def _ensure_configured(self) -> None:
        if self.preset is None:
            self._detect()

    @property
    def location(self) -> str:
        return scrub_url(self.endpoint)

    def _probe(self) -> None:
        """A cheap request that checks the store answers and that the credentials are accepted,
        before any data is sent."""
        if self.gsp_url:
            url = self.gsp_url + "?" + urllib.parse.urlencode({"graph": _PROBE_GRAPH})
            resp = self._http.request("GET", url, headers={"Accept": "application/n-triples"}, what="connecting")
        else:
            resp = self._post_form(self.query_url, {"query": "ASK {}"}, "application/sparql-results+json",
                                   what="connecting")
        if resp.status == 403:
            raise StoreAuthError(f"{self.location} refused access (HTTP 403)"
                                 + (f": {server_message(resp)}" if resp.body else ""))
        if resp.status >= 500:
            raise StoreUnavailable(f"{self.location} answered HTTP {resp.status}: {server_message(resp)}")

    def ping(self) -> None:
        """Check the store answers (and accepts the credentials); raises StoreError if not."""
        self._ensure_configured()
        self._probe()
        self._ready = True

    # -- loading --------------------------------------------------------------------------------
    def _send_graph(self, iri: str | None, body: Body, replace: bool = True) -> None:
        """One Graph Store request: PUT (replace) a named graph, or POST (add to) it or the default
        graph (or the named graph that stands for the default graph on this store)."""
        graph = self.preset.default_graph if iri is None else iri
        merge = iri is None or not replace
        label = _label(iri)
        if self.gsp_url:
            query = urllib.parse.urlencode({"graph": graph}) if graph else "default"
            url = f"{self.gsp_url}?{query}"
            resp = self._http.request("POST" if merge else "PUT", url, body,
                                      {"Content-Type": "application/n-triples; charset=utf-8"},
                                      what=f"loading {label}")
        else:
            if not self.update_url:
                raise StoreError(f"{self.location}: no Graph Store path and no update path to load through")
            node = str(ox.NamedNode(graph)) if graph else ""
            drop = "" if merge else (f"DROP SILENT GRAPH {node} ;\n" if graph else "DROP SILENT DEFAULT ;\n")
            if graph:
                head, tail = f"{drop}INSERT DATA {{ GRAPH {node} {{\n", "\n} }\n"
            else:
                head, tail = f"{drop}INSERT DATA {{\n", "\n}\n"
            parts: list[bytes | Path] = [head.encode("utf-8"), *body.parts, tail.encode("utf-8")]
            resp = self._http.request("POST", self.update_url, Body(*parts),
                                      {"Content-Type": "application/sparql-update; charset=utf-8"},
                                      what=f"loading {label}")
        if resp.status >= 300:
            raise StoreError(self._http.scrub(f"HTTP {resp.status} {resp.reason}: {server_message(resp)}"))

    def _load_chunks(self, chunks, on_graph) -> LoadReport:
        report = LoadReport()
        fatal: str | None = None
        for key, payload, first in chunks:
            label = _label(key)
            if fatal is not None:
                if first:
                    report.graphs_failed.append((label, "not attempted: " + fatal))
                continue
            try:
                if isinstance(payload, bytes):
                    body, n = payload, _count_ntriples(payload)
                    if key is not None:
                        _named_node(key)
                else:
                    body, n = ox.serialize(payload, format=ox.RdfFormat.N_TRIPLES), len(payload)
                self._send_graph(key, Body(body), replace=first)
            except (StoreUnavailable, StoreAuthError) as e:
                fatal = str(e)
            except StoreError as e:
                fatal = None
                reason = str(e)
            else:
                report.triples += n
                if first:
                    report.graphs_loaded.append(label)
                    if on_graph:
                        on_graph(label, True)
                continue
            if label in report.graphs_loaded:
                report.graphs_loaded.remove(label)
            report.graphs_failed.append((label, fatal or reason))
            if on_graph:
                on_graph(label, False)
        return report

    def _before_load(self) -> None:
        self._ensure_configured()
        if not self._ready:
            self._probe()  # raises a clear error before anything is sent
            self._ready = True

    # -- querying -------------------------------------------------------------------------------
    def _post_form(self, url: str, fields: dict[str, str], accept: str, *, what: str) -> Response:
        data = urllib.parse.urlencode(list(fields.items()) + [(k, v) for k, v in self.preset.query_params
                                                               if "query" in fields]).encode("utf-8")
        # a form, not application/sparql-query: every store takes it (Virtuoso 7 hangs on the latter)
        return self._http.request("POST", url, Body(data), {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": accept}, what=what)

    def _run(self, sparql: str, form: str) -> Response:
        if form in ("select", "ask"):
            accept = "application/sparql-results+json"
        elif form in ("construct", "describe"):
            accept = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
        else:
            accept = ("application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
                      "application/rdf+xml;q=0.5")
        resp = self._post_form(self.query_url, {"query": sparql}, accept, what="query")
        if resp.status >= 300:
            msg = server_message(resp)
            if resp.status in (400, 500) or SERVER_ERROR_CODE.search(msg):
                raise StoreError(self._http.scrub(f"the store rejected the query: {msg or f'HTTP {resp.status}'}"))
            raise StoreError(self._http.scrub(f"the query failed at {self.location}: HTTP {resp.status} {resp.reason}"
                                              + (f": {msg}" if msg else "")))
        return resp

    def _parse_select(self, resp: Response) -> tuple[list[str], list[tuple], bool | None]:
        if "json" not in resp.content_type:
            raise StoreError(f"the store answered {resp.content_type or 'no content type'} "
                             "instead of SPARQL results JSON")
        try:
            doc = json.loads(resp.body)
        except ValueError as e:
            raise StoreError(f"the store's SPARQL results JSON is not valid JSON: {e}") from None
        if "boolean" in doc:
            return [], [], bool(doc["boolean"])
        variables = list(doc.get("head", {}).get("vars", []))
        bnodes: dict[str, ox.BlankNode] = {}
        rows = []
        for b in doc.get("results", {}).get("bindings", []):
            rows.append(tuple(_term_from_json(b[v], bnodes) if v in b else None for v in variables))
        return variables, rows, None

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> QueryResult:
        self._ensure_configured()
        if not self.query_url:
            raise StoreError(f"{self.location}: no query path")
        form = query_form(sparql)
        if form == "update":
            raise StoreError("this is an update, not a query: use Store.update")
        text = with_known_prefixes(bind_values(sparql, bindings or {}))
        resp = self._run(text, form)
        if form in ("select", "ask") or "sparql-results" in resp.content_type or resp.content_type == "application/json":
            variables, rows, boolean = self._parse_select(resp)
            if boolean is not None:
                return QueryResult("ask", boolean=boolean)
            result = QueryResult("select", variables=variables, rows=rows)
            header = resp.headers.get("X-SPARQL-MaxRows")
            cap = int(header) if header and header.strip().isdigit() else self.row_cap
            if cap and len(rows) >= cap:
                self._page(text, result, cap)
            return result
        try:
            fmt = ox.RdfFormat.from_media_type(resp.content_type) if resp.content_type else None
        except ValueError:
            fmt = None
        if fmt is None:
            raise StoreError(f"the store answered {resp.content_type or 'no content type'} for a graph query")
        try:
            triples = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(resp.body, format=fmt)]
        except SyntaxError as e:
            raise StoreError(f"the store's {fmt.name} answer does not parse: {one_line(str(e))}") from None
        result = QueryResult("graph", triples=triples)
        if self.row_cap and len(triples) >= self.row_cap:
            result.warnings.append(
                f"the store returned {len(triples)} triples, its row cap ({self.row_cap}): the result may be "
                "cut short; narrow the query, or page it (ORDER BY/LIMIT/OFFSET), or raise the server's cap "
                "(Virtuoso: ResultSetMaxRows)")
        return result

    def _page(self, text: str, result: QueryResult, cap: int) -> None:
        """The server cut a SELECT result at its row cap: fetch it again in pages of ``cap`` rows.

        The query becomes an ordered subquery with LIMIT/OFFSET outside it (Virtuoso refuses to sort
        more than MaxSortedTopRows rows for an ORDER BY with OFFSET, not for a sorted subquery)."""
        prologue, body = split_prologue(text)
        has_from = any(k == "word" and t.upper() in ("FROM",) for k, t, _ in _tokens(body.split("{", 1)[0]))
        if not result.variables or has_from:
            result.warnings.append(self._cut_warning(len(result.rows), cap, "it has FROM clauses" if has_from else ""))
            return
        vars_ = " ".join(f"?{v}" for v in result.variables)
        rows: list[tuple] = []
        for page in range(100000):
            paged = (f"{prologue}SELECT {vars_} WHERE {{ {{ SELECT {vars_} WHERE {{ {{ {body}\n}} }} ORDER BY {vars_} }} }}"
                     f" OFFSET {page * cap} LIMIT {cap}")
            try:
                resp = self._run(paged, "select")
                variables, chunk, _ = self._parse_select(resp)
            except StoreError as e:
                result.warnings.append(self._cut_warning(len(result.rows), cap, f"paging failed: {e}"))
                return
            rows += [tuple(dict(zip(variables, r)).get(v) for v in result.variables) for r in chunk]
            if len(chunk) < cap:
                break
        result.rows = rows

    @staticmethod
    def _cut_warning(n: int, cap: int, why: str) -> str:
        return (f"the store returned {n} rows, its row cap ({cap}): the result is probably cut short"
                + (f" and could not be paged ({why})" if why else "")
                + "; narrow the query or raise the server's cap (Virtuoso: ResultSetMaxRows)")

    def update(self, sparql: str) -> None:
        self._ensure_configured()
        if not self.update_url:
            raise StoreError(f"{self.location}: no update path (give --update-path)")
        data = urllib.parse.urlencode({"update": with_known_prefixes(sparql)}).encode("utf-8")
        resp = self._http.request("POST", self.update_url, Body(data),
                                  {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, what="update")
        if resp.status >= 300:
            raise StoreError(self._http.scrub(f"the store rejected the update: {server_message(resp) or f'HTTP {resp.status}'}"))

    def close(self) -> None:
        self._http.close()


# --------------------------------------------------------------------------------------------
# Opening a store
# --------------------------------------------------------------------------------------------

def open_store(store: str | Path | None = None, endpoint: str | None = None, *, store_type: str = "auto",
               query_path: str | None = None, update_path: str | None = None, gsp_path: str | None = None,
               timeout: float = 120.0, retries: int = 3, backoff: float = 0.5,
               row_cap: int | None = None) -> Store:
    """Open the embedded store in ``store`` (a directory), or the remote store at ``endpoint``.

    With neither, the embedded store at :func:`default_store_path`. ``store_type`` picks the
    endpoint paths of a remote store (``oxigraph``, ``fuseki``, ``graphdb``, ``virtuoso``,
    ``generic``; ``auto`` asks the server what it is); ``query_path``, ``update_path`` and
    ``gsp_path`` override them (a path under the endpoint, or a full URL). ``retries`` and
    ``backoff`` (seconds, doubled each time) bound the retries of transient failures; ``row_cap``
    is the server's result row cap when it does not announce it (Virtuoso's ResultSetMaxRows).
    """
    if store is not None and endpoint is not None:
        raise StoreError("give either a store directory or an endpoint URL, not both")
    if endpoint is not None:
        return RemoteStore(endpoint, store_type, query_path=query_path, update_path=update_path,
                           gsp_path=gsp_path, timeout=timeout, retries=retries, backoff=backoff, row_cap=row_cap)
    if store_type not in ("auto", "generic", "embedded"):
        raise StoreError(f"--store-type {store_type} is for remote stores: give --endpoint URL")
    return EmbeddedStore(store)
