"""The neutral occupation record: what a page says, independent of its layout and of RDF.

Parsers produce these; everything after parsing (reconcile, RDF, writers) consumes them and
never looks at a page layout again. Plain frozen dataclasses, so records can cross process
boundaries and be compared in tests.
"""
from __future__ import annotations

import operator
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Optional

ESSENTIAL = "essential"
OPTIONAL = "optional"
RELATIONS = (ESSENTIAL, OPTIONAL)

KNOWLEDGE = "knowledge"
SKILL = "skill"
SKILL_TYPES = (KNOWLEDGE, SKILL)
_SKILL_TYPE_IRI = "http://data.europa.eu/esco/skill-type/"


def skill_type_of(value: Optional[str]) -> Optional[str]:
    """KNOWLEDGE | SKILL from what sources say: 'knowledge', 'skill/competence', 'Skills and
    competences', or an ESCO skill-type IRI; None for anything else."""
    if not value:
        return None
    value = str(value).strip().lower()
    if value.startswith(_SKILL_TYPE_IRI):
        value = value[len(_SKILL_TYPE_IRI):]
    if value.startswith("knowledge"):
        return KNOWLEDGE
    if value.startswith("skill") or value.startswith("competence"):
        return SKILL
    return None

REUSE_LEVELS = ("transversal", "cross-sector", "sector-specific", "occupation-specific")


@dataclass(frozen=True)
class Source:
    """Where a page came from: enough to trace every triple back to it."""

    location: str  # file path, URL, '-' for stdin, or 'archive.zip!member'
    layout: str  # the parser that read it: 'esco' or 'destinai'
    sha256: str  # of the page's bytes as read
    retrieved: Optional[str] = None  # ISO 8601 UTC: file mtime or HTTP fetch time
    media_type: str = "text/plain"  # 'text/html' for HTML pages
    iri: Optional[str] = None  # the page's own IRI: file: URI, URL, jar:file:...!/member, urn:esco-graph:stdin


@dataclass(frozen=True)
class Skill:
    """A skill or knowledge item as one page shows it."""

    label: str
    skill_type: Optional[str] = None  # KNOWLEDGE | SKILL
    reuse_level: Optional[str] = None  # one of REUSE_LEVELS
    description: Optional[str] = None
    scope_note: Optional[str] = None
    digital: bool = False
    iri: Optional[str] = None  # an official ESCO IRI, when known
    confidence: float = 1.0  # how sure the label boundaries are (1.0: not split by guessing)
    split_method: Optional[str] = None  # how a run-together label was split off


#: A skill's fields as a tuple: equal skills give equal tuples, made, hashed and compared in C (the
#: dataclass's own __hash__ and __eq__ are Python calls, where a crawl meets hundreds of thousands).
skill_fields = operator.attrgetter(*(f.name for f in fields(Skill)))


@dataclass(frozen=True)
class SkillLink:
    """An occupation's essential or optional link to a skill."""

    relation: str  # ESSENTIAL | OPTIONAL
    skill: Skill


@dataclass(frozen=True)
class DeclaredCounts:
    """The counts a page states about itself; parsers check what they found against them."""

    total: Optional[int] = None
    essential: Optional[int] = None
    optional: Optional[int] = None
    essential_knowledge: Optional[int] = None
    essential_skill: Optional[int] = None
    optional_knowledge: Optional[int] = None
    optional_skill: Optional[int] = None
    groups: Optional[int] = None
    hidden: Optional[int] = None  # labels the site says it left out (a partial page: "+ 86 more skills hidden")


@dataclass(frozen=True)
class Occupation:
    """One occupation page, as a layout-neutral record."""

    label: str
    source: Source
    description: Optional[str] = None
    esco_code: Optional[str] = None  # '3114.1.5'
    isco_code: Optional[str] = None  # '3114'
    alt_labels: tuple[str, ...] = ()
    iri: Optional[str] = None  # an official ESCO IRI, when known
    skills: tuple[SkillLink, ...] = ()
    declared: DeclaredCounts = field(default_factory=DeclaredCounts)
    notes: tuple[str, ...] = ()  # data-quality notes (low-confidence splits, dropped conflicts)

    @property
    def partial(self) -> bool:
        """Whether the site showed only part of the list (its labels are facts; the rest is missing)."""
        return bool(self.declared.hidden)

    def skills_declared(self) -> Optional[int]:
        """How many skills the page says the occupation has (None when it does not say)."""
        d = self.declared
        if d.total is not None:
            return d.total
        if d.essential is not None and d.optional is not None:
            return d.essential + d.optional
        return None

    def links(self, relation: Optional[str] = None, skill_type: Optional[str] = None):
        """The skill links, optionally only one relation and/or one skill type."""
        return [
            link
            for link in self.skills
            if (relation is None or link.relation == relation)
            and (skill_type is None or link.skill.skill_type == skill_type)
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what `esco-graph parse` prints)."""
        data = asdict(self)
        data["alt_labels"] = list(self.alt_labels)
        data["notes"] = list(self.notes)
        data["skills"] = [asdict(link) for link in self.skills]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Occupation":
        """The inverse of `to_dict`."""
        data = dict(data)
        data["source"] = Source(**data["source"])
        data["declared"] = DeclaredCounts(**data.get("declared") or {})
        data["alt_labels"] = tuple(data.get("alt_labels") or ())
        data["notes"] = tuple(data.get("notes") or ())
        data["skills"] = tuple(
            SkillLink(relation=link["relation"], skill=Skill(**link["skill"]))
            for link in data.get("skills") or ()
        )
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


__all__ = [
    "DeclaredCounts",
    "ESSENTIAL",
    "KNOWLEDGE",
    "OPTIONAL",
    "Occupation",
    "RELATIONS",
    "REUSE_LEVELS",
    "SKILL",
    "SKILL_TYPES",
    "Skill",
    "SkillLink",
    "Source",
    "replace",
]
