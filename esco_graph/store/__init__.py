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
  replaces its own graph. A file is parsed once to check it (a syntax error changes nothing),
  then streamed graph by graph: one transaction per graph on the embedded store, one SPARQL 1.1
  Graph Store Protocol ``PUT`` per graph on a remote store; only one graph is in memory at a time
  (a graph of more than :data:`CHUNK_TRIPLES` triples goes in several parts). A graph that
  replaces one already there (embedded store) or comes in several parts gathers in a staging
  graph and replaces its target with one ``MOVE``: it lands whole or not at all.
* **Default-graph triples are added** (set semantics: the same triple twice is one triple), because
  the default graph is shared by everything loaded. esco-graph's builds keep their facts there,
  once, and each page's provenance in its named graph (see ``graph/mapping.py``); before graphs of
  pages the store already has are replaced, what only those pages stated is taken out of the
  default graph (:mod:`.retract`), so a changed page replaces exactly its links and the concepts
  only it described. To make a Turtle file's triples replaceable, load it into a named graph
  (``load_file(path, graph=IRI)``, ``esco-graph load --graph IRI``). Blank nodes in the default
  graph cannot be recognised on a reload and are reported as a warning. Where a store's Graph Store
  has no usable default graph (Virtuoso) or its union graph leaves the default graph out (Fuseki),
  default-graph triples go to the named graph ``urn:esco-graph:default``
  (:data:`DEFAULT_GRAPH_STANDIN`).
* **Queries see every graph.** The default graph of a query is the union of all graphs: pyoxigraph's
  ``use_default_graph_as_union``, Oxigraph server's ``union-default-graph``, Fuseki's
  ``urn:x-arq:UnionGraph``; Virtuoso and GraphDB do this by themselves. esco-graph's builds put
  no fact in two graphs, so each counts once; a third-party file that repeats a triple in several
  graphs matches once per graph.
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

from pathlib import Path

from ..errors import StoreError
from ..http import scrub_url
from .base import (
    DEFAULT_GRAPH_LABEL,
    DEFAULT_GRAPH_STANDIN,
    LoadReport,
    Store,
    StoreAuthError,
    StoreUnavailable,
    default_store_path,
    rdf_format,
    to_ntriples,
)
from .embedded import EmbeddedStore
from .remote import PRESETS, STORE_TYPES, Preset, RemoteStore
from .results import RESULT_FORMATS, QueryResult, to_term
from .sparql import (
    bind_values,
    query_form,
    split_prologue,
    values_clause,
    with_known_prefixes,
)

__all__ = [
    "DEFAULT_GRAPH_LABEL", "DEFAULT_GRAPH_STANDIN", "PRESETS", "STORE_TYPES", "EmbeddedStore",
    "LoadReport", "Preset", "QueryResult", "RemoteStore", "Store", "StoreAuthError",
    "StoreUnavailable", "default_store_path", "open_store", "scrub_url", "to_ntriples",
    "RESULT_FORMATS", "bind_values", "query_form", "rdf_format", "split_prologue", "to_term", "values_clause",
    "with_known_prefixes",
]

# Opening a store
# --------------------------------------------------------------------------------------------

def open_store(store: str | Path | None = None, endpoint: str | None = None, *, store_type: str = "auto",
               query_path: str | None = None, update_path: str | None = None, gsp_path: str | None = None,
               timeout: float = 120.0, retries: int = 3, backoff: float = 0.5,
               row_cap: int | None = None, create: bool = True) -> Store:
    """Open the embedded store in ``store`` (a directory), or the remote store at ``endpoint``.

    ``create=False``: an embedded store that does not exist yet is an InputError (for reading).

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
    return EmbeddedStore(store, create=create)
