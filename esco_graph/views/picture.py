"""A picture of an occupation (or of a skill): ``esco-graph show``.

The occupation, its ISCO path (major group down to the unit group and parent occupations) and
its skills: essential and optional apart, knowledge and skills/competences apart, each skill
coloured by its reuse level. Drawn by Graphviz (``dot``, through the ``graphviz`` package) as SVG
or PNG, or written as DOT source or as a Mermaid flowchart (for Markdown). For a skill
(``--skill``): the occupations that need it, essential and optional apart.

Readable at 80 skills: the four groups are boxes stacked beside the occupation, each a column
of skills, one edge per group rather than per skill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from ..errors import InputError, OptionError, OutputError
from ..store import EmbeddedStore, Store
from ..store.queries import (
    details,
    isco_path,
    occupations_for_skill,
    skills_of_occupation,
)

#: fill colours by reuse level (ColorBrewer "Set2"-like, readable on white and in print)
REUSE_COLOURS = {
    "transversal": "#8dd3c7",
    "cross-sector": "#ffffb3",
    "sector-specific": "#bebada",
    "occupation-specific": "#fb8072",
    None: "#f0f0f0",
}
GROUP_TITLES = {
    ("essential", "knowledge"): "essential knowledge",
    ("essential", "skill"): "essential skills and competences",
    ("optional", "knowledge"): "optional knowledge",
    ("optional", "skill"): "optional skills and competences",
}
PICTURE_FORMATS = ("svg", "png", "dot", "mermaid")
COLUMN = 14  # skills a column in a group's box: 80 skills make a picture about as wide as high


@dataclass
class Item:
    iri: str
    label: str
    reuse_level: Optional[str] = None


@dataclass
class Picture:
    """What is drawn: the centre (an occupation, or a skill with ``skill=True``), its path, its groups."""

    iri: str
    label: str
    skill: bool = False
    path: list[tuple[str, str, str]] = field(default_factory=list)  # (IRI, code, label), top first
    groups: dict[tuple[str, str], list[Item]] = field(default_factory=dict)  # (relation, type) -> items


def _centre(rows: list, value: str, missing: str, **kw) -> tuple[Picture, list]:
    """The picture's centre: the first concept (lowest IRI) the label names, and its rows only."""
    if not rows:
        raise InputError(value, missing)
    first = min({r[0].value for r in rows})
    rows = [r for r in rows if r[0].value == first]
    return Picture(iri=first, label=rows[0][1].value if rows[0][1] is not None else first, **kw), rows


def occupation_picture(store: Store, occupation: str, *, lang: str = "en") -> Picture:
    """The picture of an occupation given by label or IRI (the first one when a label names several)."""
    picture, rows = _centre(skills_of_occupation(store, occupation, lang).rows, occupation,
                            "no occupation with this label or IRI has skills in the graph")
    levels = details(store, "reuse_levels", {r[5] for r in rows})
    for _, _, relation, skill_type, label, skill in rows:
        kind = "knowledge" if skill_type is not None and skill_type.value == "knowledge" else "skill"
        level = levels.get(skill)
        item = Item(skill.value, label.value if label is not None else skill.value,
                    level.value.rsplit("/", 1)[-1] if level is not None else None)
        picture.groups.setdefault((relation.value, kind), []).append(item)
    for items in picture.groups.values():
        items.sort(key=lambda i: (i.label.lower(), i.iri))
    picture.path = isco_path(store, rows[0][0], lang)
    return picture


def skill_picture(store: Store, skill: str, *, lang: str = "en") -> Picture:
    """The picture of a skill: the occupations that need it, essential and optional apart."""
    picture, rows = _centre(occupations_for_skill(store, skill, lang).rows, skill,
                            "no skill with this label or IRI is linked to an occupation in the graph", skill=True)
    for _, _, relation, label, code, occupation in rows:
        text = label.value if label is not None else occupation.value
        if code is not None:
            text += f" ({code.value})"
        picture.groups.setdefault((relation.value, "occupation"), []).append(Item(occupation.value, text))
    for items in picture.groups.values():
        items.sort(key=lambda i: (i.label.lower(), i.iri))
    return picture


# --------------------------------------------------------------------------------------------
# DOT and Mermaid
# --------------------------------------------------------------------------------------------


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _title(key: tuple[str, str]) -> str:
    return GROUP_TITLES.get(key, f"{key[0]} for")


def to_dot(picture: Picture) -> str:
    """Graphviz DOT source: the path above, the centre, one box per group of skills (or occupations)."""
    out = ["digraph esco {",
           '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.08, ranksep=0.6, compound=true];',
           '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#f0f0f0", '
           'color="#888888"];',
           '  edge [color="#666666", arrowsize=0.6];']
    centre = "centre"
    kind = "skill" if picture.skill else "occupation"
    out.append(f'  {centre} [label={_dot_string(picture.label)}, shape=box, style="filled,bold", '
               f'fillcolor="#1f78b4", fontcolor=white, fontsize=14, tooltip={_dot_string(picture.iri)}];')
    previous = None
    for i, (iri, code, label) in enumerate(picture.path):
        node = f"path{i}"
        text = f"{code} {label}".strip() or iri
        out.append(f'  {node} [label={_dot_string(text)}, fillcolor="#dddddd", tooltip={_dot_string(iri)}];')
        if previous is not None:
            out.append(f"  {previous} -> {node};")
        previous = node
    if previous is not None:
        out.append(f"  {previous} -> {centre};")
    for g, key in enumerate(sorted(picture.groups)):
        items = picture.groups[key]
        out.append(f"  subgraph cluster_{g} {{")
        out.append(f"    label={_dot_string(f'{_title(key)} ({len(items)})')}; style=rounded; color=\"#999999\";")
        for j, item in enumerate(items):
            colour = REUSE_COLOURS.get(item.reuse_level, REUSE_COLOURS[None])
            out.append(f"    g{g}_{j} [label={_dot_string(item.label)}, fillcolor=\"{colour}\", "
                       f"tooltip={_dot_string(item.iri)}];")
        # columns of at most COLUMN items, side by side: each column one rank (items stacked), an
        # invisible edge from one column's top to the next column's top puts them left to right
        columns = [list(range(k, min(k + COLUMN, len(items)))) for k in range(0, len(items), COLUMN)]
        for column in columns:
            out.append("    { rank=same; " + " ".join(f"g{g}_{j};" for j in column) + " }")
        for left, right in zip(columns, columns[1:]):
            out.append(f"    g{g}_{left[0]} -> g{g}_{right[0]} [style=invis];")
        out.append("  }")
        if items:
            style = "solid" if key[0] == "essential" else "dashed"
            out.append(f"  {centre} -> g{g}_{columns[0][len(columns[0]) // 2]} [lhead=cluster_{g}, style={style}];")
    if kind == "occupation" and any(i.reuse_level for items in picture.groups.values() for i in items):
        out.append('  subgraph cluster_legend { label="reuse level"; style=rounded; color="#bbbbbb";')
        for n, (level, colour) in enumerate((k, v) for k, v in REUSE_COLOURS.items() if k):
            out.append(f'    legend{n} [label="{level}", fillcolor="{colour}"];')
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def to_mermaid(picture: Picture) -> str:
    """A Mermaid flowchart (for Markdown): the same groups, reuse levels as classes."""
    out = ["flowchart LR", f"  centre[{_mermaid_text(picture.label)}]"]
    previous = None
    for i, (iri, code, label) in enumerate(picture.path):
        out.append(f"  path{i}[{_mermaid_text(f'{code} {label}'.strip() or iri)}]")
        if previous is not None:
            out.append(f"  {previous} --> path{i}")
        previous = f"path{i}"
    if previous is not None:
        out.append(f"  {previous} --> centre")
    used = set()
    for g, key in enumerate(sorted(picture.groups)):
        items = picture.groups[key]
        out.append(f"  subgraph group{g}[{_mermaid_text(f'{_title(key)} ({len(items)})')}]")
        out.append("    direction TB")
        for j, item in enumerate(items):
            level = item.reuse_level
            cls = f":::{_css(level)}" if level else ""
            used.add(level)
            out.append(f"    g{g}_{j}[{_mermaid_text(item.label)}]{cls}")
        out.append("  end")
        arrow = "-->" if key[0] == "essential" else "-.->"
        out.append(f"  centre {arrow} group{g}")
    for level in sorted(x for x in used if x):
        out.append(f"  classDef {_css(level)} fill:{REUSE_COLOURS[level]},stroke:#888")
    out.append("  style centre fill:#1f78b4,color:#fff")
    return "\n".join(out) + "\n"


def _css(level: str) -> str:
    return re.sub(r"[^a-z]", "", level.lower())


def render_picture(picture: Picture, format: str) -> bytes:
    """The picture as SVG, PNG (Graphviz's dot), DOT source or Mermaid."""
    if format == "dot":
        return to_dot(picture).encode("utf-8")
    if format == "mermaid":
        return to_mermaid(picture).encode("utf-8")
    if format not in ("svg", "png"):
        raise OptionError(f"unknown picture format {format!r}; known: {', '.join(PICTURE_FORMATS)}", "--format")
    import graphviz

    try:
        return graphviz.Source(to_dot(picture)).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise OutputError("Graphviz's dot is not installed (Debian: apt-get install graphviz); "
                          ".dot and --format mermaid need no Graphviz") from None
    except graphviz.CalledProcessError as exc:
        raise OutputError(f"Graphviz's dot failed: {exc}") from None


def picture_format(output: Optional[str], format: Optional[str]) -> str:
    """--format if given, else the output's extension (svg, png, dot; .mmd/.md: mermaid)."""
    if format:
        if format not in PICTURE_FORMATS:
            raise OptionError(f"unknown picture format {format!r}; known: {', '.join(PICTURE_FORMATS)}", "--format")
        return format
    if output and output != "-":
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix in ("svg", "png", "dot"):
            return suffix
        if suffix in ("gv",):
            return "dot"
        if suffix in ("mmd", "mermaid", "md"):
            return "mermaid"
        raise OptionError(f"{output}: cannot tell the picture format from the extension; use --format "
                          f"({', '.join(PICTURE_FORMATS)})", "-o")
    return "mermaid"


def show(concept: str, *, skill: bool = False, graphs: Sequence[str] = (), store: Optional[Store] = None,
         format: str = "svg", language: str = "en") -> bytes:
    """The picture of an occupation (or, with ``skill``, of a skill) given by label or IRI, from
    RDF files (``graphs``, read into memory) or an open ``store``, in ``format``."""
    if format not in PICTURE_FORMATS:
        raise OptionError(f"unknown picture format {format!r}; known: {', '.join(PICTURE_FORMATS)}", "--format")
    own = None
    if graphs:
        own = store = EmbeddedStore.in_memory()
        for path in graphs:
            store.read_file(path)
    if store is None:
        raise OptionError("give the graph: --graph FILE, or --store DIR / --endpoint URL", "--graph")
    try:
        make = skill_picture if skill else occupation_picture
        return render_picture(make(store, concept, lang=language), format)
    finally:
        if own is not None:
            own.close()


__all__ = ["PICTURE_FORMATS", "Picture", "occupation_picture", "picture_format", "render_picture", "show",
           "skill_picture", "to_dot", "to_mermaid"]
