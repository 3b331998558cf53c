"""Records to RDF in the official ESCO model (DESIGN.md), one named graph per page.

Triples are plain tuples of rdflib terms; `PageGraph` keeps each page's triples with its graph
IRI so the writers can emit quads (TriG, N-Quads, the store) or the merged default graph
(Turtle, JSON-LD, N-Triples). No blank nodes: NodeLiterals get IRIs derived from their subject,
property and language, so re-loading never duplicates and diffs stay meaningful.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Optional

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS, XSD

from . import __version__
from .model import ESSENTIAL, Occupation, Skill, Source
from .namespaces import (
    DCT,
    DIGITAL_SCHEME,
    EG,
    ESCO,
    ISCO_GROUP,
    ISCO_NOTATION_TYPE,
    ISCO_SCHEME,
    OCCUPATION_SCHEME,
    PREFIXES,
    REUSE_LEVEL,
    SKILL_SCHEME,
    SKILL_TYPE,
)
from .reconcile import Reconciliation, check_base_iri, isco_chain
from .text import slug

Triple = tuple  # (subject, predicate, object) of rdflib terms

_CONCEPT = SKOS.Concept
_MEMBER = ESCO.MemberConcept
_OCCUPATIONS = URIRef(OCCUPATION_SCHEME)
_SKILLS = URIRef(SKILL_SCHEME)
_ISCO = URIRef(ISCO_SCHEME)
_DIGITAL = URIRef(DIGITAL_SCHEME)
_ISCO_NOTATION = URIRef(ISCO_NOTATION_TYPE)
_LINKS = {
    ESSENTIAL: (ESCO.relatedEssentialSkill, ESCO.isEssentialSkillFor),
    "optional": (ESCO.relatedOptionalSkill, ESCO.isOptionalSkillFor),
}


@dataclass(frozen=True)
class PageGraph:
    """One page's triples and the IRI of its named graph."""

    iri: URIRef
    source: Source
    triples: tuple


def page_iri(source: Source) -> str:
    """The page's own IRI: its URL, file: URI, archive member or stdin."""
    if source.iri:
        return source.iri
    location = source.location
    if location == "-":
        return "urn:esco-graph:stdin"
    if "://" in location:
        return location
    return Path(location).resolve().as_uri()


def graph_iri(source: Source, base_iri: str) -> URIRef:
    """The page's named graph: stable for a location, so reloading a changed page replaces it."""
    iri = page_iri(source)
    digest = hashlib.sha1(iri.encode("utf-8")).hexdigest()[:12]
    name = slug(Path(source.location).stem if "://" not in iri else iri.rsplit("/", 1)[-1], 40)
    return URIRef(f"{base_iri}graph/{name + '-' if name else ''}{digest}")


def _node_literal(subject: URIRef, prop: URIRef, text: str, language: str, base_iri: str, out: list) -> None:
    digest = hashlib.sha1(f"{subject} {prop} {language}".encode("utf-8")).hexdigest()[:16]
    kind = "scope-note" if prop == SKOS.scopeNote else "description"
    node = URIRef(f"{base_iri}node-literal/{kind}-{digest}")
    out.append((subject, prop, node))
    out.append((node, RDF.type, ESCO.NodeLiteral))
    out.append((node, ESCO.nodeLiteral, Literal(text)))
    out.append((node, ESCO.language, Literal(language, datatype=XSD.language)))


def isco_triples(code: str, labels: dict[str, str], language: str) -> list[Triple]:
    """An ISCO group and its ancestors, with both notations and the skos:broader chain."""
    out = []
    chain = isco_chain(code)
    for i, group_code in enumerate(chain):
        group = URIRef(ISCO_GROUP + group_code)
        out.append((group, RDF.type, _CONCEPT))
        out.append((group, SKOS.inScheme, _ISCO))
        out.append((group, SKOS.notation, Literal(group_code)))
        out.append((group, SKOS.notation, Literal(group_code, datatype=_ISCO_NOTATION)))
        if group_code in labels:
            out.append((group, SKOS.prefLabel, Literal(labels[group_code], lang=language)))
        if i + 1 < len(chain):
            out.append((group, SKOS.broader, URIRef(ISCO_GROUP + chain[i + 1])))
    return out


def skill_triples(skill: Skill, language: str, base_iri: str) -> list[Triple]:
    """A skill or knowledge item as an esco:Skill."""
    s = URIRef(skill.iri)
    out = [
        (s, RDF.type, _CONCEPT),
        (s, RDF.type, _MEMBER),
        (s, RDF.type, ESCO.Skill),
        (s, SKOS.inScheme, _SKILLS),
        (s, SKOS.prefLabel, Literal(skill.label, lang=language)),
    ]
    if skill.skill_type:
        out.append((s, ESCO.skillType, URIRef(SKILL_TYPE + skill.skill_type)))
    if skill.reuse_level:
        out.append((s, ESCO.skillReuseLevel, URIRef(REUSE_LEVEL + skill.reuse_level)))
    if skill.digital:
        out.append((s, SKOS.inScheme, _DIGITAL))
    if skill.description:
        _node_literal(s, DCT.description, skill.description, language, base_iri, out)
    if skill.scope_note:
        _node_literal(s, SKOS.scopeNote, skill.scope_note, language, base_iri, out)
    return out


def occupation_triples(
    record: Occupation, ancestors: list[str], isco_labels: dict[str, str], language: str, base_iri: str
) -> list[Triple]:
    """An occupation, its links to skills (both directions), the skills, and its ISCO groups."""
    o = URIRef(record.iri)
    out = [
        (o, RDF.type, _CONCEPT),
        (o, RDF.type, _MEMBER),
        (o, RDF.type, ESCO.Occupation),
        (o, SKOS.inScheme, _OCCUPATIONS),
        (o, SKOS.prefLabel, Literal(record.label, lang=language)),
    ]
    out.extend((o, SKOS.altLabel, Literal(alt, lang=language)) for alt in record.alt_labels)
    if record.description:
        _node_literal(o, DCT.description, record.description, language, base_iri, out)
    if record.esco_code:
        out.append((o, SKOS.notation, Literal(record.esco_code)))
    if record.isco_code:
        unit = URIRef(ISCO_GROUP + record.isco_code)
        out.append((o, ESCO.memberOfISCOGroup, unit))
        out.append((o, SKOS.broader, URIRef(ancestors[0]) if ancestors else unit))
        for iri in ancestors:
            out.append((o, SKOS.broaderTransitive, URIRef(iri)))
        for code in isco_chain(record.isco_code):
            out.append((o, SKOS.broaderTransitive, URIRef(ISCO_GROUP + code)))
        out.extend(isco_triples(record.isco_code, isco_labels, language))
    elif ancestors:
        out.append((o, SKOS.broader, URIRef(ancestors[0])))
        out.extend((o, SKOS.broaderTransitive, URIRef(iri)) for iri in ancestors)
    for link in record.skills:
        s = URIRef(link.skill.iri)
        forward, backward = _LINKS[link.relation]
        out.append((o, forward, s))
        out.append((s, backward, o))
        out.extend(skill_triples(link.skill, language, base_iri))
    return out


def generated_at(source: Source) -> Optional[str]:
    """When the page's graph was made: SOURCE_DATE_EPOCH if set (reproducible builds), else when the page was retrieved."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return source.retrieved


def provenance_triples(graph: URIRef, source: Source) -> list[Triple]:
    """PROV-O description of a page's named graph: from which page, when, how."""
    page = URIRef(page_iri(source))
    out = [
        (graph, RDF.type, PROV.Entity),
        (graph, PROV.wasDerivedFrom, page),
        (graph, EG.layout, Literal(source.layout)),
        (graph, EG.toolVersion, Literal(f"esco-graph {__version__}")),
        (page, RDF.type, PROV.Entity),
        (page, EG.sha256, Literal(source.sha256)),
        (page, DCT.format, Literal(source.media_type)),
    ]
    when = generated_at(source)
    if when:
        out.append((graph, PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime)))
    return out


def page_graphs(
    reconciled: Reconciliation, *, base_iri: str, language: str = "en", provenance: bool = True
) -> list[PageGraph]:
    """One PageGraph per record, in input order; each holds only what its page said."""
    base_iri = check_base_iri(base_iri)
    graphs = []
    for record in reconciled.occupations:
        g = graph_iri(record.source, base_iri)
        triples = occupation_triples(
            record, reconciled.ancestors.get(record.iri, []), reconciled.isco_labels, language, base_iri
        )
        if provenance:
            triples.extend(provenance_triples(g, record.source))
        graphs.append(PageGraph(iri=g, source=record.source, triples=tuple(dict.fromkeys(triples))))
    return graphs


def merged_triples(graphs: Iterable[PageGraph]) -> list[Triple]:
    """The default graph: the union of every page's triples, without duplicates, in first-seen order."""
    seen: dict = {}
    for graph in graphs:
        for triple in graph.triples:
            seen[triple] = None
    return list(seen)


def to_graph(graphs: Iterable[PageGraph]) -> Graph:
    """The merged graph as an rdflib Graph (for library users and SHACL)."""
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace, override=True)
    for triple in merged_triples(graphs):
        g.add(triple)
    return g


def to_dataset(graphs: Iterable[PageGraph]) -> Dataset:
    """Every page's named graph in one rdflib Dataset."""
    ds = Dataset()
    for prefix, namespace in PREFIXES.items():
        ds.bind(prefix, namespace, override=True)
    for graph in graphs:
        named = ds.graph(graph.iri)
        for triple in graph.triples:
            named.add(triple)
    return ds
