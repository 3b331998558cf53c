"""Property-based tests (hypothesis): records -> pages -> records, and records -> RDF that conforms.

The renderers below are written here from the two real pages (data/samples), independently of
bench/corpus.py, so the round trip checks the parsers against the layouts rather than against
another reading of them.

What a layout cannot carry is left out of the generated records, by design of the layout, not of
the parser (each is one of the `_ok_*` filters below):

* both layouts are line-based: no label holds a line break, control character, zero-width
  character or white space at its ends (pages show labels stripped and collapsed, and
  ``clean_label`` gives them that way), and no label or description line is one of the layout's
  own marker lines (``ESCO source``, ``digital``, a section heading, ``12 total``, ...);
* ESCO layout: blank lines inside the occupation description are not kept (the page's header
  shows one line per paragraph);
* DestinAI layout: labels are run together with no separator, so the round trip uses a lexicon
  holding the page's labels (as a build has one from ESCO-layout pages or the vocabulary), and
  only label sets whose split by that lexicon is unique (``_unique_tiling``). Labels start with a
  letter and end with a letter, digit, ``)``, ``+`` or ``#`` (all 13,434 ESCO v1.2.0 skill labels
  start with a letter or digit and end so; the splitter never cuts elsewhere, nor between two
  digits), and hold no parentheses.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import require_tool
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_hostile import _plain, independent_triples, strict_iri

from esco_graph.graph.mapping import page_graphs, to_graph
from esco_graph.iris import mint_iri
from esco_graph.model import (
    ESSENTIAL,
    KNOWLEDGE,
    OPTIONAL,
    REUSE_LEVELS,
    SKILL,
    Occupation,
    Skill,
    SkillLink,
    Source,
)
from esco_graph.parse.render import (
    destinai_page_order,
    esco_page_order,
    render_destinai,
    render_esco,
)
from esco_graph.parse.split import Lexicon
from esco_graph.pipeline import parse_page
from esco_graph.reconcile import reconcile
from esco_graph.shacl import validate
from esco_graph.sources.pages import page_from_bytes

# --- pages: the project's one renderer per layout (esco_graph.parse.render) ---------------------

def parse_rendered(text: str, name: str, lexicon=None) -> Occupation:
    page = page_from_bytes(text.encode("utf-8"), name, iri=f"file:///generated/{name}", retrieved=None)
    return parse_page(page, lexicon=lexicon)


# --- what the layouts can carry ------------------------------------------------------------------

_MARKER_LINES = {
    "ESCO source", "digital", "Scope note", "No competences in this bucket.", "Skip to content", "ESCO occupation",
    "Back to ESCO occupations", "Competences", "Groups", "Essential", "Optional", "Description",
    "Theoretical Knowledge", "Practical Skills", "GLOBAL RESOURCE", "SKILLS OVERVIEW", "View official definition \u2197",
    "Occupation specific", "Occupation-specific", "Sector-specific", "Sector specific", "Cross-sector", "Cross sector",
    "Transversal",
}
_MARKER_PATTERNS = re.compile(
    r"^(?:(?:Essential|Optional) (?:knowledge|skills and competences) \d+ competences?|\d+ competences?|\d+ ESCO relations?"
    r"|\d{4}(?:\.\d+)*\s+ISCO\s+\d{1,4}\s+ESCO source|\d+ total|\d+ essential\s*[·•|,]\s*\d+ optional|ESSENTIAL.*|OPTIONAL.*"
    r"|View on Official Portal.*|§?\s*OCCUPATION\s*[·•|-]\s*GLOBAL STANDARDS|\d+)$"
)


def _ok_line(line: str) -> bool:
    return bool(line) and line not in _MARKER_LINES and not _MARKER_PATTERNS.match(line)


def _clean(text: str) -> str:
    return " ".join(text.split())


# Any character a page line can hold: no control characters (Cc), line or paragraph separators,
# surrogates, noncharacters or unassigned code points (Cn: decoding replaces noncharacters such as
# U+FFFE with U+FFFD); no zero-width characters, soft hyphen or BOM (pages drop them).
_LINE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cn"),
    blacklist_characters="\u200b\u200c\u200d\u2060\ufeff\u00ad\x85",
)
#: Characters the issue names, over-weighted.
_HOSTILE = ['"', '"""', "\\", "<", ">", "{", "}", "@", "#", "\U0001f600", "\u05e2\u05d1\u05e8\u05d9\u05ea",
            "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "http://example.org/x", "<http://a/b>", "'; DROP",
            "} INSERT DATA {", "\u202e", "\u00a0", "\t", "%20", "&amp;", "${x}", "ﬁ", "İ", "ß"]


@st.composite
def line_text(draw, max_size: int = 40) -> str:
    """One line of page text: any characters, with the issue's hostile strings mixed in."""
    parts = draw(st.lists(st.one_of(st.text(_LINE_CHARS, min_size=1, max_size=12), st.sampled_from(_HOSTILE)), min_size=1, max_size=5))
    text = _clean("".join(parts))[:max_size].strip()
    assume(_ok_line(text))
    return text


@st.composite
def paragraph(draw, blank_lines: bool = True) -> str:
    lines = draw(st.lists(line_text(80), min_size=1, max_size=3))
    if blank_lines and len(lines) > 1 and draw(st.booleans()):
        lines.insert(1, "")
    return "\n".join(lines)


@st.composite
def esco_records(draw) -> Occupation:
    isco = draw(st.from_regex(r"[1-9][0-9]{3}", fullmatch=True))
    code = isco + "".join(draw(st.lists(st.from_regex(r"\.[1-9][0-9]{0,2}", fullmatch=True), max_size=3)))
    labels = draw(st.lists(line_text(), min_size=0, max_size=12, unique_by=lambda s: s))
    links = []
    for label in labels:
        skill = Skill(
            label=label,
            skill_type=draw(st.sampled_from([KNOWLEDGE, SKILL])),
            reuse_level=draw(st.sampled_from(REUSE_LEVELS)),
            description=draw(st.none() | paragraph()),
            scope_note=draw(st.none() | paragraph()),
            digital=draw(st.booleans()),
        )
        links.append(SkillLink(relation=draw(st.sampled_from([ESSENTIAL, OPTIONAL])), skill=skill))
    title = draw(line_text())
    assume(title not in ("Back to ESCO occupations",))
    return Occupation(
        label=title,
        source=Source("generated.txt", "esco", ""),
        description=draw(st.none() | paragraph(blank_lines=False)),
        esco_code=code,
        isco_code=isco,
        skills=tuple(esco_page_order(links)),
    )


def _same_esco(parsed: Occupation, expected: Occupation) -> None:
    assert parsed.label == expected.label
    assert parsed.description == expected.description
    assert parsed.esco_code == expected.esco_code
    assert parsed.isco_code == expected.isco_code
    got = [(l.relation, l.skill.label, l.skill.skill_type, l.skill.reuse_level, l.skill.description, l.skill.scope_note, l.skill.digital)
           for l in parsed.skills]
    want = [(l.relation, l.skill.label, l.skill.skill_type, l.skill.reuse_level, l.skill.description, l.skill.scope_note, l.skill.digital)
            for l in expected.skills]
    assert got == want
    essential = sum(1 for l in expected.skills if l.relation == ESSENTIAL)
    assert (parsed.declared.total, parsed.declared.essential, parsed.declared.optional) == (
        len(expected.skills), essential, len(expected.skills) - essential)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(esco_records())
def test_esco_layout_round_trip(record):
    """Any record the ESCO layout can show parses back to itself: every field, in page order."""
    parsed = parse_rendered(render_esco(record), "generated.txt")
    assert parsed.source.layout == "esco"
    _same_esco(parsed, record)


# DestinAI labels: words of letters and digits (any script), inner punctuation allowed, starting
# with a letter or digit and ending with a letter, digit, ')', '+' or '#', no parentheses.
_WORD_CHARS = st.characters(whitelist_categories=("Ll", "Lu", "Lo", "Nd"), blacklist_characters="İ")
_INNER = ['"', "\\", "<", ">", "{", "}", "@", "'", "/", "&", "-", ".", ":", "%", "\U0001f600", "_"]


@st.composite
def destinai_label(draw) -> str:
    words = []
    for _ in range(draw(st.integers(1, 4))):
        word = draw(st.text(_WORD_CHARS, min_size=1, max_size=8))
        if draw(st.integers(0, 4)) == 0:
            cut = draw(st.integers(1, len(word)))
            word = word[:cut] + draw(st.sampled_from(_INNER)) + word[cut:] if cut < len(word) else word
        words.append(word)
    label = " ".join(words)
    if draw(st.integers(0, 6)) == 0:
        label += draw(st.sampled_from(["+", "#", "++"]))
    # a letter first: the splitter never cuts between two digits ('SAP R3' + '3D modelling' stay
    # one piece; ESCO v1.2.0 has 6 skill labels starting with a digit, 6 ending with one: reported)
    assume(_ok_line(label) and label[0].isalpha())
    return label


def _unique_tiling(run: str, labels: list[str]) -> bool:
    """True when the run splits into the lexicon's labels in exactly one way (case-insensitively)."""
    keys = {l.lower() for l in labels}
    text = run.lower()
    ways = [0] * (len(text) + 1)
    ways[0] = 1
    for end in range(1, len(text) + 1):
        ways[end] = min(2, sum(ways[start] for start in range(end) if ways[start] and text[start:end] in keys))
    return ways[len(text)] == 1


@st.composite
def destinai_records(draw) -> Occupation:
    labels = draw(st.lists(destinai_label(), min_size=1, max_size=14, unique_by=str.lower))
    links = [SkillLink(draw(st.sampled_from([ESSENTIAL, OPTIONAL])), Skill(label=l, skill_type=draw(st.sampled_from([KNOWLEDGE, SKILL]))))
             for l in labels]
    links = destinai_page_order(links)
    for kind in (KNOWLEDGE, SKILL):
        for relation in (ESSENTIAL, OPTIONAL):
            half = [l.skill.label for l in links if l.relation == relation and l.skill.skill_type == kind]
            if half:
                assume(_unique_tiling("".join(half), labels))
    title = draw(line_text())
    assume(title not in ("Theoretical Knowledge", "Practical Skills", "Description"))
    description = draw(st.none() | paragraph(blank_lines=False))
    return Occupation(label=title, source=Source("generated.txt", "destinai", ""), description=description, skills=tuple(links))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(destinai_records())
def test_destinai_layout_round_trip_with_lexicon(record):
    """Any record the DestinAI layout can show parses back to itself, given a lexicon of its labels."""
    lexicon = Lexicon([l.skill.label for l in record.skills])
    parsed = parse_rendered(render_destinai(record), "generated.txt", lexicon=lexicon)
    assert parsed.source.layout == "destinai"
    assert parsed.label == record.label
    assert parsed.description == record.description
    # the record lists essential half-sections first, the page knowledge first: compare per half
    got = sorted(parsed.skills, key=lambda l: (l.relation, l.skill.skill_type))
    want = sorted(record.skills, key=lambda l: (l.relation, l.skill.skill_type))
    assert [(l.relation, l.skill.skill_type, l.skill.label) for l in got] == [(l.relation, l.skill.skill_type, l.skill.label) for l in want]
    essential = sum(1 for l in record.skills if l.relation == ESSENTIAL)
    assert (parsed.declared.total, parsed.declared.essential) == (len(record.skills), essential)


# --- records -> RDF ---------------------------------------------------------------------------------

#: Any text at all but surrogates, NUL (rapper cuts a literal there) and U+FFFE / U+FFFF (rapper
#: refuses them); reported for the writers; pages never carry them: line breaks, control characters, quotes, IRIs, Turtle, SPARQL.
_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"), min_size=1, max_size=40) | st.sampled_from(
    ['"""', '\\', '\\"', "\n", "\r\n", "\x01", "<http://example.org/a>", "} ; DROP ALL ; {", "@prefix a: <b:> .",
     "\"@en", "'''", "\U0001f600\u200d\U0001f600", "\u202ertl", "x\u0001y", "\ufdd0\U0010fffe", "\\u0022", "_:b0"])


@st.composite
def any_records(draw) -> Occupation:
    """Records a library user may build: any text in every field (codes in their formats)."""
    skills = []
    for _ in range(draw(st.integers(0, 6))):
        skill = Skill(
            label=draw(_ANY_TEXT),
            skill_type=draw(st.sampled_from([KNOWLEDGE, SKILL])),  # every parser sets it; the shapes require it
            reuse_level=draw(st.none() | st.sampled_from(REUSE_LEVELS)),
            description=draw(st.none() | _ANY_TEXT),
            scope_note=draw(st.none() | _ANY_TEXT),
            digital=draw(st.booleans()),
        )
        skills.append(SkillLink(draw(st.sampled_from([ESSENTIAL, OPTIONAL])), skill))
    isco = draw(st.none() | st.from_regex(r"[0-9]{1,4}", fullmatch=True))
    code = None
    if isco is not None and len(isco) == 4 and draw(st.booleans()):
        code = isco + "".join(draw(st.lists(st.from_regex(r"\.[0-9]{1,3}", fullmatch=True), max_size=3)))
    return Occupation(
        label=draw(_ANY_TEXT),
        # a build always sets the page's IRI (file: URI, URL, urn:esco-graph:stdin); without one,
        # rdf.page_iri takes a location holding '://' for an IRI as it is (reported)
        source=Source(draw(_ANY_TEXT), draw(st.sampled_from(["esco", "destinai"])), "0" * 64,
                      retrieved=draw(st.none() | st.just("2026-01-02T03:04:05Z")),
                      iri=Path("/pages", f"p{draw(st.integers(0, 9))}.txt").as_uri()),
        description=draw(st.none() | _ANY_TEXT),
        esco_code=code,
        isco_code=isco,
        alt_labels=tuple(draw(st.lists(_ANY_TEXT, max_size=3))),
        skills=tuple(skills),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_records(), min_size=1, max_size=3, unique_by=lambda r: r.source.iri))  # a build reads a page once
def test_any_records_map_to_conforming_rdf(records):
    """Records holding any text map to RDF that conforms to the shapes and that independent
    parsers read back triple for triple (rapper for N-Triples, PyLD for JSON-LD).

    Records may be about one occupation or skill (one label key, any spelling) and disagree on
    its facts: reconcile keeps the first record's (test_hostile's
    test_two_pages_disagreeing_about_one_concept does the same through pages)."""
    graphs = page_graphs(reconcile(records), base_iri="http://example.org/esco-graph/")
    graph = to_graph(graphs)
    conforms, _, text = validate(graph)
    assert conforms, text
    for term in {t for triple in graph for t in triple}:
        if hasattr(term, "n3") and term.__class__.__name__ == "URIRef":
            assert strict_iri(str(term)), str(term)
    expected = {tuple(_plain(x) for x in t) for t in graph}
    from esco_graph.graph.writers import serialize

    for fmt in ("ntriples", "turtle", "jsonld"):
        got = independent_triples(serialize(graphs, fmt), fmt)
        assert got == expected, fmt


@settings(max_examples=2000, deadline=None)
@given(_ANY_TEXT, st.sampled_from(["occupation", "skill"]), st.sampled_from(
    ["http://example.org/esco-graph/", "https://data.example.com/kg#", "urn:x-esco:", "http://ex.org/\u00e9t\u00e9/"]))
def test_minted_iris_are_valid_whatever_the_label(label, kind, base):
    iri = mint_iri(base, kind, label)
    assert strict_iri(iri), iri
    assert iri == mint_iri(base, kind, label)  # stable
    assert iri == mint_iri(base, kind, " " + label.replace(" ", "\u00a0") + "\u200b")  # same label key, same IRI


def test_minted_iris_parse_with_rapper(tmp_path):
    """A few thousand labels of every kind, minted and read back by rapper as N-Triples IRIs."""
    rapper = require_tool("rapper")
    from hypothesis import find  # noqa: F401  (only to make sure hypothesis is importable here)

    labels = ['"""', "\\", "<>", "{}", "@#", "a\nb", "\U0001f600", "\u05e2\u05d1", "\x00\x1f\x7f", "http://x/y?z#w",
              "<http://a/> <b:c> \"d\" .", "} DROP ALL {", "\ufffe", "%zz", "..", "../../etc/passwd", "file:///etc/passwd", " ",
              "İstanbul", "ﬁsh", "Σίσυφος", "\u202eevil", "x" * 500]
    rng = __import__("random").Random(6)
    for _ in range(3000):
        labels.append("".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0xD800), rng.randrange(0xE000, 0x110000)]))
                              for _ in range(rng.randint(1, 12))))
    lines = [f"<{mint_iri('http://example.org/esco-graph/', 'skill', l)}> <http://example.org/p> \"{i}\" .\n" for i, l in enumerate(labels)]
    path = tmp_path / "minted.nt"
    path.write_text("".join(lines), encoding="utf-8")
    out = subprocess.run([rapper, "-i", "ntriples", "-c", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"returned {len(labels)} triples" in out.stderr, out.stderr
    assert "Error" not in out.stderr and "Warning" not in out.stderr
