"""Our Turtle, TriG and JSON-LD writers (hand-written for speed, graph/writers.py) against the
libraries: each output is the graph pyoxigraph's own serializer writes of the same lines, and
JSON-LD is read back by PyLD."""
from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD

from esco_graph import build_graph
from esco_graph.graph.mapping import PageGraph, flat
from esco_graph.graph.writers import Rendered, writer_for
from esco_graph.namespaces import EG, ESCO, PREFIXES

_S = URIRef("http://example.org/kg/skill/a")
_G = URIRef("http://example.org/kg/graph/page-1")
#: terms whose Turtle forms differ from their N-Triples forms, or must not be abbreviated
_TRICKY = (
    (_S, RDF.type, ESCO.Skill),
    (_S, RDF.type, BNode("b1")),
    (_S, SKOS.prefLabel, Literal('a "quoted"\nlabel\t\\', lang="en")),
    (_S, SKOS.prefLabel, Literal("ünïcode ☃", lang="de-CH")),
    (_S, EG["count"], Literal("37", datatype=XSD.integer)),
    (_S, EG["count"], Literal("+5", datatype=XSD.integer)),
    (_S, EG["count"], Literal("x5", datatype=XSD.integer)),  # ill-typed: stays quoted
    (_S, EG.flag, Literal("true", datatype=XSD.boolean)),
    (_S, EG.amount, Literal("1.50", datatype=XSD.decimal)),
    (_S, EG.code, Literal("0110", datatype=URIRef("http://data.europa.eu/esco/Notation/ISCO08"))),
    (_S, EG.code, Literal('ends "^^<x>', datatype=URIRef("http://example.org/dt"))),
    (_S, EG.link, URIRef(str(ESCO) + "a.b")),  # a local name with a dot: left as an IRI
    (_S, EG.link, URIRef(str(ESCO))),  # the namespace itself
    (_S, EG.link, URIRef(str(ESCO) + "0110")),
    (_S, EG.link, URIRef(str(ESCO) + "x/y")),
    (_S, URIRef(str(ESCO) + "odd.predicate"), Literal("v")),
    (BNode("b1"), RDF.type, SKOS.Concept),
    (URIRef(str(EG) + "subject"), SKOS.notation, Literal("n")),
)


def _tricky_graphs() -> list[PageGraph]:
    provenance = tuple((_G, EG.skill, o) for o in (_S, URIRef(str(EG) + "x"))) + ((_G, RDF.type, BNode("b2")),)
    return [PageGraph(iri=_G, source=None, parts=(flat(_TRICKY),), provenance=flat(provenance))]


def _written(rendered: Rendered, fmt: str) -> bytes:
    buffer = io.BytesIO()
    writer_for(fmt).write(rendered, buffer)
    return buffer.getvalue()


def _pyoxigraph_writes(rendered: Rendered, fmt: str) -> bytes:
    """What pyoxigraph's serializer writes of the same lines (the writers' previous way)."""
    if fmt == "turtle":
        quads = [q.triple for q in ox.parse(_written(rendered, "ntriples"), format=ox.RdfFormat.N_TRIPLES)]
        return ox.serialize(quads, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    quads = list(ox.parse(_written(rendered, "nquads"), format=ox.RdfFormat.N_QUADS))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)


def _graphs(data: bytes, fmt: str) -> dict:
    """Each graph of a Turtle or TriG document (rdflib's parser), by name."""
    if fmt == "turtle":
        return {None: Graph().parse(data=data, format="turtle")}
    dataset = Dataset()
    dataset.parse(data=data, format="trig")
    return {str(g.identifier): Graph() + g for g in dataset.graphs() if len(g)}


@pytest.fixture(scope="module", params=["tricky terms", "sample pages"])
def rendered(request):
    if request.param == "tricky terms":
        return Rendered(_tricky_graphs())
    from conftest import SAMPLES

    return Rendered(build_graph([str(SAMPLES)]).graphs)


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_turtle_and_trig_are_the_graphs_pyoxigraph_writes(rendered, fmt):
    ours, theirs = _graphs(_written(rendered, fmt), fmt), _graphs(_pyoxigraph_writes(rendered, fmt), fmt)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert len(ours[name]) == len(theirs[name]) > 0
        assert isomorphic(ours[name], theirs[name]), name


def test_turtle_abbreviates_only_what_needs_no_escape():
    text = _written(Rendered(_tricky_graphs()), "turtle").decode("utf-8")
    assert "\ta esco:Skill" in text or " a esco:Skill" in text
    assert 'eg:count 37 , 5 , "x5"^^xsd:integer ;' in text  # rdflib made "+5" 5
    assert "eg:flag true ;" in text
    assert f"<{ESCO}a.b>" in text and f"<{ESCO}>" in text and f"<{ESCO}x/y>" in text
    assert "esco:0110" in text


def test_jsonld_is_read_by_pyld_as_the_same_triples():
    from pyld import jsonld

    rendered = Rendered(_tricky_graphs())
    document = json.loads(_written(rendered, "jsonld"))
    theirs = Graph().parse(data=jsonld.to_rdf(document, {"format": "application/n-quads"}), format="nt")
    ours = Graph().parse(data=_written(rendered, "ntriples"), format="nt")
    assert len(theirs) == len(ours) > 0
    assert isomorphic(theirs, ours)


_LITERALS = (
    Literal("plain"), Literal('a "quoted"\nlabel\t\\', lang="en"), Literal("ünïcode ☃ \u2028", lang="de-CH"),
    Literal("DEL \x7f and NUL \x00 and \x1f", lang="en"), Literal("x", lang="EN-gb"), Literal("x", lang="en-GB"),
    Literal("37", datatype=XSD.integer), Literal("2024-01-01T00:00:00", datatype=XSD.dateTime),
    Literal("en", datatype=XSD.language), Literal("v", datatype=XSD.string), Literal("back\\u slash", lang="en"), Literal('ends "^^<x>', datatype=URIRef("http://example.org/dt")),
)


def test_jsonld_values_read_off_the_literal_text_are_those_worked_out_from_the_term():
    """The JSON-LD writer reads most literals' JSON off their N-Triples text (graph/writers.py,
    _JsonLdValues._literal): for every term of the context and literals with every character JSON
    escapes, that reading is None or the entry worked out from the term itself."""
    from esco_graph.graph.writers import _JsonLdValues, _ox_term

    texts = {str(_ox_term(literal)): literal for literal in _LITERALS}
    values = _JsonLdValues(texts.__getitem__)
    read = set()
    for _ in range(2):  # the second round knows the language tags
        for predicate, term in values.predicates.items():
            for text in texts:
                entry = values._literal(term, text)
                worked_out = values._worked_out(predicate, term, text)  # learns the language tags
                if entry is not None:
                    read.add((predicate, texts[text]))
                    assert entry == worked_out, (predicate, text)
    label = str(SKOS.prefLabel)
    assert (label, _LITERALS[1]) in read and (label, _LITERALS[2]) in read  # escapes, a region, U+2028
    assert (label, _LITERALS[3]) not in read  # DEL: pyoxigraph writes \u007F, json the character
    assert ("http://purl.org/dc/terms/modified", _LITERALS[7]) in read  # a typed value


def test_sorted_lines_keep_each_subjects_lines_together():
    """The writers group a subject's lines as they come, sorted: each subject's lines must be one
    run, also where one subject's text starts another's."""
    from itertools import groupby

    subjects = ["<http://x/a>", "<http://x/a/b>", "<http://x/a.b>", "<http://x/>", "_:b1", "_:b10", "_:b1_", "_:B"]
    lines = [f"{s} <http://p/{p}> {o}" for s in subjects for p in ("a", "b", "a/b", "") for o in ('"1"', "<http://x/a>", "_:b1")]
    runs = [subject for subject, _ in groupby(sorted(set(lines)), key=lambda line: line.split(" ", 1)[0])]
    assert sorted(runs) == sorted(subjects)  # each subject once: its lines in one run


@pytest.mark.parametrize("fmt", ["turtle", "trig", "jsonld"])
def test_writers_that_forget_their_worked_out_terms_write_the_same_bytes(rendered, fmt, monkeypatch):
    """The Turtle terms and JSON-LD values caches are emptied when full (a large graph's are not
    all held): emptied every two entries, the output is the same."""
    from esco_graph.graph import writers

    whole = _written(rendered, fmt)
    monkeypatch.setattr(writers, "_CACHE_LIMIT", 2)
    assert _written(rendered, fmt) == whole
