"""One concept of the vocabulary (occupation, skill, ISCO group) and the draft it is merged from, source by source."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..model import REUSE_LEVELS
from ..namespaces import (
    ISCO_GROUP,
    REUSE_LEVEL,
)
from ..text import label_key

OCCUPATION = "occupation"
SKILL_KIND = "skill"
ISCO_KIND = "isco-group"
SKILL_GROUP = "skill-group"
KINDS = (OCCUPATION, SKILL_KIND, ISCO_KIND, SKILL_GROUP)

# Label normalisation is shared with the rest of the project (text.label_key).
normalize_label = label_key


def _clean(text: Optional[str]) -> str:
    """A label or text as stored: stripped of surrounding white space and invisible characters."""
    if not text:
        return ""
    text = text.strip()
    if text and not text.isascii():
        text = text.strip(" \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff")
    return text


# --------------------------------------------------------------------------------------------
# The record of one concept
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
    """One ESCO concept as the vocabulary knows it."""

    iri: str
    kind: str  # 'occupation' | 'skill' | 'isco-group' | 'skill-group'
    label: str  # preferred label
    alt_labels: tuple[str, ...] = ()
    code: Optional[str] = None  # ESCO code '3114.1.5' for occupations, ISCO code '3114' for groups
    isco_code: Optional[str] = None  # occupations: their ISCO unit group code
    skill_type: Optional[str] = None  # 'knowledge' | 'skill' (the CSV's 'skill/competence' -> 'skill')
    reuse_level: Optional[str] = None  # 'transversal'|'cross-sector'|'sector-specific'|'occupation-specific'
    description: Optional[str] = None
    digital: bool = False
    broader: tuple[str, ...] = ()  # IRIs of broader concepts (parent occupation / ISCO group / skill group)
    # the rest of what the vocabulary says, for the graph's vocabulary facts (graph/vocabulary.py)
    hidden_labels: tuple[str, ...] = ()
    status: Optional[str] = None  # iso-thes:status, e.g. 'released'
    modified: Optional[str] = None  # dct:modified, ISO 8601
    schemes: tuple[str, ...] = ()  # skos:inScheme IRIs the vocabulary gives
    scope_note: Optional[str] = None
    definition: Optional[str] = None
    regulated_note: Optional[str] = None  # esco:regulatedProfessionNote (an IRI in ESCO's CSV)

    @property
    def labels(self) -> tuple[str, ...]:
        """The preferred label, then the alternative ones."""
        return (self.label,) + self.alt_labels


# Source ranks: a fact from a main file beats one from a collection; equal ranks: first wins.
MAIN = 2
COLLECTION = 1


class Draft:
    """The facts gathered so far about one IRI (mutable, while loading)."""

    __slots__ = (
        "iri", "kind", "prefs", "alts", "code", "isco_code", "skill_type", "type_rank",
        "reuse_level", "reuse_rank", "description", "desc_rank", "digital", "broader",
        "hidden", "status", "modified", "schemes", "scope_note", "definition", "regulated_note",
    )

    def __init__(self, iri: str, kind: str):
        self.iri = iri
        self.kind = kind
        # preferred-label candidates: (rank, label, the skill type the same row gives)
        self.prefs: list[tuple[int, str, Optional[str]]] = []
        self.alts: dict[str, str] = {}  # normalized -> label, in order of arrival
        self.code: Optional[str] = None
        self.isco_code: Optional[str] = None
        self.skill_type: Optional[str] = None
        self.type_rank = 0
        self.reuse_level: Optional[str] = None
        self.reuse_rank = 0
        self.description: Optional[str] = None
        self.desc_rank = 0
        self.digital = False
        self.broader: list[str] = []
        self.hidden: dict[str, str] = {}
        self.status: Optional[str] = None
        self.modified: Optional[str] = None
        self.schemes: list[str] = []
        self.scope_note: Optional[str] = None
        self.definition: Optional[str] = None
        self.regulated_note: Optional[str] = None

    def add_more(self, *, hidden: str = "", status: str = "", modified: str = "", schemes: str = "",
                 scope_note: str = "", definition: str = "", regulated_note: str = "", broader: str = "") -> None:
        """The facts that only the graph's vocabulary facts use: the first source to give one wins."""
        for label in split_labels(hidden):
            self.hidden.setdefault(normalize_label(label), label)
        self.status = self.status or _clean(status) or None
        self.modified = self.modified or _clean(modified) or None
        self.scope_note = self.scope_note or _clean(scope_note) or None
        self.definition = self.definition or _clean(definition) or None
        self.regulated_note = self.regulated_note or _clean(regulated_note) or None
        for iri in split_iris(schemes):
            if iri not in self.schemes:
                self.schemes.append(iri)
        for iri in split_iris(broader):
            if iri not in self.broader:
                self.broader.append(iri)

    def add_pref(self, label: str, rank: int, skill_type: Optional[str] = None) -> None:
        label = _clean(label)
        if label:
            self.prefs.append((rank, label, skill_type))

    def add_alt(self, label: str) -> None:
        label = _clean(label)
        if label:
            self.alts.setdefault(normalize_label(label), label)

    def setskill_type_of(self, value: Optional[str], rank: int) -> None:
        if value and rank > self.type_rank:
            self.skill_type, self.type_rank = value, rank

    def set_reuse_level(self, value: Optional[str], rank: int) -> None:
        if value and rank > self.reuse_rank:
            self.reuse_level, self.reuse_rank = value, rank

    def set_description(self, value: Optional[str], rank: int) -> None:
        value = _clean(value)
        if value and rank > self.desc_rank:
            self.description, self.desc_rank = value, rank

    def choose_label(self) -> tuple[str, Optional[str]]:
        """(preferred label, note about a conflict or None): the best-ranked source wins.

        When the best-ranked sources disagree (the same IRI twice in skills_en with two labels),
        the label a lower-ranked source (a collection) confirms wins, else the first one; the
        others become alternative labels.
        """
        if not self.prefs:
            return "", None
        best = max(rank for rank, _, _ in self.prefs)
        top: dict[str, tuple[str, Optional[str]]] = {}
        for rank, label, stype in self.prefs:
            if rank == best:
                top.setdefault(normalize_label(label), (label, stype))
        lower = {normalize_label(label) for rank, label, _ in self.prefs if rank < best}
        keys = list(top)
        key = next((k for k in keys if k in lower), keys[0])
        label, stype = top[key]
        if stype and best >= self.type_rank:
            self.skill_type, self.type_rank = stype, best
        for _, other, _ in self.prefs:
            if normalize_label(other) != key:
                self.add_alt(other)
        note = None
        if len(top) > 1:
            others = ", ".join(repr(top[k][0]) for k in keys if k != key)
            note = f"{self.iri} has several preferred labels: kept {label!r}, {others} as alternative"
        return label, note

    def freeze(self, label: str) -> tuple[Concept, tuple[str, tuple[str, ...]]]:
        """The concept, and the lookup keys of its preferred and alternative labels."""
        key = normalize_label(label)
        alt_keys = tuple(norm for norm in self.alts if norm != key)
        alts = tuple(self.alts[norm] for norm in alt_keys)
        return Concept(
            iri=self.iri,
            kind=self.kind,
            label=label,
            alt_labels=alts,
            code=self.code or None,
            isco_code=self.isco_code or None,
            skill_type=self.skill_type,
            reuse_level=self.reuse_level,
            description=self.description,
            digital=self.digital,
            broader=tuple(dict.fromkeys(self.broader)),
            hidden_labels=tuple(label for norm, label in self.hidden.items() if norm != key and norm not in self.alts),
            status=self.status,
            modified=self.modified,
            schemes=tuple(self.schemes),
            scope_note=self.scope_note,
            definition=self.definition,
            regulated_note=self.regulated_note,
        ), (key, alt_keys)


def reuse_level(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith(REUSE_LEVEL):
        value = value[len(REUSE_LEVEL):]
    value = re.sub(r"[\s_]+", "-", value)
    return value if value in REUSE_LEVELS else None


def split_labels(value: Optional[str]) -> list[str]:
    """ESCO alt labels: newline-separated in the main files, ' | '-separated in the collections."""
    if not value:
        return []
    return [part for part in (_clean(p) for p in re.split(r"[\r\n|]+", value)) if part]


def split_iris(value: Optional[str]) -> list[str]:
    """IRI lists as ESCO's CSV files write them: newline-, comma- or ' | '-separated."""
    if not value:
        return []
    return [part for part in (p.strip() for p in re.split(r"[\r\n|,]+", value)) if part.startswith("http")]


def isco_code_of(iri: str) -> Optional[str]:
    if iri.startswith(ISCO_GROUP):
        code = iri[len(ISCO_GROUP):]
        return code if code.isdigit() else None
    return None
