"""Reading an ESCO RDF dump (Turtle, N-Triples, RDF/XML) into concept drafts."""
from __future__ import annotations

from typing import Optional

import pyoxigraph

from ..model import skill_type_of
from ..namespaces import (
    DIGITAL_SCHEME,
    ISCO_GROUP,
    ISCO_SCHEME,
    OCCUPATION_SCHEME,
    SKILL_SCHEME,
)
from .concepts import (
    ISCO_KIND,
    MAIN,
    OCCUPATION,
    SKILL_KIND,
    isco_code_of,
    normalize_label,
    reuse_level,
)

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_ESCO = "http://data.europa.eu/esco/model#"
_DCT = "http://purl.org/dc/terms/"
_ISO_THES = "http://purl.org/iso25964/skos-thes#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SKILLS_HIERARCHY = "http://data.europa.eu/esco/concept-scheme/skills-hierarchy"
_MEMBER_SKILLS = "http://data.europa.eu/esco/concept-scheme/member-skills"

_P_TYPE = _RDF + "type"
_P_PREF = _SKOS + "prefLabel"
_P_ALT = _SKOS + "altLabel"
_P_NOTATION = _SKOS + "notation"
_P_BROADER = _SKOS + "broader"
_P_SCHEME = _SKOS + "inScheme"
_P_SKILL_TYPE = _ESCO + "skillType"
_P_REUSE = _ESCO + "skillReuseLevel"
_P_ISCO = _ESCO + "memberOfISCOGroup"
_P_DESCRIPTION = _DCT + "description"
_P_NODE_LITERAL = _ESCO + "nodeLiteral"
_P_LANGUAGE = _ESCO + "language"
_P_STATUS = _ISO_THES + "status"
_P_DEPRECATED = _OWL + "deprecated"

_T_OCCUPATION = _ESCO + "Occupation"
_T_SKILL = _ESCO + "Skill"
_T_ISCO = _ESCO + "ISCOGroup"
_T_SKILL_GROUP = _ESCO + "SkillGroup"
_TYPES = {_T_OCCUPATION, _T_SKILL, _T_ISCO, _T_SKILL_GROUP}

# Predicates the RDF reader keeps, in dispatch order: the first four carry language-tagged
# literals (checked against the language before anything else is done).
_PREDICATE_ORDER = (
    _P_PREF, _P_ALT, _P_NODE_LITERAL, _P_DESCRIPTION,
    _P_LANGUAGE, _P_TYPE, _P_NOTATION, _P_SCHEME, _P_BROADER, _P_SKILL_TYPE, _P_REUSE, _P_ISCO,
    _P_STATUS, _P_DEPRECATED,
)
(_C_PREF, _C_ALT, _C_NODE_LITERAL, _C_DESCRIPTION, _C_LANGUAGE, _C_TYPE, _C_NOTATION, _C_SCHEME,
 _C_BROADER, _C_SKILL_TYPE, _C_REUSE, _C_ISCO, _C_STATUS, _C_DEPRECATED) = range(len(_PREDICATE_ORDER))


class _RdfSubject:
    __slots__ = ("types", "prefs", "alts", "notations", "broader", "schemes", "skill_type",
                 "reuse", "isco", "desc_nodes", "desc_literals", "obsolete")

    def __init__(self):
        self.types: set[str] = set()
        self.prefs: list[tuple[int, str]] = []
        self.alts: list[str] = []
        self.notations: list[tuple[bool, str]] = []
        self.broader: list[str] = []
        self.schemes: set[str] = set()
        self.skill_type: Optional[str] = None
        self.reuse: Optional[str] = None
        self.isco: list[str] = []
        self.desc_nodes: list[str] = []
        self.desc_literals: list[tuple[int, str]] = []
        self.obsolete = False


class RdfReader:
    """Streams an RDF parse, keeping only the facts indexed, in one language."""

    def __init__(self, language: str):
        self.language = language
        self.subjects: dict[str, _RdfSubject] = {}
        self.texts: dict[str, str] = {}  # node literal -> its text, in the language
        self._accepted: set[str] = set()  # nodes whose esco:language is the language
        self._rejected: set[str] = set()  # nodes of the current subject in another language
        self._pending: dict[str, str] = {}  # node texts whose language is not known yet

    def _rank(self, tag: Optional[str]) -> int:
        if not tag:
            return 1
        tag = tag.lower()
        if tag == self.language:
            return 3
        if tag.startswith(self.language + "-"):
            return 2
        return 0

    def consume(self, quads) -> None:
        """Keep the facts indexed from an iterator of pyoxigraph triples or quads.

        The hot path: most triples of an ESCO dump (SKOS-XL label nodes, association objects,
        the 27 other languages) are dropped after one dictionary lookup or one tag comparison.
        """

        NamedNode, BlankNode, Literal = pyoxigraph.NamedNode, pyoxigraph.BlankNode, pyoxigraph.Literal
        codes = {NamedNode(iri): code for code, iri in enumerate(_PREDICATE_ORDER)}
        language, dash = self.language, self.language + "-"
        subjects = self.subjects
        last_subject = None

        for quad in quads:
            code = codes.get(quad.predicate)
            if code is None:
                continue
            o = quad.object
            tag = None
            if code <= _C_DESCRIPTION:  # labels and descriptions: drop other languages at once
                if type(o) is Literal:
                    tag = o.language
                    if tag is not None and tag != language and not tag.startswith(dash):
                        tag = tag.lower()
                        if tag != language and not tag.startswith(dash):
                            continue
                elif code != _C_DESCRIPTION:
                    continue
            s_term = quad.subject
            s = s_term.value
            if type(s_term) is BlankNode:
                s = "_:" + s
            if s != last_subject:
                self._rejected.clear()
                last_subject = s
            if code == _C_NODE_LITERAL:
                if type(o) is Literal:
                    self._node_text(s, o.value, tag)
                continue
            if code == _C_LANGUAGE:
                if type(o) is Literal:
                    self._node_language(s, o.value)
                continue
            if code == _C_TYPE:
                value = o.value
                if value in _TYPES:
                    subject = subjects.get(s)
                    if subject is None:
                        subject = subjects[s] = _RdfSubject()
                    subject.types.add(value)
                continue
            subject = subjects.get(s)
            if subject is None:
                subject = subjects[s] = _RdfSubject()
            if code == _C_PREF:
                subject.prefs.append((3 if tag == language else 2 if tag else 1, o.value))
            elif code == _C_ALT:
                subject.alts.append(o.value)
            elif code == _C_DESCRIPTION:
                if type(o) is Literal:
                    subject.desc_literals.append((3 if tag == language else 2 if tag else 1, o.value))
                else:
                    subject.desc_nodes.append(o.value if type(o) is NamedNode else "_:" + o.value)
            elif code == _C_NOTATION:
                if type(o) is Literal:
                    plain = o.language is not None or o.datatype.value.endswith("#string")
                    subject.notations.append((plain, o.value))
            elif code == _C_SCHEME:
                subject.schemes.add(o.value)
            elif code == _C_BROADER:
                if type(o) is NamedNode:
                    subject.broader.append(o.value)
            elif code == _C_SKILL_TYPE:
                subject.skill_type = subject.skill_type or o.value
            elif code == _C_REUSE:
                subject.reuse = subject.reuse or o.value
            elif code == _C_ISCO:
                subject.isco.append(o.value)
            elif code == _C_STATUS:
                if type(o) is Literal and o.value.strip().lower() in ("obsolete", "deprecated"):
                    subject.obsolete = True
            elif code == _C_DEPRECATED:
                if type(o) is Literal and o.value.strip().lower() in ("true", "1"):
                    subject.obsolete = True

    def _node_text(self, node: str, text: str, tag: Optional[str]) -> None:
        if tag:  # a language-tagged text, already checked against the language
            self.texts.setdefault(node, text)
        elif node in self._accepted:
            self.texts.setdefault(node, text)
        elif node not in self._rejected:
            self._pending[node] = text

    def _node_language(self, node: str, language: str) -> None:
        if self._rank(language.strip()) >= 2:
            self._accepted.add(node)
            text = self._pending.pop(node, None)
            if text is not None:
                self.texts.setdefault(node, text)
        else:
            self._rejected.add(node)
            self._pending.pop(node, None)

    def _kind(self, iri: str, subject: _RdfSubject) -> Optional[str]:
        types = subject.types
        if _T_OCCUPATION in types:
            return OCCUPATION
        if _T_SKILL in types:
            if _T_SKILL_GROUP in types:
                return None
            if _SKILLS_HIERARCHY in subject.schemes and _MEMBER_SKILLS not in subject.schemes \
                    and subject.skill_type is None:
                return None
            return SKILL_KIND
        if _T_ISCO in types or ISCO_SCHEME in subject.schemes or (
            iri.startswith(ISCO_GROUP) and isco_code_of(iri) and subject.prefs
        ):
            return ISCO_KIND
        if subject.skill_type is not None and SKILL_SCHEME in subject.schemes:
            return SKILL_KIND
        if OCCUPATION_SCHEME in subject.schemes and subject.notations and not iri.startswith(ISCO_GROUP):
            return OCCUPATION
        return None

    def emit(self, loader, name: str) -> int:  # loader: the csvload.Loader that called this reader
        n = 0
        for iri, subject in self.subjects.items():
            if subject.obsolete or not subject.prefs or iri.startswith("_:"):
                continue
            kind = self._kind(iri, subject)
            if kind is None:
                continue
            d = loader._draft(iri, kind, name)
            if d is None:
                continue
            # a graph has no order: sort, so that any serialization gives the same concept
            by_label = lambda label: (normalize_label(label), label)  # noqa: E731
            best = max(rank for rank, _ in subject.prefs)
            prefs = sorted((label for rank, label in subject.prefs if rank == best), key=by_label)
            d.add_pref(prefs[0], MAIN)
            others = [label for rank, label in subject.prefs if rank != best]
            for label in prefs[1:] + sorted(subject.alts + others, key=by_label):
                d.add_alt(label)
            notations = sorted(subject.notations, key=lambda item: (not item[0], item[1]))
            code = notations[0][1].strip() if notations else None
            if kind == OCCUPATION:
                d.code = d.code or code
                for group in sorted(subject.isco):
                    d.isco_code = d.isco_code or isco_code_of(group)
                d.broader.extend(b for b in sorted(set(subject.broader)) if b not in d.broader)
            elif kind == ISCO_KIND:
                d.code = d.code or code or isco_code_of(iri)
                d.broader.extend(b for b in sorted(set(subject.broader)) if b not in d.broader)
            else:
                d.setskill_type_of(skill_type_of(subject.skill_type), MAIN)
                d.set_reuse_level(reuse_level(subject.reuse), MAIN)
                if DIGITAL_SCHEME in subject.schemes:
                    d.digital = True
            description = next((self.texts[node] for node in sorted(subject.desc_nodes) if node in self.texts), None)
            if description is None and subject.desc_literals:
                description = sorted(subject.desc_literals, key=lambda item: (-item[0], item[1]))[0][1]
            d.set_description(description, MAIN)
            n += 1
        return n
