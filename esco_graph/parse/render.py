"""Occupation records rendered as pages of the ESCO and DestinAI layouts: the inverse of the parsers.

The benchmark corpus (bench/corpus.py), the property tests and the fuzzer make their pages with
these, so there is one renderer per layout; a parser and its renderer round-trip a record.
The fixed text (navigation, headings, footers) is modelled on the real pages in data/samples.
"""
from __future__ import annotations

import re

from ..model import ESSENTIAL, KNOWLEDGE, OPTIONAL, SKILL, Occupation, SkillLink

ESCO_BUCKETS = (
    ("occupation-specific", "Occupation specific"),
    ("sector-specific", "Sector-specific"),
    ("cross-sector", "Cross-sector"),
    ("transversal", "Transversal"),
)
ESCO_SECTIONS = (
    (ESSENTIAL, KNOWLEDGE, "Essential knowledge"),
    (ESSENTIAL, SKILL, "Essential skills and competences"),
    (OPTIONAL, KNOWLEDGE, "Optional knowledge"),
    (OPTIONAL, SKILL, "Optional skills and competences"),
)

DESTINAI_NAV = [
    "DestinAI",
    "CareersSkillsLog InGet Started",
    "CareersSkillsAboutLog InGet Started \u2192",
]
DESTINAI_FOOTER = [
    "\u00a9 2026 DESTINAI \u00b7 BETA 1.0 \u00b7 ISCED ISCO O*NET ESCO",
    "CareersSkillsPrivacyTermsEU AI Act notice",
]
DESTINAI_SECTIONS = (
    (
        KNOWLEDGE,
        "Theoretical Knowledge",
        "ESSENTIALTheoretical knowledge required",
        "OPTIONALAdjacent knowledge that strengthens fit",
    ),
    (
        SKILL,
        "Practical Skills",
        "ESSENTIALApplied skills & competences",
        "OPTIONALOptional competences",
    ),
)

_WS = re.compile(r"[ \t\r\n\f\v]+")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9])")


def clean_text(text: str) -> str:
    """Text as a browser shows it: ASCII whitespace runs collapsed, ends stripped, NBSP kept."""
    return _WS.sub(" ", text).strip()


def count_phrase(n: int) -> str:
    return f"{n} competence" if n == 1 else f"{n} competences"


def first_sentence(text: str) -> str:
    match = _SENTENCE_END.search(text)
    return text[: match.end()] if match else text


def _esco_sort_key(link: SkillLink):
    return (link.skill.label.casefold(), link.skill.label)


def render_esco(occ: Occupation) -> str:
    """The ESCO-layout page for a record (skills are sorted here; counts computed here)."""
    links = occ.skills
    essential = sum(1 for link in links if link.relation == ESSENTIAL)
    sections = [(title, occ.links(rel, typ)) for rel, typ, title in ESCO_SECTIONS]
    groups = sum(1 for _, items in sections if items)
    lines = [
        "Skip to content",
        "ESCO occupation",
        "",
        occ.label,
        "",
        "Back to ESCO occupations",
        "",
        occ.description or "",
        "",
        f"{occ.esco_code} ISCO {occ.isco_code} ESCO source",
        "Competences",
        str(len(links)),
        "Groups",
        str(groups),
        "Essential",
        str(essential),
        "Optional",
        str(len(links) - essential),
        "",
        "Competences and skills",
        "",
        f"{len(links)} ESCO relations",
    ]
    for title, items in sections:
        lines.append(f"{title} {count_phrase(len(items))}")
        for level, bucket in ESCO_BUCKETS:
            in_bucket = sorted((x for x in items if x.skill.reuse_level == level), key=_esco_sort_key)
            if level == "transversal" and not in_bucket:
                continue
            lines += ["", bucket, "", count_phrase(len(in_bucket))]
            if not in_bucket:
                lines += ["", "No competences in this bucket."]
            for link in in_bucket:
                skill = link.skill
                lines += [skill.label, ""]
                if skill.description:
                    lines += [skill.description, ""]
                if skill.digital:
                    lines.append("digital")
                if skill.scope_note:
                    lines += ["Scope note", skill.scope_note]
                lines.append("ESCO source")
        unknown = [x for x in items if x.skill.reuse_level not in dict(ESCO_BUCKETS)]
        if unknown:
            raise ValueError(f"{occ.label}: skills without a reuse level: {unknown}")
    return "\n".join(lines)


def esco_page_order(occ_skills) -> list[SkillLink]:
    """The order in which render_esco shows the links."""
    out = []
    for rel, typ, _ in ESCO_SECTIONS:
        items = [x for x in occ_skills if x.relation == rel and x.skill.skill_type == typ]
        for level, _ in ESCO_BUCKETS:
            out += sorted((x for x in items if x.skill.reuse_level == level), key=_esco_sort_key)
    return out


def render_destinai(occ: Occupation) -> str:
    """The DestinAI-layout page for a record; labels keep the record's order."""
    links = occ.skills
    essential = sum(1 for link in links if link.relation == ESSENTIAL)
    description = occ.description or ""
    lines = DESTINAI_NAV + [""] + DESTINAI_FOOTER + DESTINAI_NAV + [
        "\u2190 Back to directory",
        "\u00a7 OCCUPATION \u00b7 GLOBAL STANDARDS",
        "",
        occ.label,
        "",
        first_sentence(description),
        "",
        "View on Official Portal \u2197",
        "Description",
        "",
        description,
        "",
    ]
    for typ, title, head_essential, head_optional in DESTINAI_SECTIONS:
        ess = [x.skill.label for x in occ.links(ESSENTIAL, typ)]
        opt = [x.skill.label for x in occ.links(OPTIONAL, typ)]
        if not ess and not opt:
            continue
        lines.append(title)
        if ess:
            lines += [head_essential, "".join(ess)]
        if opt:
            lines += [head_optional, "".join(opt)]
    lines += [
        "",
        "GLOBAL RESOURCE",
        "",
        "View official definition \u2197",
        "",
        "SKILLS OVERVIEW",
        "",
        f"{len(links)} total",
        f"{essential} essential \u00b7 {len(links) - essential} optional",
        "",
        "Data Source: Unified Global Standards (ISCED, ISCO, O*NET, ESCO)",
        "",
    ] + DESTINAI_FOOTER
    return "\n".join(lines)


def destinai_page_order(occ_skills) -> list[SkillLink]:
    out = []
    for typ, *_ in DESTINAI_SECTIONS:
        for rel in (ESSENTIAL, OPTIONAL):
            out += [x for x in occ_skills if x.relation == rel and x.skill.skill_type == typ]
    return out


__all__ = ["DESTINAI_FOOTER", "DESTINAI_NAV", "DESTINAI_SECTIONS", "ESCO_BUCKETS", "ESCO_SECTIONS", "clean_text",
           "count_phrase", "destinai_page_order", "esco_page_order", "first_sentence", "render_destinai", "render_esco"]
