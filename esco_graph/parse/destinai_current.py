"""DestinAI's current layout (the site today, footer ``v1.1 BETA``), saved as text or HTML.

Shape (docs/architecture.md, the layouts): site chrome, ``Back to directory``, ``Occupation`` /
``· Global Standards``, title, summary, ``View on ESCO``, ``DESCRIPTION`` and its text, then
``THEORETICAL KNOWLEDGE`` and ``PRACTICAL SKILLS`` in capitals, each with ``ESSENTIAL...`` /
``OPTIONAL...`` headings followed by ONE LABEL A LINE. The site shows only the first labels and
says how many it hid (``+ 86 more skills hidden. Register for free ...``); a sign-up block,
``SIMILAR OCCUPATIONS`` (other occupations, not skills of this one) and ``Skills overview`` with
the total follow.

A page whose list the site cut is a *partial page*: its labels are facts and its counts say how
much is missing (``DeclaredCounts.total`` and ``hidden``). The parser checks that what it lists
plus what the site says it hid is the declared total; anything else is a data-quality error.
"""
from __future__ import annotations

import re
from typing import Optional

from ..errors import DataQualityError, InputError
from ..model import (
    ESSENTIAL,
    KNOWLEDGE,
    OPTIONAL,
    SKILL,
    DeclaredCounts,
    Occupation,
    Skill,
    SkillLink,
    Source,
)
from ..text import clean_label, declared_count

LAYOUT = "destinai-current"

_GLOBAL = re.compile(r"^[·•]\s*Global Standards$", re.IGNORECASE)
_SECTIONS = {"THEORETICAL KNOWLEDGE": KNOWLEDGE, "PRACTICAL SKILLS": SKILL}
_HALF = re.compile(r"^(?P<relation>ESSENTIAL|OPTIONAL)(?P<subtitle>[A-Z].*)?$")
_HIDDEN = re.compile(r"^\+\s*([0-9]+)\s+more skills? hidden\b", re.IGNORECASE)
_OVERVIEW = re.compile(r"^skills overview$", re.IGNORECASE)
_TOTAL = re.compile(r"^([0-9]+)(?:\s+(?:total|skills))?$", re.IGNORECASE)
_SPLIT = re.compile(r"^([0-9]+) essential\s*[·•|,]\s*([0-9]+) optional$", re.IGNORECASE)
#: lines after which no label of this occupation follows (sign-up block, other occupations)
_ENDS = re.compile(r"^(?:Is this your true calling\?|SIMILAR OCCUPATIONS|Create free account.*|Skills overview)$",
                   re.IGNORECASE)
_PORTAL = re.compile(r"^View on (?:ESCO|Official Portal)", re.IGNORECASE)


def detect(lines: list[str]) -> bool:
    """The current site marks an occupation page with ``Occupation`` over ``· Global Standards``."""
    for i, line in enumerate(lines):
        if _GLOBAL.match(line):
            before = [l for l in lines[max(0, i - 3):i] if l]
            if before and before[-1].lower() == "occupation":
                return True
    return False


def parse(lines: list[str], source: Source, context=None) -> Occupation:
    """Read the record: title, description, the labels the page shows, what it declares and hides."""
    where = source.location
    start = next(i for i, line in enumerate(lines) if _GLOBAL.match(line))
    body = lines[start + 1:]
    content = [(i, line) for i, line in enumerate(body) if line]
    if not content:
        raise InputError(where, "DestinAI page without an occupation title")
    label = clean_label(content[0][1])
    if not label or label.upper() in _SECTIONS or label.upper() == "DESCRIPTION":
        raise InputError(where, "DestinAI page without an occupation title")
    summary, description = _read_description(body, content[0][0] + 1)
    links, hidden = _read_skills(body, where)
    total, essential, optional = _read_overview(body, where)
    if total is None and essential is None and hidden is None and not links:
        raise InputError(where, "DestinAI page without any skills or skills overview")
    _check_counts(links, hidden, total, essential, optional, where)
    return Occupation(
        label=label,
        source=source,
        description=description or summary,
        skills=tuple(links),
        declared=DeclaredCounts(total=total, essential=essential, optional=optional, hidden=hidden),
    )


def _read_description(body: list[str], after: int) -> tuple[Optional[str], Optional[str]]:
    summary: list[str] = []
    description: list[str] = []
    target: Optional[list[str]] = summary
    for line in body[after:]:
        if line.upper() in _SECTIONS or _ENDS.match(line) or _HIDDEN.match(line):
            break
        if _PORTAL.match(line):
            target = None
            continue
        if line.upper() == "DESCRIPTION":
            target = description
            continue
        if target is not None and line:
            target.append(line)
    return "\n".join(summary).strip() or None, "\n".join(description).strip() or None


def _read_skills(body: list[str], where: str) -> tuple[list[SkillLink], Optional[int]]:
    """The labels under each heading, one a line, and the number the site says it hid."""
    links: list[SkillLink] = []
    seen: set[tuple[str, str, str]] = set()
    hidden: Optional[int] = None
    kind: Optional[str] = None
    relation: Optional[str] = None
    for line in body:
        if not line:
            continue
        if _ENDS.match(line):
            break
        match = _HIDDEN.match(line)
        if match:
            if hidden is not None:
                raise DataQualityError(where, "the page says twice how many skills it hid")
            hidden = declared_count(match.group(1), where, "the hidden count")
            relation = None
            continue
        if line.upper() in _SECTIONS and line == line.upper():
            kind, relation = _SECTIONS[line.upper()], None
            continue
        match = _HALF.match(line)
        if match and kind is not None:
            relation = ESSENTIAL if match.group("relation") == "ESSENTIAL" else OPTIONAL
            continue
        if kind is None or relation is None:
            continue  # summary, description, chrome
        text = clean_label(line)
        if not text:
            continue
        key = (relation, kind, text.casefold())
        if key in seen:
            raise DataQualityError(where, f"the {relation} {kind} label {text!r} appears twice")
        seen.add(key)
        links.append(SkillLink(relation=relation, skill=Skill(label=text, skill_type=kind)))
    return links, hidden


def _read_overview(body: list[str], where: str):
    """The total under ``Skills overview`` (and the essential/optional split when shown)."""
    total = essential = optional = None
    at = next((i for i, line in enumerate(body) if _OVERVIEW.match(line)), None)
    if at is None:
        return None, None, None
    for line in body[at + 1:]:
        if not line:
            continue
        match = _SPLIT.match(line)
        if match:
            essential = declared_count(match.group(1), where, "the essential count")
            optional = declared_count(match.group(2), where, "the optional count")
            continue
        match = _TOTAL.match(line)
        if match and total is None:
            total = declared_count(match.group(1), where, "the total")
            continue
        if total is not None:
            break
    return total, essential, optional


def _check_counts(links, hidden, total, essential, optional, where: str) -> None:
    listed = len(links)
    if total is not None:
        if listed + (hidden or 0) != total:
            shown = f"{listed} labels" + (f" and says it hid {hidden}" if hidden is not None else "")
            raise DataQualityError(where, f"the page declares {total} skills but lists {shown}")
    if essential is not None and optional is not None and total is not None and essential + optional != total:
        raise DataQualityError(where, f"the page declares {total} total but {essential} essential + {optional} optional")
    if hidden is None and essential is not None:
        found = sum(1 for link in links if link.relation == ESSENTIAL)
        if found != essential or listed - found != optional:
            raise DataQualityError(where, f"the page declares {essential} essential and {optional} optional skills "
                                          f"but lists {found} and {listed - found}")
    if total is None and hidden is not None:
        raise DataQualityError(where, "the page hid part of its list but declares no total (Skills overview missing)")
