"""Builds reconciled against an ESCO vocabulary: official IRIs, facts from the vocabulary, SHACL-valid."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from conftest import ESCO_PAGE, ROOT, SAMPLES
from esco_graph import build_graph
from esco_graph.cli import cli
from esco_graph.namespaces import ESCO
from esco_graph.vocabulary import Vocabulary

FIXTURE = ROOT / "tests" / "fixtures" / "vocab" / "csv"
MEDICAL = "http://data.europa.eu/esco/occupation/30641348-f9f2-4fe5-ab8c-fe6ff9931a54"
MICROSYSTEM = "http://data.europa.eu/esco/occupation/26e1add0-da3f-4ed6-aa91-791cb550146f"


@pytest.fixture(scope="module")
def shared_vocabulary():
    from conftest import SHARED

    if not (SHARED / "esco-v1.2.0").is_dir():
        pytest.skip("../shared/esco-v1.2.0 is absent")
    return Vocabulary.load([SHARED / "esco-v1.2.0"])


def test_fixture_vocabulary_gives_official_iris():
    vocabulary = Vocabulary.load([FIXTURE])
    result = build_graph([str(ESCO_PAGE)], vocabulary=vocabulary)
    record = result.records[0]
    cad = next(link.skill for link in record.skills if link.skill.label == "CAD software")
    assert cad.iri == vocabulary.skill("CAD software").iri
    assert cad.iri.startswith("http://data.europa.eu/esco/skill/")
    assert result.conforms
    missing = {link.skill.label for link in record.skills if vocabulary.skill(link.skill.label) is None}
    assert missing and {label for kind, label in result.reconciliation.unmatched if kind == "skill"} == missing


def test_shared_vocabulary_reconciles_both_pages(shared_vocabulary):
    result = build_graph([str(SAMPLES)], vocabulary=shared_vocabulary)
    assert result.conforms
    by_label = {r.label: r for r in result.records}
    medical = by_label["medical device engineering technician"]
    microsystem = by_label["microsystem engineering technician"]
    assert medical.iri == MEDICAL
    assert microsystem.iri == MICROSYSTEM
    # facts the DestinAI page lacks come from the vocabulary
    assert (microsystem.esco_code, microsystem.isco_code) == (shared_vocabulary.by_iri(MICROSYSTEM).code, "3114")
    official = [l.skill for l in microsystem.skills if l.skill.iri.startswith("http://data.europa.eu/esco/skill/")]
    assert len(official) >= 38
    for skill in official:
        concept = shared_vocabulary.by_iri(skill.iri)
        assert concept is not None and concept.kind == "skill"
        assert skill.skill_type == concept.skill_type
    unmatched = {label for kind, label in result.reconciliation.unmatched if kind == "skill"}
    minted = {l.skill.label for r in result.records for l in r.skills if not l.skill.iri.startswith("http://data.europa.eu/")}
    assert unmatched == minted


def test_shared_vocabulary_broader_is_the_parent_occupation(shared_vocabulary):
    graph = build_graph([str(ESCO_PAGE)], vocabulary=shared_vocabulary).graph()
    parent = shared_vocabulary.parent_occupation("3114.1.5")
    assert parent is not None
    assert list(graph.objects(URIRef(MEDICAL), SKOS.broader)) == [URIRef(parent.iri)]
    assert (URIRef(MEDICAL), SKOS.broaderTransitive, URIRef("http://data.europa.eu/esco/isco/C31")) in graph
    assert graph.value(URIRef("http://data.europa.eu/esco/isco/C3114"), SKOS.prefLabel) is not None


def test_cli_vocabulary_and_report(shared, tmp_path):
    out, report = tmp_path / "g.ttl", tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["build", str(SAMPLES), "--vocabulary", str(shared / "esco-v1.2.0"), "-o", str(out), "--report", str(report)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["conforms"] is True
    assert all(item["kind"] in ("skill", "occupation") for item in data["unmatched"])
    graph = Graph().parse(out)
    assert (URIRef(MEDICAL), SKOS.prefLabel, Literal("medical device engineering technician", lang="en")) in graph
    assert len(set(graph.subjects(ESCO.isEssentialSkillFor, URIRef(MICROSYSTEM)))) == 21


def test_a_vocabulary_iri_that_is_not_escos_is_reported_and_minted(tmp_path):
    """Regression (issue 11, item 3): ../shared's skills CSV holds MongoDB as
    http://par-tec.it/esco/skill/...; it was emitted as if it were official."""
    import json

    from click.testing import CliRunner

    from esco_graph.cli import cli

    vocab = tmp_path / "vocab"
    vocab.mkdir()
    (vocab / "skills.csv").write_text(
        "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,description\n"
        "KnowledgeSkillCompetence,http://par-tec.it/esco/skill/8534efcf-7e31-4e56-bcfc-4f380cec7ab0,knowledge,,"
        "biomedical engineering,made up\n", encoding="utf-8")
    out, report = tmp_path / "g.nt", tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["build", str(ESCO_PAGE), "--vocabulary", str(vocab), "-o", str(out),
                                      "--report", str(report)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "par-tec.it" not in out.read_text()
    assert "which is not ESCO's" in result.stderr
    assert json.loads(report.read_text())["non_esco_iris"] == [
        {"kind": "skill", "label": "biomedical engineering",
         "vocabulary_iri": "http://par-tec.it/esco/skill/8534efcf-7e31-4e56-bcfc-4f380cec7ab0"}]


# --- the vocabulary's facts (issue 11, item 1) ----------------------------------------------------

SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
ISO_THES_STATUS = URIRef("http://purl.org/iso25964/skos-thes#status")


def _csv_row(shared, name: str, iri: str) -> dict:
    import csv

    with open(shared / "esco-v1.2.0" / name, encoding="utf-8", newline="") as handle:
        return next(r for r in csv.DictReader(handle) if r["conceptUri"] == iri)


def test_linked_facts_are_every_fact_the_vocabulary_holds(shared, shared_vocabulary):
    """The medical device engineering technician as ESCO's CSV describes it, read here with csv."""
    g = build_graph([str(SAMPLES)], vocabulary=shared_vocabulary).graph()
    row = _csv_row(shared, "occupations_en.csv", MEDICAL)
    o = URIRef(MEDICAL)
    alts = {a.strip() for a in row["altLabels"].split("\n") if a.strip()}
    assert {str(a) for a in g.objects(o, SKOS.altLabel)} == alts
    assert str(g.value(o, ISO_THES_STATUS)) == row["status"] == "released"
    assert str(g.value(o, URIRef("http://purl.org/dc/terms/modified"))) == row["modifiedDate"]
    assert str(g.value(o, ESCO.regulatedProfessionNote)) == row["regulatedProfessionNote"]
    schemes = {str(s) for s in g.objects(o, SKOS.inScheme)}
    assert schemes == {s.strip() for s in row["inScheme"].replace(",", "\n").split("\n") if s.strip()}
    for scheme in schemes:  # every scheme described
        assert (URIRef(scheme), URIRef(str(SKOS) + "ConceptScheme"), None) not in g
        assert (URIRef(scheme), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), SKOS.ConceptScheme) in g
    # SKOS-XL: one label node per preferred and alternative label, with the same literal
    xl = {str(g.value(node, URIRef(SKOSXL + "literalForm")))
          for prop in ("prefLabel", "altLabel") for node in g.objects(o, URIRef(SKOSXL + prop))}
    assert xl == alts | {row["preferredLabel"]}
    # the parent occupation (code 3114.1) is described too, with its own labels
    parent = g.value(o, SKOS.broader)
    assert str(parent).startswith("http://data.europa.eu/esco/occupation/")
    assert g.value(parent, SKOS.prefLabel) is not None and (parent, SKOS.narrower, o) in g
    # the ISCO root is a top concept of the ISCO scheme
    c3 = URIRef("http://data.europa.eu/esco/isco/C3")
    isco = URIRef("http://data.europa.eu/esco/concept-scheme/isco")
    assert (c3, SKOS.topConceptOf, isco) in g and (isco, SKOS.hasTopConcept, c3) in g


def test_vocabulary_facts_none_keeps_only_what_pages_say(shared_vocabulary):
    g = build_graph([str(SAMPLES)], vocabulary=shared_vocabulary, vocabulary_facts="none").graph()
    o = URIRef(MEDICAL)
    assert g.value(o, ISO_THES_STATUS) is None and not list(g.objects(o, SKOS.altLabel))
    assert not list(g.triples((None, URIRef(SKOSXL + "prefLabel"), None)))


def test_vocabulary_facts_all_needs_no_page_and_mints_what_is_not_escos(shared, tmp_path):
    """`--vocabulary-facts all` with no INPUTS: ESCO's CSV download as RDF; the par-tec.it row
    (MongoDB) gets a minted IRI, not its own."""
    import csv

    out, report = tmp_path / "esco.nt", tmp_path / "report.json"
    r = CliRunner().invoke(cli, ["build", "--vocabulary", str(shared / "esco-v1.2.0"), "--vocabulary-facts", "all",
                                 "-o", str(out), "--report", str(report), "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    with open(shared / "esco-v1.2.0" / "occupations_en.csv", encoding="utf-8", newline="") as handle:
        occupations = {row["conceptUri"] for row in csv.DictReader(handle)}
    figures = json.loads(report.read_text())["graph"]
    assert figures["occupations"] == len(occupations) == 3039
    text = out.read_text(encoding="utf-8")
    assert "par-tec.it" not in text
    assert "http://example.org/esco-graph/skill/mongodb-" in text
    r = CliRunner().invoke(cli, ["build", "-o", str(out)])
    assert r.exit_code == 2 and "give at least one INPUTS" in r.output
