"""The store library and commands without external servers: the embedded store, the SPARQL text
helpers, and the HTTP client against a small in-test server (basic auth, retries, streaming).

The real Oxigraph and Virtuoso servers are in test_store_servers.py."""
from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from servers import LoopbackServer, QuietHandler, free_port

from esco_graph.cli import cli
from esco_graph.errors import InputError, StoreError
from esco_graph.store import (
    DEFAULT_GRAPH_LABEL,
    EmbeddedStore,
    LoadReport,
    RemoteStore,
    StoreAuthError,
    StoreUnavailable,
    bind_values,
    default_store_path,
    open_store,
    query_form,
    scrub_url,
    split_prologue,
    to_ntriples,
    values_clause,
    with_known_prefixes,
)
from esco_graph.store.queries import occupations_for_skill, skills_of_occupation

FIXTURE = Path(__file__).parent / "fixtures" / "store-small.trig"
G_MED = "http://example.org/esco-graph/graph/esco-medical-device-engineering-technician"
G_MIC = "http://example.org/esco-graph/graph/destinai-microsystem-engineering-technician"
OCC_MIC = "http://data.europa.eu/esco/occupation/26e1add0-da3f-4ed6-aa91-791cb550146f"
SKILL_TEST_RUN = "http://data.europa.eu/esco/skill/465ff64a-1271-4064-8ed1-e969cb68d8b4"
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }"


def run(*args, env=None, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env, input=input)


@pytest.fixture
def kg(tmp_path) -> EmbeddedStore:
    store = open_store(tmp_path / "kg")
    yield store
    store.close()


def graph_counts(store) -> dict[str, int]:
    return {g: int(n) for g, n in store.query(COUNT_PER_GRAPH).values()}


def store_quads(store: EmbeddedStore) -> set:
    return set(store.pyoxigraph.quads_for_pattern(None, None, None, None))


# --- the embedded store -------------------------------------------------------------------------

def test_embedded_store_is_created_on_first_use(tmp_path):
    where = tmp_path / "a" / "b" / "kg"
    with open_store(where) as store:
        assert isinstance(store, EmbeddedStore)
        assert store.query("ASK { ?s ?p ?o }").boolean is False
    assert where.is_dir()


def test_default_location_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ESCO_GRAPH_STORE", str(tmp_path / "env-kg"))
    assert default_store_path() == tmp_path / "env-kg"
    with open_store() as store:
        assert store.location == str(tmp_path / "env-kg")
    monkeypatch.delenv("ESCO_GRAPH_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "esco-graph" / "store"


def test_load_keeps_named_graphs_and_adds_the_default_graph(kg):
    report = kg.load_file(FIXTURE)
    assert report.ok
    assert report.graphs_loaded == [DEFAULT_GRAPH_LABEL, G_MED, G_MIC]  # file order
    assert report.triples == 154
    assert graph_counts(kg) == {G_MIC: 79, G_MED: 71}
    assert kg.query(COUNT_DEFAULT).values() == [("4",)]


def test_reload_leaves_the_same_store(kg):
    kg.load_file(FIXTURE)
    before = store_quads(kg)
    report = kg.load_file(FIXTURE)
    assert report.ok and report.triples == 154
    assert store_quads(kg) == before


def test_a_changed_page_replaces_only_its_graph(kg):
    kg.load_file(FIXTURE)
    other_before = set(kg.pyoxigraph.quads_for_pattern(None, None, None, ox.NamedNode(G_MED)))
    changed = (f'<{OCC_MIC}> <http://www.w3.org/2004/02/skos/core#prefLabel> "micro tech"@en .\n'
               f'<{OCC_MIC}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://data.europa.eu/esco/model#Occupation> .\n'
               f'<{OCC_MIC}> <http://data.europa.eu/esco/model#relatedEssentialSkill> <{SKILL_TEST_RUN}> .\n').encode()
    report = kg.load_graphs([(G_MIC, changed)])
    assert report.ok and report.graphs_loaded == [G_MIC] and report.triples == 3
    assert graph_counts(kg) == {G_MIC: 3, G_MED: 71}
    assert set(kg.pyoxigraph.quads_for_pattern(None, None, None, ox.NamedNode(G_MED))) == other_before
    rows = skills_of_occupation(kg, "micro tech").values()
    assert [r[2] for r in rows] == ["essential"]


def test_load_graphs_takes_rdflib_triples_and_reports_a_bad_graph(kg):
    triples = [(rdflib.URIRef(OCC_MIC), rdflib.RDF.type, rdflib.URIRef("http://data.europa.eu/esco/model#Occupation"))]
    report = kg.load_graphs([(rdflib.URIRef(G_MIC), triples), (G_MED, b"<a> this is not N-Triples")])
    assert report.graphs_loaded == [G_MIC]
    assert [g for g, _ in report.graphs_failed] == [G_MED]
    assert "N-Triples" in report.graphs_failed[0][1] or "line" in report.graphs_failed[0][1]
    assert graph_counts(kg) == {G_MIC: 1}


def test_turtle_into_a_named_graph_is_replaced_and_blank_nodes_are_warned(kg, tmp_path):
    ttl = tmp_path / "extra.ttl"
    ttl.write_text('<http://example.org/a> <http://example.org/p> "one" .\n')
    kg.load_file(ttl, graph="http://example.org/g/extra")
    ttl.write_text('<http://example.org/a> <http://example.org/p> "two" .\n')
    kg.load_file(ttl, graph="http://example.org/g/extra")
    assert kg.query("SELECT ?o WHERE { GRAPH <http://example.org/g/extra> { ?s ?p ?o } }").values() == [("two",)]
    bn = tmp_path / "bnodes.ttl"
    bn.write_text('[] <http://example.org/p> "x" .\n')
    report = kg.load_file(bn)
    assert report.ok and any("blank nodes" in w for w in report.warnings)


def test_a_file_with_a_syntax_error_changes_nothing(kg, tmp_path):
    kg.load_file(FIXTURE)
    before = store_quads(kg)
    bad = tmp_path / "bad.trig"
    bad.write_text(f"<{G_MED}> {{ <http://example.org/a> <http://example.org/p> \"x\" . }}\n<{G_MIC}> {{ <oops\n")
    with pytest.raises(InputError) as e:
        kg.load_file(bad)
    assert "bad.trig" in str(e.value) and "TriG" in str(e.value)
    assert store_quads(kg) == before


def test_jsonld_is_read_through_rdflib_with_its_named_graphs(kg, tmp_path):
    ds = rdflib.Dataset()
    ds.parse(FIXTURE, format="trig")
    jsonld = tmp_path / "graph.jsonld"
    jsonld.write_text(ds.serialize(format="json-ld"))
    report = kg.load_file(jsonld)
    assert report.ok
    assert graph_counts(kg) == {G_MIC: 79, G_MED: 71}


def test_unknown_extension_is_a_clear_input_error(kg, tmp_path):
    f = tmp_path / "graph.xyz"
    f.write_text("")
    with pytest.raises(InputError, match="unknown RDF extension"):
        kg.load_file(f)


def test_ready_made_queries(kg):
    kg.load_file(FIXTURE)
    by_label = skills_of_occupation(kg, "Microsystem TECHNICIAN")  # alt label, any case
    assert by_label.variables == ["occupation", "occupationLabel", "relation", "skillType", "skillLabel", "skill"]
    assert len(by_label.rows) == 10
    by_iri = skills_of_occupation(kg, OCC_MIC)
    assert by_iri.rows == by_label.rows
    assert {r[2] for r in by_iri.values()} == {"essential", "optional"}
    assert ("optional", "skill", "Ångström-scale metrology “precise”") in {r[2:5] for r in by_iri.values()}
    occ = occupations_for_skill(kg, "perform test run")
    assert sorted(r[3] for r in occ.values()) == ["medical device engineering technician",
                                                  "microsystem engineering technician"]
    assert occupations_for_skill(kg, SKILL_TEST_RUN).rows == occ.rows
    assert skills_of_occupation(kg, "no such occupation").rows == []


def test_user_values_are_bound_not_spliced(kg):
    kg.load_file(FIXTURE)
    before = store_quads(kg)
    evil = 'x"@en } } ; DROP ALL ; SELECT * WHERE { ?s ?p "'
    assert skills_of_occupation(kg, evil).rows == []
    assert kg.query("SELECT ?o WHERE { ?o skos:prefLabel ?l }", {"l": evil}).rows == []
    assert store_quads(kg) == before
    # not projected: bound through a VALUES block, as on a remote store
    rows = kg.query("SELECT ?o WHERE { ?o skos:prefLabel ?l FILTER(STR(?l) = ?want) }",
                    {"want": "mathematics"}).values()
    assert rows == [("http://data.europa.eu/esco/skill/4339176e-3acd-4f7f-a5d9-445bee3d23f2",)] * 2


# --- SPARQL text helpers ------------------------------------------------------------------------

def test_values_clause_escapes_terms():
    clause = values_clause({"name": 'a"b\\c\nd', "o": ox.NamedNode("http://example.org/x"),
                            "n": 3, "r": rdflib.Literal("chat", lang="fr")})
    assert clause == ('VALUES (?name ?o ?n ?r) { ("a\\"b\\\\c\\nd" <http://example.org/x> '
                      '"3"^^<http://www.w3.org/2001/XMLSchema#integer> "chat"@fr) }')
    with pytest.raises(StoreError):
        values_clause({"bad name": "x"})
    with pytest.raises(ValueError):
        ox.NamedNode("http://example.org/> } DROP ALL {")


def test_bind_values_goes_inside_the_where_group():
    q = 'PREFIX ex: <http://e/#{}> SELECT ?s # a { comment\nWHERE { ?s ?p "}" FILTER(?p = ?x) }'
    bound = bind_values(q, {"x": ox.NamedNode("http://e/p")})
    assert bound.endswith('WHERE { VALUES (?x) { (<http://e/p>) }  ?s ?p "}" FILTER(?p = ?x) }')
    c = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert bind_values(c, {"s": ox.NamedNode("http://e/s")}) == \
        "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://e/s>) }  ?s ?p ?o }"
    assert bind_values("ASK { ?s ?p ?o }", {"o": "x"}) == 'ASK { VALUES (?o) { ("x") }  ?s ?p ?o }'
    with pytest.raises(StoreError, match="short form"):
        bind_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": "x"})


def test_query_form_and_prologue():
    q = "# c\nPREFIX a: <http://a#> BASE <http://b/>\nprefix : <http://c/>\nconstruct { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert query_form(q) == "construct"
    assert split_prologue(q)[1].startswith("construct")
    assert query_form("ASK {}") == "ask"
    assert query_form("DESCRIBE <http://a>") == "describe"
    assert query_form("INSERT DATA { <a> <b> <c> }") == "update"
    assert query_form("SELEC * {}") == "unknown"


def test_known_prefixes_are_added_only_when_used_and_undeclared():
    assert with_known_prefixes("SELECT * WHERE { ?s ?p ?o }") == "SELECT * WHERE { ?s ?p ?o }"
    q = with_known_prefixes("SELECT ?o WHERE { ?o a esco:Occupation }")
    assert q.startswith("PREFIX esco: <http://data.europa.eu/esco/model#> SELECT") and "\n" not in q
    mine = "PREFIX esco: <http://x/#> SELECT ?o WHERE { ?o a esco:Occupation }"
    assert with_known_prefixes(mine) == mine


def test_to_ntriples_is_sorted_and_escaped():
    data = to_ntriples([(ox.NamedNode("http://b"), ox.NamedNode("http://p"), ox.Literal('x"y')),
                        (rdflib.URIRef("http://a"), rdflib.URIRef("http://p"), rdflib.Literal(1))])
    assert data == (b'<http://a> <http://p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                    b'<http://b> <http://p> "x\\"y" .\n')


def test_scrub_url():
    assert scrub_url("http://user:s3cret@host:8890/sparql?x=1") == "http://host:8890/sparql?x=1"
    assert scrub_url("http://host/") == "http://host/"


def test_result_writers(kg, tmp_path):
    kg.load_file(FIXTURE)
    r = kg.query("SELECT ?l ?n WHERE { ?s skos:prefLabel ?l FILTER(?l = 'R'@en) OPTIONAL { ?s skos:notation ?n } } LIMIT 1")
    assert r.to_csv() == "l,n\r\nR,\r\n"
    assert r.to_tsv() == '?l\t?n\n"R"@en\t\n'
    assert json.loads(r.to_json()) == {"head": {"vars": ["l", "n"]},
                                       "results": {"bindings": [{"l": {"type": "literal", "value": "R", "xml:lang": "en"}}]}}
    table = r.to_table().splitlines()
    assert table[0].split() == ["l", "n"] and table[2].strip() == "R" and table[-1] == "(1 row)"  # no "?" (issue 12)
    ask = kg.query("ASK { ?o a esco:Occupation }")
    assert ask.to_table() == "true\n" and json.loads(ask.to_json()) == {"head": {}, "boolean": True}
    out = tmp_path / "rows.tsv"
    r.write(out)
    assert out.read_text() == r.to_tsv()


# --- the commands on the embedded store -----------------------------------------------------------

@pytest.mark.parametrize("command", ["load", "query", "skills", "occupations"])
def test_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "--store" in result.output and "--endpoint" in result.output and "--store-type" in result.output


def test_cli_load_query_skills_occupations(tmp_path):
    kg = tmp_path / "kg"
    r = run("load", FIXTURE, "--store", kg)
    assert r.exit_code == 0, r.output
    assert "3 graphs loaded (154 triples)" in r.stderr and r.stdout == ""
    r = run("load", FIXTURE, "--store", kg)
    assert r.exit_code == 0
    r = run("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--store", kg, "--format", "csv")
    assert r.stdout_bytes == b"n\r\n150\r\n"
    r = run("skills", "microsystem engineering technician", "--store", kg)
    assert r.exit_code == 0 and "(10 rows)" in r.stdout and "microelectromechanical systems" in r.stdout
    r = run("occupations", "Perform Test Run", "--store", kg, "--format", "json")
    labels = sorted(b["occupationLabel"]["value"] for b in json.loads(r.stdout)["results"]["bindings"])
    assert labels == ["medical device engineering technician", "microsystem engineering technician"]
    r = run("skills", "astronaut", "--store", kg)
    assert r.exit_code == 1 and "no occupation labelled or named 'astronaut'" in r.stderr


def test_cli_query_from_file_construct_to_file_and_default_store(tmp_path):
    env = {"ESCO_GRAPH_STORE": str(tmp_path / "default-kg")}
    assert run("load", FIXTURE, env=env).exit_code == 0
    rq = tmp_path / "occ.rq"
    rq.write_text("PREFIX esco: <http://data.europa.eu/esco/model#>\n"
                  "CONSTRUCT { ?o a esco:Occupation } WHERE { ?o a esco:Occupation }\n")
    out = tmp_path / "out.ttl"
    r = run("query", f"@{rq}", "-o", out, env=env)
    assert r.exit_code == 0, r.output
    g = rdflib.Graph().parse(out)
    assert len(g) == 2 and "Wrote 2 triples" in r.stderr
    r = run("query", f"@{rq}", env=env)
    assert rdflib.Graph().parse(data=r.stdout, format="turtle").isomorphic(g)
    r = run("query", "@-", "--format", "tsv", env=env, input="SELECT ?l WHERE { ?s skos:prefLabel ?l FILTER(?l = 'R'@en) } LIMIT 1")
    assert r.stdout == '?l\n"R"@en\n'
    r = run("query", f"@{tmp_path / 'missing.rq'}", env=env)
    assert r.exit_code == 1 and "missing.rq" in r.stderr


def test_cli_errors_are_one_line(tmp_path):
    kg = tmp_path / "kg"
    run("load", FIXTURE, "--store", kg)
    r = run("query", "SELECT ?s WHERE { ?s ?p }", "--store", kg)
    assert r.exit_code == 1  # a query that is not SPARQL is a bad input (issue 12)
    assert r.stderr.startswith("Error: the query is not valid SPARQL: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output
    r = run("query", "ASK {}", "--store", kg, "--endpoint", "http://127.0.0.1:1")
    assert r.exit_code == 2 and "not both" in r.output
    r = run("load", tmp_path / "nope.ttl", "--store", kg)
    assert r.exit_code == 1 and "nope.ttl: no such file" in r.stderr
    bad = tmp_path / "bad.nt"
    bad.write_text("<a> <b>\n")
    r = run("load", bad, "--store", kg)
    assert r.exit_code == 1 and "bad.nt: not valid N-Triples" in r.stderr


# --- the HTTP client against a small in-test server ----------------------------------------------

class FakeStore(LoopbackServer):
    """A minimal Graph Store + query endpoint with basic auth and scripted failures."""

    def __init__(self, user=None, password=None, fail_first=0, fail_status=503):
        super().__init__(FakeHandler)
        self.user, self.password = user, password
        self.fail_left = fail_first
        self.fail_status = fail_status
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.graphs: dict[str, bytes] = {}
        self.serve()


class FakeHandler(QuietHandler):
    server: FakeStore

    def _answer(self, status, body=b"", ctype="text/plain", headers=()):
        self._send(status, body, ctype, (("Server", "FakeStore/1"), *headers))

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        if self.server.user is not None:
            expected = "Basic " + base64.b64encode(f"{self.server.user}:{self.server.password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._answer(401, headers=[("WWW-Authenticate", 'Basic realm="fake"')])
        if self.server.fail_left > 0:
            self.server.fail_left -= 1
            return self._answer(self.server.fail_status, b"try later")
        parts = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if parts.path == "/store":
            graph = params.get("graph", [""])[0] or "DEFAULT"
            if self.command == "PUT":
                self.server.graphs[graph] = body
                return self._answer(201)
            if self.command == "POST":
                self.server.graphs[graph] = self.server.graphs.get(graph, b"") + body
                return self._answer(204)
            return self._answer(404)
        if parts.path == "/query":
            form = urllib.parse.parse_qs(body.decode())
            if "bad" in form.get("query", [""])[0]:
                return self._answer(400, b"Parse error: unexpected 'bad' at line 1")
            doc = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}
            return self._answer(200, json.dumps(doc).encode(), "application/sparql-results+json")
        return self._answer(200, b"<html>root</html>", "text/html")

    do_GET = do_PUT = do_POST = _handle


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("ESCO_GRAPH_USER", raising=False)
    monkeypatch.delenv("ESCO_GRAPH_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NETRC", str(tmp_path / "home" / ".netrc"))


def fake_remote(server, **kw) -> RemoteStore:
    kw.setdefault("backoff", 0.01)
    return RemoteStore(server.url, "oxigraph", **kw)


def test_remote_load_puts_one_graph_per_request(no_credentials):
    server = FakeStore()
    try:
        store = fake_remote(server)
        report = store.load_file(FIXTURE)
        assert report.ok and report.triples == 154
        puts = [(m, urllib.parse.unquote(p)) for m, p, _, _ in server.requests
                if m in ("PUT", "POST") and p.startswith("/store")]  # (a reload's retraction asks /query first)
        assert puts == [("POST", "/store?default"), ("PUT", f"/store?graph={G_MED}"), ("PUT", f"/store?graph={G_MIC}")]
        # each body is that graph alone, as N-Triples
        med = list(ox.parse(server.graphs[G_MED], format=ox.RdfFormat.N_TRIPLES))
        assert len(med) == 71
        ctype = [h.get("Content-Type") for m, _, h, _ in server.requests if m == "PUT"][0]
        assert ctype.startswith("application/n-triples")
        store.close()
    finally:
        server.stop()


def test_basic_auth_from_the_environment_never_shows_the_password(no_credentials, monkeypatch):
    server = FakeStore(user="alice", password="correct-horse-battery")
    try:
        monkeypatch.setenv("ESCO_GRAPH_USER", "alice")
        monkeypatch.setenv("ESCO_GRAPH_PASSWORD", "correct-horse-battery")
        report = fake_remote(server).load_graphs([(G_MED, b"<http://a> <http://b> <http://c> .\n")])
        assert report.ok and server.graphs[G_MED]
        monkeypatch.setenv("ESCO_GRAPH_PASSWORD", "wrong-password-1234")
        with pytest.raises(StoreAuthError) as e:
            fake_remote(server).load_graphs([(G_MED, b"")])
        assert "rejected the credentials from ESCO_GRAPH_USER/ESCO_GRAPH_PASSWORD" in str(e.value)
        r = run("load", FIXTURE, "--endpoint", server.url, "--store-type", "oxigraph", "--retries", "0")
        assert r.exit_code == 4 and "rejected the credentials" in r.stderr
        assert "wrong-password-1234" not in r.output and "alice" not in r.output
    finally:
        server.stop()


def test_credentials_from_netrc_and_missing_credentials(no_credentials, tmp_path):
    server = FakeStore(user="bob", password="netrc-secret-99")
    try:
        with pytest.raises(StoreAuthError, match="asks for credentials.*ESCO_GRAPH_USER"):
            fake_remote(server).query("SELECT * WHERE { ?s ?p ?o }")
        netrc_file = tmp_path / "home" / ".netrc"
        netrc_file.parent.mkdir(parents=True, exist_ok=True)
        netrc_file.write_text("machine 127.0.0.1 login bob password netrc-secret-99\n")
        netrc_file.chmod(0o600)
        assert fake_remote(server).query("SELECT * WHERE { ?s ?p ?o }").values() == [("1",)]
    finally:
        server.stop()


def test_credentials_in_the_url_are_refused_without_echoing_them(no_credentials):
    r = run("query", "ASK {}", "--endpoint", "http://bob:hunter22@127.0.0.1:9/")
    assert r.exit_code == 4 and "ESCO_GRAPH_USER" in r.stderr
    assert "hunter22" not in r.output and "bob" not in r.output


def test_transient_failures_are_retried_with_backoff(no_credentials):
    server = FakeStore(fail_first=2)
    try:
        sleeps = []
        store = RemoteStore(server.url, "oxigraph", retries=3, backoff=0.5, sleep=sleeps.append)
        assert store.query("SELECT * WHERE { ?s ?p ?o }").values() == [("1",)]
        assert sleeps == [0.5, 1.0]
        server.fail_left = 10
        sleeps.clear()
        with pytest.raises(StoreUnavailable, match=r"failed after 4 attempts: HTTP 503"):
            store.query("SELECT * WHERE { ?s ?p ?o }")
        assert sleeps == [0.5, 1.0, 2.0]
    finally:
        server.stop()


def test_query_errors_pass_the_server_message_on(no_credentials):
    server = FakeStore()
    try:
        with pytest.raises(StoreError, match="the store rejected the query: Parse error: unexpected 'bad' at line 1"):
            fake_remote(server).query("SELECT bad")
    finally:
        server.stop()


def test_server_down_at_start(no_credentials):
    port = free_port()
    r = run("load", FIXTURE, "--endpoint", f"http://127.0.0.1:{port}", "--retries", "1")
    assert r.exit_code == 4
    assert "connection refused" in r.stderr and "Traceback" not in r.output
    r = run("query", "ASK {}", "--endpoint", f"http://127.0.0.1:{port}", "--store-type", "oxigraph", "--retries", "0")
    assert r.exit_code == 4 and "connection refused" in r.stderr


def test_auto_detection_falls_back_to_generic_and_loads_by_update(no_credentials):
    server = FakeStore()
    try:
        store = RemoteStore(server.url + "/query", "auto", backoff=0.01)
        report = store.load_graphs([(G_MED, b'<http://a> <http://b> "c" .\n')])
        assert store.kind == "generic" and report.ok
        update = [urllib.parse.parse_qs(b.decode()) if h.get("Content-Type", "").startswith("application/x-www") else b.decode()
                  for m, p, h, b in server.requests if m == "POST" and "query" in p][-1]
        assert update == (f"DROP SILENT GRAPH <{G_MED}> ;\nINSERT DATA {{ GRAPH <{G_MED}> {{\n"
                          '<http://a> <http://b> "c" .\n\n} }\n')
    finally:
        server.stop()


def test_load_report_summary():
    r = LoadReport(graphs_loaded=["a"], graphs_failed=[("b", "x")], triples=3)
    assert r.summary() == "1 graph loaded (3 triples), 1 graph not loaded" and not r.ok


def test_bulk_load_gives_the_same_store(tmp_path):
    with open_store(tmp_path / "a") as a:
        a.load_file(FIXTURE)
        expected = store_quads(a)
    r = run("load", FIXTURE, "--store", tmp_path / "b", "--bulk")
    assert r.exit_code == 0, r.output
    r = run("load", FIXTURE, "--store", tmp_path / "b", "--bulk")
    assert r.exit_code == 0, r.output
    with open_store(tmp_path / "b") as b:
        assert store_quads(b) == expected
    r = run("load", FIXTURE, "--endpoint", "http://127.0.0.1:9", "--store-type", "oxigraph", "--bulk")
    assert r.exit_code == 2 and "--bulk is for the embedded store" in r.stderr


def test_an_unreadable_file_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/p> .\n")
    r = run("load", bad, FIXTURE, "--store", tmp_path / "kg")
    assert r.exit_code == 1
    assert "3 graphs loaded (154 triples), 1 file not readable" in r.stderr
    assert f"{bad}: not valid Turtle" in r.stderr
    with open_store(tmp_path / "kg") as kg:
        assert graph_counts(kg) == {G_MIC: 79, G_MED: 71}
