"""The vocabulary's facts in the official ESCO model: what ESCO's own files say about the concepts.

``--vocabulary-facts`` picks how much of the vocabulary becomes RDF:

* ``none``: only what the pages say (and the few facts reconciliation lends them);
* ``linked`` (default): every fact the vocabulary holds about each occupation and skill in the
  graph, and about what they point at, transitively: broader concepts (parent occupations, ISCO
  groups, skill groups of the skills hierarchy), the concept schemes and their top concepts;
* ``all``: every concept of the vocabulary (ESCO's CSV download as RDF).

The facts follow ESCO's RDF dump: ``skos:prefLabel``/``altLabel``/``hiddenLabel`` and the same
labels as SKOS-XL label nodes (``skosxl:prefLabel`` ... -> ``skosxl:Label`` with
``skosxl:literalForm``), ``iso-thes:status``, ``dct:modified``, ``dct:description``,
``skos:scopeNote`` and ``skos:definition`` as ``esco:NodeLiteral``, ``skos:notation``,
``skos:inScheme`` as the CSV lists them, ``skos:broader``/``skos:narrower``/
``skos:broaderTransitive``, ``skos:topConceptOf``/``skos:hasTopConcept`` for the roots of the ISCO
and skill-group hierarchies, ``esco:regulatedProfessionNote``. Label and NodeLiteral nodes get
IRIs under the base IRI (ESCO's own are random UUIDs no one can reproduce). A fact the vocabulary
does not hold is not written: ``skills_en.derived.csv`` has no status column, so its skills get
no ``iso-thes:status``. Where a page gave a single-valued fact (a description, a label), the
page's stands and the vocabulary's is left out, so no concept gets two.

Vocabulary concepts whose IRI is not ESCO's are never passed off as official: ``linked`` leaves
them to reconciliation (which mints their IRI and lends their facts), ``all`` mints their IRI as
reconciliation does and reports them.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from ..errors import OptionError
from ..iris import is_esco_iri, mint_iri
from ..namespaces import (
    DCT,
    DIGITAL_SCHEME,
    EG,
    ESCO,
    ISCO_GROUP,
    ISCO_SCHEME,
    ISO_THES,
    OCCUPATION_SCHEME,
    SKILL_SCHEME,
    SKOSXL,
)
from ..reconcile import isco_chain
from ..text import source_date
from .mapping import (  # the IRIs the mapping resolved already, and its fixed facts
    _ALT_LABEL,
    _BROADER,
    _BROADER_TRANSITIVE,
    _CONCEPT,
    _DESCRIPTION,
    _IN_SCHEME,
    _ISCO_NOTATION,
    _MEMBER,
    _MEMBER_OF_ISCO,
    _NOTATION,
    _OCCUPATION,
    _PREF_LABEL,
    _REUSE_LEVEL,
    _REUSE_LEVEL_FACTS,
    _REUSE_LEVELS,
    _SCHEME,
    _SCOPE_NOTE,
    _SKILL,
    _SKILL_TYPE,
    _SKILL_TYPE_FACTS,
    _SKILL_TYPES,
    _TYPE,
    Mapper,
    PageGraph,
    flat,
)

# The other IRIs the facts use, resolved once (rdflib's Namespace attribute lookup is slow).
_MODIFIED = DCT.modified
_STATED_CONCEPT = EG.concept
_FACTS_MODE = EG.vocabularyFacts
_REGULATED_NOTE = ESCO.regulatedProfessionNote
_STATUS = ISO_THES.status
_ENTITY = PROV.Entity
_GENERATED_AT = PROV.generatedAtTime
_DERIVED_FROM = PROV.wasDerivedFrom
_DEFINITION = SKOS.definition
_HAS_TOP_CONCEPT = SKOS.hasTopConcept
_HIDDEN_LABEL = SKOS.hiddenLabel
_NARROWER = SKOS.narrower
_TOP_CONCEPT_OF = SKOS.topConceptOf
_XL_LABEL = SKOSXL.Label
_XL_ALT_LABEL = SKOSXL.altLabel
_XL_HIDDEN_LABEL = SKOSXL.hiddenLabel
_XL_LITERAL_FORM = SKOSXL.literalForm
_XL_PREF_LABEL = SKOSXL.prefLabel

FACT_MODES = ("none", "linked", "all")

_CLASSES = {
    "occupation": (_MEMBER, _OCCUPATION),
    "skill": (_MEMBER, _SKILL),
    "isco-group": (),
    "skill-group": (),
}
_HOME_SCHEME = {"occupation": OCCUPATION_SCHEME, "skill": SKILL_SCHEME, "isco-group": ISCO_SCHEME}
_LABELS = (("pref", _PREF_LABEL, _XL_PREF_LABEL), ("alt", _ALT_LABEL, _XL_ALT_LABEL),
           ("hidden", _HIDDEN_LABEL, _XL_HIDDEN_LABEL))
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
#: the schemes whose concepts without a broader concept are their top concepts
_HIERARCHIES = (ISCO_SCHEME, OCCUPATION_SCHEME, "http://data.europa.eu/esco/concept-scheme/skills-hierarchy",
                "http://data.europa.eu/esco/concept-scheme/isced-f", SKILL_SCHEME)


def check_fact_mode(mode: str) -> str:
    if mode not in FACT_MODES:
        raise OptionError(f"--vocabulary-facts must be one of {', '.join(FACT_MODES)}, not {mode!r}",
                          "--vocabulary-facts")
    return mode


def vocabulary_graph_iri(base_iri: str, shard: Optional[tuple[int, int]] = None) -> URIRef:
    """The vocabulary's provenance graph; a slice of a sharded build has its own
    (``.../vocabulary/shard-K-of-N``), since loading a named graph replaces it and each slice's
    vocabulary facts are those its pages link to."""
    if shard is not None:
        return URIRef(f"{base_iri}graph/vocabulary/shard-{shard[0]}-of-{shard[1]}")
    return URIRef(f"{base_iri}graph/vocabulary")


class _Facts:
    """The triples of the vocabulary's concepts, each concept once."""

    def __init__(self, vocabulary, mapper: Mapper, page_given: set[tuple[str, str]], minted: dict[str, str]):
        self.vocabulary = vocabulary
        self.mapper = mapper
        self.page_given = page_given  # (IRI, field) of single-valued facts a page gave
        self.minted = minted  # a non-ESCO vocabulary IRI -> the IRI minted for it
        self.out: list = []
        self.described: dict[str, str] = {}  # IRI -> kind, in the order described
        self.schemes: set[str] = set()

    def iri(self, value: str) -> URIRef:
        return self.mapper.iri(self.minted.get(value, value))

    def label_node(self, subject: URIRef, role: str, text: str) -> URIRef:
        digest = hashlib.sha1(f"{subject} {role} {self.mapper.language} {text}".encode("utf-8")).hexdigest()[:16]
        return URIRef(f"{self.mapper.base_iri}label/{role}-{digest}")

    def describe(self, concept) -> None:
        if concept.iri in self.described:
            return
        self.described[concept.iri] = concept.kind
        out, kind, language = self.out, concept.kind, self.mapper.language
        s = self.iri(concept.iri)
        given = self.page_given
        out.append((s, _TYPE, _CONCEPT))
        out.extend((s, _TYPE, cls) for cls in _CLASSES.get(kind, ()))
        schemes = list(concept.schemes)
        home = _HOME_SCHEME.get(kind)
        if home and home not in schemes:
            schemes.insert(0, home)
        if concept.digital and DIGITAL_SCHEME not in schemes:
            schemes.append(DIGITAL_SCHEME)
        for scheme in schemes:
            out.append((s, _IN_SCHEME, self.mapper.iri(scheme)))
            self.schemes.add(scheme)
        labels = {"pref": (concept.label,), "alt": concept.alt_labels, "hidden": concept.hidden_labels}
        for role, plain, xl in _LABELS:
            for text in labels[role]:
                literal = Literal(text, lang=language)
                if not (role == "pref" and (concept.iri, "label") in given):
                    out.append((s, plain, literal))
                node = self.label_node(s, role, text)
                out += [(s, xl, node), (node, _TYPE, _XL_LABEL), (node, _XL_LITERAL_FORM, literal)]
        if concept.status:
            out.append((s, _STATUS, Literal(concept.status)))
        if concept.modified and _DATETIME.match(concept.modified):
            out.append((s, _MODIFIED, Literal(concept.modified, datatype=XSD.dateTime, normalize=False)))
        for field, prop in (("description", _DESCRIPTION), ("scope_note", _SCOPE_NOTE),
                            ("definition", _DEFINITION)):
            text = getattr(concept, field)
            if text and (concept.iri, field) not in given:
                self.mapper._node_literal(s, prop, text, out)
        if concept.regulated_note:
            note = concept.regulated_note
            if note.startswith(("http://", "https://")):
                out.append((s, _REGULATED_NOTE, self.mapper.iri(note)))
            else:
                self.mapper._node_literal(s, _REGULATED_NOTE, note, out)
        if kind == "occupation":
            if concept.code and (concept.iri, "code") not in given:
                out.append((s, _NOTATION, Literal(concept.code)))
            if concept.isco_code:
                out.append((s, _MEMBER_OF_ISCO, self.mapper.iri(ISCO_GROUP + concept.isco_code)))
        elif kind == "skill":
            if concept.skill_type and (concept.iri, "skill_type") not in given:
                out.append((s, _SKILL_TYPE, _SKILL_TYPES[concept.skill_type]))
                out.extend(_SKILL_TYPE_FACTS[concept.skill_type])
            if concept.reuse_level and (concept.iri, "reuse_level") not in given:
                out.append((s, _REUSE_LEVEL, _REUSE_LEVELS[concept.reuse_level]))
                out.extend(_REUSE_LEVEL_FACTS[concept.reuse_level])
        elif kind == "isco-group" and concept.code:
            out.append((s, _NOTATION, Literal(concept.code)))
            out.append((s, _NOTATION, Literal(concept.code, datatype=_ISCO_NOTATION)))
        elif concept.code:
            out.append((s, _NOTATION, Literal(concept.code)))
        for parent in concept.broader:
            p = self.iri(parent)
            out.append((s, _BROADER, p))
            out.append((p, _NARROWER, s))
        for ancestor in self.ancestors(concept):
            out.append((s, _BROADER_TRANSITIVE, self.iri(ancestor)))
        if not concept.broader and kind in ("isco-group", "skill-group"):
            for scheme in schemes:
                if scheme in _HIERARCHIES:
                    out.append((s, _TOP_CONCEPT_OF, self.mapper.iri(scheme)))
                    out.append((self.mapper.iri(scheme), _HAS_TOP_CONCEPT, s))

    def ancestors(self, concept) -> list[str]:
        """Every broader concept, transitively (the vocabulary's hierarchies are small and acyclic;
        a cycle is cut where it closes)."""
        seen: dict[str, None] = {}
        todo = list(concept.broader)
        while todo:
            iri = todo.pop(0)
            if iri in seen or iri == concept.iri:
                continue
            seen[iri] = None
            parent = self.vocabulary.by_iri(iri)
            if parent is not None:
                todo.extend(parent.broader)
        return list(seen)

    def pointed_at(self, concept) -> list[str]:
        """The vocabulary IRIs a concept's facts point at (described too under ``linked``)."""
        out = list(concept.broader)
        if concept.kind == "occupation" and concept.isco_code:
            out += [ISCO_GROUP + code for code in isco_chain(concept.isco_code)]
        return out

    def finish(self) -> list:
        for scheme in sorted(self.schemes):
            self.out.append((self.mapper.iri(scheme), _TYPE, _SCHEME))
        return self.out


def vocabulary_graph(
    vocabulary,
    reconciled,
    *,
    mode: str = "linked",
    base_iri: str,
    language: str = "en",
    shard: Optional[tuple[int, int]] = None,
) -> Optional[PageGraph]:
    """The vocabulary's facts as one source graph (facts for the default graph, provenance for the
    named graph ``{base}graph/vocabulary``, or the slice's own in a sharded build), or None with
    ``mode='none'`` or no vocabulary."""
    check_fact_mode(mode)
    if vocabulary is None or mode == "none":
        return None
    mapper = Mapper(base_iri, language)
    minted: dict[str, str] = {}
    if mode == "all":
        for concept in vocabulary:
            if not is_esco_iri(concept.iri) and concept.kind in ("occupation", "skill"):
                minted[concept.iri] = mint_iri(mapper.base_iri, concept.kind, concept.label)
        seeds: Iterable[str] = [c.iri for c in vocabulary]
    else:
        seeds = _linked_seeds(reconciled)
    facts = _Facts(vocabulary, mapper, _page_given(reconciled), minted)
    todo = list(dict.fromkeys(seeds))
    while todo:
        iri = todo.pop()
        concept = vocabulary.by_iri(iri)
        if concept is None or iri in facts.described:
            continue
        if not is_esco_iri(iri) and iri not in minted:
            continue  # linked: reconciliation already minted it and lent its facts
        facts.describe(concept)
        if mode == "linked":
            todo.extend(i for i in facts.pointed_at(concept) if i not in facts.described)
    triples = facts.finish()
    graph = vocabulary_graph_iri(mapper.base_iri, shard)
    return PageGraph(iri=graph, source=None, parts=(flat(triples),),
                     provenance=flat(_provenance(graph, vocabulary, mode, facts)))


def _linked_seeds(reconciled) -> list[str]:
    seeds: list[str] = []
    for record in reconciled.occupations:
        seeds.append(record.iri)
        seeds.extend(reconciled.ancestors.get(record.iri, ()))
        if record.isco_code:
            seeds.extend(ISCO_GROUP + code for code in isco_chain(record.isco_code))
        seeds.extend(link.skill.iri for link in record.skills)
    return seeds


def _page_given(reconciled) -> set[tuple[str, str]]:
    """(IRI, field) of the single-valued facts the pages gave (theirs stand)."""
    given: set[tuple[str, str]] = set()
    for record in reconciled.occupations:
        given.add((record.iri, "label"))
        if record.description:
            given.add((record.iri, "description"))
        if record.esco_code:
            given.add((record.iri, "code"))
        for link in record.skills:
            skill = link.skill
            given.add((skill.iri, "label"))
            for field in ("description", "scope_note", "skill_type", "reuse_level"):
                if getattr(skill, field):
                    given.add((skill.iri, field))
    return given


def _provenance(graph: URIRef, vocabulary, mode: str, facts: _Facts) -> list:
    out = [(graph, _TYPE, _ENTITY), (graph, _FACTS_MODE, Literal(mode))]
    when = source_date() or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.append((graph, _GENERATED_AT, Literal(when, datatype=XSD.dateTime)))
    for item in vocabulary.stats.get("files_read", []):
        out.append((graph, _DERIVED_FROM, URIRef(_file_iri(item["file"]))))
    out.extend((graph, _STATED_CONCEPT, facts.iri(iri)) for iri, kind in facts.described.items()
               if kind in ("occupation", "skill"))
    return out


def _file_iri(name: str) -> str:
    """A vocabulary file's IRI: file: URI, with '#member' for a member of a zip."""
    path, _, member = name.partition("!")
    uri = Path(path).resolve().as_uri()
    return f"{uri}#{quote(member)}" if member else uri


__all__ = ["FACT_MODES", "check_fact_mode", "vocabulary_graph", "vocabulary_graph_iri"]

