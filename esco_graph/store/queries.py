"""Ready-made queries for what users ask most, on the official ESCO model.

User values are never spliced into SPARQL text: they are bound as RDF terms through
:meth:`esco_graph.store.Store.query` ``bindings`` (pyoxigraph ``substitutions`` on the embedded
store; on a remote store a ``VALUES`` block of N-Triples-escaped terms at the top of the WHERE group).
The IRIs a first query returns are passed to the next ones in ``VALUES`` blocks of escaped terms.

Why several small queries rather than one: a store may hold a triple in several graphs (esco-graph's
own builds no longer do, but third-party files and stores loaded with the old per-page layout do),
and the default graph of a query is the union of all graphs, so one query joining the links with
OPTIONAL labels and types multiplies the copies. Fetched apart (the links, then the labels, then the
types, each DISTINCT), every query stays small, on every store. Rows are put together and sorted
here, so all stores give the same rows in the same order.

A label is looked up exactly first (as given, in the language asked for: an index lookup) and,
only when that finds nothing, in any case (a scan of the labels of that kind of concept); the
links are then fetched by IRI.
"""
from __future__ import annotations

import re

import pyoxigraph as ox

from ..errors import StoreError
from .base import Store
from .results import QueryResult

__all__ = ["details", "is_iri", "isco_path", "occupations_for_skill", "skills_of_occupation"]

_PROLOGUE = """PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# ?occupation or ?skill bound to an IRI. Type checks are FILTER EXISTS (a semi-join): a join
# with the type triple would multiply the rows by its copies in the page graphs.
LINKS = {
    "occupation": _PROLOGUE + """SELECT DISTINCT ?occupation ?relation ?skill %(bound)s
WHERE {
  { ?occupation esco:relatedEssentialSkill ?skill . BIND("essential" AS ?relation) }
  UNION
  { ?occupation esco:relatedOptionalSkill ?skill . BIND("optional" AS ?relation) }
  FILTER EXISTS { ?occupation a esco:Occupation }
}""",
    "skill": _PROLOGUE + """SELECT DISTINCT ?occupation ?relation ?skill %(bound)s
WHERE {
  { ?occupation esco:relatedEssentialSkill ?skill . BIND("essential" AS ?relation) }
  UNION
  { ?occupation esco:relatedOptionalSkill ?skill . BIND("optional" AS ?relation) }
  FILTER EXISTS { ?skill a esco:Skill }
  FILTER EXISTS { ?occupation a esco:Occupation }
}""",
}

#: the concepts of a class (%(cls)s) with a preferred or alternative label ?name, exactly
FIND_EXACT = _PROLOGUE + """SELECT DISTINCT ?concept %(bound)s
WHERE {
  ?concept skos:prefLabel|skos:altLabel ?name .
  FILTER EXISTS { ?concept a %(cls)s }
}"""

#: the same, in any case (a scan of the labels)
FIND_BY_LABEL = _PROLOGUE + """SELECT DISTINCT ?concept %(bound)s
WHERE {
  ?concept skos:prefLabel|skos:altLabel ?label .
  FILTER(LCASE(STR(?label)) = LCASE(STR(?name)))
  FILTER EXISTS { ?concept a %(cls)s }
}"""
_CLASS = {"occupation": "esco:Occupation", "skill": "esco:Skill"}

# details of a set of concepts (%(values)s: a VALUES block of escaped IRIs)
LABELS = _PROLOGUE + """SELECT DISTINCT ?x ?v ?lang
WHERE { %(values)s ?x skos:prefLabel ?v . FILTER(LANGMATCHES(LANG(?v), ?lang)) }"""
SKILL_TYPES = _PROLOGUE + """SELECT DISTINCT ?x ?v
WHERE { %(values)s ?x esco:skillType ?v . }"""
CODES = _PROLOGUE + """SELECT DISTINCT ?x ?v
WHERE { %(values)s ?x skos:notation ?v . FILTER(DATATYPE(?v) = <http://www.w3.org/2001/XMLSchema#string>) }"""
REUSE_LEVELS = _PROLOGUE + """SELECT DISTINCT ?x ?v
WHERE { %(values)s ?x esco:skillReuseLevel ?v . }"""
#: an occupation's ISCO groups and parent occupations (?x), with their codes and labels
ISCO_PATH = _PROLOGUE + """SELECT DISTINCT ?x ?code ?label %(bound)s
WHERE {
  ?occupation skos:broaderTransitive ?x .
  OPTIONAL { ?x skos:notation ?code FILTER(DATATYPE(?code) = <http://www.w3.org/2001/XMLSchema#string>) }
  OPTIONAL { ?x skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), ?lang)) }
}"""
_DETAILS = {"labels": LABELS, "skill_types": SKILL_TYPES, "codes": CODES, "reuse_levels": REUSE_LEVELS}

SKILL_COLUMNS = ["occupation", "occupationLabel", "relation", "skillType", "skillLabel", "skill"]
OCCUPATION_COLUMNS = ["skill", "skillLabel", "relation", "occupationLabel", "code", "occupation"]

_IRI = re.compile(r"^(?:https?|urn|file|ftp):\S+$", re.I)
_BATCH = 400  # IRIs per VALUES block


def is_iri(value: str) -> bool:
    """True when ``value`` reads as an IRI (http(s):, urn:, file:), not as a label."""
    return bool(_IRI.match(value.strip()))


def _query(store: Store, template: str, bindings: dict, **parts) -> QueryResult:
    """Run ``template``; the bound values are also projected (pyoxigraph substitutes only projected
    variables) and then dropped from the result."""
    hidden = [n for n in bindings if n not in ("occupation", "skill", "concept")]
    text = template % {"bound": " ".join(f"?{n}" for n in hidden), **parts}
    result = store.query(text, bindings)
    keep = [i for i, v in enumerate(result.variables) if v not in hidden]
    result.variables = [result.variables[i] for i in keep]
    result.rows = [tuple(row[i] for i in keep) for row in result.rows]
    return result


def _links(store: Store, value: str, var: str, lang: str) -> tuple[list[tuple], list[str]]:
    """(occupation, relation, skill) rows for the concept given by IRI or label."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):  # an IRI as SPARQL and Turtle write it
        value = value[1:-1].strip()
    if not value:
        raise StoreError(f"give the {var}'s label or IRI")
    warnings: list[str] = []
    if is_iri(value):
        try:
            concepts = [ox.NamedNode(value)]
        except ValueError as e:
            raise StoreError(f"{value!r} is not a valid IRI: {e}") from None
    else:
        try:
            exact = ox.Literal(value, language=lang)
        except ValueError as e:
            raise StoreError(f"{lang!r} is not a language tag: {e}") from None
        found = _query(store, FIND_EXACT, {"name": exact}, cls=_CLASS[var])
        if not found.rows and value.lower() != value:  # ESCO's labels are mostly lower case
            found = _query(store, FIND_EXACT, {"name": ox.Literal(value.lower(), language=lang)}, cls=_CLASS[var])
        if not found.rows:  # not as written: in any case
            found = _query(store, FIND_BY_LABEL, {"name": ox.Literal(value)}, cls=_CLASS[var])
        warnings += found.warnings
        concepts = sorted({row[0] for row in found.rows}, key=str)
    rows: list[tuple] = []
    for concept in concepts:
        r = _query(store, LINKS[var], {var: concept})
        rows += r.rows
        warnings += r.warnings
    return rows, warnings


def _details(store: Store, template: str, iris: set, warnings: list, **bindings) -> dict:
    """{iri: smallest value} for the concepts ``iris`` (deterministic when a concept has several)."""
    out: dict = {}
    ordered = sorted(iris, key=str)
    for i in range(0, len(ordered), _BATCH):
        values = "VALUES ?x { " + " ".join(str(t) for t in ordered[i:i + _BATCH]) + " }"
        r = _query(store, template, {k: ox.Literal(v) for k, v in bindings.items()}, values=values)
        warnings += r.warnings
        for x, v in r.rows:
            if v is not None and (x not in out or str(v) < str(out[x])):
                out[x] = v
    return out


def details(store: Store, what: str, iris, lang: str = "en") -> dict:
    """{IRI term: value term} of a set of concepts: ``labels``, ``skill_types``, ``codes`` or
    ``reuse_levels`` (the smallest value where a concept has several)."""
    warnings: list[str] = []
    bindings = {"lang": lang} if what == "labels" else {}
    return _details(store, _DETAILS[what], set(iris), warnings, **bindings)


def isco_path(store: Store, occupation, lang: str = "en") -> list[tuple[str, str, str]]:
    """(IRI, code, label) of an occupation's ancestors (ISCO groups, parent occupations), shortest
    code first: the ISCO path from the major group down."""
    r = _query(store, ISCO_PATH, {"occupation": occupation, "lang": ox.Literal(lang)})
    found: dict[str, tuple] = {}
    for x, code, label in r.rows:
        key = x.value
        if key not in found or (label is not None and found[key][2] == ""):
            found[key] = (key, code.value if code is not None else "", label.value if label is not None else "")
    return sorted(found.values(), key=lambda t: (len(t[1]), t[1], t[0]))


def _type_name(t):
    if isinstance(t, ox.NamedNode) and "/skill-type/" in t.value:
        return ox.Literal(t.value.rsplit("/skill-type/", 1)[1])
    return t


def _sort_key(row) -> tuple:
    return tuple("" if t is None else (t.value if isinstance(t, (ox.NamedNode, ox.Literal)) else str(t)) for t in row)


def skills_of_occupation(store: Store, occupation: str, lang: str = "en") -> QueryResult:
    """The essential and optional skills of an occupation given by label (preferred or alternative,
    any case) or IRI: one row per (occupation, relation, skill), columns :data:`SKILL_COLUMNS`."""
    links, warnings = _links(store, occupation, "occupation", lang)
    occupations = {o for o, _, _ in links}
    skills = {s for _, _, s in links}
    labels = _details(store, LABELS, occupations | skills, warnings, lang=lang)
    types = _details(store, SKILL_TYPES, skills, warnings)
    rows = sorted({(o, labels.get(o), rel, _type_name(types.get(s)), labels.get(s), s) for o, rel, s in links},
                  key=lambda r: _sort_key((r[0], r[2], r[3], r[4], r[5])))
    return QueryResult("select", variables=list(SKILL_COLUMNS), rows=rows, warnings=warnings)


def occupations_for_skill(store: Store, skill: str, lang: str = "en") -> QueryResult:
    """The occupations that need a skill (essential or optional), the skill given by label or IRI:
    one row per (skill, relation, occupation), columns :data:`OCCUPATION_COLUMNS`."""
    links, warnings = _links(store, skill, "skill", lang)
    occupations = {o for o, _, _ in links}
    skills = {s for _, _, s in links}
    labels = _details(store, LABELS, occupations | skills, warnings, lang=lang)
    codes = _details(store, CODES, occupations, warnings)
    rows = sorted({(s, labels.get(s), rel, labels.get(o), codes.get(o), o) for o, rel, s in links},
                  key=lambda r: _sort_key((r[0], r[2], r[3], r[5])))
    return QueryResult("select", variables=list(OCCUPATION_COLUMNS), rows=rows, warnings=warnings)
