"""What a store holds and how to empty it, the same on every store (SPARQL only)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from .base import DEFAULT_GRAPH_STANDIN, STAGING_PREFIX, Store
from .results import QueryResult

GRAPHS = """SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"""
PAGE_GRAPHS = """PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g prov:wasDerivedFrom ?page } } ORDER BY ?g"""
COUNTS = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX eg: <urn:esco-graph:vocab:>
SELECT
  (COUNT(DISTINCT ?page) AS ?pages)
  (COUNT(DISTINCT ?occupation) AS ?occupations)
  (COUNT(DISTINCT ?skill) AS ?skills)
WHERE {
  { GRAPH ?g { ?g prov:wasDerivedFrom ?page ; eg:layout ?layout } }
  UNION { ?occupation a esco:Occupation }
  UNION { ?skill a esco:Skill }
}"""


@dataclass
class StoreInfo:
    """What ``esco-graph store info`` shows."""

    location: str
    kind: str
    graphs: int  # named graphs
    triples: int  # triples in the named graphs (esco-graph's: provenance; the facts are in the default graph)
    pages: int  # pages whose graphs were loaded (prov:wasDerivedFrom)
    occupations: int
    skills: int
    last_change: Optional[str]  # ISO 8601 UTC; the embedded store's files, else unknown

    def lines(self) -> list[str]:
        return [f"store        {self.location} ({self.kind})", f"graphs       {self.graphs}",
                f"triples      {self.triples} (in named graphs: provenance)", f"pages        {self.pages}",
                f"occupations  {self.occupations}", f"skills       {self.skills}",
                f"last change  {self.last_change or 'unknown (a remote store does not say)'}"]


def _int(result: QueryResult, column: int = 0) -> int:
    value = result.rows[0][column] if result.rows else None
    return int(value.value) if value is not None else 0


def graphs(store: Store) -> QueryResult:
    """Every named graph with its number of triples (``esco-graph store graphs``)."""
    return store.query(GRAPHS)


def info(store: Store) -> StoreInfo:
    """Named graphs, triples, pages, occupations and skills in the store, and when it last changed."""
    per_graph = store.query(GRAPHS)
    counts = store.query(COUNTS)
    last = None
    path = getattr(store, "path", None)
    if isinstance(path, Path) and path.is_dir():
        newest = max((f.stat().st_mtime for f in path.iterdir() if f.is_file()), default=None)
        if newest is not None:
            last = datetime.fromtimestamp(newest, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return StoreInfo(
        location=store.location, kind=store.kind, graphs=len(per_graph.rows),
        triples=sum(int(row[1].value) for row in per_graph.rows),
        pages=_int(counts, 0), occupations=_int(counts, 1), skills=_int(counts, 2), last_change=last,
    )


def clear(store: Store, *, everything: bool = False) -> int:
    """Empty the store of what esco-graph loaded: every page's graph, the graph standing in for
    the default graph and the staging graphs of killed loads, or with ``everything`` (and always on
    the embedded store, which holds nothing else) every graph and the default graph. Returns the number of graphs dropped."""
    if everything or store.kind == "embedded":
        n = len(store.query(GRAPHS).rows)
        store.update("CLEAR ALL")
        return n
    targets = [row[0].value for row in store.query(PAGE_GRAPHS).rows] + [DEFAULT_GRAPH_STANDIN]
    # what loads killed mid-way left (see store.base.staging_graph)
    targets += [row[0].value for row in store.query(GRAPHS).rows if row[0].value.startswith(STAGING_PREFIX)]
    for iri in targets:
        store.update(f"DROP SILENT GRAPH <{iri}>")
    return len(targets) - 1


__all__ = ["StoreInfo", "clear", "graphs", "info"]
