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
say them too). Plain SPARQL 1.1 Update, so every store does it the same way.
"""
from __future__ import annotations

from typing import Iterable, Optional

#: graphs per update request (a VALUES block each; Virtuoso's SQL compiler dislikes huge queries)
BATCH = 400

_PREFIXES = """PREFIX eg: <urn:esco-graph:vocab:>
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
"""

_LINKS = """%(with)sDELETE { ?o ?forward ?s . ?s ?backward ?o }
WHERE {
  VALUES ?g { %(graphs)s }
  VALUES (?stated ?forward ?backward) {
    (eg:essentialSkill esco:relatedEssentialSkill esco:isEssentialSkillFor)
    (eg:optionalSkill esco:relatedOptionalSkill esco:isOptionalSkillFor)
  }
  GRAPH ?g { ?g eg:occupation ?o ; ?stated ?s }
  FILTER NOT EXISTS { GRAPH ?other { ?other eg:occupation ?o ; ?stated ?s } FILTER (?other NOT IN (%(list)s)) }
}"""

_CONCEPTS = """%(with)sDELETE { ?c ?p ?v . ?v ?vp ?vv }
WHERE {
  VALUES ?g { %(graphs)s }
  GRAPH ?g { ?g eg:occupation|eg:essentialSkill|eg:optionalSkill ?c }
  FILTER NOT EXISTS {
    GRAPH ?other { ?other eg:occupation|eg:essentialSkill|eg:optionalSkill|eg:concept ?c }
    FILTER (?other NOT IN (%(list)s))
  }
  ?c ?p ?v .
  FILTER (?p NOT IN (esco:relatedEssentialSkill, esco:isEssentialSkillFor,
                     esco:relatedOptionalSkill, esco:isOptionalSkillFor))
  OPTIONAL { ?v a ?vt ; ?vp ?vv . FILTER (?vt IN (esco:NodeLiteral, skosxl:Label)) }
}"""

_KNOWN = """PREFIX eg: <urn:esco-graph:vocab:>
SELECT DISTINCT ?g WHERE { VALUES ?g { %(graphs)s } GRAPH ?g { ?g eg:occupation|eg:concept ?c } }"""


def retract_sources(store, graph_iris: Iterable[Optional[str]], default_graph: Optional[str] = None) -> int:
    """Remove from the default graph (or `default_graph`, the named graph standing for it) what
    only the given source graphs stated. `store` is a :class:`.base.Store` (which calls this). Returns how many of them the store already had."""
    iris = sorted({iri for iri in graph_iris if iri})
    found = 0
    for start in range(0, len(iris), BATCH):
        batch = " ".join(f"<{iri}>" for iri in iris[start:start + BATCH])
        known = [row[0].value for row in store.query(_KNOWN % {"graphs": batch}).rows]
        if not known:
            continue
        found += len(known)
        graphs = " ".join(f"<{iri}>" for iri in known)
        parts = {"graphs": graphs, "list": ", ".join(f"<{iri}>" for iri in known),
                 "with": f"WITH <{default_graph}>\n" if default_graph else ""}
        store.update(_PREFIXES + _LINKS % parts)
        store.update(_PREFIXES + _CONCEPTS % parts)
    return found


__all__ = ["retract_sources"]
