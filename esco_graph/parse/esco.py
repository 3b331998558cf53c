"""The ESCO layout: the official ESCO portal's occupation page, saved as text.

Shape (docs/architecture.md, the layouts): title; description; `<ESCO code> ISCO <ISCO code> ESCO source`; declared
counts; four sections, each split into reuse-level buckets, each bucket a list of items ending
in `ESCO source`.
"""
from __future__ import annotations

import re
from dataclasses import replace
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

LAYOUT = "esco"

_CODE_LINE = re.compile(r"^(?P<code>[0-9]{4}(?:\.[0-9]+)*)\s+ISCO\s+(?P<isco>[0-9]{1,4})\s+ESCO source$")
_SECTION = re.compile(r"^(?P<relation>Essential|Optional) (?P<kind>knowledge|skills and competences) (?P<count>[0-9]+) competences?$")
_BUCKETS = {
    "Occupation specific": "occupation-specific",
    "Occupation-specific": "occupation-specific",
    "Sector-specific": "sector-specific",
    "Sector specific": "sector-specific",
    "Cross-sector": "cross-sector",
    "Cross sector": "cross-sector",
    "Transversal": "transversal",
}
_BUCKET_COUNT = re.compile(r"^([0-9]+) competences?$")
_RELATIONS = re.compile(r"^([0-9]+) ESCO relations?$")
_EMPTY_BUCKET = "No competences in this bucket."
#: the line that closes an item: the `ESCO source` link, with the `digital` marker beside it when
#: the markup puts them inline (`<span class="tag">digital</span><a>ESCO source</a>`), either order
_ITEM_END = re.compile(r"^(?:(?P<before>digital)\s*)?ESCO source(?:\s*(?P<after>digital))?$")
_SCOPE_NOTE = re.compile(r"^Scope note(?::?\s*(?P<text>.*))?$")
_COUNT_LABELS = {"Competences": "total", "Groups": "groups", "Essential": "essential", "Optional": "optional"}
_CHROME = {"Skip to content", "ESCO occupation", "Back to ESCO occupations"}


def detect(lines: list[str]) -> bool:
    """An ESCO-layout page has its section headings, and the portal's chrome or code line."""
    head = lines[:400]
    has_sections = any("competence" in line and _SECTION.match(line) for line in lines)
    has_marker = "ESCO occupation" in head or "Back to ESCO occupations" in head or any(_CODE_LINE.match(l) for l in head)
    return has_sections and has_marker


def parse(lines: list[str], source: Source, context=None) -> Occupation:
    """Read the record; check every declared count against what was found."""
    where = source.location
    first_section = next((i for i, line in enumerate(lines) if _SECTION.match(line)), None)
    if first_section is None:
        raise InputError(where, "ESCO layout without any skill section")
    header = lines[:first_section]
    label, description, code, isco, counts = _read_header(header, where)
    sections = _read_sections(lines[first_section:], where)

    links: list[SkillLink] = []
    section_counts: dict[str, int] = {}
    for relation, kind, declared, items in sections:
        key = f"{relation}_{kind}"
        if key in section_counts:
            raise DataQualityError(where, f"the section '{_section_title(relation, kind)}' appears twice")
        if declared != len(items):
            raise DataQualityError(
                where, f"section '{_section_title(relation, kind)}' declares {declared} competences but lists {len(items)}"
            )
        section_counts[key] = declared
        links.extend(SkillLink(relation=relation, skill=item) for item in items)

    declared = DeclaredCounts(
        total=counts.get("relations", counts.get("total")),
        essential=counts.get("essential"),
        optional=counts.get("optional"),
        essential_knowledge=section_counts.get("essential_knowledge"),
        essential_skill=section_counts.get("essential_skill"),
        optional_knowledge=section_counts.get("optional_knowledge"),
        optional_skill=section_counts.get("optional_skill"),
        groups=counts.get("groups"),
    )
    _check_totals(counts, links, where)
    return Occupation(
        label=label,
        source=source,
        description=description,
        esco_code=code,
        isco_code=isco,
        skills=tuple(links),
        declared=declared,
    )


def _section_title(relation: str, kind: str) -> str:
    return f"{relation.capitalize()} {'knowledge' if kind == KNOWLEDGE else 'skills and competences'}"


def _read_header(header: list[str], where: str):
    """Title, description, codes and the declared counts, from the lines before the first section."""
    code = isco = None
    code_at = next((i for i, line in enumerate(header) if _CODE_LINE.match(line)), None)
    if code_at is not None:
        match = _CODE_LINE.match(header[code_at])
        code, isco = match.group("code"), match.group("isco")
        intro, rest = header[:code_at], header[code_at + 1 :]
    else:
        counts_at = next((i for i, line in enumerate(header) if line == "Competences"), len(header))
        intro, rest = header[:counts_at], header[counts_at:]

    back = next((i for i, line in enumerate(intro) if line == "Back to ESCO occupations"), None)
    if back is not None:
        title_lines = [l for l in intro[:back] if l and l not in _CHROME]
        body = [l for l in intro[back + 1 :] if l]
    else:
        content = [l for l in intro if l and l not in _CHROME]
        title_lines, body = content[:1], content[1:]
    if not title_lines:
        raise InputError(where, "ESCO layout without an occupation title")
    label = clean_label(title_lines[-1])
    if not label:
        raise InputError(where, "ESCO layout with an empty occupation title")
    description = "\n".join(body).strip() or None

    counts: dict[str, int] = {}
    for i, line in enumerate(rest):
        if line in _COUNT_LABELS and i + 1 < len(rest) and rest[i + 1].isdigit():
            counts[_COUNT_LABELS[line]] = declared_count(rest[i + 1], where, f"the '{line}' count")
        match = _RELATIONS.match(line)
        if match:
            counts["relations"] = declared_count(match.group(1), where, "the ESCO relations count")
    return label, description, code, isco, counts


def _read_sections(lines: list[str], where: str):
    """[(relation, kind, declared count, [Skill])] in page order."""
    sections = []
    current = None  # [relation, kind, declared, items]
    bucket: Optional[list] = None  # [reuse level, declared, items]
    item: Optional[list[str]] = None
    # a scope note that follows its item's ESCO source link: the text on its `Scope note` line ("" when
    # the text is the next line), until the note is given to the item
    trailing_scope: Optional[str] = None

    def close_bucket():
        nonlocal bucket, trailing_scope
        if trailing_scope and bucket is not None and bucket[2]:
            bucket[2][-1] = replace(bucket[2][-1], scope_note=_join([trailing_scope]))
        trailing_scope = None
        if bucket is not None:
            level, declared, items = bucket
            if item:
                raise DataQualityError(where, f"the item '{item[0]}' is cut off (no 'ESCO source' line)")
            if declared is None:
                raise DataQualityError(where, f"the '{level}' bucket has no competence count")
            if declared != len(items):
                raise DataQualityError(
                    where,
                    f"the {level} bucket of '{_section_title(current[0], current[1])}' declares {declared} competences but lists {len(items)}",
                )
            current[3].extend(items)
        bucket = None

    for line in lines:
        section = _SECTION.match(line)
        if section:
            close_bucket()
            relation = ESSENTIAL if section.group("relation") == "Essential" else OPTIONAL
            kind = KNOWLEDGE if section.group("kind") == "knowledge" else SKILL
            current = [relation, kind, declared_count(section.group("count"), where, f"the count of {line[:60]!r}"), []]
            sections.append(current)
            continue
        if current is None:
            continue
        if line in _BUCKETS and item is None:
            close_bucket()
            bucket = [_BUCKETS[line], None, []]
            continue
        if bucket is None:
            if line:
                raise DataQualityError(where, f"unexpected line in '{_section_title(current[0], current[1])}': {line[:80]!r}")
            continue
        if bucket[1] is None:
            match = _BUCKET_COUNT.match(line)
            if match:
                bucket[1] = declared_count(match.group(1), where, f"the {bucket[0]} bucket count")
            elif line:
                raise DataQualityError(where, f"the {bucket[0]} bucket lacks its competence count (found {line[:80]!r})")
            continue
        if line == _EMPTY_BUCKET and item is None:
            continue
        if item is None:
            if not line:
                continue
            if bucket[2] and line == "digital":  # the marker after the item's ESCO source link
                bucket[2][-1] = replace(bucket[2][-1], digital=True)
                continue
            if bucket[2] and _SCOPE_NOTE.match(line) and trailing_scope is None:
                trailing_scope = _SCOPE_NOTE.match(line).group("text") or ""
                continue
            if trailing_scope is not None:  # a scope note after the item's ESCO source link: its one paragraph
                inline, trailing_scope = trailing_scope, None
                bucket[2][-1] = replace(bucket[2][-1], scope_note=_join([inline or line]))
                if not inline:
                    continue  # this line was the note's text; else it is the next item's label
            item = [line]
        else:
            end = _ITEM_END.match(line)
            if end:
                if end.group("before") or end.group("after"):
                    item.append("digital")
                bucket[2].append(_read_item(item, bucket[0], current[1], where))
                item = None
            else:
                item.append(line)
    if item:
        raise DataQualityError(where, f"the item '{item[0]}' is cut off (no 'ESCO source' line): the page looks truncated")
    close_bucket()
    return [tuple(s) for s in sections]


def _read_item(lines: list[str], reuse_level: str, kind: str, where: str) -> Skill:
    """label, [description], ['digital'], ['Scope note', text...]."""
    label = clean_label(lines[0])
    if not label:
        raise DataQualityError(where, "an item has an empty label")
    description: list[str] = []
    scope: Optional[list[str]] = None
    digital = False
    for line in lines[1:]:
        if line == "digital":  # the marker, in any order after the description (block markup)
            digital = True
        elif scope is not None:
            scope.append(line)
        elif _SCOPE_NOTE.match(line):
            scope = [_SCOPE_NOTE.match(line).group("text") or ""]
        else:
            description.append(line)
    return Skill(
        label=label,
        skill_type=kind,
        reuse_level=reuse_level,
        description=_join(description),
        scope_note=_join(scope or []),
        digital=digital,
    )


def _join(lines: list[str]) -> Optional[str]:
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text or None


def _check_totals(counts: dict[str, int], links: list[SkillLink], where: str) -> None:
    essential = sum(1 for link in links if link.relation == ESSENTIAL)
    found = {"total": len(links), "relations": len(links), "essential": essential, "optional": len(links) - essential}
    names = {"total": "competences", "relations": "ESCO relations", "essential": "essential", "optional": "optional"}
    for key, value in found.items():
        if key in counts and counts[key] != value:
            raise DataQualityError(where, f"the page declares {counts[key]} {names[key]} but lists {value}")
