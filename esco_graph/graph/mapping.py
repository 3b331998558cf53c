"""Records to RDF in the official ESCO model (docs/architecture.md, README: The RDF model).

The dataset layout counts each fact once where queries look: the facts of every page, merged, are
the DEFAULT graph; each page has a named graph that holds only its provenance (which page, when,
how, and which occupation and skill links it stated: ``eg:occupation``, ``eg:essentialSkill``,
``eg:optionalSkill``), never a copy of the facts. A store whose default graph is the union of all
graphs (Virtuoso, GraphDB) and one whose default graph is just the default graph (pyoxigraph,
Jena, Oxigraph server) then answer a query without GRAPH alike, each fact once.

Triples are plain tuples of rdflib terms; `PageGraph` keeps each page's facts and provenance with
its graph IRI so the writers can emit quads (TriG, N-Quads, the store) or everything as one graph
(Turtle, JSON-LD, N-Triples), held flat (one tuple of terms s, p, o, s, p, o, ...: a third of the
memory of a tuple a triple; :func:`triples_of` gives the triples back). A page's facts come in
parts: its own triples, then its occupation's skill links, the facts of each skill and ISCO chain it
names and the fixed concepts (schemes, skill types, reuse levels) they point at. Those are the
same tuple object on every page giving them alike (the links: on every page of the occupation
stating the same ones), so a consumer that takes each distinct part once (:func:`fact_parts`)
reads them once rather than once per page (878,052 triple occurrences became 536,620 on the
ESCO-scale bench corpus, for 424,981 distinct triples). No blank nodes:
NodeLiterals get IRIs derived from their subject, property and language, so re-loading never duplicates and diffs stay meaningful.
"""
from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass
from itertools import chain, compress
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Union

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS, XSD

from .. import __version__
from ..errors import InputError
from ..iris import check_base_iri
from ..model import (
    ESSENTIAL,
    OPTIONAL,
    REUSE_LEVELS,
    SKILL_TYPES,
    Occupation,
    Skill,
    SkillLink,
    Source,
)
from ..namespaces import (
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
    SKILL_TYPE_LABELS,
)
from ..reconcile import Reconciliation, isco_chain
from ..text import slug, source_date

Triple = tuple  # (subject, predicate, object) of rdflib terms

# Every IRI the mapping uses, resolved once (rdflib's Namespace attribute lookup is slow).
_TYPE = RDF.type
_CONCEPT = SKOS.Concept
_MEMBER = ESCO.MemberConcept
_OCCUPATION = ESCO.Occupation
_SKILL = ESCO.Skill
_NODE_LITERAL = ESCO.NodeLiteral
_IN_SCHEME = SKOS.inScheme
_PREF_LABEL = SKOS.prefLabel
_ALT_LABEL = SKOS.altLabel
_NOTATION = SKOS.notation
_BROADER = SKOS.broader
_BROADER_TRANSITIVE = SKOS.broaderTransitive
_SCOPE_NOTE = SKOS.scopeNote
_DESCRIPTION = DCT.description
_NODE_LITERAL_VALUE = ESCO.nodeLiteral
_LANGUAGE = ESCO.language
_SKILL_TYPE = ESCO.skillType
_REUSE_LEVEL = ESCO.skillReuseLevel
_MEMBER_OF_ISCO = ESCO.memberOfISCOGroup
_XSD_LANGUAGE = XSD.language
_OCCUPATIONS = URIRef(OCCUPATION_SCHEME)
_SKILLS = URIRef(SKILL_SCHEME)
_ISCO = URIRef(ISCO_SCHEME)
_DIGITAL = URIRef(DIGITAL_SCHEME)
_ISCO_NOTATION = URIRef(ISCO_NOTATION_TYPE)
_SKILL_TYPES = {name: URIRef(SKILL_TYPE + name) for name in SKILL_TYPES}
_REUSE_LEVELS = {name: URIRef(REUSE_LEVEL + name) for name in REUSE_LEVELS}
_SCHEME = SKOS.ConceptScheme
_EN = "en"  # ESCO's skill-type and reuse-level labels are English words, whatever the build's language


def flat(triples: Iterable[Triple]) -> tuple:
    """Triples as one flat tuple of terms (s, p, o, s, p, o, ...), as a PageGraph holds them."""
    return tuple(chain.from_iterable(triples))


def _described(iri: URIRef, label: str) -> tuple:
    return ((iri, _TYPE, _CONCEPT), (iri, _PREF_LABEL, Literal(label, lang=_EN)))


#: what the graph says of the fixed concepts and schemes it points at, so that queries joining on
#: them (``esco:skillType/skos:prefLabel``, ``?scheme a skos:ConceptScheme``) find them
_SKILL_TYPE_FACTS = {name: _described(iri, SKILL_TYPE_LABELS[name]) for name, iri in _SKILL_TYPES.items()}
_REUSE_LEVEL_FACTS = {name: _described(iri, name) for name, iri in _REUSE_LEVELS.items()}
_SCHEME_FACTS = {iri: ((iri, _TYPE, _SCHEME),) for iri in (_OCCUPATIONS, _SKILLS, _ISCO, _DIGITAL)}
#: the same facts as parts of their own, one object each for every build: a page's parts name the
#: ones its concepts point at, so a consumer of many pages reads each once (in every skill's part,
#: they were a sixth of the facts' triples on the bench corpus)
_SCHEME_PARTS = {iri: flat(facts) for iri, facts in _SCHEME_FACTS.items()}
_SKILL_TYPE_PARTS = {name: flat(facts) for name, facts in _SKILL_TYPE_FACTS.items()}
_REUSE_LEVEL_PARTS = {name: flat(facts) for name, facts in _REUSE_LEVEL_FACTS.items()}
_STATED = {ESSENTIAL: EG.essentialSkill, OPTIONAL: EG.optionalSkill}
_RELATION, _SKILL_IRI = operator.attrgetter("relation"), operator.attrgetter("skill.iri")
_LINKED_SKILL, _PART, _FIXED = operator.attrgetter("skill"), operator.itemgetter(0), operator.itemgetter(1)
_LINKS = {
    ESSENTIAL: (ESCO.relatedEssentialSkill, ESCO.isEssentialSkillFor),
    OPTIONAL: (ESCO.relatedOptionalSkill, ESCO.isOptionalSkillFor),
}


@dataclass(frozen=True)
class PageGraph:
    """One source's facts (default graph) and provenance (its named graph ``iri``)."""

    iri: URIRef
    source: Optional[Source]  # None: not a page (the vocabulary's facts)
    parts: tuple  # the facts, as flat tuples of terms (shared parts are one object): they go to
    #               the default graph, merged with every other source's
    provenance: tuple = ()  # the named graph's triples, flat: where the facts come from

    @property
    def triples(self) -> tuple:
        """The facts as one tuple of triples (a copy: consumers of many pages use :func:`fact_parts`)."""
        return tuple(chain.from_iterable(map(triples_of, self.parts)))


def triples_of(terms: Sequence) -> Iterator[Triple]:
    """The triples of a flat tuple of terms."""
    it = iter(terms)
    return zip(it, it, it)


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


class Mapper:
    """Maps records to triples for one build, building each IRI, skill and ISCO chain once.

    Skills recur across thousands of pages; their triples are made once and shared (the same
    tuples of the same terms), which keeps an ESCO-scale build fast and small.
    """

    def __init__(self, base_iri: str, language: str = "en", isco_labels: Optional[dict[str, str]] = None):
        self.base_iri = check_base_iri(base_iri)
        self.language = language
        self.isco_labels = isco_labels or {}
        self._iris: dict[str, URIRef] = {}
        self._literals: dict[str, Literal] = {}
        self._skills: dict[tuple, tuple[tuple, tuple]] = {}  # a skill's fields -> (its part, the fixed parts it needs)
        self._skill_objects: dict[int, tuple] = {}  # id of a Skill -> (it, its parts): no key to make again
        self._fixed: dict[tuple, tuple] = {}  # one tuple object for each combination of fixed parts
        self._isco: dict[str, tuple] = {}
        # occupation IRI -> [its first page's links, their part], then {skills by relation: their part}
        self._links: dict[str, Union[list, dict[tuple[frozenset, frozenset], tuple]]] = {}

    def iri(self, value: str) -> URIRef:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = URIRef(value)
        return node

    def literal(self, text: str) -> Literal:
        """A plain literal many pages share (a layout, a media type), one object."""
        node = self._literals.get(text)
        if node is None:
            node = self._literals[text] = Literal(text)
        return node

    def _node_literal(self, subject: URIRef, prop: URIRef, text: str, out: list) -> None:
        digest = hashlib.sha1(f"{subject} {prop} {self.language}".encode("utf-8")).hexdigest()[:16]
        kind = "scope-note" if prop == _SCOPE_NOTE else "description"
        node = URIRef(f"{self.base_iri}node-literal/{kind}-{digest}")
        out.append((subject, prop, node))
        out.append((node, _TYPE, _NODE_LITERAL))
        out.append((node, _NODE_LITERAL_VALUE, Literal(text)))
        out.append((node, _LANGUAGE, self._language_literal()))

    def _language_literal(self) -> Literal:
        literal = getattr(self, "_language_value", None)
        if literal is None:
            literal = self._language_value = Literal(self.language, datatype=_XSD_LANGUAGE)
        return literal

    def isco(self, code: str) -> tuple:
        """An ISCO group and its ancestors, with both notations and the skos:broader chain."""
        cached = self._isco.get(code)
        if cached is not None:
            return cached
        out = []
        chain = isco_chain(code)
        for i, group_code in enumerate(chain):
            group = self.iri(ISCO_GROUP + group_code)
            out.append((group, _TYPE, _CONCEPT))
            out.append((group, _IN_SCHEME, _ISCO))
            out.append((group, _NOTATION, Literal(group_code)))
            out.append((group, _NOTATION, Literal(group_code, datatype=_ISCO_NOTATION)))
            if group_code in self.isco_labels:
                out.append((group, _PREF_LABEL, Literal(self.isco_labels[group_code], lang=self.language)))
            if i + 1 < len(chain):
                out.append((group, _BROADER, self.iri(ISCO_GROUP + chain[i + 1])))
        cached = self._isco[code] = flat(out)
        return cached

    def skill(self, skill: Skill) -> tuple[tuple, tuple]:
        """A skill or knowledge item as an esco:Skill: one part for every page naming it alike
        (keyed by what is mapped, not by how sure a page's split was), and the fixed parts it
        points at (its schemes, skill type and reuse level), one tuple for every skill alike."""
        known = self._skill_objects.get(id(skill))
        if known is not None and known[0] is skill:  # the same object again (pages share their skills)
            return known[1]
        key = (skill.iri, skill.label, skill.skill_type, skill.reuse_level, skill.digital, skill.description,
               skill.scope_note)
        cached = self._skills.get(key)
        if cached is not None:
            self._skill_objects[id(skill)] = (skill, cached)
            return cached
        s = self.iri(skill.iri)
        out = [
            (s, _TYPE, _CONCEPT),
            (s, _TYPE, _MEMBER),
            (s, _TYPE, _SKILL),
            (s, _IN_SCHEME, _SKILLS),
            (s, _PREF_LABEL, Literal(skill.label, lang=self.language)),
        ]
        fixed = [_SCHEME_PARTS[_SKILLS]]
        if skill.skill_type:
            out.append((s, _SKILL_TYPE, _SKILL_TYPES[skill.skill_type]))
            fixed.append(_SKILL_TYPE_PARTS[skill.skill_type])
        if skill.reuse_level:
            out.append((s, _REUSE_LEVEL, _REUSE_LEVELS[skill.reuse_level]))
            fixed.append(_REUSE_LEVEL_PARTS[skill.reuse_level])
        if skill.digital:
            out.append((s, _IN_SCHEME, _DIGITAL))
            fixed.append(_SCHEME_PARTS[_DIGITAL])
        if skill.description:
            self._node_literal(s, _DESCRIPTION, skill.description, out)
        if skill.scope_note:
            self._node_literal(s, _SCOPE_NOTE, skill.scope_note, out)
        fixed = self._fixed.setdefault(tuple(map(id, fixed)), tuple(fixed))  # module-level parts: ids stay theirs
        cached = self._skills[key] = (flat(out), fixed)
        self._skill_objects[id(skill)] = (skill, cached)  # held, so the id stays its
        return cached

    def links(self, occupation: str, links: Sequence[SkillLink]) -> tuple:
        """An occupation's skill links in both directions (``esco:relatedEssentialSkill`` and
        ``esco:isEssentialSkillFor``, ...) as one part: the same object for every page of the
        occupation stating the same links, in any order, so a consumer of many pages reads them
        once (an occupation's ESCO and DestinAI pages list the same skills: on the bench corpus,
        the links of a second page were a quarter of the facts' triples)."""
        known = self._links.get(occupation)
        if known is None:  # the occupation's first page: what it states is worked out if another comes
            part = self._link_part(occupation, links)
            self._links[occupation] = [links, part]
            return part
        if type(known) is list:  # a second page: from now on, parts by what their links state
            (first, first_part), known = known, {}
            self._links[occupation] = known
            first_skills = _skills_by_relation(first)
            if first_skills is not None:
                known[first_skills] = first_part
        skills = _skills_by_relation(links)
        part = known.get(skills) if skills is not None else None
        if part is None:
            part = self._link_part(occupation, links)
            if skills is not None:
                known[skills] = part
        return part

    def _link_part(self, occupation: str, links: Sequence[SkillLink]) -> tuple:
        """The triples of an occupation's links, both directions, flat."""
        o = self.iri(occupation)
        out = []
        for link in links:
            s = self.iri(link.skill.iri)
            forward, backward = _LINKS[link.relation]
            out.append((o, forward, s))
            out.append((s, backward, o))
        return flat(out)

    def occupation(self, record: Occupation, ancestors: Sequence[str] = ()) -> list[tuple]:
        """An occupation, its links to skills (both directions), the skills, and its ISCO groups,
        as parts: the page's own triples first, then the shared tuples of its links, ISCO chain and
        skills, and the fixed parts (schemes, skill types, reuse levels) they point at."""
        o = self.iri(record.iri)
        language = self.language
        out = [
            (o, _TYPE, _CONCEPT),
            (o, _TYPE, _MEMBER),
            (o, _TYPE, _OCCUPATION),
            (o, _IN_SCHEME, _OCCUPATIONS),
            (o, _PREF_LABEL, Literal(record.label, lang=language)),
        ]
        shared: list[tuple] = [self.links(record.iri, record.skills)] if record.skills else []
        fixed = {id(_SCHEME_PARTS[_OCCUPATIONS]): _SCHEME_PARTS[_OCCUPATIONS]}
        out.extend((o, _ALT_LABEL, Literal(alt, lang=language)) for alt in record.alt_labels)
        if record.description:
            self._node_literal(o, _DESCRIPTION, record.description, out)
        if record.esco_code:
            out.append((o, _NOTATION, Literal(record.esco_code)))
        parents = [self.iri(iri) for iri in ancestors]
        if record.isco_code:
            unit = self.iri(ISCO_GROUP + record.isco_code)
            out.append((o, _MEMBER_OF_ISCO, unit))
            out.append((o, _BROADER, parents[0] if parents else unit))
            out.extend((o, _BROADER_TRANSITIVE, parent) for parent in parents)
            out.extend((o, _BROADER_TRANSITIVE, self.iri(ISCO_GROUP + code)) for code in isco_chain(record.isco_code))
            shared.append(self.isco(record.isco_code))
            fixed[id(_SCHEME_PARTS[_ISCO])] = _SCHEME_PARTS[_ISCO]
        elif parents:
            out.append((o, _BROADER, parents[0]))
            out.extend((o, _BROADER_TRANSITIVE, parent) for parent in parents)
        made = list(map(self.skill, map(_LINKED_SKILL, record.skills)))  # (part, fixed parts) a link; maps in C
        shared.extend(map(_PART, made))
        needs = list(map(_FIXED, made))  # the fixed parts' combinations (one tuple object each)
        for points_at in dict(zip(map(id, needs), needs)).values():
            for part in points_at:
                fixed[id(part)] = part
        return [flat(out), *shared, *fixed.values()]


def _skills_by_relation(links: Sequence[SkillLink]) -> Optional[tuple[frozenset, frozenset]]:
    """What a page's links state, in any order: the IRIs of its essential and of its optional
    skills (sets of strings, made and compared in C); None when that is not all they say (a link
    twice, another relation), and the page keeps a links part of its own."""
    relations, iris = list(map(_RELATION, links)), list(map(_SKILL_IRI, links))
    essential = frozenset(compress(iris, map(ESSENTIAL.__eq__, relations)))
    optional = frozenset(compress(iris, map(OPTIONAL.__eq__, relations)))
    return (essential, optional) if len(essential) + len(optional) == len(links) else None


def generated_at(source: Source) -> Optional[str]:
    """When the page's graph was made: SOURCE_DATE_EPOCH if set (reproducible builds), else when the page was retrieved."""
    return source_date() or source.retrieved


def provenance_triples(graph: URIRef, record: Occupation, mapper: Mapper) -> list[Triple]:
    """PROV-O description of a page's named graph: from which page, when, how, how many skills
    the page declares and lists (a partial page lists fewer than it declares), and what it stated:
    its occupation and each skill link (queryable per page, since the facts themselves sit merged
    in the default graph). The terms many pages share are the build `mapper`'s objects (a skill's
    IRI is one object, written once)."""
    source = record.source
    iri, literal = mapper.iri, mapper.literal
    page = URIRef(page_iri(source))
    out = [
        (graph, EG.occupation, iri(record.iri)),
        (graph, RDF.type, PROV.Entity),
        (graph, PROV.wasDerivedFrom, page),
        (graph, EG.layout, literal(source.layout)),
        (graph, EG.toolVersion, literal(f"esco-graph {__version__}")),
        (page, RDF.type, PROV.Entity),
        (page, EG.sha256, Literal(source.sha256)),
        (page, DCT.format, literal(source.media_type)),
    ]
    when = generated_at(source)
    if when:
        out.append((graph, PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime)))
    declared = record.skills_declared()
    if declared is not None:
        out.append((graph, EG.skillsDeclared, Literal(declared, datatype=XSD.integer)))
    out.append((graph, EG.skillsListed, Literal(len(record.skills), datatype=XSD.integer)))
    out.extend((graph, _STATED[link.relation], iri(link.skill.iri)) for link in record.skills)
    return out


def page_graphs(
    reconciled: Reconciliation, *, base_iri: str, language: str = "en", provenance: bool = True
) -> list[PageGraph]:
    """One PageGraph per record, in input order: the facts its page gave, and its provenance.

    A page's triple tuple may repeat a triple (harmless in RDF); writers and stores see each once.
    """
    mapper = Mapper(base_iri, language, reconciled.isco_labels)
    graphs = []
    seen: set = set()
    for record in reconciled.occupations:
        g = graph_iri(record.source, mapper.base_iri)
        if g in seen:  # a page's graph says what that page declares and lists: one record a page
            raise InputError(record.source.location, "two records come from this one page")
        seen.add(g)
        parts = mapper.occupation(record, reconciled.ancestors.get(record.iri, ()))
        described = flat(provenance_triples(g, record, mapper)) if provenance else ()
        graphs.append(PageGraph(iri=g, source=record.source, parts=tuple(parts), provenance=described))
    return graphs


def fact_parts(graphs: Iterable[PageGraph]) -> list[tuple]:
    """Every distinct part of the sources' facts, in first-seen order: a part shared by many pages
    (a skill's facts) once."""
    return list({id(part): part for graph in graphs for part in graph.parts}.values())


def part_triples(graphs: Iterable[PageGraph]) -> Iterator[Triple]:
    """The triples of the facts' distinct parts, then the provenance: what validation and
    counting read. A triple may come more than once (two pages of one occupation stating
    different links both say it is an esco:Occupation); both readers drop repeats, and dropping
    them here (a dict over every triple) cost validation more time and memory than it saved."""
    graphs = list(graphs)
    for part in fact_parts(graphs):
        yield from triples_of(part)
    for graph in graphs:
        yield from triples_of(graph.provenance)


def every_triple(graphs: Iterable[PageGraph]) -> Iterator[Triple]:
    """Every triple of the sources, facts and provenance, repeats included."""
    for graph in graphs:
        for part in graph.parts:
            yield from triples_of(part)
        yield from triples_of(graph.provenance)


def default_triples(graphs: Iterable[PageGraph]) -> list[Triple]:
    """The default graph: every source's facts, each once, in first-seen order."""
    seen: dict = {}
    for part in fact_parts(graphs):
        seen.update(dict.fromkeys(triples_of(part)))
    return list(seen)


def merged_triples(graphs: Iterable[PageGraph]) -> list[Triple]:
    """Everything as one graph (Turtle, JSON-LD, SHACL): the facts, then every provenance triple."""
    graphs = list(graphs)
    seen = dict.fromkeys(default_triples(graphs))
    for graph in graphs:
        seen.update(dict.fromkeys(triples_of(graph.provenance)))
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
    """The dataset as the quad formats carry it: the facts in the default graph, each source's
    provenance in its named graph."""
    graphs = list(graphs)
    ds = Dataset()
    for prefix, namespace in PREFIXES.items():
        ds.bind(prefix, namespace, override=True)
    default = ds.default_graph if hasattr(ds, "default_graph") else ds.default_context
    for triple in default_triples(graphs):
        default.add(triple)
    for graph in graphs:
        if graph.provenance:
            named = ds.graph(graph.iri)
            for triple in triples_of(graph.provenance):
                named.add(triple)
    return ds
