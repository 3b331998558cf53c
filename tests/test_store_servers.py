"""The store commands against real servers started here on 127.0.0.1: the Oxigraph server and
Virtuoso (see tests/servers.py), compared with the embedded store.

Loads to Virtuoso go through /sparql-graph-crud-auth with digest auth (dba/dba, from the
environment, as a user would give them)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from esco_graph.cli import cli
from esco_graph.store.queries import occupations_for_skill, skills_of_occupation
from esco_graph.store import DEFAULT_GRAPH_STANDIN, RemoteStore, open_store
from servers import VIRTUOSO_PASSWORD, VIRTUOSO_ROW_CAP, VIRTUOSO_USER, start_oxigraph, start_virtuoso

pytestmark = pytest.mark.server

FIXTURE = Path(__file__).parent / "fixtures" / "store-small.trig"
G_MED = "http://example.org/esco-graph/graph/esco-medical-device-engineering-technician"
G_MIC = "http://example.org/esco-graph/graph/destinai-microsystem-engineering-technician"
COUNT_PER_GRAPH = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                   'FILTER(STRSTARTS(STR(?g), "http://example.org/") || STRSTARTS(STR(?g), "urn:esco-graph:")) } '
                   "GROUP BY ?g ORDER BY ?g")
# queries written as for the official ESCO dump, plus the ready-made ones
QUERIES = [
    "SELECT DISTINCT ?o ?l WHERE { ?o a esco:Occupation ; skos:prefLabel ?l }",
    "SELECT DISTINCT ?o ?s WHERE { ?o a esco:Occupation ; esco:relatedEssentialSkill ?s }",
    "SELECT DISTINCT ?s ?l ?t WHERE { ?s a esco:Skill ; skos:prefLabel ?l ; esco:skillType ?t }",
    "SELECT ?o (COUNT(DISTINCT ?s) AS ?n) WHERE { ?o esco:relatedOptionalSkill ?s } GROUP BY ?o",
    "SELECT DISTINCT ?g ?page WHERE { ?g prov:wasDerivedFrom ?page }",
]

ENV_VIRTUOSO = {"ESCO_GRAPH_USER": VIRTUOSO_USER, "ESCO_GRAPH_PASSWORD": VIRTUOSO_PASSWORD}


def run(*args, env=None, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env, input=input)


@pytest.fixture(autouse=True)
def no_stray_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("ESCO_GRAPH_USER", raising=False)
    monkeypatch.delenv("ESCO_GRAPH_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def oxigraph(tmp_path):
    server = start_oxigraph(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture
def virtuoso(virtuoso_server, monkeypatch):
    if not virtuoso_server.running:
        virtuoso_server.start()
    virtuoso_server.drop_graphs()
    for k, v in ENV_VIRTUOSO.items():
        monkeypatch.setenv(k, v)
    return virtuoso_server


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso"])
def where(request, tmp_path):
    """(store-picking CLI arguments, a function opening the same store through the library)."""
    if request.param == "embedded":
        args = ["--store", str(tmp_path / "kg")]
        return request.param, args, lambda **kw: open_store(tmp_path / "kg")
    server = request.getfixturevalue(request.param)
    args = ["--endpoint", server.url, "--store-type", request.param]
    return request.param, args, lambda **kw: open_store(endpoint=server.url, store_type=request.param, **kw)


def canonical(result) -> Counter:
    return Counter(tuple("" if t is None else str(t) for t in row) for row in result.rows)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The rows the embedded store gives: every store must give the same."""
    store = open_store(tmp_path_factory.mktemp("baseline") / "kg")
    store.load_file(FIXTURE)
    out = {q: canonical(store.query(q)) for q in QUERIES}
    out["skills"] = canonical(skills_of_occupation(store, "microsystem technician"))
    out["occupations"] = canonical(occupations_for_skill(store, "CAD software"))
    store.close()
    return out


def test_load_and_query_give_the_same_rows_everywhere(where, baseline):
    kind, args, opener = where
    r = run("load", FIXTURE, *args)
    assert r.exit_code == 0, r.output
    assert "3 graphs loaded (154 triples)" in r.stderr
    store = opener()
    for q in QUERIES:
        assert canonical(store.query(q)) == baseline[q], q
    assert canonical(skills_of_occupation(store, "microsystem technician")) == baseline["skills"]
    assert canonical(occupations_for_skill(store, "CAD software")) == baseline["occupations"]
    assert len(baseline["skills"]) == 10 and len(baseline["occupations"]) == 2
    store.close()
    r = run("skills", "Medical Device Engineering Technician", *args, "--format", "csv")
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 1 + 8 and "biomedical engineering" in r.stdout


def test_reload_without_duplicates_and_a_changed_page(where):
    kind, args, opener = where
    assert run("load", FIXTURE, *args).exit_code == 0
    with opener() as store:  # (the embedded store is one process's at a time)
        first = store.query(COUNT_PER_GRAPH).values()
    assert run("load", FIXTURE, *args).exit_code == 0
    store = opener()
    assert store.query(COUNT_PER_GRAPH).values() == first
    default_graph = DEFAULT_GRAPH_STANDIN if kind == "virtuoso" else None
    expected = {G_MED: "71", G_MIC: "79"}
    if default_graph:
        expected[default_graph] = "4"
    assert dict(first) == expected
    changed = b'<http://example.org/o> <http://www.w3.org/2004/02/skos/core#prefLabel> "changed"@en .\n'
    report = store.load_graphs([(G_MIC, changed)])
    assert report.ok and report.graphs_loaded == [G_MIC]
    after = dict(store.query(COUNT_PER_GRAPH).values())
    assert after[G_MIC] == "1" and after[G_MED] == "71"
    store.close()


def test_query_formats_file_and_construct_to_a_file(where, tmp_path):
    kind, args, opener = where
    assert run("load", FIXTURE, *args).exit_code == 0
    rq = tmp_path / "skills.rq"
    rq.write_text("PREFIX esco: <http://data.europa.eu/esco/model#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                  "# skills of the microsystem technician\n"
                  "SELECT DISTINCT ?l WHERE { ?o skos:altLabel \"microsystem technician\"@en ; esco:relatedOptionalSkill ?s .\n"
                  "  ?s skos:prefLabel ?l } ORDER BY ?l\n")
    r = run("query", f"@{rq}", *args, "--format", "json")
    assert r.exit_code == 0, r.output
    labels = [b["l"]["value"] for b in json.loads(r.stdout)["results"]["bindings"]]
    assert sorted(labels) == sorted(["CAD software", "JavaScript", "R", "mathematics", "Ångström-scale metrology “precise”"])
    out = tmp_path / "out.ttl"
    r = run("query", "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a esco:Skill ; skos:prefLabel ?l }", *args, "-o", out)
    assert r.exit_code == 0, r.output
    g = rdflib.Graph().parse(out)
    assert len(g) == 15
    assert (rdflib.URIRef("http://example.org/esco-graph/skill/angstrom-scale-metrology"), rdflib.SKOS.prefLabel,
            rdflib.Literal("Ångström-scale metrology “precise”", lang="en")) in g
    r = run("query", "ASK { ?o a esco:Occupation }", *args)
    assert r.stdout == "true\n"


def test_a_syntax_error_passes_the_store_message_on(where):
    kind, args, opener = where
    opener().close()  # the store exists (reading a missing embedded store is an error of its own)
    r = run("query", "SELECT ?s WHERE { ?s ?p }", *args)
    assert r.exit_code == 1  # a query that is not SPARQL is a bad input (issue 12)
    assert "Traceback" not in r.output and r.stderr.count("\n") == 1
    message = {"embedded": "the query is not valid SPARQL: ", "oxigraph": "the store rejected the query: error at",
               "virtuoso": "the store rejected the query: Virtuoso 37000 Error SP030"}[kind]
    assert message in r.stderr


# --- failures of remote stores ---------------------------------------------------------------------

def test_server_down_at_start(oxigraph):
    url = oxigraph.url
    oxigraph.stop()
    r = run("load", FIXTURE, "--endpoint", url, "--retries", "1")
    assert r.exit_code == 4
    assert "connection refused" in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize("kill", [False, True], ids=["stopped", "killed"])
def test_server_stopped_in_the_middle_of_a_load(oxigraph, kill):
    graphs = {f"http://example.org/esco-graph/graph/page-{i}":
              "".join(f'<http://example.org/s{i}-{j}> <http://example.org/p> "{j}" .\n' for j in range(200)).encode()
              for i in range(5)}

    def pages():
        for n, (iri, data) in enumerate(graphs.items()):
            if n == 2:
                oxigraph.kill() if kill else oxigraph.stop()
            yield iri, data

    store = RemoteStore(oxigraph.url, "oxigraph", retries=2, backoff=0.05)
    report = store.load_graphs(pages())
    names = list(graphs)
    assert report.graphs_loaded == names[:2]
    assert [g for g, _ in report.graphs_failed] == names[2:]
    assert "connection refused" in report.graphs_failed[0][1] and "after 3 attempts" in report.graphs_failed[0][1]
    assert all(reason.startswith("not attempted: ") for _, reason in report.graphs_failed[1:])
    store.close()
    oxigraph.start()  # same data folder, same port
    store = RemoteStore(oxigraph.url, "oxigraph")
    counts = dict(store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").values())
    assert counts == {names[0]: "200", names[1]: "200"}  # what landed is whole, the rest absent
    # the same load again finishes the job
    assert store.load_graphs(graphs.items()).ok
    assert len(store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows) == 5
    store.close()


def _stop_after_two_graphs(oxigraph, monkeypatch) -> None:
    """The server stops as the third Graph Store request is about to go."""
    sent = []
    real_send = RemoteStore._send_graph

    def send_then_stop(self, iri, body, **kw):
        if len(sent) == 2:
            oxigraph.stop()
        sent.append(iri)
        return real_send(self, iri, body, **kw)

    monkeypatch.setattr(RemoteStore, "_send_graph", send_then_stop)


def test_cli_reports_which_graphs_did_not_land(oxigraph, tmp_path, monkeypatch):
    nq = tmp_path / "pages.nq"
    names = [f"http://example.org/esco-graph/graph/page-{i}" for i in range(4)]
    nq.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{j}" <{g}> .\n'
                          for i, g in enumerate(names) for j in range(3)))
    _stop_after_two_graphs(oxigraph, monkeypatch)
    r = run("load", nq, "--endpoint", oxigraph.url, "--retries", "1")
    assert r.exit_code == 4
    lines = r.stderr.splitlines()
    assert lines[:2] == [f"  loaded      {names[0]}", f"  loaded      {names[1]}"]
    assert lines[2].startswith(f"  NOT LOADED  {names[2]}: loading {names[2]} to {oxigraph.url}/store?graph=")
    assert "connection refused" in lines[2]
    assert lines[3].startswith(f"  NOT LOADED  {names[3]}: not attempted: ")
    assert lines[4].startswith(f"Error: 2 of 4 graphs did not land in {oxigraph.url} (2 graphs loaded (6 triples), "
                               "2 graphs not loaded)")


def test_wrong_or_missing_credentials(virtuoso, monkeypatch, tmp_path):
    monkeypatch.setenv("ESCO_GRAPH_PASSWORD", "not-the-password-42")
    r = run("load", FIXTURE, "--endpoint", virtuoso.url)
    assert r.exit_code == 4
    assert "rejected the credentials from ESCO_GRAPH_USER/ESCO_GRAPH_PASSWORD (HTTP 401)" in r.stderr
    assert "not-the-password-42" not in r.output and "Traceback" not in r.output
    monkeypatch.delenv("ESCO_GRAPH_USER")
    monkeypatch.delenv("ESCO_GRAPH_PASSWORD")
    r = run("load", FIXTURE, "--endpoint", virtuoso.url, "--store-type", "virtuoso")
    assert r.exit_code == 4 and "asks for credentials" in r.stderr and "ESCO_GRAPH_USER" in r.stderr
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {VIRTUOSO_USER} password {VIRTUOSO_PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    r = run("load", FIXTURE, "--endpoint", virtuoso.url, "--store-type", "virtuoso")
    assert r.exit_code == 0, r.output


def test_results_larger_than_the_row_cap(virtuoso, tmp_path):
    """Virtuoso cuts results at ResultSetMaxRows (100 here) without an error: SELECT is paged,
    a CONSTRUCT at the cap is reported."""
    n = 250
    trig = tmp_path / "big.trig"
    lines = ["@prefix esco: <http://data.europa.eu/esco/model#> .", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
             "<http://example.org/esco-graph/graph/big> {",
             '<http://example.org/o/big> a esco:Occupation ; skos:prefLabel "big occupation"@en .']
    for i in range(n):
        lines.append(f'<http://example.org/s/{i}> a esco:Skill ; skos:prefLabel "skill {i:03d}"@en ; '
                     f'esco:skillType <http://data.europa.eu/esco/skill-type/skill> .')
        lines.append(f"<http://example.org/o/big> esco:{'relatedEssentialSkill' if i % 2 else 'relatedOptionalSkill'} "
                     f"<http://example.org/s/{i}> .")
    trig.write_text("\n".join(lines) + "\n}\n")
    embedded = open_store(tmp_path / "kg")
    embedded.load_file(trig)
    assert run("load", trig, "--endpoint", virtuoso.url).exit_code == 0
    remote = RemoteStore(virtuoso.url, "virtuoso")
    got = skills_of_occupation(remote, "big occupation")
    assert len(got.rows) == n and not got.warnings
    assert canonical(got) == canonical(skills_of_occupation(embedded, "big occupation"))
    q = "SELECT ?s ?l WHERE { ?s a esco:Skill ; skos:prefLabel ?l }"
    assert canonical(remote.query(q)) == canonical(embedded.query(q))
    r = run("query", q, "--endpoint", virtuoso.url, "--format", "tsv")
    assert len(r.stdout.splitlines()) == 1 + n
    r = run("query", "CONSTRUCT { ?s a esco:Skill } WHERE { ?s a esco:Skill }", "--endpoint", virtuoso.url,
            "--row-cap", str(VIRTUOSO_ROW_CAP))
    assert r.exit_code == 0
    assert f"its row cap ({VIRTUOSO_ROW_CAP})" in r.stderr and "Warning:" in r.stderr
    embedded.close()
    remote.close()


def test_auto_detects_the_server(oxigraph, virtuoso):
    for server, kind in ((oxigraph, "oxigraph"), (virtuoso, "virtuoso")):
        store = open_store(endpoint=server.url)
        assert store.query("ASK { }").boolean is True
        assert store.kind == kind
        store.close()


def test_update(where):
    kind, args, opener = where
    with opener() as store:
        store.update('INSERT DATA { GRAPH <http://example.org/g/update> { <http://example.org/a> skos:prefLabel "u"@en } }')
        assert store.query("ASK { GRAPH <http://example.org/g/update> { ?s skos:prefLabel \"u\"@en } }").boolean
        store.update("DROP SILENT GRAPH <http://example.org/g/update>")
        assert not store.query("ASK { GRAPH <http://example.org/g/update> { ?s ?p ?o } }").boolean


@pytest.mark.server
def test_build_loads_each_fact_once_and_reloads_a_changed_page_exactly(where, tmp_path, monkeypatch):
    """`esco-graph build PAGES --store/--endpoint` (issue 11): a query without GRAPH sees each fact
    once on every store (COUNT(*) = COUNT(DISTINCT)); a rebuild changes nothing; a changed page
    replaces what only it stated."""
    from conftest import SAMPLES

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    name, args, open_same = where
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in SAMPLES.glob("*.txt"):
        (pages / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    ours = 'FILTER (STRSTARTS(STR(?s), "http://example.org/") || STRSTARTS(STR(?s), "http://data.europa.eu/"))'
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {ours} }}"
    once = {
        "skills": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?d) WHERE { ?s a esco:Skill }",
        "links": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT CONCAT(STR(?o), STR(?s))) AS ?d) "
                 "WHERE { ?o esco:relatedEssentialSkill|esco:relatedOptionalSkill ?s }",
    }

    def counted(store) -> dict:
        out = {key: tuple(int(v.value) for v in store.query(q).rows[0]) for key, q in once.items()}
        out["all"] = int(store.query(count).rows[0][0].value)
        return out

    result = run("build", pages, *args, "-q")
    assert result.exit_code == 0, result.output
    skills = run("skills", "medical device engineering technician", *args, "--format", "csv")
    assert skills.exit_code == 0, skills.output
    assert len(skills.stdout.strip().splitlines()) == 1 + 79
    with open_same() as store:
        before = counted(store)
    assert before["skills"][0] == before["skills"][1] and before["links"][0] == before["links"][1], before
    assert before["links"][0] == 79 + 41  # the two pages list 79 and 41 skills

    assert run("build", pages, *args, "-q").exit_code == 0  # same pages again: nothing duplicated
    with open_same() as store:
        assert counted(store) == before

    page = pages / "destinai-microsystem-engineering-technician.txt"  # a changed page replaces what only it said
    page.write_text(page.read_text(encoding="utf-8").replace("meet deadlines", "meet deadlinez"), encoding="utf-8")
    assert run("build", pages, *args, "-q").exit_code == 0
    with open_same() as store:
        labels = {str(row[0].value) for row in store.query(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?l WHERE { ?s skos:prefLabel ?l }").rows}
        assert "meet deadlinez" in labels and "meet deadlines" not in labels
        assert counted(store) == before


def test_store_subcommands_and_update_everywhere(where, tmp_path):
    """`store info`, `store graphs`, `update` and `store clear` on every store (issue 12); on a
    remote store `clear` removes what esco-graph loaded (the page graphs) and nothing else."""
    from conftest import SAMPLES

    kind, args, opener = where
    assert run("build", SAMPLES, *args, "-q").exit_code == 0
    info = run("store", "info", *args)
    assert info.exit_code == 0, info.output
    assert "pages        2" in info.stdout and "occupations  2" in info.stdout and "skills       95" in info.stdout
    graphs = run("store", "graphs", *args, "--format", "csv").stdout.splitlines()
    assert graphs[0] == "g,triples" and sum("esco-graph/graph/" in line for line in graphs) == 2
    mine = "http://example.org/user-graph"
    r = run("update", f"INSERT DATA {{ GRAPH <{mine}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}", *args)
    assert r.exit_code == 0, r.output
    r = run("store", "clear", *args, "--yes")
    assert r.exit_code == 0, r.output
    with opener() as store:
        left = {row[0].value for row in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    assert not any("esco-graph/graph/" in g for g in left)
    if kind == "embedded":
        assert left == set()
    else:  # the user's own graph stays
        assert mine in left
        with opener() as store:
            store.update(f"DROP SILENT GRAPH <{mine}>")


def test_build_whose_store_dies_mid_load_writes_the_report_naming_every_graph(oxigraph, tmp_path, monkeypatch):
    """Regression (issue 14): `build --endpoint` with the server gone mid-way named no graph and
    wrote no --report; now the report lists what landed and what did not, and the error names some."""
    from conftest import SAMPLES

    _stop_after_two_graphs(oxigraph, monkeypatch)
    report = tmp_path / "report.json"
    r = run("build", SAMPLES, "--endpoint", oxigraph.url, "--store-type", "oxigraph",
            "--report", report, "-q")
    assert r.exit_code == 4, r.output
    summary = json.loads(report.read_text())
    failed = [item["graph"] for item in summary["load"]["graphs_failed"]]
    assert failed and len(summary["load"]["graphs_loaded"]) == 2
    assert failed[0] in r.stderr and str(report) in r.stderr
