"""Writers: RDF syntaxes resolved by name, file extension or MIME type, from a registry.

Turtle, TriG, N-Triples and N-Quads go through pyoxigraph's serializers (fast, correct
escaping); JSON-LD is written directly in compact form with the context in data/, so JSON
readers get friendly names and RDF readers the official IRIs. Every file is written
atomically: a temporary file in the same folder, fsync, rename.
"""
from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import is_
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Sequence

import pyoxigraph as ox
from rdflib.namespace import RDF, XSD

from ..errors import OptionError, OutputError
from ..files import atomic_outputs, check_output_path, output_error
from ..namespaces import PREFIXES
from ..terms import syntax_named, to_oxigraph
from .mapping import PageGraph, every_triple, fact_parts, merged_triples


@dataclass(frozen=True)
class Writer:
    """An output format: its names, and a function writing page graphs to a binary stream."""

    name: str
    aliases: tuple[str, ...]
    extensions: tuple[str, ...]
    media_types: tuple[str, ...]
    quads: bool  # True: named graphs kept (one per page); False: the merged default graph
    write: Callable[["Rendered", BinaryIO], None]  # writes rendered.graphs to a binary stream


_WRITERS: dict[str, Writer] = {}


def register_writer(writer: Writer) -> None:
    """Add (or replace) a writer; it is then found by name, extension and MIME type."""
    _WRITERS[writer.name] = writer


def writers() -> dict[str, Writer]:
    """The registered writers by name."""
    return dict(_WRITERS)


def writer_for(key: str) -> Writer:
    """The writer for a format name ('turtle'), extension ('.ttl', 'ttl') or MIME type ('text/turtle')."""
    wanted = key.lower().strip()
    for writer in _WRITERS.values():
        if wanted == writer.name or wanted in writer.aliases or wanted in writer.media_types or wanted.lstrip(".") in (
            e.lstrip(".") for e in writer.extensions
        ):
            return writer
    known = ", ".join(f"{w.name} ({' '.join(w.extensions)})" for w in _WRITERS.values())
    raise OptionError(f"unknown output format {key!r}; known: {known}")


def writer_for_path(path: str, format: Optional[str] = None) -> Writer:
    """The writer for an output path: --format if given, else the file extension."""
    if format:
        return writer_for(format)
    if path == "-":
        return writer_for("turtle")
    name = Path(path).name.lower()
    for writer in _WRITERS.values():
        if any(name.endswith(ext) for ext in writer.extensions):
            return writer
    raise OptionError(f"{path}: cannot tell the format from the extension; use --format or one of "
                      + ", ".join(ext for w in _WRITERS.values() for ext in w.extensions))


# --- rendering ---------------------------------------------------------------------------------


class Rendered:
    """Page graphs with each term's and triple's N-Triples form computed once, shared by every writer.

    N-Triples and N-Quads are joined from these strings (oxigraph does the escaping); Turtle,
    TriG and JSON-LD read that text back with pyoxigraph's parser (Rust: several times faster than
    making the terms in Python) and hand the quads to its serializers. Lines are sorted, so output
    is deterministic and each subject's triples sit together. Skills recur across pages as the
    same triple objects (see rdf.Mapper), so each is formatted once.

    The quad formats (TriG, N-Quads, a store) carry the facts once in the default graph and each
    source's provenance in its named graph; the triple formats carry both as one graph.
    """

    def __init__(self, graphs: Sequence[PageGraph]):
        self.graphs = graphs
        self._terms: dict[int, str] = {}  # id(term) -> its N-Triples form
        self._lines: dict[int, str] = {}  # id(triple) -> its N-Triples line (without ' .')
        self._default: Optional[list[str]] = None
        self._provenance: Optional[list[list[str]]] = None
        self._merged: Optional[list[str]] = None
        self._ntriples: Optional[bytes] = None
        self._huge: Optional[bool] = None

    def term(self, term) -> str:
        """A term in N-Triples syntax (pyoxigraph escapes it), made once per term object."""
        key = id(term)  # every term here is held by self.graphs, so ids are stable
        known = self._terms.get(key)
        if known is None:
            known = self._terms[key] = str(_ox_term(term))
        return known

    def _lines_of(self, triples: Sequence[tuple], into: set) -> None:
        """Add the N-Triples lines of `triples` to `into`, formatting only triples not seen before."""
        lines, term = self._lines, self.term
        get = lines.get
        found = list(map(get, map(id, triples)))  # triples seen on earlier pages: C-speed lookups
        into.update(found)
        if None in into:
            into.discard(None)
            for triple in compress(triples, map(is_, found, repeat(None))):
                line = get(id(triple))
                if line is None:
                    s, p, o = triple
                    line = lines[id(triple)] = f"{term(s)} {term(p)} {term(o)}"
                into.add(line)

    def default_lines(self) -> list[str]:
        """The default graph's distinct lines (every source's facts), sorted."""
        if self._default is None:
            merged: set[str] = set()
            self._lines_of(list(chain.from_iterable(fact_parts(self.graphs))), merged)
            self._default = sorted(merged)
        return self._default

    def provenance_lines(self) -> list[list[str]]:
        """Per source, its named graph's sorted distinct lines."""
        if self._provenance is None:
            out = []
            for graph in self.graphs:
                lines: set[str] = set()
                self._lines_of(graph.provenance, lines)
                out.append(sorted(lines))
            self._provenance = out
        return self._provenance

    def merged_lines(self) -> list[str]:
        """Everything as one graph: the facts and every provenance triple, distinct, sorted."""
        if self._merged is None:
            merged = set(self.default_lines())
            for lines in self.provenance_lines():
                merged.update(lines)
            self._merged = sorted(merged)
        return self._merged

    def distinct_count(self) -> Optional[int]:
        """How many distinct triples the graphs hold, when a writer has already counted them."""
        return None if self._merged is None else len(self._merged)

    def ntriples(self) -> bytes:
        """Everything as one graph, as sorted N-Triples (made once, shared by the writers)."""
        if self._ntriples is None:
            self._ntriples = _text(self.merged_lines())
        return self._ntriples

    def named_graphs(self) -> Iterator[tuple[str, list[str]]]:
        """(graph IRI, its lines) for every source with provenance, in input order."""
        for graph, lines in zip(self.graphs, self.provenance_lines()):
            if lines:
                yield str(graph.iri), lines

    def page_ntriples(self, chunk: int = 200_000) -> Iterator[tuple[Optional[str], bytes]]:
        """What a store load takes: (None, the facts) in parts of at most `chunk` triples, then
        (graph IRI, its provenance as N-Triples) per source."""
        facts = self.default_lines()
        for start in range(0, len(facts), chunk):
            yield None, _text(facts[start:start + chunk])
        for iri, lines in self.named_graphs():
            yield iri, _text(lines)

    def nquads_chunks(self) -> Iterator[bytes]:
        """The default graph as N-Quads lines without a graph, then each source's named graph."""
        yield _text(self.default_lines())
        for iri, lines in self.named_graphs():
            yield _text(lines, f" {ox.NamedNode(iri)} .\n")

    def ox_triples(self) -> Iterator:
        """Everything as one graph, as pyoxigraph quads of the default graph, in line order: the
        N-Triples text read back by pyoxigraph's parser, which makes the terms several times faster
        than building them one by one in Python."""
        if self._has_huge_lines():
            return self._built(self.merged_lines(), ox.DefaultGraph())
        return ox.parse(self.ntriples(), format=ox.RdfFormat.N_TRIPLES)

    def ox_quads(self) -> Iterator[ox.Quad]:
        """The facts in the default graph, then each source's named graph, as pyoxigraph quads."""
        if self._has_huge_lines():
            return self._built_quads()
        return ox.parse(b"".join(self.nquads_chunks()), format=ox.RdfFormat.N_QUADS)

    def _has_huge_lines(self) -> bool:
        """Whether a line is beyond what pyoxigraph's parser buffers (16 MiB: a 20 MB description):
        then the terms are built in Python instead, slower but without limit."""
        if self._huge is None:
            limit = _PARSER_BUFFER // 4  # characters that may take 4 bytes each
            self._huge = any(len(line) > limit and len(line.encode("utf-8")) > _PARSER_BUFFER - 1024
                             for line in self.merged_lines())
        return self._huge

    def _built(self, lines: Iterable[str], graph) -> Iterator[ox.Quad]:
        by_line = self._by_line()
        for line in lines:
            s, p, o = (_ox_term(t) for t in by_line[line])
            yield ox.Quad(s, p, o, graph)

    def _built_quads(self) -> Iterator[ox.Quad]:
        yield from self._built(self.default_lines(), ox.DefaultGraph())
        for iri, lines in self.named_graphs():
            yield from self._built(lines, ox.NamedNode(iri))

    def _by_line(self) -> dict[str, tuple]:
        lines = self._lines
        return {lines[id(t)]: t for t in every_triple(self.graphs) if id(t) in lines}

    def merged_triples(self) -> list[tuple]:
        """Everything as one graph, as rdflib-term triples, in first-seen order."""
        return merged_triples(self.graphs)


def _text(lines: Sequence[str], end: str = " .\n") -> bytes:
    """'subject predicate object' lines as N-Triples (or, with the graph in `end`, N-Quads) bytes."""
    return "".join([line + end for line in lines]).encode("utf-8")


#: pyoxigraph's parsers hold at most this many bytes of one token
_PARSER_BUFFER = 16 * 1024 * 1024


def _ox_term(term):
    try:
        return to_oxigraph(term)
    except ValueError as exc:
        raise OutputError(f"cannot write the IRI {str(term)[:200]!r}: {exc}") from None


def _write_ntriples(rendered: Rendered, stream):
    stream.write(rendered.ntriples())


def _write_nquads(rendered: Rendered, stream):
    for chunk in rendered.nquads_chunks():
        stream.write(chunk)


def _write_turtle(rendered: Rendered, stream):
    ox.serialize(rendered.ox_triples(), stream, ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _write_trig(rendered: Rendered, stream):
    ox.serialize(rendered.ox_quads(), stream, ox.RdfFormat.TRIG, prefixes=PREFIXES)


# --- JSON-LD ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """The JSON-LD context shipped in data/context.jsonld."""
    for candidate in (Path(__file__).resolve().parents[1] / "context.jsonld", Path(__file__).resolve().parents[2] / "data" / "context.jsonld"):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise OutputError("the JSON-LD context (data/context.jsonld) is missing from the installation")


@dataclass(frozen=True)
class _Term:
    name: str
    iri: str
    coerce: Optional[str]  # '@id', a datatype IRI, or None
    language_map: bool


@lru_cache(maxsize=1)
def _terms() -> tuple[dict[str, _Term], dict[str, str]]:
    """Predicate IRI -> term, and class IRI -> term name, from the context."""
    ctx = jsonld_context()["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/", ":")) and not k.startswith("@")}

    def expand(value: str) -> str:
        if value.startswith("@"):
            return value
        prefix, _, rest = value.partition(":")
        return prefixes[prefix] + rest if prefix in prefixes and not rest.startswith("//") else value

    predicates: dict[str, _Term] = {}
    classes: dict[str, str] = {}
    for name, definition in ctx.items():
        if name.startswith("@") or name in prefixes:
            continue
        if isinstance(definition, str):
            if definition.startswith("@"):
                continue
            classes[expand(definition)] = name
            continue
        iri = expand(definition["@id"])
        coerce = definition.get("@type")
        predicates[iri] = _Term(
            name=name,
            iri=iri,
            coerce=expand(coerce) if coerce and coerce != "@id" else coerce,
            language_map=definition.get("@container") == "@language",
        )
    return predicates, classes


_RDF_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)


def _value_object(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    obj = {"@value": term.value}
    if term.language:
        obj["@language"] = term.language
    elif term.datatype.value != _XSD_STRING:
        obj["@type"] = term.datatype.value
    return obj


def jsonld_nodes(triples: Iterable) -> list[dict]:
    """Node objects in compact form with the context's friendly terms, from pyoxigraph triples
    grouped by subject (as N-Triples sorted by line are)."""
    predicates, classes = _terms()
    nodes: dict = {}
    NamedNode, Literal_ = ox.NamedNode, ox.Literal
    for triple in triples:
        s, p, o = triple.subject, triple.predicate.value, triple.object
        key = s.value if isinstance(s, NamedNode) else f"_:{s.value}"
        node = nodes.get(key)
        if node is None:
            node = nodes[key] = {"id": key}
        if p == _RDF_TYPE and isinstance(o, NamedNode):
            node.setdefault("type", []).append(classes.get(o.value, o.value))
            continue
        term = predicates.get(p)
        is_literal = isinstance(o, Literal_)
        if term is not None and term.language_map:
            if is_literal and o.language:
                node.setdefault(term.name, {}).setdefault(o.language, []).append(o.value)
                continue
            term = None
        if term is None:
            node.setdefault(p, []).append(_value_object(o))
        elif term.coerce == "@id" and isinstance(o, NamedNode):
            node.setdefault(term.name, []).append(o.value)
        elif is_literal and not o.language and (
            (term.coerce is None and o.datatype.value == _XSD_STRING)
            or (term.coerce not in (None, "@id") and o.datatype.value == term.coerce)
        ):
            node.setdefault(term.name, []).append(o.value)
        else:
            node.setdefault(term.name, []).append(_value_object(o))
    out = []
    for node in nodes.values():
        for key, value in list(node.items()):
            if isinstance(value, list) and len(value) == 1:
                node[key] = value[0]
            elif isinstance(value, dict):
                node[key] = {lang: (v[0] if len(v) == 1 else v) for lang, v in value.items()}
        out.append(node)
    return out


def _write_jsonld(rendered: Rendered, stream):
    """Compact JSON-LD, the context inlined, one node per line (readable, and json's C encoder is fast)."""
    nodes = jsonld_nodes(rendered.ox_triples())
    context = json.dumps(jsonld_context()["@context"], ensure_ascii=False, indent=1)
    stream.write(b'{"@context": ' + context.encode("utf-8") + b',\n"@graph": [\n')
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    stream.write(",\n".join(dumps(node) for node in nodes).encode("utf-8"))
    stream.write(b"\n]}\n")


def _register(name: str, quads: bool, write: Callable[["Rendered", BinaryIO], None]) -> None:
    syntax = syntax_named(name)
    register_writer(Writer(syntax.name, syntax.aliases, syntax.extensions + syntax.loose_extensions,
                           syntax.media_types, quads, write))


_register("turtle", False, _write_turtle)
_register("ntriples", False, _write_ntriples)
_register("nquads", True, _write_nquads)
_register("trig", True, _write_trig)
_register("jsonld", False, _write_jsonld)


def write(graphs: Sequence[PageGraph], destination: str, format: Optional[str] = None) -> Writer:
    """Write page graphs to a path (atomically) or '-' (stdout), in the format of its extension or `format`."""
    return write_all(graphs, [destination], format)[0]


def write_all(
    graphs: "Sequence[PageGraph] | Rendered", destinations: Sequence[str], format: Optional[str] = None,
    timings: Optional[dict[str, float]] = None, on_written: Optional[Callable[[str], None]] = None,
) -> list[Writer]:
    """Write one build to several outputs, rendering the terms once; every output is checked before
    any is written, and they replace the previous files together (a full disk on the last leaves
    every previous file as it was).

    With `timings`, the seconds each output took are added to it (the build report shows them);
    `on_written` is called with each destination once it is written."""
    chosen = [writer_for_path(destination, format) for destination in destinations]
    for destination in destinations:
        check_output_path(destination)
    rendered = graphs if isinstance(graphs, Rendered) else Rendered(graphs)
    with atomic_outputs(list(destinations)) as streams:  # all replaced together, or none
        for writer, destination, stream in zip(chosen, destinations, streams):
            started = time.perf_counter()
            try:
                writer.write(rendered, stream)
            except OSError as exc:  # a full disk on this output: say which one
                if isinstance(exc, (OutputError, BrokenPipeError)):
                    raise
                raise output_error(destination, exc) from None
            if timings is not None:
                timings[f"write {destination}"] = time.perf_counter() - started
            if on_written is not None:
                on_written(destination)
    return chosen


def serialize(graphs: Sequence[PageGraph], format: str = "turtle") -> bytes:
    """The page graphs in one format, as bytes."""
    buffer = io.BytesIO()
    writer_for(format).write(Rendered(graphs), buffer)
    return buffer.getvalue()
