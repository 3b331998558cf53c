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
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Sequence

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..errors import OptionError, OutputError
from ..files import atomic_outputs, check_output_path, output_error
from ..namespaces import PREFIXES
from ..terms import syntax_named, to_oxigraph
from .mapping import PageGraph, fact_parts


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

    N-Triples and N-Quads are joined from these strings (oxigraph does the escaping); Turtle and
    TriG read that text back with pyoxigraph's parser (Rust: several times faster than making the
    terms in Python) and hand the quads to its serializers; JSON-LD is made from the triples
    themselves, in the lines' order. The default graph's lines are sorted, then each source's
    provenance (graphs in IRI order, lines sorted), so output is deterministic, whatever the
    order of the inputs, and each subject's triples sit together. Skills recur across pages as the
    same triple objects (see mapping.Mapper), so each is formatted once.

    The quad formats (TriG, N-Quads, a store) carry the facts once in the default graph and each
    source's provenance in its named graph; the triple formats carry both as one graph.
    """

    def __init__(self, graphs: Sequence[PageGraph]):
        self.graphs = graphs
        self._terms: dict[int, str] = {}  # id(term) -> its N-Triples form
        self._fact_lines: Optional[tuple[list[str], list[tuple]]] = None
        self._provenance_flat: Optional[tuple[list[str], list[tuple]]] = None
        self._triples: Optional[dict[str, tuple]] = None  # line -> a triple of it (JSON-LD, huge lines)
        self._default: Optional[list[str]] = None
        self._provenance: Optional[list[tuple[str, list[str]]]] = None
        self._merged: Optional[list[str]] = None
        self._huge: Optional[bool] = None

    def _render(self, triples: Sequence[tuple]) -> list[str]:
        """The N-Triples lines of `triples`, in their order (a line per triple object). The loops
        are map() over C functions: a million triples on the ESCO corpus."""
        flat = list(chain.from_iterable(triples))
        terms = self._terms
        missing = set(map(id, flat)).difference(terms)
        if missing:
            objects = dict(zip(map(id, flat), flat))
            for key in missing:
                terms[key] = str(_ox_term(objects[key]))
        text = terms.__getitem__
        subjects, predicates, objects = (map(itemgetter(i), triples) for i in range(3))  # zip(*triples): 10x slower
        return list(map("{} {} {}".format, map(text, map(id, subjects)), map(text, map(id, predicates)),
                        map(text, map(id, objects))))

    def _facts(self) -> tuple[list[str], list[tuple]]:
        """The facts' lines and triples, each triple object once (a skill's facts are one object
        on every page); kept, as the lines are shared with default_lines."""
        if self._fact_lines is None:
            triples = list({id(t): t for t in chain.from_iterable(fact_parts(self.graphs))}.values())
            self._fact_lines = self._render(triples), triples
        return self._fact_lines

    def _provenance_rendered(self) -> tuple[list[str], list[tuple]]:
        """Every source's provenance lines and triples, source after source."""
        if self._provenance_flat is None:
            triples = list(chain.from_iterable(graph.provenance for graph in self.graphs))
            self._provenance_flat = self._render(triples), triples
        return self._provenance_flat

    def default_lines(self) -> list[str]:
        """The default graph's distinct lines (every source's facts), sorted."""
        if self._default is None:
            self._default = sorted(set(self._facts()[0]))
        return self._default

    def _named(self) -> list[tuple[str, list[str]]]:
        """(graph IRI, its sorted distinct lines) per source, in input order."""
        if self._provenance is None:
            every = self._provenance_rendered()[0]
            out, start = [], 0
            for graph in self.graphs:
                end = start + len(graph.provenance)
                out.append((str(graph.iri), sorted(set(every[start:end]))))
                start = end
            self._provenance = out
        return self._provenance

    def _triple_of(self) -> dict[str, tuple]:
        """line -> a triple of it, for every line (made when asked: JSON-LD, huge lines)."""
        if self._triples is None:
            self._triples = dict(zip(*self._facts()))
            self._triples.update(zip(*self._provenance_rendered()))
        return self._triples

    def merged_lines(self) -> list[str]:
        """Everything as one graph, each line once: the facts (sorted), then the provenance of
        each source in graph IRI order (each graph's lines sorted)."""
        if self._merged is None:
            merged = list(self.default_lines())
            seen = set(merged)
            for _, lines in sorted(self._named()):
                fresh = [line for line in lines if line not in seen]
                seen.update(fresh)
                merged.extend(fresh)
            self._merged = merged
        return self._merged

    def distinct_count(self) -> Optional[int]:
        """How many distinct triples the graphs hold, when a writer has already counted them."""
        return None if self._merged is None else len(self._merged)

    def ntriples_chunks(self) -> Iterator[bytes]:
        """Everything as one graph, as N-Triples, a chunk of lines at a time (never held whole)."""
        yield from _chunks(self.merged_lines())

    def named_graphs(self) -> Iterator[tuple[str, list[str]]]:
        """(graph IRI, its lines) for every source with provenance, in graph IRI order."""
        for iri, lines in sorted(self._named()):
            if lines:
                yield iri, lines

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
        yield from _chunks(self.default_lines())
        for iri, lines in self.named_graphs():
            yield _text(lines, f" {ox.NamedNode(iri)} .\n")

    def ox_triples(self) -> Iterator:
        """Everything as one graph, as pyoxigraph quads of the default graph, in line order: the
        N-Triples text read back by pyoxigraph's parser, which makes the terms several times faster
        than building them one by one in Python."""
        if self._has_huge_lines():
            return self._built(self.merged_lines(), ox.DefaultGraph())
        return _parsed(self.merged_lines())

    def ox_quads(self) -> Iterator[ox.Quad]:
        """The facts in the default graph, then each source's named graph, as pyoxigraph quads."""
        if self._has_huge_lines():
            return self._built_quads()
        return chain(_parsed(self.default_lines()),
                     chain.from_iterable(_parsed(lines, ox.NamedNode(iri)) for iri, lines in self.named_graphs()))

    def _has_huge_lines(self) -> bool:
        """Whether a line is beyond what pyoxigraph's parser buffers (16 MiB: a 20 MB description):
        then the terms are built in Python instead, slower but without limit."""
        if self._huge is None:
            limit = _PARSER_BUFFER // 4  # characters that may take 4 bytes each
            self._huge = any(len(line) > limit and len(line.encode("utf-8")) > _PARSER_BUFFER - 1024
                             for line in self.merged_lines())
        return self._huge

    def _built(self, lines: Iterable[str], graph) -> Iterator[ox.Quad]:
        for line in lines:
            s, p, o = (_ox_term(t) for t in self._triple_of()[line])
            yield ox.Quad(s, p, o, graph)

    def _built_quads(self) -> Iterator[ox.Quad]:
        yield from self._built(self.default_lines(), ox.DefaultGraph())
        for iri, lines in self.named_graphs():
            yield from self._built(lines, ox.NamedNode(iri))

    def rdflib_triples(self) -> Iterator[tuple]:
        """Everything as one graph, as rdflib-term triples, in line order."""
        return map(self._triple_of().__getitem__, self.merged_lines())


def _text(lines: Sequence[str], end: str = " .\n") -> bytes:
    """'subject predicate object' lines as N-Triples (or, with the graph in `end`, N-Quads) bytes."""
    return "".join([line + end for line in lines]).encode("utf-8")


_CHUNK = 50_000  # lines a piece of text holds when a writer streams


def _chunks(lines: Sequence[str], end: str = " .\n") -> Iterator[bytes]:
    """Lines as N-Triples (or, with the graph in `end`, N-Quads) text, a chunk at a time."""
    for start in range(0, len(lines), _CHUNK):
        yield _text(lines[start:start + _CHUNK], end)


def _parsed(lines: Sequence[str], graph=None) -> Iterator:
    """Lines as pyoxigraph quads (of `graph`, else the default graph), parsed a chunk at a time
    so that the text of all of them is never held at once."""
    syntax = ox.RdfFormat.N_TRIPLES if graph is None else ox.RdfFormat.N_QUADS
    for text in _chunks(lines, " .\n" if graph is None else f" {graph} .\n"):
        yield from ox.parse(text, format=syntax)


#: pyoxigraph's parsers hold at most this many bytes of one token
_PARSER_BUFFER = 16 * 1024 * 1024


def _ox_term(term):
    try:
        return to_oxigraph(term)
    except ValueError as exc:
        raise OutputError(f"cannot write the IRI {str(term)[:200]!r}: {exc}") from None


def _write_ntriples(rendered: Rendered, stream):
    for chunk in rendered.ntriples_chunks():
        stream.write(chunk)


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


def _node_id(term) -> str:
    """An IRI as itself, a blank node as '_:' and its label as every writer gives it."""
    return str(term) if isinstance(term, URIRef) else f"_:{_ox_term(term).value}"


def _described(term) -> tuple:
    """(id, None, None, None) for an IRI or blank node; (None, lexical form, language, datatype
    IRI) for a literal: what jsonld_nodes asks of a term, worked out once per term object."""
    if not isinstance(term, Literal):
        return _node_id(term), None, None, None
    if term.language:
        return None, str(term), term.language, None
    datatype = term.datatype
    return None, str(term), None, _XSD_STRING if datatype is None else str(datatype)


def _value_object(described: tuple) -> dict:
    node, value, language, datatype = described
    if node is not None:
        return {"@id": node}
    if language:
        return {"@value": value, "@language": language}
    return {"@value": value} if datatype == _XSD_STRING else {"@value": value, "@type": datatype}


def jsonld_nodes(triples: Iterable) -> Iterator[dict]:
    """Node objects in compact form with the context's friendly terms, from rdflib-term triples
    grouped by subject (as the rendered lines are): a node is given as soon as its subject's run of
    triples ends, so only one node is held. A subject met again later gives a second node object
    with the same id, which JSON-LD merges."""
    predicates, classes = _terms()
    known: dict[int, tuple] = {}  # id(term) -> _described(term): terms recur across triples
    node: Optional[dict] = None
    for s, p, o in triples:
        subject = known.get(id(s)) or known.setdefault(id(s), _described(s))
        obj = known.get(id(o)) or known.setdefault(id(o), _described(o))
        p = str.__str__(p)
        key = subject[0]
        if node is None or node["id"] != key:
            if node is not None:
                yield _compacted(node)
            node = {"id": key}
        iri, value, language, datatype = obj
        if p == _RDF_TYPE and iri is not None and not iri.startswith("_:"):
            node.setdefault("type", []).append(classes.get(iri, iri))
            continue
        term = predicates.get(p)
        if term is not None and term.language_map:
            if language:
                node.setdefault(term.name, {}).setdefault(language, []).append(value)
                continue
            term = None
        if term is None:
            node.setdefault(p, []).append(_value_object(obj))
        elif term.coerce == "@id" and iri is not None and not iri.startswith("_:"):
            node.setdefault(term.name, []).append(iri)
        elif datatype is not None and datatype == (term.coerce or _XSD_STRING):
            node.setdefault(term.name, []).append(value)
        else:
            node.setdefault(term.name, []).append(_value_object(obj))
    if node is not None:
        yield _compacted(node)


def _compacted(node: dict) -> dict:
    """A node with one-value lists as the value itself (compact form)."""
    for key, value in list(node.items()):
        if isinstance(value, list) and len(value) == 1:
            node[key] = value[0]
        elif isinstance(value, dict):
            node[key] = {lang: (v[0] if len(v) == 1 else v) for lang, v in value.items()}
    return node


def _write_jsonld(rendered: Rendered, stream):
    """Compact JSON-LD, the context inlined, one node per line (readable, and json's C encoder is
    fast), written as the nodes come (a few thousand at a time), not held whole."""
    context = json.dumps(jsonld_context()["@context"], ensure_ascii=False, indent=1)
    stream.write(b'{"@context": ' + context.encode("utf-8") + b',\n"@graph": [\n')
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    nodes = map(dumps, jsonld_nodes(rendered.rdflib_triples()))
    separator = ""
    while True:
        batch = list(islice(nodes, 2000))
        if not batch:
            break
        stream.write((separator + ",\n".join(batch)).encode("utf-8"))
        separator = ",\n"
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
