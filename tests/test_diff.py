"""`esco-graph diff OLD NEW` (issue 16): what changed between two crawls, per occupation."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from conftest import SAMPLES
from esco_graph import build_graph
from esco_graph.cli import cli
from esco_graph.store import open_store
from esco_graph.views.diff import diff

ESCO = "http://data.europa.eu/esco/model#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CS = Namespace("http://purl.org/vocab/changeset/schema#")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture(scope="module")
def old(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("diff") / "old.trig"
    result = build_graph([str(SAMPLES)], outputs=[str(path)])
    assert result.conforms
    return path


def _edited(old: Path, folder: Path, update: str, name: str = "new.nq") -> Path:
    """OLD with a SPARQL update applied (in memory), written as N-Quads."""
    store = ox.Store()
    store.load(path=str(old), format=ox.RdfFormat.TRIG)
    store.update(update)
    path = folder / name
    store.dump(str(path), format=ox.RdfFormat.N_QUADS)
    return path


def _one(store_path: Path, query: str) -> dict:
    store = ox.Store()
    store.load(path=str(store_path), format=ox.RdfFormat.TRIG)
    return {k: v for k, v in zip((v.value for v in store.query(query).variables), next(iter(store.query(query))))}


def test_the_same_graph_in_two_formats_is_no_change(old, tmp_path):
    as_turtle = tmp_path / "same.ttl"
    build_graph([str(SAMPLES)], outputs=[str(as_turtle)])
    r = run("diff", old, as_turtle)
    assert r.exit_code == 0 and r.stdout == "no change\n"
    assert not diff(str(old), str(as_turtle))


def test_every_kind_of_change_is_reported(old, tmp_path):
    pick = _one(old, f"""SELECT ?o ?e ?x ?node WHERE {{
        ?o a <{ESCO}Occupation> ; <{ESCO}relatedEssentialSkill> ?e ; <{ESCO}relatedOptionalSkill> ?x ;
           <http://purl.org/dc/terms/description> ?node ; <{SKOS}notation> ?code }} ORDER BY ?e ?x LIMIT 1""")
    o, e, x, node = (pick[k] for k in ("o", "e", "x", "node"))
    gone = _one(old, f"""SELECT ?o WHERE {{ ?o a <{ESCO}Occupation> FILTER (?o != <{o.value}>) }}""")["o"]
    new = _edited(old, tmp_path, f"""
        DELETE WHERE {{ {o} <{ESCO}relatedEssentialSkill> {e} . {e} <{ESCO}isEssentialSkillFor> {o} }} ;
        INSERT DATA {{ {o} <{ESCO}relatedOptionalSkill> {e} . {e} <{ESCO}isOptionalSkillFor> {o} }} ;
        DELETE WHERE {{ {o} <{ESCO}relatedOptionalSkill> {x} . {x} <{ESCO}isOptionalSkillFor> {o} }} ;
        DELETE WHERE {{ {o} <{SKOS}prefLabel> ?l }} ;
        INSERT DATA {{ {o} <{SKOS}prefLabel> "renamed technician"@en }} ;
        DELETE WHERE {{ {node} <{ESCO}nodeLiteral> ?d }} ;
        INSERT DATA {{ {node} <{ESCO}nodeLiteral> "A new description." }} ;
        DELETE WHERE {{ {o} <{SKOS}notation> ?c }} ;
        INSERT DATA {{ {o} <{SKOS}notation> "3114.1.9" }} ;
        DELETE WHERE {{ {gone} ?p ?v }} ;
        DELETE WHERE {{ ?s ?p {gone} }}""")
    changes = diff(str(old), str(new))
    by_iri = {c.iri: c for c in changes.occupations}
    assert set(by_iri) == {o.value, gone.value}
    changed = by_iri[o.value]
    assert changed.status == "changed" and changed.label == "renamed technician"
    assert changed.moved == [(e.value, "essential", "optional")]
    assert changed.removed == {"essential": [], "optional": [x.value]} and changed.added == {"essential": [], "optional": []}
    assert set(changed.fields) == {"label", "description", "code"}
    assert changed.fields["description"][1] == "A new description." and changed.fields["code"][1] == "3114.1.9"
    vanished = by_iri[gone.value]
    assert vanished.status == "removed" and len(vanished.removed["essential"]) + len(vanished.removed["optional"]) == 41

    r = run("diff", old, new, "--format", "json")
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["counts"]["occupations removed"] == 1 and report["counts"]["relations moved"] == 1
    r = run("diff", old, new, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["change"] for row in rows} == {"occupation removed", "field changed", "skill removed", "relation moved"}
    assert sum(row["change"] == "skill removed" for row in rows) == 41 + 1
    r = run("diff", old, new)
    assert "~ renamed technician" in r.stdout and "- " in r.stdout and "essential -> optional" in r.stdout


def test_the_changeset_turns_old_into_new_in_a_store(old, tmp_path):
    """-o changes.ru is a SPARQL Update: applied to a store holding OLD, the store diffs equal to NEW."""
    pages = tmp_path / "pages"
    shutil.copytree(SAMPLES, pages)
    page = pages / "destinai-microsystem-engineering-technician.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("quality standardsdesign drawings", "design drawings"),
                    encoding="utf-8")
    new = tmp_path / "new.trig"
    build_graph([str(pages)], outputs=[str(new)])
    r = run("diff", old, new, "-o", tmp_path / "changes.ru", "-o", tmp_path / "changes.ttl", "-q")
    assert r.exit_code == 1 and r.stdout == ""
    with open_store(tmp_path / "kg") as store:
        store.load_file(old)
    assert run("update", f"@{tmp_path / 'changes.ru'}", "--store", tmp_path / "kg").exit_code == 0
    r = run("diff", tmp_path / "kg", new)
    assert r.exit_code == 0, r.stdout
    g = Graph().parse(tmp_path / "changes.ttl")
    sets = list(g.subjects(RDF.type, CS.ChangeSet))
    assert len(sets) >= 1 and len(list(g.objects(None, CS.removal))) >= 2


def test_two_stores_and_a_server(old, tmp_path):
    from servers import start_oxigraph

    with open_store(tmp_path / "a") as a:
        a.load_file(old)
    server = start_oxigraph(tmp_path)
    try:
        with open_store(endpoint=server.url, store_type="oxigraph") as remote:
            remote.load_file(old)
        assert run("diff", tmp_path / "a", server.url).exit_code == 0
        assert run("diff", server.url, old).exit_code == 0
    finally:
        server.stop()


def test_trouble_is_exit_2_with_one_line(old, tmp_path):
    r = run("diff", tmp_path / "missing.ttl", old)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "missing.ttl" in r.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    r = run("diff", old, bad)
    assert r.exit_code == 2 and "bad.ttl" in r.stderr
    r = run("diff", old, old, "-o", tmp_path / "changes.xyz")
    assert r.exit_code == 2 and "changes.xyz" in r.stderr
