"""The DestinAI layout: a DestinAI occupation page, saved as text.

Shape (docs/architecture.md, the layouts): site chrome, `§ OCCUPATION · GLOBAL STANDARDS`, title, summary,
`Description` and its text, `Theoretical Knowledge` / `Practical Skills`, each with `ESSENTIAL...`
and/or `OPTIONAL...` headings followed by ONE line of labels run together, then `SKILLS OVERVIEW`
with `N total` and `X essential · Y optional`. The run-together lines are split by
esco_graph.parse.split, using the declared counts and any known labels.
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
from .split import LOW_CONFIDENCE, Piece, split_runs

#: Caps on what the splitter takes (issue 14): real DestinAI lines hold a few hundred characters
#: (under 200 labels a page); these are ten times any real page, and what the splitter does well
#: within seconds and under 200 MB. Beyond them a page is refused with its reason, never split.
MAX_RUN_CHARS = 20_000  # one run-together line
MAX_PAGE_RUN_CHARS = 40_000  # all the run-together lines of a page

LAYOUT = "destinai"
USES_LEXICON = True  # parsed after the pages that contribute known labels

_MARKER = re.compile(r"^§?\s*OCCUPATION\s*[·•|-]\s*GLOBAL STANDARDS$")
_SECTIONS = {"Theoretical Knowledge": KNOWLEDGE, "Practical Skills": SKILL}
_HALF = re.compile(r"^(?P<relation>ESSENTIAL|OPTIONAL)(?P<subtitle>.*)$")
_TOTAL = re.compile(r"^([0-9]+) total$")
_SPLIT = re.compile(r"^([0-9]+) essential\s*[·•|,]\s*([0-9]+) optional$")
_ENDS = {"GLOBAL RESOURCE", "SKILLS OVERVIEW", "View official definition ↗"}
_PORTAL = re.compile(r"^View on Official Portal")


def detect(lines: list[str]) -> bool:
    """A DestinAI page carries its `§ OCCUPATION · GLOBAL STANDARDS` marker."""
    return any("GLOBAL STANDARDS" in line and _MARKER.match(line) for line in lines)


def _check_caps(runs: dict, where: str) -> None:
    lengths = [len(text) for text in runs.values() if isinstance(text, str)]
    longest = max(lengths, default=0)
    if longest > MAX_RUN_CHARS:
        raise InputError(where, f"a run-together line of {longest} characters is longer than any real page's "
                                f"(at most {MAX_RUN_CHARS}); the page is not split")
    if sum(lengths) > MAX_PAGE_RUN_CHARS:
        raise InputError(where, f"its run-together lines hold {sum(lengths)} characters, more than any real page "
                                f"(at most {MAX_PAGE_RUN_CHARS}); the page is not split")


def parse(lines: list[str], source: Source, context=None) -> Occupation:
    """Read the record; split the run-together labels; check them against the declared counts."""
    where = source.location
    start = next(i for i, line in enumerate(lines) if _MARKER.match(line))
    body = lines[start + 1 :]
    content = [(i, l) for i, l in enumerate(body) if l]
    if not content:
        raise InputError(where, "DestinAI layout without an occupation title")
    label = clean_label(content[0][1])
    if not label or label in _SECTIONS or label == "Description":
        raise InputError(where, "DestinAI layout without an occupation title")

    summary, description = _read_description(body, content[0][0] + 1)
    runs, declared_total, declared_essential, declared_optional = _read_skills(body, where)

    _check_caps(runs, where)
    lexicon = getattr(context, "lexicon", None)
    links: list[SkillLink] = []
    notes: list[str] = []
    for relation, expected in ((ESSENTIAL, declared_essential), (OPTIONAL, declared_optional)):
        halves = [(text, kind) for (rel, kind), text in runs.items() if rel == relation]
        if not halves:
            continue
        room = sum(len(text) for text, _ in halves)
        if expected is not None and expected > room:  # each label holds a character at least
            raise DataQualityError(
                where, f"the page declares {expected} {relation} skills but its {relation} labels hold only {room} characters"
            )
        # labels the HTML markup already separated (a tuple: one label a line) need no splitting
        runs_to_split = [(text, kind) for text, kind in halves if isinstance(text, str)]
        marked = sum(len(text) for text, _ in halves if not isinstance(text, str))
        remaining = None if expected is None else max(0, expected - marked)
        split = iter(split_runs(runs_to_split, lexicon=lexicon, expected_total=remaining) if runs_to_split else [])
        for text, kind in halves:
            pieces = next(split) if isinstance(text, str) else [Piece(label, 1.0, "markup") for label in text]
            for piece in pieces:
                skill = Skill(
                    label=clean_label(piece.label),
                    skill_type=kind,
                    confidence=round(piece.confidence, 4),
                    split_method=piece.method,
                )
                links.append(SkillLink(relation=relation, skill=skill))
                if piece.confidence < LOW_CONFIDENCE:
                    notes.append(
                        f"low-confidence split: {relation} {kind} {piece.label!r} ({piece.method}, {piece.confidence:.2f})"
                    )

    _check_counts(links, declared_total, declared_essential, declared_optional, where)
    return Occupation(
        label=label,
        source=source,
        description=description or summary,
        skills=tuple(links),
        declared=DeclaredCounts(total=declared_total, essential=declared_essential, optional=declared_optional),
        notes=tuple(notes),
    )


def _read_description(body: list[str], after: int) -> tuple[Optional[str], Optional[str]]:
    """The summary under the title, and the text under `Description`."""
    summary_lines: list[str] = []
    description_lines: list[str] = []
    target = summary_lines
    for line in body[after:]:
        if line in _SECTIONS or line in _ENDS:
            break
        if _PORTAL.match(line):
            target = None
            continue
        if line == "Description":
            target = description_lines
            continue
        if target is not None and line:
            target.append(line)
    summary = "\n".join(summary_lines).strip() or None
    description = "\n".join(description_lines).strip() or None
    return summary, description


def _read_skills(body: list[str], where: str):
    """{(relation, kind): run}, declared total, essential, optional.

    A run is the ONE line of run-together labels under a heading (a text dump), or a tuple of
    labels when several lines follow the heading (an HTML page whose markup kept each label in
    an element of its own: esco_graph.parse.html puts each on its own line); a blank line, the next
    heading, section or end marker closes the list.
    """
    runs: dict[tuple[str, str], object] = {}
    total = essential = optional = None
    kind = None
    pending: Optional[tuple[str, str]] = None
    collected: list[str] = []
    for line in body:
        if pending is not None:
            if line and not _HALF.match(line) and line not in _SECTIONS and line not in _ENDS:
                collected.append(line)
                continue
            if collected:
                runs[pending] = clean_label(collected[0]) if len(collected) == 1 else tuple(clean_label(l) for l in collected)
                pending, collected = None, []
                if not line:
                    continue
                # a heading, section or end marker right after the labels: read it below
            elif line:
                raise DataQualityError(where, f"the {pending[0]} {pending[1]} heading has no labels under it")
            else:
                continue
        if line in _SECTIONS:
            kind = _SECTIONS[line]
            continue
        match = _HALF.match(line)
        if match and kind is not None and (match.group("subtitle") == "" or match.group("subtitle")[0].isupper()):
            pending = (ESSENTIAL if match.group("relation") == "ESSENTIAL" else OPTIONAL, kind)
            if pending in runs:
                _duplicate(pending, where)
            continue
        if line in _ENDS:
            kind = None
        match = _TOTAL.match(line)
        if match:
            total = declared_count(match.group(1), where, "the total")
            continue
        match = _SPLIT.match(line)
        if match:
            essential = declared_count(match.group(1), where, "the essential count")
            optional = declared_count(match.group(2), where, "the optional count")
    if pending is not None and collected:
        runs[pending] = clean_label(collected[0]) if len(collected) == 1 else tuple(clean_label(l) for l in collected)
        pending = None
    if pending is not None:
        raise DataQualityError(where, f"the {pending[0]} {pending[1]} heading has no labels under it: the page looks truncated")
    if not runs and total is None:
        raise InputError(where, "DestinAI layout without any skills or skills overview")
    return runs, total, essential, optional


def _duplicate(key: tuple[str, str], where: str):
    raise DataQualityError(where, f"the {key[0]} {key[1]} labels appear twice")


def _check_counts(links, total, essential, optional, where: str) -> None:
    found_essential = sum(1 for link in links if link.relation == ESSENTIAL)
    found_optional = len(links) - found_essential
    for name, declared, found in (
        ("essential", essential, found_essential),
        ("optional", optional, found_optional),
        ("total", total, len(links)),
    ):
        if declared is not None and declared != found:
            raise DataQualityError(where, f"the page declares {declared} {name} skills but its labels split into {found}")
    if total is not None and essential is not None and optional is not None and essential + optional != total:
        raise DataQualityError(where, f"the page declares {total} total but {essential} essential + {optional} optional")
    if total is None and essential is None and optional is None:
        raise DataQualityError(where, "the page declares no skill counts (SKILLS OVERVIEW missing): the page looks truncated")
