"""Ready-made queries for what users ask most, on the official ESCO model.

User values are never spliced into SPARQL text: they are bound as RDF terms through
:meth:`esco_graph.store.Store.query` ``bindings`` (pyoxigraph ``substitutions`` on the embedded
store; on a remote store a ``VALUES`` block of N-Triples-escaped terms at the top of the WHERE group).

Every query is ``SELECT DISTINCT`` over the default graph, which esco-graph makes the union of all
graphs on every store: a skill described in several page graphs is one row, and the embedded store,
Oxigraph server and Virtuoso give the same rows.
"""
from __future__ import annotations

import re

import pyoxigraph as ox

from .errors import StoreError
from .store import QueryResult, Store

__all__ = ["OCCUPATIONS_FOR_SKILL", "SKILLS_OF_OCCUPATION", "is_iri", "occupations_for_skill",
           "skills_of_occupation"]

_PROLOGUE = """PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# ?occupation bound to an IRI, or ?name bound to a label (matched case-insensitively against
# the preferred and alternative labels); ?lang picks the language of the labels shown.
SKILLS_OF_OCCUPATION = _PROLOGUE + """SELECT DISTINCT ?occupation ?occupationLabel ?relation ?skillType ?skillLabel ?skill %(bound)s
WHERE {
  ?occupation a esco:Occupation .
  %(match)s
  { ?occupation esco:relatedEssentialSkill ?skill . BIND("essential" AS ?relation) }
  UNION
  { ?occupation esco:relatedOptionalSkill ?skill . BIND("optional" AS ?relation) }
  OPTIONAL { ?occupation skos:prefLabel ?occupationLabel . FILTER(LANGMATCHES(LANG(?occupationLabel), ?lang)) }
  OPTIONAL { ?skill skos:prefLabel ?skillLabel . FILTER(LANGMATCHES(LANG(?skillLabel), ?lang)) }
  OPTIONAL { ?skill esco:skillType ?type . BIND(STRAFTER(STR(?type), "/skill-type/") AS ?skillType) }
}
ORDER BY ?occupation ?relation ?skillType ?skillLabel ?skill
"""

OCCUPATIONS_FOR_SKILL = _PROLOGUE + """SELECT DISTINCT ?skill ?skillLabel ?relation ?occupationLabel ?code ?occupation %(bound)s
WHERE {
  ?skill a esco:Skill .
  %(match)s
  { ?occupation esco:relatedEssentialSkill ?skill . BIND("essential" AS ?relation) }
  UNION
  { ?occupation esco:relatedOptionalSkill ?skill . BIND("optional" AS ?relation) }
  ?occupation a esco:Occupation .
  OPTIONAL { ?skill skos:prefLabel ?skillLabel . FILTER(LANGMATCHES(LANG(?skillLabel), ?lang)) }
  OPTIONAL { ?occupation skos:prefLabel ?occupationLabel . FILTER(LANGMATCHES(LANG(?occupationLabel), ?lang)) }
  OPTIONAL { ?occupation skos:notation ?code }
}
ORDER BY ?skill ?relation ?occupationLabel ?occupation
"""

_BY_LABEL = {
    "occupation": "?occupation skos:prefLabel|skos:altLabel ?label . FILTER(LCASE(STR(?label)) = LCASE(STR(?name)))",
    "skill": "?skill skos:prefLabel|skos:altLabel ?label . FILTER(LCASE(STR(?label)) = LCASE(STR(?name)))",
}

_IRI = re.compile(r"^(?:https?|urn|file|ftp):\S+$", re.I)


def is_iri(value: str) -> bool:
    """True when ``value`` reads as an IRI (http(s):, urn:, file:), not as a label."""
    return bool(_IRI.match(value.strip()))


def _subject(value: str, var: str) -> tuple[str, dict]:
    value = value.strip()
    if not value:
        raise StoreError(f"give the {var}'s label or IRI")
    if is_iri(value):
        try:
            node = ox.NamedNode(value)
        except ValueError as e:
            raise StoreError(f"{value!r} is not a valid IRI: {e}") from None
        return "", {var: node}
    return _BY_LABEL[var], {"name": ox.Literal(value)}


def _run(store: Store, template: str, value: str, var: str, lang: str) -> QueryResult:
    match, bindings = _subject(value, var)
    bindings["lang"] = ox.Literal(lang)
    # pyoxigraph substitutes only projected variables: project the bound values, then drop them
    hidden = [name for name in bindings if name != var]
    result = store.query(template % {"match": match, "bound": " ".join(f"?{n}" for n in hidden)}, bindings)
    keep = [i for i, v in enumerate(result.variables) if v not in hidden]
    result.variables = [result.variables[i] for i in keep]
    result.rows = [tuple(row[i] for i in keep) for row in result.rows]
    return result


def skills_of_occupation(store: Store, occupation: str, lang: str = "en") -> QueryResult:
    """The essential and optional skills of an occupation given by label (preferred or alternative,
    any case) or IRI: one row per (occupation, relation, skill)."""
    return _run(store, SKILLS_OF_OCCUPATION, occupation, "occupation", lang)


def occupations_for_skill(store: Store, skill: str, lang: str = "en") -> QueryResult:
    """The occupations that need a skill (essential or optional), the skill given by label or IRI."""
    return _run(store, OCCUPATIONS_FOR_SKILL, skill, "skill", lang)
