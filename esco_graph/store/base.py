"""The store interface every store implements, the load report, store locations and the formats a store reads."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError, OptionError, StoreError
from ..terms import syntax_named, to_oxigraph
from ..text import one_line
from .results import QueryResult
from .retract import retract_sources

DEFAULT_GRAPH_LABEL = "(default graph)"
DEFAULT_GRAPH_STANDIN = "urn:esco-graph:default"
PROBE_GRAPH = "urn:esco-graph:probe"


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
            try:  # rdflib keeps IRIs it warns about ('<a[b>'); oxigraph, as RDF, refuses them
                terms = [to_oxigraph(t) for t in (s, p, o)]
                if g is None or getattr(g, "identifier", g) == DATASET_DEFAULT_GRAPH_ID:
                    quad = ox.Quad(*terms)
                else:
                    quad = ox.Quad(*terms, to_oxigraph(getattr(g, "identifier", g)))
            except ValueError as e:
                raise InputError(str(path), f"not valid JSON-LD: {one_line(str(e))} in the triple "
                                            f"{one_line(' '.join(str(t) for t in (s, p, o)))[:300]}") from None
            out.write(str(quad).encode("utf-8") + b" .\n")


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


def graph_label(iri: str | None) -> str:
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


def count_ntriples(data: bytes) -> int:
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
    #: the named graph that stands for the default graph on this store, or None (the default graph)
    default_graph_iri: str | None = None

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
        stdin = str(path) == "-"
        if stdin and not format:
            raise OptionError("RDF from standard input ('-') needs its format (--format turtle, nquads, ...)")
        path = Path(path)
        if not stdin and not path.is_file():
            raise InputError(str(path), "no such file" if not path.exists() else "not a file")
        fmt = rdf_format(path, format)
        target = named_node(graph, "--graph") if graph else None
        with tempfile.TemporaryDirectory(prefix="esco-graph-load-") as tmp:
            source = path
            if stdin:  # parsed twice (checked, then streamed): kept in the private temporary folder
                source = Path(tmp) / "stdin"
                with open(source, "wb") as handle:
                    shutil.copyfileobj(sys.stdin.buffer, handle)
                if fmt == _JSONLD:
                    path = source
            if fmt == _JSONLD:
                source = Path(tmp) / "jsonld.nq"
                _jsonld_to_nquads(path, source)
                fmt = ox.RdfFormat.N_QUADS
            counts, default_bnodes = _scan(source, fmt, target, shown=path)  # a syntax error stops here
            self._before_load()
            retract_sources(self, counts, self.default_graph_iri)
            report = LoadReport()
            if default_bnodes:
                report.warnings.append(BNODE_WARNING.format(file=path))
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
                    on_graph: Callable[[str, bool], None] | None = None, *,
                    replacing: Iterable[str] = ()) -> LoadReport:
        """Load ``(graph IRI or None for the default graph, N-Triples bytes)`` pairs: each named graph
        replaced whole, default-graph triples added. What ``build --store`` uses.

        ``replacing``: the IRIs of the source graphs the pairs carry; what only their earlier
        versions stated is first taken out of the default graph (see :mod:`.retract`).
        The body may also be an iterable of (s, p, o) rdflib or pyoxigraph terms (see
        :func:`to_ntriples`). The pairs are consumed one at a time, so a generator keeps one graph
        in memory."""
        self._before_load()
        retract_sources(self, replacing, self.default_graph_iri)

        def chunks():
            for iri, data in graphs:
                yield (None if iri is None else str(iri)), _graph_body(data), True, True

        return self._load_chunks(chunks(), on_graph)

    def _before_load(self) -> None:
        """Check the store can take a load (a remote store: reachable, credentials accepted)."""

    @abstractmethod
    def _load_chunks(self, chunks: Iterable[tuple[str | None, bytes | list, bool, bool]], on_graph) -> LoadReport:
        """Store ``(graph key, N-Triples bytes or triples, first part of that graph?, last part?)`` in
        order; each named graph lands whole or not at all."""

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


def named_node(iri: str, what: str = "graph") -> ox.NamedNode:
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
            ) -> Iterator[tuple[str | None, list[ox.Triple], bool, bool]]:
    """Stream ``path`` as (graph key, its triples, first part of that graph?, last part?) in file
    order: one part per graph when the file keeps each graph together (as TriG and esco-graph's
    N-Quads do). Whether a part is the last is known without reading ahead: the quad that ends a
    part is in hand, and says whether the graph goes on."""
    seen: set[str | None] = set()
    current: str | None = None
    buf: list[ox.Triple] = []
    try:
        for q in ox.parse(path=str(path), format=fmt):
            key = _graph_key(q, target, shown)
            if buf and (key != current or len(buf) >= limit):
                yield current, buf, current not in seen, key != current
                seen.add(current)
                buf = []
            current = key
            buf.append(q.triple)
    except SyntaxError as e:  # (the file changed since it was scanned)
        raise InputError(str(shown), f"not valid {_format_name(fmt)}: {one_line(str(e))}") from None
    if buf:
        yield current, buf, current not in seen, True


STAGING_PREFIX = "urn:esco-graph:loading:"


def staging_graph(iri: str, load: str = "") -> str:
    """Where a graph's parts gather before they replace it in one step. In-process (the embedded
    store) one per target graph, which the next load of the graph clears. Over HTTP one per load
    (``load``, a fresh token): a server finishes a request whose client was killed after sending
    it, so a shared staging graph could take a dead load's last part, or be moved by its MOVE,
    in the middle of the next load."""
    import hashlib

    return STAGING_PREFIX + hashlib.sha1(iri.encode("utf-8")).hexdigest() + (f":{load}" if load else "")


BNODE_WARNING = ("{file}: its default graph has blank nodes, which a store cannot recognise on a reload: "
                  "loading it again adds them again. Load it into a named graph (--graph IRI) to make reloads replace it.")


# --------------------------------------------------------------------------------------------
