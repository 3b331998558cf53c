"""The embedded store: pyoxigraph on disk, one transaction per graph."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError, OptionError, QueryError, StoreError
from ..namespaces import PREFIXES
from ..text import one_line, sparql_message
from .base import (
    BNODE_WARNING,
    LoadReport,
    Store,
    default_store_path,
    graph_label,
    named_node,
    rdf_format,
    staging_graph,
)
from .results import QueryResult, to_term
from .sparql import bind_values, query_form

# Embedded store (pyoxigraph on disk)
# --------------------------------------------------------------------------------------------

class EmbeddedStore(Store):
    """A persistent pyoxigraph store in a directory, created on first use.

    Per graph, a load first clears the graph, then loads it in one transaction; the file is parsed
    whole beforehand, so the one thing an interruption (a crash between the two steps) can leave is
    an empty graph, never a half-loaded one. Queries use the union of all graphs as default graph.
    """

    kind = "embedded"

    @classmethod
    def in_memory(cls, name: str = "memory") -> "EmbeddedStore":
        """A store in memory only (gone when closed): to query RDF files as a store (``diff``)."""
        store = cls.__new__(cls)
        store.path = Path(name)
        store._store = ox.Store()
        return store

    def read_file(self, path: str | Path) -> None:
        """Parse an RDF file straight into this store with pyoxigraph's bulk loader, without the
        checking pass and graph-by-graph replacement of :meth:`load_file`: for a store in memory
        that is read and thrown away (``diff``, ``show``). JSON-LD goes through :meth:`load_file`."""
        fmt = rdf_format(path)
        if not isinstance(fmt, ox.RdfFormat):
            self.load_file(path)
            return
        if not Path(path).is_file():
            raise InputError(str(path), "no such file" if not Path(path).exists() else "not a file")
        try:
            self.pyoxigraph.bulk_load(path=str(path), format=fmt)
        except SyntaxError as e:
            raise InputError(str(path), f"not valid {fmt.name}: {one_line(str(e))}") from None
        except OSError as e:
            raise InputError(str(path), f"cannot read: {e.strerror or e}") from None

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is not a directory: --store takes the store's folder")
        if not create and not self.path.is_dir():
            raise InputError(str(self.path), "no store here (make one with `esco-graph load` or `build --store`)")
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
            report.graphs_failed = [(graph_label(k), reason) for k in counts]
            return report
        report.graphs_loaded = [graph_label(k) for k in counts]
        report.triples = sum(counts.values())
        if on_graph:
            for k in counts:
                on_graph(graph_label(k), True)
        return report

    def _load_chunks(self, chunks, on_graph) -> LoadReport:
        """Each named graph lands whole or not at all: a graph that is new and comes in one part is
        one transaction; a graph that replaces one already here, or comes in several parts, gathers
        in a staging graph first and then replaces its target in one update (MOVE), so a kill at any
        point leaves the old graph or the new one, never a part or an empty graph."""
        store = self.pyoxigraph
        report = LoadReport()
        staged: set[str] = set()
        broken: set = set()  # graphs a part of which failed: their other parts are not loaded
        for key, payload, first, last in chunks:
            label = graph_label(key)
            if first:
                broken.discard(key)
            elif key in broken:
                continue
            try:
                graph = ox.DefaultGraph() if key is None else named_node(key)
                if isinstance(payload, bytes):
                    payload = list(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))  # parsed before any change
                    if key is None and any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                                           for t in payload):
                        report.warnings.append(BNODE_WARNING.format(file=label))
                if key is not None and first:
                    aside = not last or store.contains_named_graph(graph)
                    if aside:
                        staged.add(key)
                        store.clear_graph(ox.NamedNode(staging_graph(key)))
                target = ox.NamedNode(staging_graph(key)) if key in staged else graph
                store.extend([ox.Quad(t.subject, t.predicate, t.object, target) for t in payload])  # one transaction
                if key in staged and last:
                    store.update(f"MOVE SILENT GRAPH <{target.value}> TO <{key}>")  # one transaction
                    staged.discard(key)
            except (SyntaxError, OSError, ValueError, StoreError) as e:
                broken.add(key)
                staged.discard(key)  # the staging graph is left; the target keeps its old content
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
            raise OptionError("this is a SPARQL Update, not a query: run it with `esco-graph update` (Store.update)")
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
            raise QueryError(f"the query is not valid SPARQL: {sparql_message(e)}") from None
        except (OSError, RuntimeError, ValueError) as e:
            raise StoreError(f"the store {self.path} failed the query: {one_line(str(e))}") from None

    def update(self, sparql: str) -> None:
        try:
            self.pyoxigraph.update(sparql, prefixes=PREFIXES)
        except SyntaxError as e:
            raise QueryError(f"the update is not valid SPARQL: {sparql_message(e)}") from None
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
