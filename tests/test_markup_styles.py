"""Saved ESCO pages in several markup styles (issue 10): the `digital` marker, the scope note and
the `ESCO source` link inline or block, in any order after the description. Every style must
give the record the text dump gives, with each skill's official IRI from its link.

The pages are written here from the sample ESCO page's record: block elements for everything
but the items, whose markup is what the styles vary.
"""
from __future__ import annotations

import uuid
from html import escape

import pytest

from conftest import ESCO_PAGE
from esco_graph.parse.render import esco_page_order, render_esco
from esco_graph.pipeline import parse_page
from esco_graph.sources.pages import page_from_bytes

PORTAL = "https://esco.ec.europa.eu/en/classification/skill?uri="


def skill_iri(label: str) -> str:
    return f"http://data.europa.eu/esco/skill/{uuid.uuid5(uuid.NAMESPACE_URL, label)}"


def item_html(skill, style: str) -> str:
    """One item's markup in a style."""
    link = f'<a class="source" href="{PORTAL}{skill_iri(skill.label)}">ESCO source</a>'
    tag = '<span class="tag">digital</span>' if skill.digital else ""
    description = f"<p>{escape(skill.description)}</p>" if skill.description else ""
    scope = (f'<div class="scope"><h5>Scope note</h5><p>{escape(skill.scope_note)}</p></div>'
             if skill.scope_note else "")
    scope_inline = f'<p class="scope"><b>Scope note:</b> {escape(skill.scope_note)}</p>' if skill.scope_note else ""
    head = f'<h4 class="label">{escape(skill.label)}</h4>{description}'
    if style == "block":  # every marker a block of its own, the text dump's order
        return f'<li class="item">{head}<div>{tag}</div>{scope}<div>{link}</div></li>' if tag else \
            f'<li class="item">{head}{scope}<div>{link}</div></li>'
    if style == "inline-tag-then-link":  # the tag and the link on one line, no space between
        return f'<li class="item">{head}{scope}<div class="meta">{tag}{link}</div></li>'
    if style == "inline-link-then-tag":
        return f'<li class="item">{head}{scope_inline}<div class="meta">{link} {tag}</div></li>'
    if style == "link-first":  # the link right after the description, markers after it
        return f'<li class="item">{head}<div>{link}</div>{scope}<div>{tag}</div></li>'
    raise ValueError(style)


def page_html(text: str, record, style: str) -> str:
    """The rendered text page as HTML: its lines as blocks, its items in the style."""
    lines = text.split("\n")
    order = esco_page_order(record.skills)
    out = ["<!DOCTYPE html><html><head><title>x</title></head><body><main>"]
    i, n = 0, 0
    while i < len(lines):
        line = lines[i]
        if n < len(order) and line == order[n].skill.label:
            skill = order[n].skill
            out.append(item_html(skill, style))
            n += 1
            while lines[i] != "ESCO source":
                i += 1
            i += 1
            continue
        out.append(f"<div>{escape(line)}</div>" if line else "")
        i += 1
    assert n == len(order)
    out.append("</main></body></html>")
    return "\n".join(out)


@pytest.fixture(scope="module")
def rendered():
    record = parse_page(ESCO_PAGE)
    assert any(link.skill.digital for link in record.skills) and any(link.skill.scope_note for link in record.skills)
    text = render_esco(record)
    page = page_from_bytes(text.encode("utf-8"), "rendered.txt", iri="file:///rendered.txt", retrieved=None)
    return text, parse_page(page)


@pytest.mark.parametrize("style", ["block", "inline-tag-then-link", "inline-link-then-tag", "link-first"])
def test_markup_style_gives_the_text_record(rendered, style):
    text, expected = rendered
    html = page_html(text, expected, style)
    page = page_from_bytes(html.encode("utf-8"), f"{style}.html", iri=f"file:///{style}.html", retrieved=None)
    assert page.media_type == "text/html"
    got = parse_page(page)
    assert len(got.skills) == len(expected.skills) == 79

    def facts(record):
        return [(l.relation, l.skill.label, l.skill.skill_type, l.skill.reuse_level, l.skill.description,
                 l.skill.scope_note, l.skill.digital) for l in record.skills]

    assert facts(got) == facts(expected)
    assert [l.skill.iri for l in got.skills] == [skill_iri(l.skill.label) for l in got.skills]
