"""Writers: RDF syntaxes resolved by name, file extension or MIME type, from a registry.

Every syntax is written from the N-Triples lines of the build's terms (pyoxigraph writes each
term, so the escaping is its own): N-Triples and N-Quads join them, Turtle and TriG group them
by subject in pyoxigraph's serializer's layout, and JSON-LD is compact with the context in
data/, so JSON readers get friendly names and RDF readers the official IRIs. Every file is written
atomically: a temporary file in the same folder, fsync, rename.
"""
from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Sequence

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..errors import OptionError, OutputError
from ..files import atomic_outputs, check_output_path, output_error
from ..namespaces import PREFIXES
from ..terms import syntax_named, to_oxigraph
from .lines import GraphLines, SortedLines, Spill, batched, union
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

    Every writer reads these lines (pyoxigraph does the escaping); JSON-LD also looks up the
    literal behind an object's text (term_of). The lines are sorted, so output is deterministic,
    whatever the order of the inputs, and each subject's lines sit together: the default graph's,
    each source's provenance (graphs in IRI order), and everything as one graph. A skill's facts
    are one part on every page (see mapping.Mapper), rendered once, and each term object is
    formatted once.

    The quad formats (TriG, N-Quads, a store) carry the facts once in the default graph and each
    source's provenance in its named graph; the triple formats carry both as one graph.

    ``memory_budget``: the bytes the process may hold before the lines go to disk as sorted runs
    (see graph.lines.Spill); None holds them all. Close it (or use it in a with block) to remove
    the runs.
    """

    def __init__(self, graphs: Sequence[PageGraph], memory_budget: Optional[int] = None):
        self.graphs = graphs
        self._terms: dict[int, str] = {}  # id(term) -> its N-Triples form
        self._term_of: dict[str, object] = {}  # N-Triples form -> a term of it (JSON-LD's literals)
        self.spill = Spill(memory_budget)
        self._facts: Optional[SortedLines] = None
        self._named: Optional[GraphLines] = None
        self._merged: Optional[SortedLines] = None

    def close(self) -> None:
        self.spill.close()

    def __enter__(self) -> "Rendered":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rendered_slices(self, terms: Sequence) -> Iterator[list[str]]:
        """The lines of the triples in `terms` (flat: s, p, o, s, p, o, ...), a slice of triples at
        a time: the slice's terms and their ids are all that is held besides the lines. The loops
        are map() over C functions (a million triples on the ESCO corpus)."""
        for start in range(0, len(terms), 3 * _RENDER_SLICE):
            yield self._render_slice(terms[start:start + 3 * _RENDER_SLICE])

    def _render_slice(self, flat: Sequence) -> list[str]:
        ids = list(map(id, flat))
        terms = self._terms
        missing = set(ids).difference(terms)
        if missing:
            objects = dict(zip(ids, flat))
            for key in missing:
                text = terms[key] = str(_ox_term(objects[key]))
                self._term_of.setdefault(text, objects[key])
        texts = list(map(terms.__getitem__, ids))
        return list(map(" ".join, zip(texts[0::3], texts[1::3], texts[2::3])))  # join: 2.7x format's speed

    def render(self) -> "Rendered":
        """Work out every line each writer and a store load takes, now (else the first to ask
        pays for it): the build times this as its own stage. Each distinct part of the facts is
        rendered once (a skill's facts are one part on every page); a line two parts give (the
        same fact stated by two pages) is kept once."""
        if self._merged is not None:
            return self
        spill = self.spill
        facts, provenance, named = SortedLines(spill), SortedLines(spill), GraphLines(spill)
        for _, terms in _flat_batches(fact_parts(self.graphs), _itself):
            for lines in self._rendered_slices(terms):
                facts.update(lines)
        for graphs, terms in _flat_batches(self.graphs, _provenance_of):
            lines = list(chain.from_iterable(self._rendered_slices(terms)))
            at = 0
            for graph in graphs:
                count = len(graph.provenance) // 3
                named.add(str(graph.iri), lines[at:at + count])
                at += count
            provenance.update(lines)
        self._facts, self._named = facts, named
        self._merged = union(spill, facts, provenance)
        provenance.discard()
        return self

    def default_lines(self) -> SortedLines:
        """The default graph's distinct lines (every source's facts), sorted."""
        return self.render()._facts

    def merged_lines(self) -> SortedLines:
        """Everything as one graph, each line once, sorted: the facts and every source's provenance."""
        return self.render()._merged

    def distinct_count(self) -> Optional[int]:
        """How many distinct triples the graphs hold, once rendered."""
        return None if self._merged is None else len(self._merged)

    def ntriples_chunks(self) -> Iterator[bytes]:
        """Everything as one graph, as N-Triples, a chunk of lines at a time (never held whole)."""
        yield from _chunks(self.merged_lines())

    def named_graphs(self) -> Iterator[tuple[str, list[str]]]:
        """(graph IRI, its lines) for every source with provenance, in graph IRI order."""
        for iri, lines in self.render()._named:
            if lines:
                yield iri, lines

    def page_ntriples(self, chunk: int = 200_000) -> Iterator[tuple[Optional[str], bytes]]:
        """What a store load takes: (None, the facts) in parts of at most `chunk` triples, then
        (graph IRI, its provenance as N-Triples) per source."""
        for text in _chunks(self.default_lines(), size=chunk):
            yield None, text
        for iri, lines in self.named_graphs():
            yield iri, _text(lines)

    def nquads_chunks(self) -> Iterator[bytes]:
        """The default graph as N-Quads lines without a graph, then each source's named graph."""
        yield from _chunks(self.default_lines())
        for iri, lines in self.named_graphs():
            yield _text(lines, f" {ox.NamedNode(iri)} .\n")

    def term_of(self, text: str):
        """The term (rdflib) whose N-Triples form is `text`, for every term of the lines."""
        return self._term_of[text]


_RENDER_SLICE = 100_000  # triples rendered at a time
_CACHE_LIMIT = 100_000  # terms or values a writer keeps worked out (the recurring ones come back at once)


def _flat_batches(items: Iterable, terms_of: Callable[[object], Sequence]) -> Iterator[tuple[list, list]]:
    """(items, their terms as one flat list) in batches of about a render slice's terms, each
    item whole: a slice of a large build is held at a time, never every term."""
    batch: list = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(terms_of(item))
        if size >= 3 * _RENDER_SLICE:
            yield batch, list(chain.from_iterable(map(terms_of, batch)))
            batch, size = [], 0
    if batch:
        yield batch, list(chain.from_iterable(map(terms_of, batch)))


def _itself(part: tuple) -> tuple:
    return part


def _provenance_of(graph: PageGraph) -> tuple:
    return graph.provenance


def _text(lines: Sequence[str], end: str = " .\n") -> bytes:
    """'subject predicate object' lines as N-Triples (or, with the graph in `end`, N-Quads) bytes."""
    return "".join([line + end for line in lines]).encode("utf-8")


_CHUNK = 50_000  # lines a piece of text holds when a writer streams


def _chunks(lines: Iterable[str], end: str = " .\n", size: int = _CHUNK) -> Iterator[bytes]:
    """Lines as N-Triples (or, with the graph in `end`, N-Quads) text, `size` lines at a time."""
    for part in batched(lines, size):
        yield _text(part, end)


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


# --- Turtle and TriG -------------------------------------------------------------------------------
#
# Written from the N-Triples lines themselves (pyoxigraph made every term's text, so the escaping is
# its own): a subject's lines are consecutive, and each term is abbreviated once. Reading the text
# back into pyoxigraph terms for its serializer cost 2.4 s of Python objects on the bench corpus,
# ten times its serializer's own 0.2 s; this writes the same statements in that layout
# (test_writers compares the two as graphs, and rapper reads every output).

_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")  # a prefixed name's local part needing no escapes
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_BARE = {"<http://www.w3.org/2001/XMLSchema#integer>": _INTEGER,
         "<http://www.w3.org/2001/XMLSchema#boolean>": re.compile(r"(?:true|false)\Z")}
_RDF_TYPE_TEXT = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


class _TurtleTerms(dict):
    """N-Triples term text -> its Turtle text: a prefixed name where the namespace is one of
    `prefixes` and the rest needs no escape; an integer or boolean literal bare; else as it is.
    With `limit`, emptied when it holds that many (a large graph's terms are not all held)."""

    def __init__(self, prefixes: dict[str, str], limit: Optional[int] = None):
        super().__init__()
        self.namespaces = [(str(iri), name) for name, iri in prefixes.items()]
        self.limit = limit

    def __missing__(self, text: str) -> str:
        if self.limit is not None and len(self) >= self.limit:
            self.clear()
        self[text] = turtle = self._abbreviated(text)
        return turtle

    def _abbreviated(self, text: str) -> str:
        if text.startswith("<"):
            iri = text[1:-1]
            for namespace, name in self.namespaces:
                if iri.startswith(namespace) and _LOCAL_NAME.match(iri, len(namespace)):
                    return f"{name}:{iri[len(namespace):]}"
            return text
        if text.startswith('"') and text.endswith(">"):
            end = text.rfind('"^^<')
            datatype = text[end + 3:]
            bare = _BARE.get(datatype)
            if bare is not None and bare.match(text, 1, end):
                return text[1:end]
            return text[:end + 3] + self[datatype]
        return text


def _turtle_statements(lines: Iterable[str], terms: _TurtleTerms, predicates: _TurtleTerms,
                       indent: str = "") -> Iterator[str]:
    """Turtle statements for N-Triples lines (without their ' .'), a subject's consecutive lines
    as one statement (`;` between predicates, `,` between objects), in pieces of text."""
    out: list[str] = []
    append = out.append
    subject = predicate = None
    between_predicates = f" ;\n{indent}\t"
    for line in lines:
        s, p, o = line.split(" ", 2)
        if s == subject:
            if p == predicate:
                append(" , ")
                append(terms[o])
                continue
            append(between_predicates)
        else:
            if subject is not None:
                append(" .\n")
                if len(out) > _CHUNK:
                    yield "".join(out)
                    out = []
                    append = out.append
            append(indent)
            append(terms[s])
            append(" ")
            subject = s
        append(predicates[p])
        append(" ")
        append(terms[o])
        predicate = p
    if subject is not None:
        append(" .\n")
    yield "".join(out)


def _turtle_writer(rendered: Rendered, stream, quads: bool) -> None:
    """Turtle (the merged graph), or TriG (the facts, then each source's named graph)."""
    terms = _TurtleTerms(PREFIXES, limit=_CACHE_LIMIT)
    predicates = _TurtleTerms(PREFIXES)
    predicates[_RDF_TYPE_TEXT] = "a"
    stream.write("".join(f"@prefix {name}: <{namespace}> .\n" for namespace, name in terms.namespaces).encode("utf-8"))
    for text in _turtle_statements(rendered.default_lines() if quads else rendered.merged_lines(), terms, predicates):
        stream.write(text.encode("utf-8"))
    if not quads:
        return
    for iri, lines in rendered.named_graphs():
        stream.write(f"{terms[str(ox.NamedNode(iri))]} {{\n".encode("utf-8"))
        for text in _turtle_statements(lines, terms, predicates, "\t"):
            stream.write(text.encode("utf-8"))
        stream.write(b"}\n")


def _write_turtle(rendered: Rendered, stream):
    _turtle_writer(rendered, stream, quads=False)


def _write_trig(rendered: Rendered, stream):
    _turtle_writer(rendered, stream, quads=True)


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


def _described(term) -> tuple:
    """(id, None, None, None) for an IRI or blank node; (None, lexical form, language, datatype
    IRI) for a literal: what a JSON-LD value is made from."""
    if not isinstance(term, Literal):
        return (str(term) if isinstance(term, URIRef) else f"_:{_ox_term(term).value}"), None, None, None
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


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


class _JsonLdValues(dict):
    """'predicate object' N-Triples text -> (the node's key and the value as JSON text, its
    language for a language map, else None), worked out once: most recur (a skill on many pages).
    Emptied when it holds _CACHE_LIMIT (a large graph's values are not all held). A literal whose
    JSON text is its N-Triples text is read off that text each time instead (_literal): most are
    said once (a label, a description), and reading is cheaper than keeping."""

    def __init__(self, term_of: Callable[[str], object]):
        super().__init__()
        self.term_of = term_of
        self.predicates, self.classes = _terms()
        self.keys = _JsonText()
        self.languages: dict[str, str] = {}  # a language tag as pyoxigraph writes it (lower case) -> as the term has it
        self.written = {f"<{iri}>": term for iri, term in self.predicates.items()}  # '<predicate IRI>' -> its term

    def __missing__(self, text: str) -> tuple:
        predicate, _, obj = text.partition(" ")
        term = self.written.get(predicate)
        predicate = predicate[1:-1]
        if term is not None:
            if obj.startswith('"'):  # a literal: most are said once (a label, a description), so not kept
                entry = self._literal(term, obj)
                if entry is not None:
                    return entry
            elif term.coerce == "@id" and obj.startswith("<"):  # most: a link to a skill
                # an IRI pyoxigraph wrote holds no character JSON escapes (no '"', '\\', controls)
                return self._kept(text, (self.keys[term.name], f'"{obj[1:-1]}"', None))
        return self._kept(text, self._worked_out(predicate, term, obj))

    def _kept(self, text: str, entry: tuple) -> tuple:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[text] = entry
        return entry

    def _literal(self, term: _Term, obj: str) -> Optional[tuple]:
        """The entry of a literal read off its N-Triples text, when that text is its JSON text too:
        pyoxigraph escapes what JSON escapes ('"', '\\', control characters) the same way, except
        with \\u, which json writes in lower case (and DEL, which it leaves): those take the
        general way. None where the general way decides (a value object, an unseen language tag)."""
        if "\\u" in obj:
            return None
        end = obj.rindex('"')
        suffix = obj[end + 1:]
        if suffix.startswith("@"):
            language = self.languages.get(suffix[1:])
            if language is None or not term.language_map:
                return None
            return self.keys[term.name], obj[:end + 1], language
        if term.language_map or (suffix[3:-1] if suffix else _XSD_STRING) != (term.coerce or _XSD_STRING):
            return None
        return self.keys[term.name], obj[:end + 1], None

    def _worked_out(self, predicate: str, term: Optional[_Term], obj: str) -> tuple:
        """The entry of any value, from its term (the way every value took before _literal)."""
        described = _described(self.term_of(obj))
        iri, value, language, datatype = described
        if language:
            self.languages.setdefault(obj[obj.rindex('"') + 2:], language)
        if predicate == _RDF_TYPE and iri is not None and not iri.startswith("_:"):
            key, value = "type", self.classes.get(iri, iri)
        elif term is not None and term.language_map and language:
            key = term.name
        elif term is None or term.language_map:
            key, value, language = predicate, _value_object(described), None
        elif term.coerce == "@id" and iri is not None and not iri.startswith("_:"):
            key, value = term.name, iri
        elif datatype is not None and datatype == (term.coerce or _XSD_STRING):
            key = term.name
        else:
            key, value, language = term.name, _value_object(described), None
        return self.keys[key], _DUMPS(value), language


class _JsonText(dict):
    """A string -> its JSON text, each worked out once."""

    def __missing__(self, text: str) -> str:
        self[text] = encoded = _DUMPS(text)
        return encoded


def _one_or_list(values: list[str]) -> str:
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def _node_text(subject: str, node: dict) -> str:
    """A node object in compact form (a one-value list as the value itself), as JSON text."""
    parts = ['{"id": ', _DUMPS(subject[1:-1] if subject.startswith("<") else subject)]
    for key, values in node.items():
        if isinstance(values, dict):
            value = "{" + ", ".join(_DUMPS(language) + ": " + _one_or_list(texts)
                                    for language, texts in values.items()) + "}"
        else:
            value = _one_or_list(values)
        parts.append(", " + key + ": " + value)
    parts.append("}")
    return "".join(parts)


def jsonld_nodes(lines: Iterable[str], term_of: Callable[[str], object]) -> Iterator[str]:
    """Node objects (JSON text) in compact form with the context's friendly terms, from
    N-Triples lines grouped by subject (as the rendered lines are), `term_of` giving the term of
    an object's text: a node is given as soon as its subject's lines end, so only one is held. A
    subject met again later gives a second node object with the same id, which JSON-LD merges."""
    values = _JsonLdValues(term_of)
    subject, node = None, {}
    key_was = values_of_key = None  # a subject's values of one key are mostly consecutive lines
    for line in lines:
        s, _, rest = line.partition(" ")
        if s != subject:
            if subject is not None:
                yield _node_text(subject, node)
            subject, node, key_was = s, {}, None
        key, value, language = values[rest]
        if key == key_was:
            values_of_key.append(value)
        elif language is not None:
            node.setdefault(key, {}).setdefault(language, []).append(value)
            key_was = None
        else:
            values_of_key = node.get(key)
            if values_of_key is None:
                values_of_key = node[key] = [value]
            else:
                values_of_key.append(value)
            key_was = key
    if subject is not None:
        yield _node_text(subject, node)


def _write_jsonld(rendered: Rendered, stream):
    """Compact JSON-LD, the context inlined, one node per line, written as the nodes come (a few
    thousand at a time), not held whole."""
    context = json.dumps(jsonld_context()["@context"], ensure_ascii=False, indent=1)
    stream.write(b'{"@context": ' + context.encode("utf-8") + b',\n"@graph": [\n')
    separator = ""
    for batch in batched(jsonld_nodes(rendered.merged_lines(), rendered.term_of), 2000):
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
    before_commit: Optional[Callable[[], None]] = None,
) -> list[Writer]:
    """Write one build to several outputs, rendering the terms once; every output is checked before
    any is written, and they replace the previous files together (a full disk on the last leaves
    every previous file as it was).

    With `timings`, the seconds each output took are added to it (the build report shows them);
    `on_written` is called with each destination once it is written; `before_commit` once every
    output is written, before any replaces its file: what it raises leaves every previous file as it was."""
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
        if before_commit is not None:
            before_commit()
    return chosen


def serialize(graphs: Sequence[PageGraph], format: str = "turtle") -> bytes:
    """The page graphs in one format, as bytes."""
    buffer = io.BytesIO()
    writer_for(format).write(Rendered(graphs), buffer)
    return buffer.getvalue()
