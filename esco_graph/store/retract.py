"""Reloading a changed page: take out of the default graph what only that page stated.

The facts of every page sit merged in the default graph, each once; a page's named graph holds its
provenance, including what it stated (``eg:occupation``, ``eg:essentialSkill``,
``eg:optionalSkill``; the vocabulary's graph: ``eg:concept``). Before a load replaces page graphs
that the store already has, this removes from the default graph:

* each skill link (both directions) that those pages stated and no other source graph states;
* every fact about each concept (occupation or skill) that those pages named and no other source
  graph names, with the NodeLiterals and SKOS-XL labels that hang off it.

The load then adds what the pages state now. So a changed page replaces its links exactly, and the
facts of concepts only it described; facts of a concept that other pages also describe stay (they
say them too). Plain SPARQL 1.1, the same on every store: small queries with VALUES blocks (what
the reloaded graphs stated, who else states it), the sets worked out here, then DELETE DATA of the
links and a DELETE of the concepts' facts by subject. (One DELETE ... WHERE with FILTER NOT EXISTS
did the same in one request, but took 5 s per 400 graphs on pyoxigraph.)
"""
from __future__ import annotations

from typing import Iterable, Optional

#: IRIs per VALUES block (Virtuoso's SQL compiler dislikes huge queries)
BATCH = 400

_EG = "urn:esco-graph:vocab:"
_ESCO = "http://data.europa.eu/esco/model#"
_LINK = {  # what a page graph says -> the two fact predicates it stands for
    _EG + "essentialSkill": (_ESCO + "relatedEssentialSkill", _ESCO + "isEssentialSkillFor"),
    _EG + "optionalSkill": (_ESCO + "relatedOptionalSkill", _ESCO + "isOptionalSkillFor"),
}
_STATES = f"<{_EG}occupation>, <{_EG}essentialSkill>, <{_EG}optionalSkill>, <{_EG}concept>"

# (one VALUES block and a FILTER: a second VALUES block for ?p made pyoxigraph 15 times slower)
_STATED = """SELECT ?g ?p ?x WHERE { VALUES ?g { %(values)s } GRAPH ?g { ?g ?p ?x } FILTER (?p IN (%(states)s)) }"""
_NAMING = """SELECT ?g ?p ?x WHERE { VALUES ?x { %(values)s } GRAPH ?g { ?g ?p ?x } FILTER (?p IN (%(states)s)) }"""
_CONCEPT_FACTS = """%(with)sDELETE { ?c ?p ?v . ?v ?vp ?vv }
WHERE {
  VALUES ?c { %(values)s }
  ?c ?p ?v .
  FILTER (?p NOT IN (<%(ess)s>, <%(isess)s>, <%(opt)s>, <%(isopt)s>))
  OPTIONAL { ?v a ?vt ; ?vp ?vv .
             FILTER (?vt IN (<http://data.europa.eu/esco/model#NodeLiteral>, <http://www.w3.org/2008/05/skos-xl#Label>)) }
}"""


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _rows(store, query: str, names=("g", "p", "x")):
    """The rows' values by variable name; nothing from an answer without those variables (a store
    that answers something else has stated nothing we can take back)."""
    result = store.query(query)
    if not all(name in result.variables for name in names):
        return
    index = [result.variables.index(name) for name in names]
    for row in result.rows:
        values = tuple(None if row[i] is None else row[i].value for i in index)
        if None not in values:
            yield values


def retract_sources(store, graph_iris: Iterable[Optional[str]], default_graph: Optional[str] = None) -> int:
    """Remove from the default graph (or `default_graph`, the named graph standing for it) what
    only the given source graphs stated. `store` is a :class:`.base.Store` (which calls this).
    Returns how many of the graphs the store already had."""
    reloaded = sorted({iri for iri in graph_iris if iri})
    if not reloaded:
        return 0
    # what the reloaded graphs stated before: their occupation, links and concepts
    occupation: dict[str, str] = {}
    links: set[tuple[str, str, str]] = set()  # (occupation, eg: predicate, skill)
    named: set[str] = set()
    stated: dict[str, list[tuple[str, str]]] = {}
    for batch in _batches(reloaded):
        values = " ".join(f"<{iri}>" for iri in batch)
        for g, p, x in _rows(store, _STATED % {"values": values, "states": _STATES}):
            stated.setdefault(g, []).append((p, x))
            if p == _EG + "occupation":
                occupation[g] = x
    for g, items in stated.items():
        for p, x in items:
            if p != _EG + "concept":
                named.add(x)
            if p in _LINK and g in occupation:
                links.add((occupation[g], p, x))
    if not stated:
        return 0
    # who else states them: every other source graph naming one of these concepts
    keep = set(reloaded)
    others_named: set[str] = set()
    others: dict[str, list[tuple[str, str]]] = {}
    for batch in _batches(sorted(named)):
        values = " ".join(f"<{iri}>" for iri in batch)
        for g, p, x in _rows(store, _NAMING % {"values": values, "states": _STATES}):
            if g not in keep:
                others_named.add(x)
                others.setdefault(g, []).append((p, x))
    other_occupation: dict[str, str] = {}
    for batch in _batches(sorted(g for g, items in others.items() if any(p in _LINK for p, _ in items))):
        values = " ".join(f"<{iri}>" for iri in batch)
        for g, p, x in _rows(store, _STATED % {"values": values, "states": f"<{_EG}occupation>"}):
            other_occupation[g] = x
    other_links = {(other_occupation[g], p, x) for g, items in others.items() if g in other_occupation
                   for p, x in items if p in _LINK}
    with_clause = f"WITH <{default_graph}>\n" if default_graph else ""
    # the links only the reloaded graphs stated, both directions
    gone = sorted(links - other_links)
    for batch in _batches(gone, 2000):
        triples = []
        for o, p, s in batch:
            forward, backward = _LINK[p]
            triples.append(f"<{o}> <{forward}> <{s}> . <{s}> <{backward}> <{o}> .")
        data = "\n".join(triples)
        store.update(f"DELETE DATA {{ GRAPH <{default_graph}> {{ {data} }} }}" if default_graph
                     else f"DELETE DATA {{ {data} }}")
    # every fact of the concepts only the reloaded graphs named
    ess, isess = _LINK[_EG + "essentialSkill"]
    opt, isopt = _LINK[_EG + "optionalSkill"]
    for batch in _batches(sorted(named - others_named)):
        values = " ".join(f"<{iri}>" for iri in batch)
        store.update(_CONCEPT_FACTS % {"with": with_clause, "values": values, "ess": ess, "isess": isess,
                                       "opt": opt, "isopt": isopt})
    return len(stated)


__all__ = ["retract_sources"]
