"""The RDF model: official ESCO classes and predicates, so official-dataset queries work unchanged."""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from esco_graph import build_graph
from esco_graph.namespaces import DCT, ESCO

ISCO = "http://data.europa.eu/esco/isco/C"
PREFIXES = """
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def result():
    from conftest import DESTINAI_PAGE, ESCO_PAGE

    return build_graph([str(ESCO_PAGE), str(DESTINAI_PAGE)], base_iri="https://example.org/kg/")


@pytest.fixture(scope="module")
def graph(result):
    return result.graph()


def _occupation(graph, label):
    return graph.value(predicate=SKOS.prefLabel, object=Literal(label, lang="en"))


def test_occupation_in_the_esco_model(graph):
    o = _occupation(graph, "medical device engineering technician")
    assert set(graph.objects(o, RDF.type)) == {SKOS.Concept, ESCO.MemberConcept, ESCO.Occupation}
    assert (o, SKOS.inScheme, URIRef("http://data.europa.eu/esco/concept-scheme/occupations")) in graph
    assert list(graph.objects(o, SKOS.notation)) == [Literal("3114.1.5")]
    assert (o, ESCO.memberOfISCOGroup, URIRef(ISCO + "3114")) in graph
    assert set(graph.objects(o, SKOS.broaderTransitive)) == {URIRef(ISCO + c) for c in ("3114", "311", "31", "3")}
    assert list(graph.objects(o, SKOS.broader)) == [URIRef(ISCO + "3114")]
    assert str(o).startswith("https://example.org/kg/occupation/")


def test_isco_groups_and_their_hierarchy(graph):
    for code, parent in (("3114", "311"), ("311", "31"), ("31", "3"), ("3", None)):
        group = URIRef(ISCO + code)
        assert (group, RDF.type, SKOS.Concept) in graph
        assert set(graph.objects(group, SKOS.notation)) == {
            Literal(code), Literal(code, datatype=URIRef("http://data.europa.eu/esco/Notation/ISCO08"))
        }
        assert (group, SKOS.inScheme, URIRef("http://data.europa.eu/esco/concept-scheme/isco")) in graph
        assert list(graph.objects(group, SKOS.broader)) == ([URIRef(ISCO + parent)] if parent else [])


def test_descriptions_are_node_literals(graph):
    o = _occupation(graph, "medical device engineering technician")
    node = graph.value(o, DCT.description)
    assert isinstance(node, URIRef)
    assert (node, RDF.type, ESCO.NodeLiteral) in graph
    assert graph.value(node, ESCO.language) == Literal("en", datatype=XSD.language)
    assert str(graph.value(node, ESCO.nodeLiteral)).startswith("Medical device engineering technicians collaborate")
    cad = _occupation(graph, "CAD software")
    scope = graph.value(cad, SKOS.scopeNote)
    assert (scope, RDF.type, ESCO.NodeLiteral) in graph
    assert str(graph.value(scope, ESCO.nodeLiteral)).startswith("CAD software should be differentiated")


def test_skills_types_reuse_levels_digital(graph):
    skill = _occupation(graph, "mechanical engineering")
    assert set(graph.objects(skill, RDF.type)) == {SKOS.Concept, ESCO.MemberConcept, ESCO.Skill}
    assert graph.value(skill, ESCO.skillType) == URIRef("http://data.europa.eu/esco/skill-type/knowledge")
    assert graph.value(skill, ESCO.skillReuseLevel) == URIRef("http://data.europa.eu/esco/skill-reuse-level/sector-specific")
    finish = _occupation(graph, "finish medical devices")
    assert graph.value(finish, ESCO.skillType) == URIRef("http://data.europa.eu/esco/skill-type/skill")
    assert graph.value(finish, ESCO.skillReuseLevel) == URIRef("http://data.europa.eu/esco/skill-reuse-level/occupation-specific")
    digital = URIRef("http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036")
    assert len(set(graph.subjects(SKOS.inScheme, digital))) == 8


def test_relations_in_both_directions(graph):
    o = _occupation(graph, "medical device engineering technician")
    essential = set(graph.objects(o, ESCO.relatedEssentialSkill))
    optional = set(graph.objects(o, ESCO.relatedOptionalSkill))
    assert (len(essential), len(optional)) == (34, 45)
    assert all((s, ESCO.isEssentialSkillFor, o) in graph for s in essential)
    assert all((s, ESCO.isOptionalSkillFor, o) in graph for s in optional)


def test_no_blank_nodes(graph):
    from rdflib import BNode

    assert not any(isinstance(term, BNode) for triple in graph for term in triple)


def test_shared_skills_merge_into_one_node(graph):
    esco_occ = _occupation(graph, "medical device engineering technician")
    destinai_occ = _occupation(graph, "microsystem engineering technician")
    for label in ("design drawings", "quality standards", "CAD software", "firmware", "liaise with engineers",
                  "read engineering drawings", "wear cleanroom suit", "program firmware"):
        nodes = set(graph.subjects(SKOS.prefLabel, Literal(label, lang="en")))
        assert len(nodes) == 1, label
        node = nodes.pop()
        linked = set(graph.subjects(ESCO.relatedEssentialSkill, node)) | set(graph.subjects(ESCO.relatedOptionalSkill, node))
        assert linked == {esco_occ, destinai_occ}, label
    cad = _occupation(graph, "CAD software")  # facts of both pages on one node: ESCO's description, DestinAI's link
    assert graph.value(cad, DCT.description) is not None
    assert (destinai_occ, ESCO.relatedOptionalSkill, cad) in graph


def test_a_skill_two_pages_give_alike_is_one_shared_part(tmp_path):
    """Consumers of many pages (writers, validation, counts) read a shared skill's facts once."""
    from conftest import DESTINAI_PAGE, ESCO_PAGE

    from esco_graph.graph.mapping import every_triple, fact_parts, triples_of

    copy = tmp_path / "copy.txt"
    copy.write_bytes(ESCO_PAGE.read_bytes())
    result = build_graph([str(ESCO_PAGE), str(copy), str(DESTINAI_PAGE)], base_iri="https://example.org/kg/")
    first, second, third = result.graphs
    skills = len(result.records[0].skills)
    assert [id(part) for part in first.parts[1:]] == [id(part) for part in second.parts[1:]]
    # its own triples, its links, its ISCO chain, a part a skill, then the fixed parts (schemes of
    # occupations, ISCO and skills; skill types; reuse levels) its concepts point at
    from esco_graph.graph import mapping

    constants = {id(part) for table in (mapping._SCHEME_PARTS, mapping._SKILL_TYPE_PARTS, mapping._REUSE_LEVEL_PARTS)
                 for part in table.values()}
    fixed = first.parts[1 + 1 + 1 + skills:]
    assert fixed and all(id(part) in constants for part in fixed) and len({id(part) for part in fixed}) == len(fixed)
    assert not any(id(part) in constants for part in first.parts[:3 + skills])
    parts = fact_parts(result.graphs)
    assert len(parts) <= len(first.parts) + 1 + len(third.parts)  # the copy adds only its own triples
    assert len(parts) == len({id(part) for part in (*first.parts, *second.parts, *third.parts)})
    assert len({id(part) for part in parts}) == len(parts)
    assert first.triples == tuple(t for part in first.parts for t in triples_of(part))  # the triples' view
    assert all(len(t) == 3 for t in first.triples) and len(first.triples) * 3 == sum(map(len, first.parts))
    provenance = {t for graph in result.graphs for t in triples_of(graph.provenance)}
    assert set(every_triple(result.graphs)) == {t for part in parts for t in triples_of(part)} | provenance


def test_query_a_essential_skills_per_occupation(graph):
    rows = graph.query(PREFIXES + """
        SELECT ?ol ?l WHERE { ?o a esco:Occupation ; skos:prefLabel ?ol ; esco:relatedEssentialSkill ?s .
                              ?s skos:prefLabel ?l } ORDER BY ?ol ?l""")
    got = {}
    for ol, l in rows:
        got.setdefault(str(ol), []).append(str(l))
    assert len(got["medical device engineering technician"]) == 34
    assert got["microsystem engineering technician"] == sorted([
        "quality standards", "design drawings", "microelectromechanical systems", "microsystem test procedures",
        "microassembly", "liaise with engineers", "package microelectromechanical systems", "wear cleanroom suit",
        "read engineering drawings", "assist scientific research", "fasten components", "test microelectromechanical systems",
        "prepare production prototypes", "inspect quality of products", "meet deadlines", "assemble microelectromechanical systems",
        "set tolerances", "align components", "record test data", "adjust engineering designs", "read assembly drawings",
    ])


def test_query_b_occupations_under_isco_31(graph):
    rows = graph.query(PREFIXES + """
        SELECT ?l WHERE { ?o a esco:Occupation ; skos:prefLabel ?l ;
                          skos:broaderTransitive* <http://data.europa.eu/esco/isco/C31> }""")
    # the DestinAI page carries no ISCO code, so only the ESCO-layout occupation is placed under 31
    assert [str(r[0]) for r in rows] == ["medical device engineering technician"]


def test_query_c_knowledge_vs_skill(graph):
    rows = graph.query(PREFIXES + """
        SELECT ?ol ?type (COUNT(DISTINCT ?s) AS ?n) WHERE {
            ?o a esco:Occupation ; skos:prefLabel ?ol .
            { ?o esco:relatedEssentialSkill ?s } UNION { ?o esco:relatedOptionalSkill ?s }
            ?s esco:skillType ?type } GROUP BY ?ol ?type ORDER BY ?ol ?type""")
    got = {(str(ol), str(t).rsplit("/", 1)[-1]): int(n) for ol, t, n in rows}
    assert got == {
        ("medical device engineering technician", "knowledge"): 26,
        ("medical device engineering technician", "skill"): 53,
        ("microsystem engineering technician", "knowledge"): 12,
        ("microsystem engineering technician", "skill"): 29,
    }


def test_named_graph_per_page_holds_provenance_and_the_default_graph_the_facts(result):
    """Issue 11: each fact once where queries look: facts in the default graph, provenance per page."""
    from rdflib.namespace import PROV

    ds = result.dataset()
    default = ds.default_graph if hasattr(ds, "default_graph") else ds.default_context
    graphs = [g for g in ds.graphs() if len(g) and g.identifier != default.identifier]
    assert len(graphs) == 2
    assert len(default) > 1000
    eg = "urn:esco-graph:vocab:"
    for g in graphs:
        assert (g.identifier, RDF.type, PROV.Entity) in g
        page = g.value(g.identifier, PROV.wasDerivedFrom)
        assert str(page).startswith("file:///") and str(page).endswith(".txt")
        assert g.value(g.identifier, PROV.generatedAtTime).datatype == XSD.dateTime
        assert len(str(g.value(page, URIRef(eg + "sha256")))) == 64
        # what the page stated: its occupation and each of its links, one triple each
        occupation = g.value(g.identifier, URIRef(eg + "occupation"))
        assert (occupation, RDF.type, ESCO.Occupation) in default
        links = [(p, s) for p in ("essentialSkill", "optionalSkill")
                 for s in g.objects(g.identifier, URIRef(eg + p))]
        assert len(links) == int(g.value(g.identifier, URIRef(eg + "skillsListed")))
        for p, s in links:
            forward = ESCO.relatedEssentialSkill if p == "essentialSkill" else ESCO.relatedOptionalSkill
            assert (occupation, forward, s) in default
        # no fact is repeated in a page's graph: a union of all graphs counts each once
        assert not any(t in default for t in g)


def test_minted_iris_are_stable_across_builds():
    from conftest import DESTINAI_PAGE, ESCO_PAGE

    one = build_graph([str(ESCO_PAGE)], validate=False)
    two = build_graph([str(DESTINAI_PAGE), str(ESCO_PAGE)], validate=False)
    iris_one = {l.skill.label: l.skill.iri for r in one.records for l in r.skills}
    iris_two = {l.skill.label: l.skill.iri for r in two.records for l in r.skills}
    assert all(iris_two[label] == iri for label, iri in iris_one.items())


def test_each_page_graph_holds_the_facts_its_page_gives_alone(tmp_path):
    """Parts are shared between pages (a skill's facts, the links of an occupation's pages that
    state the same ones, the fixed schemes and skill types), yet each page graph's parts are the
    facts its page gives: those of the page mapped on its own. Two pages of one occupation with
    the same links in another order share their links' part; a page with fewer does not."""
    from dataclasses import replace

    from conftest import DESTINAI_PAGE, ESCO_PAGE

    from esco_graph.graph.mapping import page_graphs, triples_of

    result = build_graph([str(ESCO_PAGE), str(DESTINAI_PAGE)], base_iri="https://example.org/kg/")
    reconciled = result.reconciliation
    esco = reconciled.occupations[0]
    reordered = replace(esco, source=replace(esco.source, location=str(tmp_path / "reordered.txt"), iri=None),
                        skills=tuple(reversed(esco.skills)))
    fewer = replace(esco, source=replace(esco.source, location=str(tmp_path / "fewer.txt"), iri=None),
                    skills=esco.skills[1:])
    again = replace(fewer, source=replace(fewer.source, location=str(tmp_path / "again.txt")),
                    skills=tuple(reversed(fewer.skills)))
    records = [*reconciled.occupations, reordered, fewer, again]
    graphs = page_graphs(replace(reconciled, occupations=records), base_iri="https://example.org/kg/")

    def facts(graph):
        return {t for part in graph.parts for t in triples_of(part)}

    for record, graph in zip(records, graphs):
        alone = page_graphs(replace(reconciled, occupations=[record]), base_iri="https://example.org/kg/")[0]
        assert facts(graph) == facts(alone), record.source.location
    links = {id(part) for part in graphs[0].parts} & {id(part) for part in graphs[2].parts}
    assert graphs[0].parts[1] is graphs[2].parts[1]  # the links, stated in another order
    assert graphs[3].parts[1] is not graphs[0].parts[1]  # fewer links: a part of its own
    assert graphs[4].parts[1] is graphs[3].parts[1]  # which a later page stating those shares
    assert len(links) == len(graphs[0].parts) - 1  # all but the page's own triples are shared


def test_what_links_state_is_their_skills_by_relation_in_any_order():
    """Two pages' links share a part only when they state the same skills under the same relations."""
    from esco_graph.graph.mapping import _skills_by_relation
    from esco_graph.model import ESSENTIAL, OPTIONAL, Skill, SkillLink

    a, b, c = (Skill(label, iri=f"https://example.org/kg/skill/{label}") for label in "abc")
    page = [SkillLink(ESSENTIAL, a), SkillLink(OPTIONAL, b), SkillLink(OPTIONAL, a)]
    assert _skills_by_relation(page) == _skills_by_relation(list(reversed(page)))
    assert _skills_by_relation(page) != _skills_by_relation(
        [SkillLink(OPTIONAL, a), SkillLink(ESSENTIAL, b), SkillLink(ESSENTIAL, a)])
    assert _skills_by_relation(page) != _skills_by_relation([*page[:2], SkillLink(OPTIONAL, c)])
    assert _skills_by_relation([*page, SkillLink(ESSENTIAL, a)]) is None  # a link twice: the page keeps its own part
