"""Remote SPARQL 1.1 stores over HTTP: presets per server kind, Graph Store Protocol loads, SPARQL Protocol queries."""
from __future__ import annotations

import json
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import OptionError, QueryError, StoreError
from ..http import (
    SERVER_ERROR_CODE,
    Body,
    HttpClient,
    Response,
    scrub_url,
    server_message,
)
from ..text import one_line
from .base import (
    DEFAULT_GRAPH_STANDIN,
    PROBE_GRAPH,
    LoadReport,
    Store,
    StoreAuthError,
    StoreUnavailable,
    count_ntriples,
    graph_label,
    named_node,
    staging_graph,
)
from .results import QueryResult, term_from_json
from .sparql import bind_values, query_form, split_prologue, tokens, with_known_prefixes

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
        try:
            parts = urllib.parse.urlsplit(endpoint) if endpoint else None
            port_ok = parts is not None and (parts.port is None or parts.port > 0)  # .port raises on :abc, :99999
        except ValueError as e:
            raise OptionError(f"--endpoint {endpoint!r} is not a valid URL ({e})") from None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            raise OptionError(f"--endpoint must be an http:// or https:// URL, not {scrub_url(endpoint or '')!r}")
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
            self._http.preauth_url = self.gsp_url + "?" + urllib.parse.urlencode({"graph": PROBE_GRAPH})

    def _join(self, path: str | None) -> str | None:
        if path is None:
            return None
        if re.match(r"https?://", path):
            if "@" in urllib.parse.urlsplit(path).netloc:
                raise StoreError("credentials in endpoint paths are not accepted: use ESCO_GRAPH_USER/ESCO_GRAPH_PASSWORD or ~/.netrc")
            given, base = urllib.parse.urlsplit(path), urllib.parse.urlsplit(self.endpoint)
            try:
                same = (given.scheme, given.hostname, given.port) == (base.scheme, base.hostname, base.port)
            except ValueError as e:
                raise OptionError(f"{scrub_url(path)!r} is not a valid URL ({e})") from None
            if not same:  # one connection a store: a path on another server would go to the endpoint's
                raise OptionError(f"the path {scrub_url(path)} is on another server than --endpoint "
                                  f"{scrub_url(self.endpoint)}: give a path, or a URL on the same server")
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
            url = self.gsp_url + "?" + urllib.parse.urlencode({"graph": PROBE_GRAPH})
            resp = self._http.request("GET", url, headers={"Accept": "application/n-triples"}, what="connecting")
        else:
            resp = self._post_form(self.query_url, {"query": "ASK {}"}, "application/sparql-results+json",
                                   what="connecting")
        if resp.status == 403:
            raise StoreAuthError(self._http.scrub(f"{self.location} refused access (HTTP 403)"
                                                  + (f": {server_message(resp)}" if resp.body else "")))
        if resp.status >= 500:
            raise StoreUnavailable(self._http.scrub(f"{self.location} answered HTTP {resp.status}: {server_message(resp)}"))

    def ping(self) -> None:
        """Check the store answers (and accepts the credentials); raises StoreError if not."""
        self._ensure_configured()
        self._probe()
        self._ready = True

    # -- loading --------------------------------------------------------------------------------
    @property
    def default_graph_iri(self) -> str | None:
        self._ensure_configured()
        return self.preset.default_graph

    def _send_graph(self, iri: str | None, body: Body, replace: bool = True) -> None:
        """One Graph Store request: PUT (replace) a named graph, or POST (add to) it or the default
        graph (or the named graph that stands for the default graph on this store)."""
        graph = self.preset.default_graph if iri is None else iri
        merge = iri is None or not replace
        label = graph_label(iri)
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
        """One Graph Store PUT per named graph that comes in one part (the server replaces it
        whole); a graph of several parts gathers in a staging graph (PUT, then POSTs) and replaces
        its target with one SPARQL Update (MOVE), so a load cut short never leaves a part of it."""
        report = LoadReport()
        fatal: str | None = None
        broken: set = set()
        load = secrets.token_hex(8)  # this load's own staging graphs (see staging_graph)
        for key, payload, first, last in chunks:
            label = graph_label(key)
            if fatal is not None:
                if first:
                    report.graphs_failed.append((label, "not attempted: " + fatal))
                continue
            if first:
                broken.discard(key)
            elif key in broken:
                continue
            aside = key is not None and not (first and last)  # gathered in this load's staging graph
            try:
                if isinstance(payload, bytes):
                    body, n = payload, count_ntriples(payload)
                    if key is not None:
                        named_node(key)
                else:
                    body, n = ox.serialize(payload, format=ox.RdfFormat.N_TRIPLES), len(payload)
                self._send_graph(staging_graph(key, load) if aside else key, Body(body), replace=first)
                if aside and last:
                    self.update(f"MOVE SILENT GRAPH <{staging_graph(key, load)}> TO <{key}>")
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
            broken.add(key)
            if aside and fatal is None:
                self._drop_quietly(staging_graph(key, load))  # the parts that did land
            if label in report.graphs_loaded:
                report.graphs_loaded.remove(label)
            report.graphs_failed.append((label, fatal or reason))
            if on_graph:
                on_graph(label, False)
        return report

    def _drop_quietly(self, graph: str) -> None:
        """Drop a staging graph after a failed load, if the store lets us; left there otherwise."""
        try:
            self.update(f"DROP SILENT GRAPH <{graph}>")
        except StoreError:
            pass

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
                raise QueryError(self._http.scrub(f"the store rejected the query: {msg or f'HTTP {resp.status}'}"))
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
        try:
            if "boolean" in doc:
                if not isinstance(doc["boolean"], bool):
                    raise ValueError(f"'boolean' is {doc['boolean']!r}, not true or false")
                return [], [], doc["boolean"]
            variables = [str(v) for v in doc["head"]["vars"]]
            bnodes: dict[str, ox.BlankNode] = {}
            rows = []
            if not all(isinstance(v, str) for v in doc["head"]["vars"]):
                raise ValueError("a variable name that is not a string")
            for b in doc["results"]["bindings"]:
                if not isinstance(b, dict):
                    raise ValueError(f"a binding that is not an object: {b!r}"[:120])
                rows.append(tuple(term_from_json(b[v], bnodes) if v in b else None for v in variables))
        except (AttributeError, KeyError, TypeError, ValueError) as e:  # a list, a missing key, a bad term ...
            raise StoreError(self._http.scrub(f"the store's SPARQL results JSON is malformed "
                                              f"({type(e).__name__}: {one_line(str(e))[:200]})")) from None
        return variables, rows, None

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> QueryResult:
        self._ensure_configured()
        if not self.query_url:
            raise StoreError(f"{self.location}: no query path")
        form = query_form(sparql)
        if form == "update":
            raise OptionError("this is a SPARQL Update, not a query: run it with `esco-graph update` (Store.update)")
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
        has_from = any(k == "word" and t.upper() in ("FROM",) for k, t, _ in tokens(body.split("{", 1)[0]))
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
