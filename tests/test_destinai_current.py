"""DestinAI's current layout (issue 10): one label a line, lists cut by the site (partial pages),
similar occupations that are not skills, and the declared/listed counts in every page's graph."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal
from rdflib.namespace import PROV, RDF, XSD

from conftest import ESCO_PAGE, ROOT, SAMPLES
from esco_graph.cli import cli
from esco_graph.errors import DataQualityError
from esco_graph.model import ESSENTIAL, KNOWLEDGE, OPTIONAL, SKILL, SkillLink
from esco_graph.namespaces import EG, ESCO
from esco_graph.parse.render import render_esco
from esco_graph.pipeline import build_graph, parse_page
from esco_graph.sources.pages import page_from_bytes

FIXTURE = ROOT / "tests" / "fixtures" / "current" / "destinai-current-database-designer.txt"
REAL = ROOT.parent / "shared" / "pages-more" / "destinai-current-ict-system-architect.txt"
needs_real = pytest.mark.skipif(not REAL.is_file(), reason="../shared/pages-more is not beside the checkout")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def page_of(text: str, name: str = "page.txt"):
    return page_from_bytes(text.encode("utf-8"), name, iri=f"file:///{name}", retrieved=None)


def test_complete_page_of_the_current_layout():
    record = parse_page(FIXTURE)
    assert record.source.layout == "destinai-current"
    assert record.label == "database designer"
    assert [(l.relation, l.skill.skill_type, l.skill.label) for l in record.skills] == [
        (ESSENTIAL, KNOWLEDGE, "database"), (ESSENTIAL, KNOWLEDGE, "data models"),
        (OPTIONAL, KNOWLEDGE, "SQL Server"), (OPTIONAL, KNOWLEDGE, "MySQL"),
        (ESSENTIAL, SKILL, "create data models"), (ESSENTIAL, SKILL, "design database scheme"),
        (OPTIONAL, SKILL, "manage database"),
    ]
    assert record.declared.total == 7 and record.declared.hidden is None and not record.partial
    assert record.description.startswith("Database designers specify")
    # the similar occupation and its summary are not skills of this page
    assert "data warehouse designer" not in {l.skill.label for l in record.skills}


@needs_real
def test_real_current_page_is_partial_with_every_label_shown():
    record = parse_page(REAL)
    assert record.source.layout == "destinai-current"
    assert record.label == "ICT system architect"
    assert [(l.relation, l.skill.skill_type, l.skill.label) for l in record.skills] == [
        (OPTIONAL, KNOWLEDGE, "ML (computer programming)"), (OPTIONAL, KNOWLEDGE, "C#"),
        (OPTIONAL, KNOWLEDGE, "Perl"),
        (ESSENTIAL, SKILL, "use an application-specific interface"), (ESSENTIAL, SKILL, "assess ICT knowledge"),
        (ESSENTIAL, SKILL, "manage database"),
    ]
    assert (record.declared.total, record.declared.hidden, record.partial) == (92, 86, True)
    assert {"software architect", "database designer", "data warehouse designer"}.isdisjoint(
        {l.skill.label for l in record.skills})


def partial_text(hidden: int = 3, total: int = 10) -> str:
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("OPTIONALOptional competences\nmanage database\n",
                        f"OPTIONALOptional competences\nmanage database\n\n+ {hidden} more skills hidden. "
                        "Register for free to unlock the complete list of requirements.\n")
    return text.replace("Skills overview\n\n7\n", f"Skills overview\n\n{total}\n")


def test_partial_page_builds_with_a_note_and_its_counts(tmp_path):
    page = tmp_path / "partial.txt"
    page.write_text(partial_text(), encoding="utf-8")
    out, report = tmp_path / "g.trig", tmp_path / "report.json"
    result = run("build", page, FIXTURE, ESCO_PAGE, "-o", out, "--report", report)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("partial page:")]
    assert notes == [f"partial page: {page} lists 7 of 10 skills (the site hid 3); built with what it shows"]
    summary = json.loads(report.read_text())
    assert summary["partial_pages"] == [{"page": str(page), "declared": 10, "listed": 7, "hidden": 3}]
    ds = Dataset()
    ds.parse(out, format="trig")
    counts = {}
    for g in ds.graphs():
        for node in g.subjects(PROV.wasDerivedFrom, None):
            page_iri = str(g.value(node, PROV.wasDerivedFrom))
            counts[page_iri.rsplit("/", 1)[-1]] = (g.value(node, EG.skillsDeclared), g.value(node, EG.skillsListed))
    integer = lambda n: Literal(n, datatype=XSD.integer)  # noqa: E731
    assert counts["partial.txt"] == (integer(10), integer(7))
    assert counts[FIXTURE.name] == (integer(7), integer(7))
    assert counts[ESCO_PAGE.name] == (integer(79), integer(79))


@pytest.mark.parametrize("hidden,total", [(2, 10), (3, 11)])
def test_counts_that_contradict_a_partial_page_are_a_data_quality_error(hidden, total):
    with pytest.raises(DataQualityError, match="declares"):
        parse_page(page_of(partial_text(hidden, total)))


def test_a_label_twice_under_one_heading_is_an_error():
    text = FIXTURE.read_text(encoding="utf-8").replace("MySQL\n", "MySQL\nMySQL\n")
    with pytest.raises(DataQualityError, match="appears twice"):
        parse_page(page_of(text))


def test_current_layout_html_gives_the_text_record():
    """The page as HTML (chips as sibling links, a hidden menu, the sign-up block) reads as its text."""
    record = parse_page(page_of(partial_text(), "partial.txt"))

    def chips(relation, kind):
        labels = [l.skill.label for l in record.skills if l.relation == relation and l.skill.skill_type == kind]
        return '<div class="chips">' + "".join(f'<a class="chip" href="/skills/{i}">{label}</a>'
                                               for i, label in enumerate(labels)) + "</div>"

    html = f"""<!DOCTYPE html><html><head><title>database designer | DestinAI</title>
<style>.chip{{display:inline-block}}</style></head><body>
<header><a href="/">DestinAI</a><nav hidden><a>Careers</a><a>Skills</a></nav></header>
<main><a href="/careers">Back to directory</a>
<div class="kicker"><span>Occupation</span></div><div>· Global Standards</div>
<h1>database designer</h1><p>{record.description.split('.')[0]}.</p><a href="https://esco.example/x">View on ESCO</a>
<h2>DESCRIPTION</h2><p>{record.description}</p>
<h2>THEORETICAL KNOWLEDGE</h2>
<h3><span>ESSENTIAL</span>Theoretical knowledge required</h3>{chips(ESSENTIAL, KNOWLEDGE)}
<h3><span>OPTIONAL</span>Adjacent knowledge that strengthens fit</h3>{chips(OPTIONAL, KNOWLEDGE)}
<h2>PRACTICAL SKILLS</h2>
<h3><span>ESSENTIAL</span>Applied skills &amp; competences</h3>{chips(ESSENTIAL, SKILL)}
<h3><span>OPTIONAL</span>Optional competences</h3>{chips(OPTIONAL, SKILL)}
<p>+ 3 more skills hidden. Register for free to unlock the complete list of requirements.</p>
<section><h2>Is this your true calling?</h2><p>Register to unlock the full skill matrix.</p></section>
<section><h2>SIMILAR OCCUPATIONS</h2><div><span>5 SHARED SKILLS</span><h3>data warehouse designer</h3>
<p>Plans warehouses.</p><a>VIEW DETAILS</a></div></section>
<section><h2>Skills overview</h2><div>10</div></section></main></body></html>"""
    got = parse_page(page_of(html, "partial.html"))
    assert got.source.media_type == "text/html"
    assert [(l.relation, l.skill.skill_type, l.skill.label) for l in got.skills] == \
        [(l.relation, l.skill.skill_type, l.skill.label) for l in record.skills]
    assert (got.declared.total, got.declared.hidden) == (10, 3)


def test_a_skill_listed_as_essential_and_optional_keeps_both_relations(tmp_path):
    """Regression: ESCO has such pairs (apply change management for ICT change and configuration
    manager); the graph kept only the first relation."""
    record = parse_page(ESCO_PAGE)
    first = record.skills[0]
    assert first.relation == ESSENTIAL
    both = replace(record, skills=record.skills + (SkillLink(OPTIONAL, first.skill),))
    page = tmp_path / "both.txt"
    page.write_text(render_esco(both), encoding="utf-8")
    parsed = parse_page(page)
    assert [l.relation for l in parsed.skills if l.skill.label == first.skill.label] == [ESSENTIAL, OPTIONAL]
    graph = build_graph([page]).graph()
    occupation = next(graph.subjects(RDF.type, ESCO.Occupation))
    essential = set(graph.objects(occupation, ESCO.relatedEssentialSkill))
    optional = set(graph.objects(occupation, ESCO.relatedOptionalSkill))
    shared = essential & optional
    assert len(shared) == 1
    skill = next(iter(shared))
    assert (skill, ESCO.isEssentialSkillFor, occupation) in graph
    assert (skill, ESCO.isOptionalSkillFor, occupation) in graph
    assert (len(essential), len(optional)) == (34, 46)


def test_seed_pages_stay_in_their_layouts():
    layouts = {parse_page(p).source.layout for p in sorted(Path(SAMPLES).glob("*.txt"))}
    assert layouts == {"esco", "destinai"}



def test_a_label_matching_only_an_esco_alt_label_is_reconciled_and_reported(tmp_path):
    """'computer assisted design' is an alternative label of ESCO's 'CAD software' (fixture
    vocabulary): the page's skill takes that concept, and the report says it was an altLabel match."""
    text = FIXTURE.read_text(encoding="utf-8").replace("MySQL\n", "computer assisted design\n")
    page = tmp_path / "alt.txt"
    page.write_text(text, encoding="utf-8")
    report = tmp_path / "report.json"
    result = run("build", page, "-o", tmp_path / "g.ttl", "--report", report,
                 "--vocabulary", ROOT / "tests" / "fixtures" / "vocab" / "csv")
    assert result.exit_code == 0, result.output
    assert "1 labels matched only an ESCO alternative label" in result.stderr
    matches = json.loads(report.read_text())["alt_label_matches"]
    assert matches == [{"kind": "skill", "label": "computer assisted design", "esco_label": "CAD software",
                        "iri": "http://data.europa.eu/esco/skill/a2b5dcf3-5b6a-453d-876c-cff540c0faf1"}]


def test_two_records_of_one_page_are_refused_not_merged_into_contradicting_counts():
    """Regression (property test): two records claiming one page made its graph say two different
    eg:skillsListed; a page is one record."""
    from esco_graph.errors import InputError
    from esco_graph.graph.mapping import page_graphs
    from esco_graph.reconcile import reconcile

    record = parse_page(FIXTURE)
    other = replace(record, skills=record.skills[:2])
    with pytest.raises(InputError, match="two records come from this one page"):
        page_graphs(reconcile([record, other]), base_iri="http://example.org/kg/")
