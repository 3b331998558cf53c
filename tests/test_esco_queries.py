"""Conformance (issue 11, item 4): SPARQL queries written by others for the official ESCO dataset,
run unchanged on a vocabulary build, in the embedded store, on a real Oxigraph server and on a
real Virtuoso, the servers queried as a third-party client does (plain SPARQL Protocol POST, the
servers' default settings: Oxigraph without union default graph, Virtuoso's union of all graphs).
esco-playground wrote its client for Virtuoso, and two of its queries use Virtuoso's SPARQL
dialect (``?x as ?y`` in SELECT, aggregates beside ungrouped variables): those run on Virtuoso,
and the SPARQL 1.1 stores refuse them with a syntax error.

The expected rows are computed here from ``../shared/esco-v1.2.0``'s CSV files with the csv
module (not with esco-graph's vocabulary reader), joined with the links the pages state. The
queries come from par-tec/esco-playground (https://github.com/par-tec/esco-playground, commit
3c8faf6): ``esco/sparql.py`` (SparqlClient: every query is sent after the client's PREFIX header,
reproduced in PREFIXES), ``tests/test_sparql.py`` and ``model/queries/*.sparql``. Skips cleanly
without ``../shared``.
"""
from __future__ import annotations

import csv
import json
import os
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from esco_graph import build_graph
from esco_graph.store import open_store
from servers import VIRTUOSO_PASSWORD, VIRTUOSO_USER, start_oxigraph, start_virtuoso

SHARED = Path(__file__).resolve().parents[2] / "shared"
ESCO_CSV = SHARED / "esco-v1.2.0"
PAGES = [SHARED / "pages", SHARED / "pages-more"]
pytestmark = pytest.mark.skipif(not ESCO_CSV.is_dir(), reason="../shared/esco-v1.2.0 is not here")

# par-tec/esco-playground esco/sparql.py, SparqlClient.__init__: the header every query gets
PREFIXES = {
    "jolux": "http://data.legilux.public.lu/resource/ontology/jolux#", "adms": "http://www.w3.org/ns/adms#",
    "skosXl": "http://www.w3.org/2008/05/skos-xl#", "owl": "http://www.w3.org/2002/07/owl#",
    "skosxl": "http://www.w3.org/2008/05/skos-xl#", "org": "http://www.w3.org/ns/org#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "iso-thes": "http://purl.org/iso25964/skos-thes#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "vocab-adms": "https://www.w3.org/TR/vocab-adms/#", "at": "http://publications.europa.eu/ontology/authority/",
    "dct": "http://purl.org/dc/terms/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "esco": "http://data.europa.eu/esco/model#", "rov": "http://www.w3.org/ns/regorg#",
    "etms": "http://data.europa.eu/esco/etms/model/#", "dcat": "http://www.w3.org/ns/dcat#",
    "euvoc": "http://publications.europa.eu/ontology/euvoc#", "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/", "qdr": "http://data.europa.eu/esco/qdr#",
    "": "http://data.europa.eu/esco/skill/",
}
HEADER = "\n".join(f"PREFIX {k}: <{v}>" for k, v in PREFIXES.items())
ICT = ["http://data.europa.eu/esco/isco/C25", "http://data.europa.eu/esco/isco/C35"]  # the client's default
CATEGORIES = "\n".join(f"<{uri}>" for uri in ICT)

# esco/sparql.py, SparqlClient.load_isco (the default categories substituted as the client does)
LOAD_ISCO = HEADER + """

        SELECT DISTINCT * WHERE {

        VALUES ?category { """ + CATEGORIES + """ }

        ?uri a esco:Occupation ;
            skos:prefLabel ?label ;
            esco:relatedEssentialSkill ?s ;
            skos:broaderTransitive* ?category  ;
            iso-thes:status "released"
        .

        # Get current skill labels associated
        #  with the occupation.
        ?s skos:prefLabel ?skill ;
            esco:skillType ?skillType ;
            iso-thes:status "released"
            .
        FILTER (lang(?skill) = "en")

        # If an occupation lacks a description,
        #   don't skip it.
        OPTIONAL {
            ?uri skos:altLabel ?altLabel .
            ?uri dct:description _:description .

            _:description
            esco:nodeLiteral ?description;
            esco:language "en"^^xsd:language
            .
        }

        FILTER (lang(?label) = "en")
        FILTER(lang(?altLabel) = "en")
                        }"""

# tests/test_sparql.py, fixture query_essential_skills
ESSENTIAL_SKILLS = HEADER + """

    SELECT DISTINCT ?s ?label WHERE {

    VALUES ?category { """ + CATEGORIES + """ }

    ?uri a esco:Occupation ;
        esco:relatedEssentialSkill ?s ;
        skos:broaderTransitive* ?category  ;
        iso-thes:status "released"
    .

    # Get current skill labels associated
    #  with the occupation.
    ?s iso-thes:status "released" ;
    skos:prefLabel ?label
    .

    FILTER (lang(?label) = "en")
                    }"""

# tests/test_sparql.py, test_if_skills_exists_in_json: query_all_skills
ALL_SKILLS = HEADER + """

    SELECT DISTINCT ?s ?label WHERE {

    VALUES ?category { """ + CATEGORIES + """ }

    ?uri a esco:Occupation ;
        (esco:relatedEssentialSkill | esco:relatedOptionalSkill) ?s ;
        skos:broaderTransitive* ?category  ;
        iso-thes:status "released"
    .

    # Get current skill labels associated
    #  with the occupation.
    ?s iso-thes:status "released" ;
    skos:prefLabel ?label
    .

    FILTER (lang(?label) = "en")
                    }"""

HASKELL = "http://data.europa.eu/esco/skill/000f1d3d-220f-4789-9c0a-cc742521fb02"
# esco/sparql.py, SparqlClient.infer_skills_from_skill(skill_uri=HASKELL)
INFER = HEADER + f"""
        SELECT DISTINCT (?parent AS ?uri) ?label WHERE {{

        ?parent a esco:Skill ;
            skos:prefLabel ?label

        .

        <{HASKELL}> skos:broaderTransitive+ ?parent .

        FILTER (lang(?label) = 'en')
        }}"""

SKILL_CATEGORIES = [  # esco/sparql.py, SparqlClient._load_skills_from_esco's default categories
    "http://data.europa.eu/esco/isced-f/06",
    "http://data.europa.eu/esco/skill/243eb885-07c7-4b77-ab9c-827551d83dc4",
    "http://data.europa.eu/esco/skill/b590d4e5-7c62-4b4a-abc2-c270b482e0ce",
    "http://data.europa.eu/esco/skill/bec4359e-cb92-468f-a997-8fb28e32fba9",
]

# esco/sparql.py, SparqlClient._load_skills_from_isco (Virtuoso's dialect)
SKILLS_FROM_ISCO = HEADER + """

        SELECT DISTINCT
            ?uri
            ?label
            ?occupationCategory as ?category
            ?skillType
            ?altLabel
            ?description
            (GROUP_CONCAT(DISTINCT ?narrower; separator=", ") AS ?narrowers)

        WHERE {

        VALUES ?occupationCategory { """ + CATEGORIES + """ }

        ?o a esco:Occupation ;
            esco:relatedEssentialSkill ?uri ;
            skos:broaderTransitive* ?occupationCategory  ;
            iso-thes:status "released"
        .

        # Get current skill labels associated
        #  with the occupation.
        ?uri esco:skillType _:skillType ;
             iso-thes:status "released";

             skos:prefLabel ?label . FILTER (lang(?label) = "en") .

        _:skillType skos:prefLabel ?skillType . FILTER (lang(?skillType) = "en") .


        # If an occupation lacks a description,
        #   don't skip it.
        OPTIONAL {
            ?uri skos:altLabel ?altLabel . FILTER (lang(?altLabel) = "en")
            ?uri dct:description _:description .

            _:description
            esco:nodeLiteral ?description;
            esco:language "en"^^xsd:language
            .
        }


                        }"""

# esco/sparql.py, SparqlClient._load_skills_from_esco (Virtuoso's dialect)
SKILLS_FROM_ESCO = HEADER + """

            SELECT DISTINCT
                ?uri
                ?label
                ?category
                ?skillType
                ?altLabel
                ?description
                (GROUP_CONCAT(DISTINCT ?narrower; separator=", ") AS ?narrowers)
            WHERE {

                    VALUES ?category { """ + "\n".join(f"<{uri}>" for uri in SKILL_CATEGORIES) + """ }

                    ?uri a esco:Skill ;
                        skos:prefLabel ?label ;
                        skos:broaderTransitive* ?category  ;
                        esco:skillType _:skillType ;
                        iso-thes:status "released" ;
                        skos:prefLabel ?label . FILTER (lang(?label) = "en")
                    .

                    _:skillType skos:prefLabel ?skillType . FILTER (lang(?skillType) = "en") .

                    OPTIONAL {
                        ?uri skos:altLabel ?altLabel . FILTER (lang(?altLabel) = "en") .
                        ?uri dct:description _:description .

                        _:description
                            esco:nodeLiteral ?description;
                            esco:language "en"^^xsd:language
                    .
                    }
            }"""

_SPARQL_PREFIXES = """prefix jolux: <http://data.legilux.public.lu/resource/ontology/jolux#>
prefix adms:  <http://www.w3.org/ns/adms#>
prefix skosXl: <http://www.w3.org/2008/05/skos-xl#>
prefix owl:   <http://www.w3.org/2002/07/owl#>
prefix skosxl: <http://www.w3.org/2008/05/skos-xl#>
prefix org:   <http://www.w3.org/ns/org#>
prefix xsd:   <http://www.w3.org/2001/XMLSchema#>
prefix iso-thes: <http://purl.org/iso25964/skos-thes#>
prefix skos:  <http://www.w3.org/2004/02/skos/core#>
prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#>
prefix vocab-adms: <https://www.w3.org/TR/vocab-adms/#>
prefix at:    <http://publications.europa.eu/ontology/authority/>
prefix dct:   <http://purl.org/dc/terms/>
prefix rdf:   <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
prefix esco:  <http://data.europa.eu/esco/model#>
prefix rov:   <http://www.w3.org/ns/regorg#>
prefix etms:  <http://data.europa.eu/esco/etms/model/#>
prefix dcat:  <http://www.w3.org/ns/dcat#>
prefix euvoc: <http://publications.europa.eu/ontology/euvoc#>
prefix prov:  <http://www.w3.org/ns/prov#>
prefix foaf:  <http://xmlns.com/foaf/0.1/>
prefix qdr:   <http://data.europa.eu/esco/qdr#>
"""

# model/queries/occupations-and-essential-skills.sparql
OCCUPATIONS_AND_ESSENTIAL_SKILLS = _SPARQL_PREFIXES + """
SELECT DISTINCT ?occupation ?skill
WHERE {
  ?o a esco:Occupation ;
    esco:relatedEssentialSkill ?s ;
    skos:prefLabel ?occupation
    .

  ?s skos:prefLabel ?skill
  .

    FILTER (lang(?skill) = "en")
    FILTER (lang(?occupation) = "en")
}
"""

# model/queries/skills-by-altLabel.sparql
SKILLS_BY_ALT_LABEL = _SPARQL_PREFIXES + """
SELECT DISTINCT *
WHERE {

  ?s a esco:Skill ;
    skos:altLabel "Webservices"@en ;
    skos:prefLabel ?label ;
    iso-thes:status "released"


  # ?s skos:prefLabel ?skill
  # .
  # FILTER (lang(?skill) = "en")

  FILTER (lang(?label) = "en")
}
LIMIT 5
"""

# model/queries/occupations-all.sparql: SELECT * with GROUP BY, which SPARQL 1.1 forbids
# (section 11.4: with GROUP BY only grouped variables and aggregates may be projected)
OCCUPATIONS_ALL = _SPARQL_PREFIXES + """
SELECT DISTINCT *
WHERE {

  VALUES ?category {
    <http://data.europa.eu/esco/isco/C25>
    <http://data.europa.eu/esco/isco/C35>
  }

  ?o a esco:Occupation ;
    #esco:relatedEssentialSkill ?s ;
    skos:prefLabel ?occupation ;
    skos:broaderTransitive* ?category ;
    iso-thes:status "released"
    .

  OPTIONAL {
    ?o skos:altLabel ?altLabel .
    ?o dct:description _:description .

    _:description
    esco:nodeLiteral ?description;
    esco:language "en"^^xsd:language
    .
  }

  FILTER (lang(?occupation) = "en")
  FILTER (lang(?altLabel) = "en")
}
GROUP BY ?o
"""


# --- the expected rows, from the CSV files ---------------------------------------------------------

def _rows(name: str) -> list[dict]:
    with open(ESCO_CSV / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _labels(text: str, sep: str) -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()] if text else []


@pytest.fixture(scope="module")
def csvdata() -> dict:
    occupations = {r["conceptUri"]: r for r in _rows("occupations_en.csv")}
    skills = {}
    for r in _rows("skills_en.derived.csv"):
        skills.setdefault(r["conceptUri"], r)
    released, broader = set(), {}
    for name in ("digitalSkillsCollection_en.csv", "transversalSkillsCollection_en.csv"):
        for r in _rows(name):
            if r["status"] == "released":
                released.add(r["conceptUri"])
            broader.setdefault(r["conceptUri"], set()).update(_labels(r["broaderConceptUri"], "|"))
            if r.get("altLabels"):
                skills.setdefault(r["conceptUri"], r).setdefault("alts", set()).update(_labels(r["altLabels"], "|"))
    for r in _rows("skillsHierarchy_en.csv"):  # each level is narrower than the one before it
        path = [r[f"Level {i} URI"] for i in range(4) if r[f"Level {i} URI"]]
        for child, parent in zip(path[1:], path):
            broader.setdefault(child, set()).add(parent)
    return {"occupations": occupations, "skills": skills, "released": released, "broader": broader}


def _ancestors(broader: dict, iri: str) -> set[str]:
    seen, todo = set(), list(broader.get(iri, ()))
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(broader.get(parent, ()))
    return seen


# --- the builds and the stores ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    """A `linked` and an `all` vocabulary build of the shared pages, each as TriG, loaded into the
    embedded store, an Oxigraph server and Virtuoso (by esco-graph's loader)."""
    if not all(p.is_dir() for p in PAGES):
        pytest.skip("../shared/pages is not here")
    tmp = tmp_path_factory.mktemp("esco-queries")
    from esco_graph.vocabulary import Vocabulary

    vocabulary = Vocabulary.load([ESCO_CSV])
    out = {}
    servers = []
    credentials = {"ESCO_GRAPH_USER": VIRTUOSO_USER, "ESCO_GRAPH_PASSWORD": VIRTUOSO_PASSWORD}
    saved = {k: os.environ.get(k) for k in credentials}
    try:
        for mode in ("linked", "all"):
            trig = tmp / f"{mode}.trig"
            result = build_graph([str(p) for p in PAGES], outputs=[str(trig)], vocabulary=vocabulary,
                                 vocabulary_facts=mode)
            embedded = open_store(tmp / f"{mode}-kg")
            embedded.load_file(trig)
            oxigraph = start_oxigraph(tmp / f"{mode}-oxigraph")
            servers.append(oxigraph)
            with open_store(endpoint=oxigraph.url, store_type="oxigraph") as remote:
                assert remote.load_file(trig).ok
            virtuoso = start_virtuoso(tmp / f"{mode}-virtuoso", row_cap=1_000_000, max_sorted_top_rows=1_000_000)
            servers.append(virtuoso)
            os.environ.update(credentials)
            with open_store(endpoint=virtuoso.url, store_type="virtuoso") as remote:
                assert remote.load_file(trig).ok
            out[mode] = {"result": result, "embedded": embedded,
                         "oxigraph": f"{oxigraph.url}/query", "virtuoso": f"{virtuoso.url}/sparql"}
        yield out
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for mode in out.values():
            mode["embedded"].close()
        for server in servers:
            server.stop()


def _server_rows(url: str, query: str) -> list[dict]:
    """What a third-party client gets: a plain SPARQL Protocol POST, JSON results."""
    data = urllib.parse.urlencode({"query": query}).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={
        "Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    return [{k: v["value"] for k, v in binding.items()} for binding in answer["results"]["bindings"]]


def _embedded_rows(store, query: str) -> list[dict]:
    result = store.query(query)
    return [{name: term.value for name, term in zip(result.variables, row) if term is not None}
            for row in result.rows]


def _key(row: dict) -> list:
    return sorted(row.items())


def _everywhere(build: dict, query: str) -> list[dict]:
    """The rows of the query in the embedded store, on Oxigraph and on Virtuoso: all the same."""
    embedded = sorted(_embedded_rows(build["embedded"], query), key=_key)
    assert sorted(_server_rows(build["oxigraph"], query), key=_key) == embedded
    assert sorted(_server_rows(build["virtuoso"], query), key=_key) == embedded
    return embedded


def _links(result, relation: str) -> set[tuple[str, str]]:
    return {(r.iri, l.skill.iri) for r in result.records for l in r.skills if l.relation == relation}


def _is_ict(occupation: dict) -> bool:
    return occupation["iscoGroup"].startswith(("25", "35"))


# --- the queries --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["linked", "all"])
def test_load_isco(builds, csvdata, mode):
    build = builds[mode]
    rows = _everywhere(build, LOAD_ISCO)
    occupations, skills, released = csvdata["occupations"], csvdata["skills"], csvdata["released"]
    expected = set()
    for o, s in _links(build["result"], "essential"):
        occ = occupations.get(o)
        if occ and _is_ict(occ) and occ["status"] == "released" and s in released and s in skills:
            for alt in _labels(occ["altLabels"], "\n"):
                expected.add((o, s, alt))
    assert expected  # the shared ICT page makes this query answerable
    assert {(r["uri"], r["s"], r["altLabel"]) for r in rows} == expected
    assert all(r["label"] == occupations[r["uri"]]["preferredLabel"] for r in rows)
    assert all(r["description"] == occupations[r["uri"]]["description"].strip() for r in rows)


@pytest.mark.parametrize("query, relations", [(ESSENTIAL_SKILLS, ("essential",)),
                                              (ALL_SKILLS, ("essential", "optional"))],
                         ids=["query_essential_skills", "query_all_skills"])
def test_skills_of_ict_occupations(builds, csvdata, query, relations):
    build = builds["linked"]
    rows = _everywhere(build, query)
    occupations, skills, released = csvdata["occupations"], csvdata["skills"], csvdata["released"]
    expected = set()
    for relation in relations:
        for o, s in _links(build["result"], relation):
            occ = occupations.get(o)
            if occ and _is_ict(occ) and occ["status"] == "released" and s in released:
                expected.add((s, skills[s]["preferredLabel"]))
    assert expected
    assert {(r["s"], r["label"]) for r in rows} == expected


def test_infer_skills_from_skill(builds, csvdata):
    """Haskell's broader skills, transitively (the collections give skill-to-skill broader links)."""
    rows = _everywhere(builds["all"], INFER)
    skills, broader = csvdata["skills"], csvdata["broader"]
    expected, todo = set(), list(broader.get(HASKELL, ()))
    while todo:
        iri = todo.pop()
        if iri in expected:
            continue
        expected.add(iri)
        todo.extend(broader.get(iri, ()))
    expected = {(iri, skills[iri]["preferredLabel"]) for iri in expected if iri in skills}
    assert expected
    assert {(r["uri"], r["label"]) for r in rows} == expected


@pytest.mark.parametrize("mode", ["linked", "all"])
def test_occupations_and_essential_skills(builds, csvdata, mode):
    build = builds[mode]
    rows = _everywhere(build, OCCUPATIONS_AND_ESSENTIAL_SKILLS)
    occupations, skills = csvdata["occupations"], csvdata["skills"]
    labels = {r.iri: r.label for r in build["result"].records}
    labels.update({l.skill.iri: l.skill.label for r in build["result"].records for l in r.skills})

    def label(iri: str) -> str:
        row = occupations.get(iri) or skills.get(iri)
        return row["preferredLabel"] if row else labels[iri]

    expected = {(label(o), label(s)) for o, s in _links(build["result"], "essential")}
    assert {(r["occupation"], r["skill"]) for r in rows} == expected


def test_skills_by_alt_label_finds_what_the_csv_holds(builds, csvdata):
    """'Webservices' is an alternative label of no skill in ESCO v1.2.0's English CSV files: the
    data cannot answer this one, and the graph says so rather than inventing a row."""
    expected = {iri for iri, row in csvdata["skills"].items()
                if "Webservices" in row.get("alts", ()) and iri in csvdata["released"]}
    assert _everywhere(builds["all"], SKILLS_BY_ALT_LABEL) == [] and expected == set()


# --- Virtuoso's dialect: esco-playground's client runs these on Virtuoso ---------------------------

def _virtuoso_only(build: dict, query: str) -> list[dict]:
    """Rows from Virtuoso; the SPARQL 1.1 stores refuse the query as not SPARQL 1.1."""
    from esco_graph.errors import QueryError

    with pytest.raises(QueryError):
        build["embedded"].query(query)
    with pytest.raises(urllib.error.HTTPError) as refused:
        _server_rows(build["oxigraph"], query)
    assert refused.value.code == 400
    return _server_rows(build["virtuoso"], query)


def test_load_skills_from_isco_on_virtuoso(builds, csvdata):
    build = builds["linked"]
    rows = _virtuoso_only(build, SKILLS_FROM_ISCO)
    occupations, released = csvdata["occupations"], csvdata["released"]
    expected = {s for o, s in _links(build["result"], "essential")
                if o in occupations and _is_ict(occupations[o]) and s in released}
    assert expected
    assert {r["uri"] for r in rows} == expected
    assert {r["skillType"] for r in rows} <= {"knowledge", "skill/competence"}


def test_load_skills_from_esco_on_virtuoso(builds, csvdata):
    """Every released skill under one of the client's categories (ICT, ...), from the whole
    vocabulary's hierarchy: the collections' broader skills and the skills hierarchy."""
    rows = _virtuoso_only(builds["all"], SKILLS_FROM_ESCO)
    broader, released, skills = csvdata["broader"], csvdata["released"], csvdata["skills"]
    expected = {iri for iri in released if iri in skills
                and (iri in SKILL_CATEGORIES or _ancestors(broader, iri) & set(SKILL_CATEGORIES))}
    assert len(expected) > 100
    assert {r["uri"] for r in rows} == expected


def test_occupations_all_on_virtuoso(builds, csvdata):
    """model/queries/occupations-all.sparql: not SPARQL 1.1 (SELECT * with GROUP BY), Virtuoso's
    dialect: every released ICT occupation with an English alternative label and a description."""
    rows = _virtuoso_only(builds["all"], OCCUPATIONS_ALL)
    expected = {iri for iri, row in csvdata["occupations"].items()
                if _is_ict(row) and row["status"] == "released" and row["altLabels"].strip()
                and row["description"].strip()}
    assert len(expected) > 50
    assert {r["o"] for r in rows} == expected


# --- counts: each fact once, equal to the build's summary ------------------------------------------

COUNTS = {
    "occupations": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?o) AS ?d) WHERE { ?o a esco:Occupation }",
    "skills": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?d) WHERE { ?s a esco:Skill }",
    "essential_links": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT CONCAT(STR(?o), ' ', STR(?s))) AS ?d) "
                       "WHERE { ?o esco:relatedEssentialSkill ?s }",
    "optional_links": "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT CONCAT(STR(?o), ' ', STR(?s))) AS ?d) "
                      "WHERE { ?o esco:relatedOptionalSkill ?s }",
}


@pytest.mark.parametrize("mode", ["linked", "all"])
def test_counts_equal_the_build_summary_in_both_stores(builds, csvdata, mode):
    build = builds[mode]
    figures = build["result"].summary()["graph"]
    for name, query in COUNTS.items():
        (row,) = _everywhere(build, HEADER + query)
        assert int(row["n"]) == int(row["d"]) == figures[name], name
    if mode == "all":  # the whole vocabulary: every occupation of the CSV, each once
        assert figures["occupations"] == len(csvdata["occupations"])
