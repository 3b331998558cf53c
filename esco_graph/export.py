"""Writers: RDF syntaxes resolved by name, file extension or MIME type, from a registry.

Turtle, TriG, N-Triples and N-Quads go through pyoxigraph's serializers (fast, correct
escaping); JSON-LD is written directly in compact form with the context in data/, so JSON
readers get friendly names and RDF readers the official IRIs. Every file is written
atomically: a temporary file in the same folder, fsync, rename.
"""
from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Sequence

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .errors import OutputError
from .namespaces import PREFIXES
from .rdf import PageGraph, merged_triples


@dataclass(frozen=True)
class Writer:
    """An output format: its names, and a function writing page graphs to a binary stream."""

    name: str
    aliases: tuple[str, ...]
    extensions: tuple[str, ...]
    media_types: tuple[str, ...]
    quads: bool  # True: named graphs kept (one per page); False: the merged default graph
    write: Callable[[Sequence[PageGraph], BinaryIO], None]


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
    raise OutputError(f"unknown output format {key!r}; known: {known}")


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
    raise OutputError(f"{path}: cannot tell the format from the extension; use --format or one of "
                      + ", ".join(ext for w in _WRITERS.values() for ext in w.extensions))


# --- term conversion -------------------------------------------------------------------------


class _OxTerms:
    """rdflib terms to pyoxigraph terms, each IRI converted once."""

    def __init__(self):
        self.nodes: dict[str, ox.NamedNode] = {}

    def node(self, iri: str) -> ox.NamedNode:
        node = self.nodes.get(iri)
        if node is None:
            node = self.nodes[iri] = ox.NamedNode(iri)
        return node

    def term(self, term):
        if isinstance(term, URIRef):
            return self.node(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None and term.datatype != XSD.string:
                return ox.Literal(str(term), datatype=self.node(str(term.datatype)))
            return ox.Literal(str(term))
        if isinstance(term, BNode):  # never produced by esco-graph; kept for library users' graphs
            return ox.BlankNode(str(term))
        raise TypeError(f"not an RDF term: {term!r}")


def _grouped(triples: Iterable[tuple]) -> list[tuple]:
    """Triples grouped by subject (subjects in first-seen order), each group sorted: stable, readable Turtle."""
    by_subject: dict = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    out = []
    for s, pairs in by_subject.items():
        pairs.sort(key=lambda po: (po[0] != RDF.type, str(po[0]), _sort_key(po[1])))
        out.extend((s, p, o) for p, o in pairs)
    return out


def _sort_key(term) -> tuple:
    if isinstance(term, Literal):
        return (1, str(term), term.language or "", str(term.datatype or ""))
    return (0, str(term), "", "")


def _ox_triples(triples: Iterable[tuple], terms: _OxTerms) -> Iterator[ox.Triple]:
    t = terms.term
    for s, p, o in triples:
        yield ox.Triple(t(s), t(p), t(o))


def _ox_quads(graphs: Sequence[PageGraph], terms: _OxTerms) -> Iterator[ox.Quad]:
    t = terms.term
    for graph in graphs:
        g = terms.node(str(graph.iri))
        for s, p, o in _grouped(graph.triples):
            yield ox.Quad(t(s), t(p), t(o), g)


def _write_turtle(graphs, stream):
    ox.serialize(_ox_triples(_grouped(merged_triples(graphs)), _OxTerms()), stream, ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _write_ntriples(graphs, stream):
    ox.serialize(_ox_triples(_grouped(merged_triples(graphs)), _OxTerms()), stream, ox.RdfFormat.N_TRIPLES)


def _write_nquads(graphs, stream):
    ox.serialize(_ox_quads(graphs, _OxTerms()), stream, ox.RdfFormat.N_QUADS)


def _write_trig(graphs, stream):
    ox.serialize(_ox_quads(graphs, _OxTerms()), stream, ox.RdfFormat.TRIG, prefixes=PREFIXES)


# --- JSON-LD ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """The JSON-LD context shipped in data/context.jsonld."""
    for candidate in (Path(__file__).resolve().parent / "context.jsonld", Path(__file__).resolve().parent.parent / "data" / "context.jsonld"):
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


def _value_object(term) -> dict:
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    if isinstance(term, BNode):
        return {"@id": f"_:{term}"}
    obj = {"@value": str(term)}
    if term.language:
        obj["@language"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        obj["@type"] = str(term.datatype)
    return obj


def jsonld_document(triples: Iterable[tuple]) -> dict:
    """The merged graph as a compact JSON-LD document using the friendly terms of the context."""
    predicates, classes = _terms()
    nodes: dict = {}
    for s, p, o in _grouped(triples):
        node = nodes.setdefault(s, {"id": str(s) if not isinstance(s, BNode) else f"_:{s}"})
        if p == RDF.type and isinstance(o, URIRef):
            node.setdefault("type", []).append(classes.get(str(o), str(o)))
            continue
        term = predicates.get(str(p))
        if term is not None and term.language_map:
            if isinstance(o, Literal) and o.language:
                node.setdefault(term.name, {}).setdefault(o.language, []).append(str(o))
                continue
            term = None
        if term is None:
            node.setdefault(str(p), []).append(_value_object(o))
        elif term.coerce == "@id" and isinstance(o, URIRef):
            node.setdefault(term.name, []).append(str(o))
        elif isinstance(o, Literal) and not o.language and (
            (term.coerce is None and (o.datatype is None or o.datatype == XSD.string))
            or (term.coerce not in (None, "@id") and o.datatype is not None and str(o.datatype) == term.coerce)
        ):
            node.setdefault(term.name, []).append(str(o))
        else:
            node.setdefault(term.name, []).append(_value_object(o))
    graph = []
    for node in nodes.values():
        for key, value in list(node.items()):
            if isinstance(value, list) and len(value) == 1:
                node[key] = value[0]
            elif isinstance(value, dict):
                node[key] = {lang: (v[0] if len(v) == 1 else v) for lang, v in value.items()}
        graph.append(node)
    return {"@context": jsonld_context()["@context"], "@graph": graph}


def _write_jsonld(graphs, stream):
    document = jsonld_document(merged_triples(graphs))
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n", write_through=True)
    try:
        json.dump(document, text, ensure_ascii=False, indent=1)
        text.write("\n")
        text.flush()
    finally:
        text.detach()


register_writer(Writer("turtle", ("ttl",), (".ttl",), ("text/turtle",), False, _write_turtle))
register_writer(Writer("ntriples", ("n-triples",), (".nt",), ("application/n-triples",), False, _write_ntriples))
register_writer(Writer("nquads", ("n-quads",), (".nq",), ("application/n-quads",), True, _write_nquads))
register_writer(Writer("trig", (), (".trig",), ("application/trig",), True, _write_trig))
register_writer(Writer("jsonld", ("json-ld",), (".jsonld", ".json"), ("application/ld+json",), False, _write_jsonld))


# --- atomic files ----------------------------------------------------------------------------


def check_output_path(path: str) -> None:
    """Fail before any work when an output cannot be written: missing or read-only folder, a folder in the way."""
    if path == "-":
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {folder} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{path}: the file is read-only")


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces `path` only when the block succeeds.

    The data goes to a temporary file in the same folder, is fsynced, then renamed over the
    target; on any failure (or interruption) the temporary file is removed and the previous
    file at `path` is untouched.
    """
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent or Path(".")))
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else (exc.strerror or str(exc))
            raise OutputError(f"{path}: {reason}; the previous file (if any) is unchanged") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write(graphs: Sequence[PageGraph], destination: str, format: Optional[str] = None) -> Writer:
    """Write page graphs to a path (atomically) or '-' (stdout), in the format of its extension or `format`."""
    writer = writer_for_path(destination, format)
    check_output_path(destination)
    with atomic_output(destination) as stream:
        writer.write(graphs, stream)
    return writer


def serialize(graphs: Sequence[PageGraph], format: str = "turtle") -> bytes:
    """The page graphs in one format, as bytes."""
    buffer = io.BytesIO()
    writer_for(format).write(graphs, buffer)
    return buffer.getvalue()
