"""Reconciliation: give every occupation and skill its IRI, and make pages agree.

Known concepts (from an ESCO vocabulary, or an ESCO link in an HTML page) get their official
IRIs; the rest get stable minted IRIs under the base IRI (the same label gives the same IRI in
every page and every run, so pages about one occupation or skill merge). Where two pages give
one skill different facts, the first page in input order wins and the later page's value is
left out of its graph with a note, so the merged graph never holds two descriptions or types.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

from .iris import check_base_iri, is_esco_iri, mint_iri
from .model import Occupation, Skill, SkillLink, skill_fields
from .namespaces import DEFAULT_BASE_IRI
from .text import label_key

_MERGED_FIELDS = ("skill_type", "reuse_level", "description", "scope_note")


@dataclass
class Reconciliation:
    """Records with IRIs everywhere, plus what the RDF stage needs beyond single records."""

    occupations: list[Occupation]
    ancestors: dict[str, list[str]] = field(default_factory=dict)  # occupation IRI -> parent occupations, nearest first
    isco_labels: dict[str, str] = field(default_factory=dict)  # ISCO code -> preferred label (vocabulary)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (kind, label) with no vocabulary match
    #: (kind, the page's label, ESCO's preferred label, IRI) for labels that matched only an ESCO alternative label
    alt_label_matches: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: (kind, label, IRI) of vocabulary concepts whose IRI is not ESCO's: their facts are used, the IRI is minted
    non_esco_iris: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (page location, note)


def reconcile(
    records: Sequence[Occupation],
    *,
    vocabulary=None,
    base_iri: str = DEFAULT_BASE_IRI,
    page_labels: bool = False,
) -> Reconciliation:
    """Assign IRIs, fill facts the pages lack from the vocabulary, resolve cross-page conflicts.

    ``page_labels``: keep the labels as the pages show them (what ``esco-graph parse`` prints);
    by default a concept matched in the vocabulary takes ESCO's preferred label."""
    base_iri = check_base_iri(base_iri)
    result = Reconciliation(occupations=[])
    canonical: dict[str, Skill] = {}
    unmatched: dict[tuple[str, str], None] = {}
    alt_matches: dict[tuple[str, str, str, str], None] = {}
    non_esco: dict[tuple[str, str, str], None] = {}
    code_to_iri: dict[str, str] = {}
    resolved: dict[tuple, tuple[Skill, tuple[str, ...], dict]] = {}  # a page's skill (its fields) -> (with IRI, notes, links); skills recur across pages
    known_iris = _known_iris(records)  # official IRIs some page gives (an ESCO link in HTML) hold for every page

    occupations: dict[str, Occupation] = {}  # IRI -> the first page's facts

    for record in records:
        record = _reconcile_occupation(record, vocabulary, base_iri, unmatched, known_iris, alt_matches, page_labels,
                                       non_esco)
        notes = list(record.notes)
        record = _merge_occupation(record, occupations, notes)
        if record.esco_code and record.esco_code not in code_to_iri:
            code_to_iri[record.esco_code] = record.iri
        links = []
        for link in record.skills:
            key = skill_fields(link.skill)
            done = resolved.get(key)
            if done is None:
                skill_notes: list[str] = []
                done = resolved[key] = (
                    _reconcile_skill(link.skill, vocabulary, base_iri, unmatched, known_iris, skill_notes, alt_matches,
                                     page_labels, non_esco),
                    tuple(skill_notes),
                    {},  # relation -> the link to the skill: every page linking it alike shares one object
                )
            skill, skill_notes, shared_links = done
            notes.extend(skill_notes)
            merged = _merge(skill, canonical, notes)
            if merged is skill:
                shared = shared_links.get(link.relation)
                if shared is None:
                    shared = shared_links[link.relation] = SkillLink(relation=link.relation, skill=skill)
            else:  # the page's facts contradict an earlier page's: its own skill, its own link
                shared = SkillLink(relation=link.relation, skill=merged)
            links.append(shared)
        links = _dedupe_links(links, notes)
        record = replace(record, skills=tuple(links), notes=tuple(notes))
        result.notes.extend((record.source.location, note) for note in record.notes)
        result.occupations.append(record)

    for record in result.occupations:
        result.ancestors[record.iri] = _ancestors(record.esco_code, code_to_iri, vocabulary)
        if vocabulary is not None and record.isco_code:
            for code in isco_chain(record.isco_code):
                group = vocabulary.isco_group(code)
                if group is not None:
                    result.isco_labels[code] = group.label
    result.unmatched = list(unmatched)
    result.alt_label_matches = list(alt_matches)
    result.non_esco_iris = list(non_esco)
    return result


def isco_chain(code: str) -> list[str]:
    """'3114' -> ['3114', '311', '31', '3']."""
    return [code[:n] for n in range(len(code), 0, -1)]


def _known_iris(records: Sequence[Occupation]) -> dict[tuple[str, str], str]:
    """(kind, label key) -> the IRI the first page that knows one gives it."""
    known: dict[tuple[str, str], str] = {}
    for record in records:
        if record.iri:
            known.setdefault(("occupation", label_key(record.label)), record.iri)
        for link in record.skills:
            if link.skill.iri:
                known.setdefault(("skill", label_key(link.skill.label)), link.skill.iri)
    return known


def _reconcile_occupation(record: Occupation, vocabulary, base_iri, unmatched, known, alt_matches,
                          page_labels=False, non_esco=None) -> Occupation:
    if record.iri is None and ("occupation", label_key(record.label)) in known:
        record = replace(record, iri=known[("occupation", label_key(record.label))])
    concept = None
    if vocabulary is not None:
        if record.esco_code:
            concept = vocabulary.occupation_by_code(record.esco_code)
        if concept is None:
            concept = vocabulary.occupation_by_label(record.label)
            if concept is not None and label_key(concept.label) != label_key(record.label):
                alt_matches[("occupation", record.label, concept.label, concept.iri)] = None
        if concept is None and record.iri is None:
            unmatched[("occupation", record.label)] = None
        concept = _unofficial_minted(concept, "occupation", base_iri, non_esco)
    iri = record.iri or (concept.iri if concept is not None else None) or mint_iri(base_iri, "occupation", record.label)
    changes = {"iri": iri}
    if concept is not None and record.iri in (None, concept.iri):
        if not page_labels:
            changes.update(_official_label(record.label, concept.label, record.alt_labels))
        if not record.esco_code and concept.code:
            changes["esco_code"] = concept.code
        if not record.isco_code and concept.isco_code:
            changes["isco_code"] = concept.isco_code
        if record.esco_code and concept.code and record.esco_code != concept.code:
            changes["notes"] = record.notes + (
                f"the page gives ESCO code {record.esco_code}, the vocabulary {concept.code} for {concept.iri}",
            )
    return replace(record, **changes)


def _reconcile_skill(skill: Skill, vocabulary, base_iri, unmatched, known, notes: list[str], alt_matches,
                     page_labels=False, non_esco=None) -> Skill:
    if skill.iri is None and ("skill", label_key(skill.label)) in known:
        skill = replace(skill, iri=known[("skill", label_key(skill.label))])
    concept = vocabulary.skill(skill.label) if vocabulary is not None else None
    if vocabulary is not None and concept is None and skill.iri is None:
        unmatched[("skill", skill.label)] = None
    concept = _unofficial_minted(concept, "skill", base_iri, non_esco)
    changes = {}
    if concept is not None:
        changes["iri"] = skill.iri or concept.iri
        if changes["iri"] == concept.iri and skill.label != concept.label:
            if label_key(skill.label) != label_key(concept.label):
                notes.append(f"{skill.label!r} is ESCO's alternative label of {concept.label!r}; kept ESCO's preferred label")
                alt_matches[("skill", skill.label, concept.label, concept.iri)] = None
            if not page_labels:
                changes["label"] = concept.label
        for name in ("skill_type", "reuse_level"):
            official = getattr(concept, name)
            mine = getattr(skill, name)
            if official and mine and official != mine:
                notes.append(f"{skill.label!r}: the page says {name.replace('_', ' ')} {mine}, ESCO says {official}; kept ESCO's")
            if official:
                changes[name] = official
    else:
        changes["iri"] = skill.iri or mint_iri(base_iri, "skill", skill.label)
    return replace(skill, **changes)


def _unofficial_minted(concept, kind: str, base_iri: str, non_esco: Optional[dict]):
    """A vocabulary concept whose IRI is not ESCO's keeps its facts but gets a minted IRI (it is
    reported, never passed off as official)."""
    if concept is None or is_esco_iri(concept.iri):
        return concept
    if non_esco is not None:
        non_esco[(kind, concept.label, concept.iri)] = None
    return replace(concept, iri=mint_iri(base_iri, kind, concept.label))


def _official_label(label: str, official: str, alt_labels: tuple[str, ...]) -> dict:
    """An occupation matched to ESCO carries ESCO's preferred label; the page's other name becomes an alt label."""
    if label == official:
        return {}
    if label_key(label) == label_key(official) or label in alt_labels:
        return {"label": official}
    return {"label": official, "alt_labels": alt_labels + (label,)}


_OCCUPATION_FIELDS = ("description", "esco_code", "isco_code")


def _merge_occupation(record: Occupation, first_pages: dict[str, Occupation], notes: list[str]) -> Occupation:
    """Pages about one occupation agree: the first page's label and facts win; a later page's other
    name becomes an alternative label, its contradicting facts are left out (with a note)."""
    first = first_pages.get(record.iri)
    if first is None:
        first_pages[record.iri] = record
        return record
    changes: dict = {}
    if record.label != first.label:
        changes["label"] = first.label
        if label_key(record.label) != label_key(first.label) and record.label not in record.alt_labels:
            changes["alt_labels"] = record.alt_labels + (record.label,)
    for name in _OCCUPATION_FIELDS:
        mine, theirs = getattr(record, name), getattr(first, name)
        if mine is not None and theirs is not None and mine != theirs:
            changes[name] = None
            notes.append(f"occupation {first.label!r}: {name.replace('_', ' ')} differs from an earlier page; kept the earlier page's")
        elif mine is not None and theirs is None:
            first_pages[record.iri] = first = replace(first, **{name: mine})
    return replace(record, **changes) if changes else record


def _merge(skill: Skill, canonical: dict[str, Skill], notes: list[str]) -> Skill:
    """Keep the first page's facts about a skill (and its spelling of the label); drop a later
    page's contradicting ones (with a note)."""
    first = canonical.get(skill.iri)
    if first is None:
        canonical[skill.iri] = skill
        return skill
    if first is skill:  # the same skill met again (skills are shared across pages): nothing to merge
        return skill
    changes = {}
    if skill.label != first.label:
        changes["label"] = first.label
    filled = {}
    for name in _MERGED_FIELDS:
        mine, theirs = getattr(skill, name), getattr(first, name)
        if mine is None:
            continue
        if theirs is None:
            filled[name] = mine
        elif mine != theirs:
            changes[name] = None
            notes.append(f"{skill.label!r}: {name.replace('_', ' ')} differs from an earlier page; kept the earlier page's")
    if filled:
        canonical[skill.iri] = replace(first, **filled)
    return replace(skill, **changes) if changes else skill


def _dedupe_links(links: list[SkillLink], notes: list[str]) -> list[SkillLink]:
    """One link per (skill, relation): a skill a page lists under essential AND optional keeps both
    relations (ESCO has such pairs); the same relation twice is one link, with a note."""
    seen: set[tuple[str, str]] = set()
    out = []
    for link in links:
        key = (link.skill.iri, link.relation)
        if key in seen:
            notes.append(f"{link.skill.label!r} is listed twice as {link.relation}; kept once")
            continue
        seen.add(key)
        out.append(link)
    return out


def _ancestors(code: Optional[str], code_to_iri: dict[str, str], vocabulary) -> list[str]:
    """IRIs of the parent occupations of an ESCO code that are in the build or the vocabulary."""
    out = []
    if not code:
        return out
    parts = code.split(".")
    for n in range(len(parts) - 1, 1, -1):
        parent_code = ".".join(parts[:n])
        iri = code_to_iri.get(parent_code)
        if iri is None and vocabulary is not None:
            concept = vocabulary.occupation_by_code(parent_code)
            iri = concept.iri if concept is not None and is_esco_iri(concept.iri) else None
        if iri is not None:
            out.append(iri)
    return out
