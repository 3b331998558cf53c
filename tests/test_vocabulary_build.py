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
