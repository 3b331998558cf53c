"""Issue 11, item 2: each fact once where queries look, provenance per page, exact reloads.

The facts sit in the default graph once; each page's named graph holds only its provenance. So a
query without GRAPH counts each fact once on a store whose default graph is the union of all graphs
(the embedded store, Virtuoso, GraphDB) and on one whose default graph is just the default graph
(plain pyoxigraph, Jena, Oxigraph server with default settings); see test_store_servers.py for the
real servers.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from esco_graph import build_graph
from esco_graph.store import open_store

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ESCO = SAMPLES / "esco-medical-device-engineering-technician.txt"
DESTINAI = SAMPLES / "destinai-microsystem-engineering-technician.txt"
PREFIX = "PREFIX esco: <http://data.europa.eu/esco/model#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "

COUNTS = {
    "skills": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?d) WHERE { ?s a esco:Skill }",
    "essential": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT CONCAT(STR(?o), ' ', STR(?s))) AS ?d) "
                 "WHERE { ?o esco:relatedEssentialSkill ?s }",
    "optional": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT CONCAT(STR(?o), ' ', STR(?s))) AS ?d) "
                "WHERE { ?o esco:relatedOptionalSkill ?s }",
    "labels": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT CONCAT(STR(?c), ' ', STR(?l))) AS ?d) "
              "WHERE { ?c skos:prefLabel ?l }",
}


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def _counts(store) -> dict[str, tuple[int, int]]:
    out = {}
    for name, query in COUNTS.items():
        (n, d), = store.query(PREFIX + query).values()
        out[name] = (int(n), int(d))
    return out


def test_a_trig_build_answers_in_a_store_without_union_default_graph(tmp_path):
    result = build_graph([str(ESCO), str(DESTINAI)], outputs=[str(tmp_path / "kg.trig"), str(tmp_path / "kg.nq")])
    for name in ("kg.trig", "kg.nq"):
        plain = ox.Store()  # default settings: the default graph is the default graph only
        plain.load(path=str(tmp_path / name), format=ox.RdfFormat.from_extension(name.rsplit(".", 1)[1]))
        occupations = {s["o"].value for s in plain.query(PREFIX + "SELECT ?o WHERE { ?o a esco:Occupation }")}
        assert occupations == {r.iri for r in result.records}
        skills = list(plain.query(PREFIX + "SELECT ?s WHERE { ?s a esco:Skill }"))
        assert len(skills) == result.summary()["skills"]
        # and the same with the union of all graphs: the page graphs add no copy of a fact
        union = list(plain.query(PREFIX + "SELECT ?s WHERE { ?s a esco:Skill }", use_default_graph_as_union=True))
        assert len(union) == len(skills)


def test_counts_equal_distinct_counts_in_the_embedded_store_after_builds_and_reloads(tmp_path):
    out = tmp_path / "kg.trig"
    with open_store(tmp_path / "kg") as store:
        result = build_graph([str(ESCO), str(DESTINAI)], outputs=[str(out)], store=store)
        first = _counts(store)
        assert all(n == d for n, d in first.values()), first
        assert first["skills"][0] == result.summary()["skills"]
        store.load_file(out)  # the same build from its file: nothing doubles
        build_graph([str(DESTINAI)], store=store)  # one page again, built alone
        assert _counts(store)["skills"][0] == _counts(store)["skills"][1]
        again = _counts(store)
        assert all(n == d for n, d in again.values()), again


def _store_content(store) -> set:
    return {(q.subject, q.predicate, q.object, q.graph_name)
            for q in store.pyoxigraph.quads_for_pattern(None, None, None, None)}


def test_reloading_a_changed_page_replaces_what_only_it_stated(tmp_path):
    """A store that saw the old page and then the new one holds exactly what a store that only saw
    the new one holds: links the page dropped are gone, concepts only it named are gone."""
    pages = tmp_path / "pages"
    pages.mkdir()
    page = pages / DESTINAI.name
    shutil.copy(DESTINAI, page)
    text = page.read_text(encoding="utf-8")
    # the page's first knowledge line loses its first two labels (a run-together line)
    lines = text.splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("quality standardsdesign drawings"))
    lines[i] = lines[i][len("quality standardsdesign drawings"):]
    changed = "".join(lines)

    with open_store(tmp_path / "reloaded") as reloaded, open_store(tmp_path / "fresh") as fresh:
        build_graph([str(ESCO)], store=reloaded)
        old = build_graph([str(page)], store=reloaded)
        page.write_text(changed, encoding="utf-8")
        new = build_graph([str(page)], store=reloaded)
        build_graph([str(ESCO)], store=fresh)
        build_graph([str(page)], store=fresh)
        dropped = {l.skill.iri for l in old.records[0].skills} - {l.skill.iri for l in new.records[0].skills}
        assert dropped  # the change did drop skills from the page
        assert _store_content(reloaded) == _store_content(fresh)
        # a dropped skill no page names any more has no fact left
        orphan = [iri for iri in dropped
                  if not reloaded.query(PREFIX + f"ASK {{ GRAPH ?g {{ ?g ?p <{iri}> }} }}").boolean]
        assert orphan
        for iri in orphan:
            assert not reloaded.query(f"ASK {{ <{iri}> ?p ?o }}").boolean
            assert not reloaded.query(f"ASK {{ ?s ?p <{iri}> }}").boolean


def test_which_pages_stated_a_link_and_when(tmp_path):
    """The provenance query of the README: which pages said an occupation needs a skill, and when."""
    with open_store(tmp_path / "kg") as store:
        result = build_graph([str(ESCO), str(DESTINAI)], store=store)
        record = result.records[0]
        link = next(l for l in record.skills if l.relation == "essential")
        rows = store.query(PREFIX + f"""PREFIX eg: <urn:esco-graph:vocab:> PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?page ?when WHERE {{ GRAPH ?g {{
                ?g eg:occupation <{record.iri}> ; eg:essentialSkill <{link.skill.iri}> ;
                   prov:wasDerivedFrom ?page ; prov:generatedAtTime ?when }} }}""").values()
        assert rows == [(ESCO.resolve().as_uri(), "2023-11-14T22:13:20Z")]


def test_store_info_counts_pages_not_the_vocabulary_graph(tmp_path):
    """The vocabulary's provenance graph names its files with prov:wasDerivedFrom; it is no page."""
    from esco_graph.store.admin import info
    from esco_graph.vocabulary import Vocabulary

    vocabulary = Vocabulary.load([Path(__file__).parent / "fixtures" / "vocab" / "csv"])
    with open_store(tmp_path / "kg") as store:
        result = build_graph([str(ESCO), str(DESTINAI)], store=store, vocabulary=vocabulary)
        assert str(result.graphs[-1].iri).endswith("graph/vocabulary")  # the vocabulary's facts came too
        shown = info(store)
        assert shown.pages == 2 and shown.graphs == 3
