"""Writers: RDF syntaxes resolved by name, file extension or MIME type, from a registry.

Turtle, TriG, N-Triples and N-Quads go through pyoxigraph's serializers (fast, correct
escaping); JSON-LD is written directly in compact form with the context in data/, so JSON
readers get friendly names and RDF readers the official IRIs. Every file is written
atomically: a temporary file in the same folder, fsync, rename.
"""
from __future__ import annotations

import contextlib
from itertools import compress, repeat
from operator import is_
import errno
import io
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Optional, Sequence

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..errors import OutputError
from ..namespaces import PREFIXES
from .mapping import PageGraph, merged_triples


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


# --- rendering ---------------------------------------------------------------------------------


class Rendered:
    """Page graphs with each term's and triple's N-Triples form computed once, shared by every writer.

    N-Triples and N-Quads are joined from these strings (oxigraph does the escaping); Turtle,
    TriG and JSON-LD get pyoxigraph terms made once per term. Lines are sorted, so output is
    deterministic and each subject's triples sit together. Skills recur across pages as the
    same triple objects (see rdf.Mapper), so each is formatted once.
    """

    def __init__(self, graphs: Sequence[PageGraph]):
        self.graphs = graphs
        self._terms: dict[int, tuple[str, object]] = {}  # id(term) -> (N-Triples, pyoxigraph term)
        self._lines: dict[int, str] = {}  # id(triple) -> its N-Triples line (without ' .')
        self._triples: dict[str, tuple] = {}  # line -> the triple
        self._page_lines: Optional[list[list[str]]] = None
        self._merged: Optional[list[str]] = None

    def _term(self, term) -> tuple[str, object]:
        key = id(term)  # every term here is held by self.graphs, so ids are stable
        known = self._terms.get(key)
        if known is None:
            node = _ox_term(term)
            known = self._terms[key] = (str(node), node)
        return known

    def term(self, term) -> str:
        """A term in N-Triples syntax."""
        return self._term(term)[0]

    def ox_term(self, term):
        """A term as a pyoxigraph term."""
        return self._term(term)[1]

    def page_lines(self) -> list[list[str]]:
        """Per page graph, its sorted distinct 'subject predicate object' lines."""
        if self._page_lines is None:
            lines, triples, term = self._lines, self._triples, self.term
            get = lines.get
            out = []
            for graph in self.graphs:
                found = list(map(get, map(id, graph.triples)))  # triples seen on earlier pages: C-speed lookups
                page = set(found)
                if None in page:
                    page.discard(None)
                    for triple in compress(graph.triples, map(is_, found, repeat(None))):
                        line = get(id(triple))
                        if line is None:
                            s, p, o = triple
                            line = lines[id(triple)] = f"{term(s)} {term(p)} {term(o)}"
                            triples.setdefault(line, triple)
                        page.add(line)
                out.append(sorted(page))
            self._page_lines = out
        return self._page_lines

    def merged_lines(self) -> list[str]:
        """The merged default graph's distinct lines, sorted."""
        if self._merged is None:
            self._merged = sorted({line for lines in self.page_lines() for line in lines})
        return self._merged

    def ntriples(self) -> bytes:
        """The merged default graph as sorted N-Triples."""
        return "".join([line + " .\n" for line in self.merged_lines()]).encode("utf-8")

    def page_ntriples(self) -> Iterator[tuple[str, bytes]]:
        """(graph IRI, its triples as N-Triples) per page: what a store load takes, one graph at a time."""
        for graph, lines in zip(self.graphs, self.page_lines()):
            yield str(graph.iri), "".join([line + " .\n" for line in lines]).encode("utf-8")

    def nquads_chunks(self) -> Iterator[bytes]:
        """Every page's named graph as N-Quads, one chunk per page, pages in input order."""
        for graph, lines in zip(self.graphs, self.page_lines()):
            suffix = f" {self.term(graph.iri)} .\n"
            yield "".join([line + suffix for line in lines]).encode("utf-8")

    def ox_triples(self) -> Iterator[ox.Triple]:
        """The merged default graph as pyoxigraph triples, in line order."""
        term, triples = self.ox_term, self._triples
        for line in self.merged_lines():
            s, p, o = triples[line]
            yield ox.Triple(term(s), term(p), term(o))

    def ox_quads(self) -> Iterator[ox.Quad]:
        """Every page's named graph as pyoxigraph quads, pages in input order."""
        term, triples = self.ox_term, self._triples
        for graph, lines in zip(self.graphs, self.page_lines()):
            g = term(graph.iri)
            for line in lines:
                s, p, o = triples[line]
                yield ox.Quad(term(s), term(p), term(o), g)

    def merged_triples(self) -> list[tuple]:
        """The merged default graph as rdflib-term triples, in first-seen order."""
        return merged_triples(self.graphs)


def _ox_term(term):
    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError as exc:
            raise OutputError(f"cannot write the IRI {str(term)[:200]!r}: {exc}") from None
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and term.datatype != XSD.string:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):  # never produced by esco-graph; kept for library users' graphs
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


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
    target (and the folder fsynced); on any failure (or interruption) the temporary file is
    removed and the previous file at `path` is untouched. Where the file system allows it
    (Linux, O_TMPFILE) the temporary file has no name until it is complete, so even a process
    killed with SIGKILL leaves nothing behind; elsewhere a killed process may leave a hidden
    ``.NAME.*.tmp`` file, never a partial file at `path`.
    """
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp: Optional[str] = None
    try:
        fd, tmp = _open_temporary(folder, target.name)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
            if tmp is None:  # an unnamed O_TMPFILE file: give it a name next to the target, then rename
                tmp = _temporary_name(folder, target.name)
                _link_unnamed(handle.fileno(), tmp)
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(folder)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                reason = "the disk is full"
            elif exc.errno == errno.EFBIG:
                reason = "the file is larger than the file system or the file size limit (ulimit -f) allows"
            else:
                reason = exc.strerror or str(exc)
            raise OutputError(f"{path}: {reason}; the previous file (if any) is unchanged") from None
        raise


def _temporary_name(folder: Path, name: str) -> str:
    return str(folder / f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _link_unnamed(fd: int, path: str) -> None:
    """Give the unnamed (O_TMPFILE) file open as `fd` the name `path`.

    linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N; os.link uses linkat only when given a folder
    fd (plain link() would try to link the /proc symlink itself and fail with EXDEV).
    """
    folder = os.open(os.path.dirname(path) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(path), dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _open_temporary(folder: Path, name: str) -> tuple[int, Optional[str]]:
    """(fd, None) for an unnamed O_TMPFILE file in `folder`, else (fd, path) of a named one."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600), None
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOTSUP):
                raise
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=str(folder))
    return fd, tmp


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write(graphs: Sequence[PageGraph], destination: str, format: Optional[str] = None) -> Writer:
    """Write page graphs to a path (atomically) or '-' (stdout), in the format of its extension or `format`."""
    return write_all(graphs, [destination], format)[0]


def write_all(
    graphs: "Sequence[PageGraph] | Rendered", destinations: Sequence[str], format: Optional[str] = None,
    timings: Optional[dict[str, float]] = None,
) -> list[Writer]:
    """Write one build to several outputs, rendering the terms once; every output is checked before any is written.

    With `timings`, the seconds each output took are added to it (the build report shows them)."""
    chosen = [writer_for_path(destination, format) for destination in destinations]
    for destination in destinations:
        check_output_path(destination)
    rendered = graphs if isinstance(graphs, Rendered) else Rendered(graphs)
    for writer, destination in zip(chosen, destinations):
        started = time.perf_counter()
        with atomic_output(destination) as stream:
            writer.write(rendered, stream)
        if timings is not None:
            timings[f"write {destination}"] = time.perf_counter() - started
    return chosen


def serialize(graphs: Sequence[PageGraph], format: str = "turtle") -> bytes:
    """The page graphs in one format, as bytes."""
    buffer = io.BytesIO()
    writer_for(format).write(Rendered(graphs), buffer)
    return buffer.getvalue()
