"""Hostile input (issue 6, part 1): every bad page gets one clear error line, every output is valid.

Each case drives the CLI (`esco-graph build`) through click's CliRunner with
``catch_exceptions=False``, so a traceback fails the test. The outcome must be either

* exit 0, and then every file written parses with an independent parser (rapper for Turtle,
  N-Triples, N-Quads and TriG; PyLD for JSON-LD), all formats hold the same triples, the graph
  conforms to the SHACL shapes (esco_graph.shacl), every IRI in it is a valid IRI by RFC 3987,
  and the record is the one the page shows; or
* exit 1 with exactly one line on stderr, ``Error: <the page's path>: <what is wrong>``, and no
  output file (nor a temporary file) left behind.

Figures per category are printed with ``-s`` (``pytest -s -k hostile``) and listed in the module
constant's docstrings below. The 50 MB page and the folder of 10,000 pages are marked slow.
"""
from __future__ import annotations

import gzip
import io
import json
import random
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from esco_graph.pipeline import parse_page
from esco_graph.cli import cli
from esco_graph.model import ESSENTIAL, KNOWLEDGE, OPTIONAL, SKILL, Occupation, Skill, SkillLink, Source
from esco_graph.sources.pages import page_from_bytes
from esco_graph.shacl import validate

from conftest import DESTINAI_PAGE, ESCO_PAGE, ROOT, require_tool

ESCO_BYTES = ESCO_PAGE.read_bytes()
DESTINAI_BYTES = DESTINAI_PAGE.read_bytes()
PAGES = {"esco": ESCO_BYTES, "destinai": DESTINAI_BYTES}
FORMATS = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "jsonld": "jsonld"}

# --- RFC 3987 IRI ---------------------------------------------------------------------------------

_UCS = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
        "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
        "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd"
        "\U000e1000-\U000efffd")
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = f"A-Za-z0-9\\-._~{_UCS}"
_SUB_DELIMS = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = f"(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}:@]|{_PCT})"
_SEGMENT = f"{_IPCHAR}*"
_SEGMENT_NZ = f"{_IPCHAR}+"
_USERINFO = f"(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}:]|{_PCT})*"
_HOST = f"(?:\\[[0-9A-Fa-f:.]+\\]|(?:[{_UNRESERVED}{re.escape(_SUB_DELIMS)}]|{_PCT})*)"
_AUTHORITY = f"(?:{_USERINFO}@)?{_HOST}(?::[0-9]*)?"
_HIER = (f"(?://{_AUTHORITY}(?:/{_SEGMENT})*"  # "//" iauthority ipath-abempty
         f"|/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"  # ipath-absolute
         f"|{_SEGMENT_NZ}(?:/{_SEGMENT})*"  # ipath-rootless
         f"|)")  # ipath-empty
_QUERY = f"(?:{_IPCHAR}|[{_PRIVATE}/?])*"
_FRAGMENT = f"(?:{_IPCHAR}|[/?])*"
IRI = re.compile(f"[A-Za-z][A-Za-z0-9+\\-.]*:{_HIER}(?:\\?{_QUERY})?(?:#{_FRAGMENT})?")


def strict_iri(text: str) -> bool:
    """True when `text` is an IRI by RFC 3987's grammar (absolute, with scheme)."""
    return IRI.fullmatch(text) is not None


def test_strict_iri_regex_itself():
    good = ["http://example.org/a", "urn:x:y", "http://ex.org/\u00e9t\u00e9/x?q=1#f", "file:///tmp/a%20b.txt",
            "http://[::1]:8080/p", "http://data.europa.eu/esco/isco/C3114"]
    bad = ["http://ex.org/a b", "http://ex.org/<a>", "http://ex.org/a#b#c", "http://ex.org/%zz", "no-scheme", "http://ex.org/\"",
           "http://ex.org/{x}", "http://ex.org/a\\b", "http://ex.org/\u0001", "1http://a", "http://ex.org/a|b", "http://ex.org/^"]
    assert all(strict_iri(i) for i in good)
    assert not any(strict_iri(i) for i in bad)


# --- independent parsers ------------------------------------------------------------------------

def _plain(term):
    """rdflib term with xsd:string literals as plain ones (RDF 1.1: the same literal)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    """N-Triples string escapes (ECHAR, UCHAR) undone, in linear time."""
    if "\\" not in text:
        return text
    out, i, n = [], 0, len(text)
    while i < n:
        j = text.find("\\", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        c = text[j + 1]
        if c == "u":
            out.append(chr(int(text[j + 2:j + 6], 16)))
            i = j + 6
        elif c == "U":
            out.append(chr(int(text[j + 2:j + 10], 16)))
            i = j + 10
        else:
            out.append(_ESCAPES[c])
            i = j + 2
    return "".join(out)


def _term(text: str):
    if text.startswith("<"):
        assert text.endswith(">"), text[:200]
        return URIRef(_unescape(text[1:-1]))
    assert text.startswith('"'), f"unexpected term (no blank nodes are written): {text[:200]}"
    end = text.rindex('"')
    value = _unescape(text[1:end])
    rest = text[end + 1:]
    if rest.startswith("@"):
        return Literal(value, lang=rest[1:])
    if rest.startswith("^^"):
        return _plain(Literal(value, datatype=URIRef(rest[3:-1])))
    assert rest == "", rest
    return Literal(value)


def _ntriples_to_set(text: str) -> set:
    """The triples of canonical N-Triples (as rapper and PyLD write them; no graph names, no blank
    nodes). Read here because rdflib's N-Triples parser takes minutes on a literal of a few MB
    (quadratic regex matching; reported) and pyoxigraph's refuses a token over 16 MiB."""
    out = set()
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        assert line.endswith(" ."), line[:200]
        line = line[:-2].rstrip()
        s_end = line.index("> ") + 1
        p_end = line.index("> ", s_end + 1) + 1
        out.add((_term(line[:s_end]), _term(line[s_end:p_end].strip()), _term(line[p_end:].strip())))
    return out


def _pyld_nquads(doc) -> str:
    from pyld import jsonld

    def no_fetch(url, options=None):  # the document carries its context: nothing may be fetched
        raise AssertionError(f"PyLD was asked to fetch {url}")

    return jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_fetch})


def independent_triples(data: bytes, fmt: str) -> set:
    """The triples of a serialization, as read by rapper (RDF syntaxes) or PyLD (JSON-LD);
    quads lose their graph. Fails the test on any parse error or warning."""
    if fmt in ("jsonld", "json-ld"):
        return _ntriples_to_set(_pyld_nquads(json.loads(data.decode("utf-8"))))
    rapper = require_tool("rapper")
    syntax = {"turtle": "turtle", "ntriples": "ntriples", "nquads": "nquads", "trig": "trig"}[fmt]
    out = subprocess.run([rapper, "-q", "-i", syntax, "-o", "ntriples", "-", "http://base.invalid/"], input=data,
                         capture_output=True)
    problems = out.stderr.decode("utf-8", "replace")
    assert out.returncode == 0 and not problems.strip(), f"rapper refused the {fmt} output: {problems[:2000]}"
    return _ntriples_to_set(out.stdout.decode("utf-8"))


def check_outputs(outputs: dict) -> set:
    """Every output file read by an independent parser; all hold the same triples; SHACL conforms;
    every IRI is valid. Returns the triples."""
    sets = {ext: independent_triples(Path(path).read_bytes(), FORMATS[ext]) for ext, path in outputs.items()}
    first = next(iter(sets.values()))
    for ext, triples in sets.items():
        assert triples == first, f"{ext} differs from the others"
    for triple in first:
        for term in triple:
            if isinstance(term, URIRef):
                assert strict_iri(str(term)), f"invalid IRI {str(term)!r}"
    graph = Graph()  # SHACL on what the independent parsers read
    for triple in first:
        graph.add(triple)
    conforms, _, text = validate(graph)
    assert conforms, text
    return first


# --- running the CLI ----------------------------------------------------------------------------

def run_cli(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def build_outputs(folder: Path, formats=tuple(FORMATS)) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    return {ext: folder / f"graph.{ext}" for ext in formats}


def assert_one_error_line(result, name: str, exit_code: int = 1) -> str:
    """Exactly one 'Error: ...' line on stderr naming the input, the documented exit code."""
    assert result.exit_code == exit_code, (result.exit_code, result.output)
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert name in lines[0], (name, lines[0])
    assert "Traceback" not in result.output
    return lines[0]


def assert_nothing_written(folder: Path) -> None:
    assert [p.name for p in folder.iterdir()] == [], list(folder.iterdir())


class Outcome:
    """How one hostile page went: 'ok' (with triples and record) or 'error' (with the line)."""

    def __init__(self, kind, line=None, triples=None, record=None):
        self.kind, self.line, self.triples, self.record = kind, line, triples, record


def try_page(tmp_path: Path, data: bytes, name: str = "page.txt", formats=tuple(FORMATS), extra=()) -> Outcome:
    """Build one page through the CLI and check whichever outcome it has."""
    case = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    case.mkdir()
    page = case / name
    page.write_bytes(data)
    outputs = build_outputs(case / "out", formats)
    args = ["build", page, "-q", *extra]
    for path in outputs.values():
        args += ["-o", path]
    result = run_cli(*args)
    if result.exit_code == 0:
        triples = check_outputs(outputs)
        return Outcome("ok", triples=triples, record=parse_page(page))
    line = assert_one_error_line(result, str(page))
    assert_nothing_written(case / "out")
    return Outcome("error", line=line)


def skills_of(record: Occupation) -> list:
    return [(l.relation, l.skill.skill_type, l.skill.label, l.skill.reuse_level, l.skill.description, l.skill.scope_note,
             l.skill.digital) for l in record.skills]


FULL = {layout: parse_page(path) for layout, path in (("esco", ESCO_PAGE), ("destinai", DESTINAI_PAGE))}


# --- 1. not pages ---------------------------------------------------------------------------------

def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A real PNG image (RGB, zlib-compressed scanlines)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"".join(bytes((x * 60 % 256, y * 80 % 256, 128)) for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    """A minimal one-page PDF that says 'Occupation'."""
    stream = b"BT /F1 12 Tf 72 720 Td (Essential knowledge 1 competence) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


RANDOM_HTML = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cheap flights</title>
<script>alert("x")</script><style>p{color:red}</style></head>
<body><nav><a href="/">Home</a> <a href="http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000">ESCO</a></nav>
<h1>Cheap flights to Lisbon</h1><p>Book now &amp; save &mdash; 30% off!</p><table><tr><td>a</td><td>b</td></tr></table>
</body></html>"""

NOT_PAGES = {
    "empty": (b"", "empty"),
    "whitespace": (b"  \n\t\n\r\n   \n", "empty"),
    "nbsp-zwsp-only": ("\u00a0\u200b \n\ufeff\u2060\n".encode("utf-8"), "empty"),
    "utf16-whitespace": ("\ufeff \n \n".encode("utf-16"), "empty"),
    "png": (png_bytes(), "PNG"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 4, "JPEG"),
    "gzip": (gzip.compress(ESCO_BYTES), "gzip"),
    "zip": (b"PK\x03\x04" + bytes(200), "zip"),
    "elf": (b"\x7fELF\x02\x01\x01" + bytes(300), "executable"),
    "random-bytes": (random.Random(1).randbytes(5000), "binary"),
    "random-high-bytes": (bytes(b | 0x80 for b in random.Random(2).randbytes(5000)), "not an occupation page"),
    "pdf": (pdf_bytes(), "not an occupation page"),
    "html": (RANDOM_HTML, "not an occupation page"),
    "plain-text": (b"Dear diary,\ntoday I learnt Turtle.\n", "not an occupation page"),
    "json": (b'{"label": "engineer", "skills": []}', "not an occupation page"),
    "turtle": (b"@prefix esco: <http://data.europa.eu/esco/model#> .\n<a:b> a esco:Occupation .\n", "not an occupation page"),
}


@pytest.mark.parametrize("case", sorted(NOT_PAGES))
def test_not_a_page_is_one_clear_error(tmp_path, case):
    data, reason = NOT_PAGES[case]
    outcome = try_page(tmp_path, data)
    assert outcome.kind == "error"
    assert reason in outcome.line, outcome.line
    # `parse` says the same
    page = next(tmp_path.glob("case-*/page.txt"))
    assert_one_error_line(run_cli("parse", page), str(page))


def test_png_fixture_is_a_real_png():
    data = png_bytes()
    assert data.startswith(b"\x89PNG") and b"IHDR" in data and data.endswith(b"IEND\xaeB`\x82")


# --- 2. truncated pages, sections deleted / duplicated / reordered --------------------------------

def cut_points(data: bytes, n: int = 200) -> list[int]:
    """n cut offsets evenly spread over the page, plus every line start."""
    points = {round(i * len(data) / n) for i in range(n)}
    points |= {m.end() for m in re.finditer(rb"\n", data)}
    return sorted(points)


@pytest.mark.parametrize("layout", ["esco", "destinai"])
def test_page_cut_anywhere(tmp_path, layout):
    """Each real page cut at >= 200 points: a correct parse (the full page's record) or one error line."""
    data = PAGES[layout]
    points = cut_points(data)
    assert len(points) >= 200
    tally = {"ok": 0, "error": 0}
    for cut in points:
        outcome = try_page(tmp_path, data[:cut], formats=("ttl", "nt", "jsonld"))
        tally[outcome.kind] += 1
        if outcome.kind == "ok":
            assert outcome.record.label == FULL[layout].label
            assert skills_of(outcome.record) == skills_of(FULL[layout]), f"cut at {cut} parsed into a different record"
    print(f"\n{layout}: {len(points)} cut points: {tally}")
    assert tally["error"] > len(points) // 2  # a cut page is nearly always caught


def _esco_blocks(text: str):
    """(header, [section blocks]) of the ESCO page; each section block starts at its heading."""
    lines = text.split("\n")
    starts = [i for i, l in enumerate(lines) if re.match(r"^(Essential|Optional) (knowledge|skills and competences) \d+ competences?$", l)]
    header = lines[: starts[0]]
    blocks = [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]
    return header, blocks


def _esco_variants():
    import itertools

    header, blocks = _esco_blocks(ESCO_BYTES.decode("utf-8"))
    out = {}
    for i in range(len(blocks)):
        out[f"delete-section-{i}"] = header + sum(blocks[:i] + blocks[i + 1:], [])
        out[f"duplicate-section-{i}"] = header + sum(blocks[: i + 1] + [blocks[i]] + blocks[i + 1:], [])
    for perm in itertools.permutations(range(len(blocks))):
        if list(perm) != sorted(perm):
            out["reorder-" + "".join(map(str, perm))] = header + sum((blocks[i] for i in perm), [])
    # buckets: delete / duplicate each bucket of each section; delete the header's counts; double the header
    for s, block in enumerate(blocks):
        starts = [j for j, l in enumerate(block) if l in ("Occupation specific", "Sector-specific", "Cross-sector", "Transversal")]
        for k, (a, b) in enumerate(zip(starts, starts[1:] + [len(block)])):
            rest = blocks[:s] + [block[:a] + block[b:]] + blocks[s + 1:]
            out[f"delete-bucket-{s}-{k}"] = header + sum(rest, [])
            rest = blocks[:s] + [block[:b] + block[a:b] + block[b:]] + blocks[s + 1:]
            out[f"duplicate-bucket-{s}-{k}"] = header + sum(rest, [])
    counts_at = header.index("Competences")
    out["delete-header-counts"] = header[:counts_at] + header[counts_at + 8:] + sum(blocks, [])
    out["duplicate-header"] = header + header + sum(blocks, [])
    out["delete-header"] = sum(blocks, [])
    out["delete-code-line"] = [l for l in header if "ISCO" not in l] + sum(blocks, [])
    return {k: "\n".join(v).encode("utf-8") for k, v in out.items()}


def _destinai_variants():
    text = DESTINAI_BYTES.decode("utf-8")
    lines = text.split("\n")
    tk, ps = lines.index("Theoretical Knowledge"), lines.index("Practical Skills")
    end = ps + 5
    head, knowledge, skills, tail = lines[:tk], lines[tk:ps], lines[ps:end], lines[end:]
    k_ess, k_opt = knowledge[1:3], knowledge[3:5]
    s_ess, s_opt = skills[1:3], skills[3:5]
    overview = tail.index("SKILLS OVERVIEW")
    out = {
        "delete-knowledge": head + skills + tail,
        "delete-skills": head + knowledge + tail,
        "delete-both": head + tail,
        "swap-sections": head + skills + knowledge + tail,
        "duplicate-knowledge": head + knowledge + knowledge + skills + tail,
        "duplicate-skills": head + knowledge + skills + skills + tail,
        "swap-knowledge-halves": head + knowledge[:1] + k_opt + k_ess + skills + tail,
        "swap-skill-halves": head + knowledge + skills[:1] + s_opt + s_ess + tail,
        "delete-essential-knowledge": head + knowledge[:1] + k_opt + skills + tail,
        "delete-optional-knowledge": head + knowledge[:1] + k_ess + skills + tail,
        "delete-essential-skills": head + knowledge + skills[:1] + s_opt + tail,
        "delete-optional-skills": head + knowledge + skills[:1] + s_ess + tail,
        "duplicate-essential-skills": head + knowledge + skills[:1] + s_ess + s_ess + s_opt + tail,
        "delete-overview": head + knowledge + skills + tail[:overview],
        "delete-overview-counts": head + knowledge + skills + [l for l in tail if not re.match(r"^\d+ (total|essential)", l)],
        "duplicate-overview": head + knowledge + skills + tail + tail,
        "delete-description": [l for l in head if l != "Description"] + knowledge + skills + tail,
        "delete-title": head[: head.index("\u00a7 OCCUPATION \u00b7 GLOBAL STANDARDS") + 1] + knowledge + skills + tail,
        "delete-marker": [l for l in head if "GLOBAL STANDARDS" not in l] + knowledge + skills + tail,
        "duplicate-head": head + head + knowledge + skills + tail,
        "overview-first": head + tail[overview:] + knowledge + skills + tail[:overview],
        "labels-only": knowledge + skills,
    }
    return {k: "\n".join(v).encode("utf-8") for k, v in out.items()}


def _same_labels(record: Occupation, layout: str) -> bool:
    return sorted(skills_of(record)) == sorted(skills_of(FULL[layout]))


@pytest.mark.parametrize("layout, variants", [("esco", _esco_variants), ("destinai", _destinai_variants)])
def test_sections_deleted_duplicated_reordered(tmp_path, layout, variants):
    """Sections and buckets deleted, duplicated or reordered: the same skills, or one error line."""
    tally = {"ok": 0, "error": 0, "ok, other skills": 0}
    cases = variants()
    for name, data in cases.items():
        outcome = try_page(tmp_path, data, formats=("ttl", "nt", "jsonld"))
        tally[outcome.kind] += 1
        if outcome.kind == "ok" and layout == "destinai" and name in DESTINAI_FORCED_SPLITS:
            tally["ok, other skills"] += 1  # see test_destinai_deleted_labels_are_not_made_up
        elif outcome.kind == "ok":  # accepted: then it must be the page's skills (a deleted or doubled item never is)
            assert _same_labels(outcome.record, layout), f"{name}: parsed into other skills"
        elif name.startswith(("delete-section", "duplicate-section", "delete-bucket", "duplicate-bucket", "delete-knowledge",
                              "delete-skills", "delete-essential", "delete-optional", "duplicate-knowledge", "duplicate-skills",
                              "duplicate-essential")):
            assert any(w in outcome.line for w in ("declares", "twice", "appears")), f"{name}: {outcome.line}"
    print(f"\n{layout}: {len(cases)} section variants: {tally}")
    assert tally["ok"] and tally["error"]


#: DestinAI variants where labels are missing but the declared counts are not: the splitter meets
#: the count by cutting the remaining labels inside words ('pack' + 'age microelectromechanical
#: systems'). Regression: such pieces passed with a confidence above LOW_CONFIDENCE; a cut inside
#: a word now marks both pieces doubtful (splitting._doubt_cuts_inside_words).
DESTINAI_FORCED_SPLITS = {"delete-knowledge", "delete-skills", "delete-essential-knowledge", "delete-optional-knowledge",
                          "delete-essential-skills", "delete-optional-skills"}


@pytest.mark.parametrize("name", sorted(DESTINAI_FORCED_SPLITS))
def test_destinai_deleted_labels_are_not_made_up(name):
    """A DestinAI page missing a half-section while keeping its counts: an error, or every label
    that is not on the page flagged as a low-confidence split (never a silent invention)."""
    from esco_graph.errors import DataQualityError
    from esco_graph.parse.split import LOW_CONFIDENCE

    data = _destinai_variants()[name]
    try:
        record = parse_page(page_from_bytes(data, name, iri="file:///x", retrieved=None))
    except DataQualityError:
        return
    known = {l.skill.label for l in FULL["destinai"].skills}
    made_up = [(l.skill.label, l.skill.confidence) for l in record.skills if l.skill.label not in known]
    assert all(conf < LOW_CONFIDENCE for _, conf in made_up), made_up


# --- 3. encodings, line ends, invisible characters --------------------------------------------------

def _destinai_ascii_chrome(text: str) -> str:
    """The DestinAI page without the arrows Latin-1 cannot hold (they are chrome, not data)."""
    return text.replace("\u2190", "<-").replace("\u2192", "->").replace("\u2197", "^")


def _encoding_variants(layout: str) -> dict:
    text = PAGES[layout].decode("utf-8")
    label = FULL[layout].skills[0].skill.label  # 'biomedical engineering' / 'quality standards'
    word = label.split()[0]
    out = {
        "utf-8-bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf-16-le-bom": text.encode("utf-16"),
        "utf-16-be-bom": b"\xfe\xff" + text.encode("utf-16-be"),
        "utf-16-le-no-bom": text.encode("utf-16-le"),
        "utf-16-be-no-bom": text.encode("utf-16-be"),
        "utf-32-bom": text.encode("utf-32"),
        "crlf": text.replace("\n", "\r\n").encode("utf-8"),
        "cr": text.replace("\n", "\r").encode("utf-8"),
        "mixed-line-ends": "".join(l + ("\r\n", "\r", "\n")[i % 3] for i, l in enumerate(text.split("\n"))).encode("utf-8"),
        "trailing-tabs-and-spaces": "\n".join(l + " \t " for l in text.split("\n")).encode("utf-8"),
        "leading-tabs": "\n".join("\t" + l for l in text.split("\n")).encode("utf-8"),
        "nbsp-around-lines": "\n".join("\u00a0" + l + "\u00a0" for l in text.split("\n")).encode("utf-8"),
        "zwsp-around-lines": "\n".join("\u200b" + l + "\ufeff" for l in text.split("\n")).encode("utf-8"),
        "nbsp-in-label": text.replace(label, label.replace(" ", "\u00a0"), 1).encode("utf-8"),
        "tab-in-label": text.replace(label, label.replace(" ", "\t"), 1).encode("utf-8"),
        "double-space-in-label": text.replace(label, label.replace(" ", "  "), 1).encode("utf-8"),
        "zwsp-in-label": text.replace(label, word[:3] + "\u200b" + label[3:], 1).encode("utf-8"),
        "soft-hyphen-in-label": text.replace(label, word[:3] + "\u00ad" + label[3:], 1).encode("utf-8"),
        "latin-1": _destinai_ascii_chrome(text).encode("latin-1"),
        "cp1252": _destinai_ascii_chrome(text).encode("cp1252"),
        "invalid-utf8-in-description": text.replace("collaborate", "colla\udcff\udcfeborate").encode("utf-8", "surrogateescape"),
    }
    if layout == "esco":  # the ESCO page's description lines are plain text
        out["latin-1-accents"] = text.replace("The principles of electricity", "Les principes de l'\u00e9lectricit\u00e9", 1).encode("latin-1")
        out["cp1252-smart-quotes"] = text.replace("The principles of electricity", "\u201cThe\u201d principles \u2013 \u20ac", 1).encode("cp1252")
    return out


#: Variants whose description legitimately differs from the original's (the bytes say other text).
_TEXT_CHANGES = {"invalid-utf8-in-description", "latin-1-accents", "cp1252-smart-quotes", "latin-1", "cp1252"}


@pytest.mark.parametrize("layout", ["esco", "destinai"])
def test_encodings_and_invisible_characters(tmp_path, layout):
    """Every encoding, line end and invisible character: the same record as the UTF-8 page."""
    variants = _encoding_variants(layout)
    for name, data in variants.items():
        outcome = try_page(tmp_path, data, formats=("ttl", "nq", "jsonld"))
        assert outcome.kind == "ok", f"{name}: {outcome.line}"
        record = outcome.record
        assert record.label == FULL[layout].label, name
        assert [(l.relation, l.skill.label) for l in record.skills] == [(l.relation, l.skill.label) for l in FULL[layout].skills], name
        if name not in _TEXT_CHANGES and layout == "esco":
            assert skills_of(record) == skills_of(FULL[layout]), name
        if name == "invalid-utf8-in-description":
            assert "colla\ufffd\ufffdborate" in (record.description or ""), record.description
    print(f"\n{layout}: {len(variants)} encoding variants, all parsed")


def test_binary_junk_inside_a_page_is_refused(tmp_path):
    data = ESCO_BYTES.replace(b"biomedical engineering", b"bio\x00\x01\x02\x03medical" * 2000, 1)
    outcome = try_page(tmp_path, data)
    assert outcome.kind == "error" and "binary" in outcome.line


def test_utf16_cut_at_an_odd_byte(tmp_path):
    data = ESCO_BYTES.decode("utf-8").encode("utf-16")[:-1]
    outcome = try_page(tmp_path, data)
    assert outcome.kind in ("ok", "error")


# --- 4. labels and descriptions holding anything ----------------------------------------------------

HOSTILE_STRINGS = [
    'say "hello"', 'triple """quoted""" text', "back\\slash \\n \\u0022 \\", "less < greater >", "<http://example.org/evil>",
    "curly { braces }", "at @en sign", "hash # not a comment", "emoji \U0001f600 \U0001f469\u200d\U0001f52c", "rtl \u05e2\u05d1\u05e8\u05d9\u05ea text",
    "mixed \u202eevil\u202c override", "arabic \u0627\u0644\u0639\u0631\u0628\u064a\u0629", "http://example.org/looks#like/an?iri=1",
    "file:///etc/passwd", "../../etc/passwd", 'turtle" ; <http://a/p> "x" . <http://a/s> <http://a/p> "',
    "@prefix evil: <http://evil.example/> .", '} ; DROP ALL ; INSERT DATA { <a:a> <a:b> "c" } #',
    "SELECT * WHERE { ?s ?p ?o }", "'single' and ''' triple single", "percent %20 %zz %", "ctrl \x01\x02\x1b[31m red",
    "null-ish \\0 \\x00", "tab\tinside", "${jndi:ldap://127.0.0.1/a}", "<!ENTITY x SYSTEM 'file:///etc/passwd'> &x;",
    "_:b0 blank", "\"@en ^^<http://www.w3.org/2001/XMLSchema#string>", "C++", "C#", "İstanbul ﬁsh Σίσυφος",
]


def _expected_label(text: str) -> str:
    from esco_graph.text import clean_label

    return clean_label(text)


def _hostile_esco_record() -> Occupation:
    links = []
    for i, text in enumerate(HOSTILE_STRINGS):
        label = f"{text} {i}"  # unique labels
        skill = Skill(label=label, skill_type=(KNOWLEDGE, SKILL)[i % 2],
                      reuse_level=("occupation-specific", "sector-specific", "cross-sector", "transversal")[i % 4],
                      description=f"Description of {text}\nsecond line {text}", scope_note=f"Scope {text}" if i % 3 == 0 else None,
                      digital=i % 5 == 0)
        links.append(SkillLink((ESSENTIAL, OPTIONAL)[i // 2 % 2], skill))
    from test_properties import esco_page_order

    return Occupation(label='occupation "<{@#}>" \U0001f600 \u05e2\u05d1', source=Source("h.txt", "esco", ""),
                      description="A description with \"\"\" and \\ and <x> and {y} and @z and #w.\nAnd a newline.",
                      esco_code="2511.4", isco_code="2511", skills=tuple(esco_page_order(links)))


def by_half(skills: list[dict]) -> dict:
    """Labels per (relation, type), in order: a DestinAI record lists the essential half-sections
    first, a page shows knowledge first; within a half-section the order is the page's."""
    out: dict = {}
    for link in skills:
        out.setdefault((link["relation"], link["skill"]["skill_type"]), []).append(link["skill"]["label"])
    return out


def test_hostile_labels_and_descriptions(tmp_path):
    """Labels and descriptions holding quotes, backslashes, markup, IRIs, Turtle, SPARQL, emoji,
    right-to-left text and control characters: parsed exactly (labels cleaned of control
    characters), written as literal data every parser reads back unchanged."""
    from test_properties import destinai_page_order, render_destinai, render_esco

    record = _hostile_esco_record()
    esco_text = render_esco(record)
    # DestinAI: the same labels (those the splitter can cut: starting with a letter or digit,
    # ending with a letter, digit, ')', '+' or '#', as every ESCO label does), split with the
    # labels the ESCO page of the same build shows.
    splittable = [l for l in record.skills if l.skill.label[0].isalnum() and (l.skill.label[-1].isalnum() or l.skill.label[-1] in ")+#")
                  and "(" not in l.skill.label and ")" not in l.skill.label]
    dest = Occupation(label="destinai \"<{@#}>\" occupation", source=record.source, description="Desc with \"\"\" \\ <x> {y}",
                      skills=tuple(destinai_page_order([SkillLink(l.relation, Skill(l.skill.label, l.skill.skill_type)) for l in splittable])))
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a-esco.txt").write_text(esco_text, encoding="utf-8")
    (folder / "b-destinai.txt").write_text(render_destinai(dest), encoding="utf-8")
    outputs = build_outputs(tmp_path / "out")
    args = ["build", folder, "-q"] + [x for p in outputs.values() for x in ("-o", p)]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    triples = check_outputs(outputs)

    labels = {str(o) for s, p, o in triples if p == SKOS.prefLabel}
    for link in record.skills:
        assert _expected_label(link.skill.label) in labels, link.skill.label
    assert record.label in labels and dest.label in labels
    texts = {str(o) for s, p, o in triples if str(p) == "http://data.europa.eu/esco/model#nodeLiteral"}
    for link in record.skills:
        assert link.skill.description in texts, link.skill.description
    assert record.description in texts
    # the records the parser made hold the same strings
    parsed = json.loads(run_cli("parse", folder / "a-esco.txt").stdout)
    assert [s["skill"]["label"] for s in parsed["skills"]] == [_expected_label(l.skill.label) for l in record.skills]
    assert [s["skill"]["description"] for s in parsed["skills"]] == [l.skill.description for l in record.skills]
    both = json.loads(run_cli("parse", folder / "a-esco.txt", folder / "b-destinai.txt").stdout)
    assert by_half(both[1]["skills"]) == by_half([{"relation": l.relation, "skill": {"skill_type": l.skill.skill_type,
                                                  "label": _expected_label(l.skill.label)}} for l in dest.skills])
    # nothing in the labels became a triple of its own: only the model's predicates occur
    predicates = {str(p) for _, p, _ in triples}
    assert all(p.startswith(("http://www.w3.org/", "http://data.europa.eu/esco/model#", "http://purl.org/dc/terms/",
                             "urn:esco-graph:vocab:")) for p in predicates), predicates
    subjects = {str(s) for s, _, _ in triples}
    assert all(x.startswith(("http://example.org/esco-graph/", "http://data.europa.eu/esco/", "file:///")) for x in subjects), subjects


def test_hostile_labels_at_the_record_level_with_newlines(tmp_path):
    """Labels a page cannot show (line breaks, NUL, lone control characters) still make valid RDF
    when a library user builds records directly."""
    from esco_graph.graph.writers import write
    from esco_graph.graph.mapping import page_graphs
    from esco_graph.reconcile import reconcile

    # Left out: U+FFFE and U+FFFF (pyoxigraph writes them as they are, rapper refuses them) and NUL
    # (rapper, a C program, cuts the literal there). Reported for the writers; pages never carry
    # them (esco_graph.sources.pages.decode replaces the first two and refuses NUL as binary data).
    texts = HOSTILE_STRINGS + ["line\nbreak", "cr\r\nlf", "\x7f\x80\x9f", "\u2028\u2029", "\ufdd0\U0010fffe",
                               "\x01\x08\x0b\x0c\x1f"]
    skills = tuple(SkillLink(ESSENTIAL, Skill(label=t, skill_type=SKILL, description=t, scope_note=t)) for t in texts)
    record = Occupation(label="line\nbreak \x01 occupation", source=Source("x\ny.txt", "esco", "0" * 64), description="a\nb",
                        skills=skills, alt_labels=("alt\n\"label\"",))
    graphs = page_graphs(reconcile([record]), base_iri="http://example.org/esco-graph/")
    outputs = build_outputs(tmp_path)
    for path in outputs.values():
        write(graphs, str(path))
    triples = check_outputs(outputs)
    labels = {str(o) for s, p, o in triples if p == SKOS.prefLabel}
    assert set(texts) <= labels


_TITLE = "\nmedical device engineering technician\n"
#: Two pages about one concept that disagree on a fact the graph holds once.
CONFLICTS = {
    "skill-label-spelling": lambda t: t.replace("\nbiomedical engineering\n", "\nBiomedical Engineering\n", 1).replace(
        _TITLE, "\nanother technician\n", 1),
    "occupation-label-spelling": lambda t: t.replace(_TITLE, "\nMedical Device Engineering Technician\n", 1),
    "occupation-description": lambda t: t.replace("technicians collaborate", "technicians often collaborate", 1),
    "occupation-code": lambda t: t.replace("3114.1.5 ISCO 3114", "3114.1.6 ISCO 3114", 1),
    "occupation-isco": lambda t: t.replace("3114.1.5 ISCO 3114", "3114.1.5 ISCO 3115", 1),
}


@pytest.mark.parametrize("what", sorted(CONFLICTS))
def test_two_pages_disagreeing_about_one_concept(tmp_path, what):
    """Two pages about one occupation or skill (one minted IRI, label keys fold case) that disagree
    on its label's spelling, description or codes: the first page wins, as for skills' facts."""
    folder = tmp_path / "pages"
    folder.mkdir()
    text = ESCO_BYTES.decode("utf-8")
    (folder / "a.txt").write_text(text, encoding="utf-8")
    other = CONFLICTS[what](text)
    assert other != text
    (folder / "b.txt").write_text(other, encoding="utf-8")
    outputs = build_outputs(tmp_path / "out", ("ttl", "jsonld"))
    result = run_cli("build", folder, "-q", *[x for p in outputs.values() for x in ("-o", p)])
    assert result.exit_code == 0, result.output
    check_outputs(outputs)


# --- 5. a 50 MB page, a folder of 10,000 pages ----------------------------------------------------

@pytest.mark.slow
def test_a_50_mb_page(tmp_path):
    """A 50 MB ESCO page (200 skills with 256 KB descriptions each): parsed and written in every
    format; a 65 MB page is refused with one line."""
    from test_properties import esco_page_order, render_esco

    chunk = "Huge description with \"quotes\", <markup>, {braces}, emoji \U0001f600 and \u05e2\u05d1\u05e8\u05d9\u05ea. "
    description = (chunk * (256 * 1024 // len(chunk.encode("utf-8")) + 1)).strip()
    links = [SkillLink((ESSENTIAL, OPTIONAL)[i % 2], Skill(label=f"big skill {i}", skill_type=(KNOWLEDGE, SKILL)[i // 2 % 2],
                                                           reuse_level="cross-sector", description=f"{i} {description}"))
             for i in range(200)]
    record = Occupation(label="occupation with a 50 MB page", source=Source("", "esco", ""), description="Big.",
                        esco_code="2511.9", isco_code="2511", skills=tuple(esco_page_order(links)))
    data = render_esco(record).encode("utf-8")
    assert len(data) >= 50 * 1024 * 1024
    outcome = try_page(tmp_path, data)
    assert outcome.kind == "ok", outcome.line
    texts = {str(o) for s, p, o in outcome.triples if str(p) == "http://data.europa.eu/esco/model#nodeLiteral"}
    assert {f"{i} {description}" for i in range(200)} <= texts

    huge = ESCO_BYTES + b"\n" + b"x" * (65 * 1024 * 1024)
    outcome = try_page(tmp_path, huge)
    assert outcome.kind == "error" and "larger than" in outcome.line


@pytest.mark.slow
@pytest.mark.parametrize("ext", ["nt", "nq", "ttl", "trig", "jsonld"])
def test_a_description_of_20_mb(tmp_path, ext):
    """One description of 20 MB (a page of 20 MB): written in each format, or one clear error."""
    text = ESCO_BYTES.decode("utf-8")
    big = ("A description line with \"quotes\" and <markup> \U0001f600. " * 20000 + "\n") * 20
    data = text.replace("The application of pressurised gas to produce mechanical motion.", big.strip(), 1).encode("utf-8")
    assert len(data) > 20_000_000
    outcome = try_page(tmp_path, data, formats=(ext,))
    assert outcome.kind == "ok", outcome.line


def small_esco_page(i: int, rng: random.Random, pool: list[str]) -> str:
    from test_properties import esco_page_order, render_esco

    labels = rng.sample(pool, rng.randint(1, 4))
    links = [SkillLink(rng.choice([ESSENTIAL, OPTIONAL]),
                       Skill(label=l, skill_type=KNOWLEDGE if pool.index(l) % 2 else SKILL,
                             reuse_level=("cross-sector", "sector-specific")[pool.index(l) % 2],
                             description=f"What {l} means.")) for l in labels]
    return render_esco(Occupation(label=f"occupation number {i}", source=Source("", "esco", ""), description=f"Occupation {i}.",
                                  esco_code=f"{1000 + i % 9000}.{i}", isco_code=f"{1000 + i % 9000}",
                                  skills=tuple(esco_page_order(links))))


def small_destinai_page(i: int, rng: random.Random, pool: list[str]) -> str:
    from test_properties import destinai_page_order, render_destinai

    labels = rng.sample(pool, rng.randint(1, 4))
    links = [SkillLink(rng.choice([ESSENTIAL, OPTIONAL]), Skill(label=l, skill_type=KNOWLEDGE if pool.index(l) % 2 else SKILL))
             for l in labels]
    return render_destinai(Occupation(label=f"destinai occupation {i}", source=Source("", "destinai", ""),
                                      description=f"Destinai occupation {i}.", skills=tuple(destinai_page_order(links))))


@pytest.mark.slow
def test_a_folder_of_10000_pages(tmp_path):
    """10,000 small pages (both layouts, DestinAI labels known from the ESCO pages) in one build."""
    rng = random.Random(10_000)
    pool = [f"skill{n} alpha{n}" for n in range(300)]
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(5000):
        (folder / f"esco-{i:05d}.txt").write_text(small_esco_page(i, rng, pool), encoding="utf-8")
        (folder / f"destinai-{i:05d}.txt").write_text(small_destinai_page(i, rng, pool), encoding="utf-8")
    outputs = build_outputs(tmp_path / "out")
    result = run_cli("build", folder, "-q", *[x for p in outputs.values() for x in ("-o", p)])
    assert result.exit_code == 0, result.output[-2000:]
    triples = check_outputs(outputs)
    occupations = {s for s, p, o in triples if str(o) == "http://data.europa.eu/esco/model#Occupation"}
    assert len(occupations) == 10_000


# --- 6. the fuzzer, a CI-sized run driven by hypothesis -----------------------------------------------

def _fuzz():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_parsers", ROOT / "fuzz" / "fuzz_parsers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FUZZ = _fuzz()
_SEEDS = FUZZ.seed_pages()
_FUZZ_TALLY = {"inputs": 0, "ok": 0, "error": 0}


def _fuzz_settings():
    from hypothesis import HealthCheck, settings

    return settings(max_examples=2000, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


from hypothesis import given, strategies as st  # noqa: E402


@_fuzz_settings()
@given(st.randoms(use_true_random=False), st.integers(0, 24))
def test_fuzz_parsers_ci(rnd, rdf_pick):
    """2,000 mutated real pages (fuzz/fuzz_parsers.py's mutations, drawn by hypothesis): no crash,
    every error one line naming the page; one in 25 parsed inputs also mapped, written and validated."""
    data = FUZZ.mutate(rnd, _SEEDS)
    outcome, detail = FUZZ.run_one(data, rdf=rdf_pick == 0)
    _FUZZ_TALLY["inputs"] += 1
    _FUZZ_TALLY[outcome if outcome in _FUZZ_TALLY else "error"] += 1
    assert outcome in ("ok", "error"), detail


def test_fuzz_script_runs(tmp_path):
    """The 100,000-input script itself, on 300 inputs in one process."""
    stats = FUZZ.fuzz(n=300, seed=7, workers=1, rdf_every=10)
    assert stats["inputs"] == 300 and stats["crash"] == 0 and stats["invalid"] == 0, stats["examples"]
    assert stats["ok"] > 0 and stats["error"] > 0 and stats["rdf_checked"] > 0


def test_fuzz_rdf_file_readers_ci():
    """fuzz/fuzz_rdf_files.py on 150 mutated builds (all five formats): `load` and the reader of
    `validate`/`diff` give a result or one error line naming the file; a failed load changes nothing."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_rdf_files", ROOT / "fuzz" / "fuzz_rdf_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stats = module.fuzz(n=150, seed=11)
    assert stats["inputs"] == 150 and stats["crash"] == 0, stats["examples"]
    assert stats["ok"] > 0 and stats["error"] > 0, stats


def test_fuzzed_html_markup_is_an_error_or_a_page():
    """fuzz_parsers' HTML mutations alone (tags, deep nesting, attribute floods) on the browser-saved
    pages of the three layouts: no crash, every error one line naming the page."""
    import random

    saved = [seed for seed in _SEEDS if seed.lstrip().startswith(b"<!DOCTYPE") or b"<html" in seed[:200]]
    assert len(saved) >= 5
    rng = random.Random(14)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(150):
        data = rng.choice(saved)
        for _ in range(rng.randint(1, 4)):
            data = rng.choice([FUZZ.m_tag, FUZZ.m_nest, FUZZ.m_attributes])(rng, data)
        outcome, detail = FUZZ.run_one(data)
        assert outcome in outcomes, detail
        outcomes[outcome] += 1
    assert outcomes["ok"] > 0, outcomes


# --- regressions: one test per bug fixed while writing this suite -----------------------------------

_ESCO_TEXT = ESCO_BYTES.decode("utf-8")
_DESTINAI_TEXT = DESTINAI_BYTES.decode("utf-8")


@pytest.mark.parametrize("text", [
    _ESCO_TEXT.replace("Competences\n79", "Competences\n\u00b2", 1),  # isdigit() but int() refuses it
    _ESCO_TEXT.replace("Competences\n79", "Competences\n" + "9" * 5000, 1),  # int() refuses > 4300 digits
    _ESCO_TEXT.replace("10 competences\nbiomedical", "9" * 5000 + " competences\nbiomedical", 1),
    _ESCO_TEXT.replace("Essential knowledge 10 competences", "Essential knowledge " + "1" * 5000 + " competences", 1),
    _ESCO_TEXT.replace("79 ESCO relations", "9" * 5000 + " ESCO relations", 1),
    _DESTINAI_TEXT.replace("41 total", "9" * 5000 + " total", 1),
    _DESTINAI_TEXT.replace("21 essential", "9" * 5000 + " essential", 1),
], ids=["superscript", "5000-digit-header", "5000-digit-bucket", "5000-digit-section", "5000-digit-relations",
        "destinai-total", "destinai-essential"])
def test_regression_counts_int_cannot_read(tmp_path, text):
    """Fixed (parsers): int() on '²' or on a 5,000-digit count raised ValueError (a traceback)."""
    outcome = try_page(tmp_path, text.encode("utf-8"))
    assert outcome.kind == "error" and "plausible count" in outcome.line


def test_regression_destinai_count_beyond_its_labels(tmp_path):
    """Fixed (destinai.py): a declared count larger than the labels' characters sent the splitter
    into a MemoryError; now one error line."""
    outcome = try_page(tmp_path, _DESTINAI_TEXT.replace("21 essential", "999979 essential", 1).replace(
        "41 total", "999999 total", 1).encode("utf-8"))
    assert outcome.kind == "error" and "999979 essential" in outcome.line


def test_regression_unicode_digits_are_no_codes(tmp_path):
    """Fixed (esco.py): '\\d' matched '٣١١٤', giving ISCO IRIs such as <.../isco/C٣١١٤>."""
    text = _ESCO_TEXT.replace("3114.1.5 ISCO 3114", "\u0663\u0661\u0661\u0664.1.5 ISCO \u0663\u0661\u0661\u0664", 1)
    outcome = try_page(tmp_path, text.encode("utf-8"))
    if outcome.kind == "ok":
        assert outcome.record.esco_code is None and outcome.record.isco_code is None
        assert not any("isco/C" in str(t) and not str(t).isascii() for triple in outcome.triples for t in triple)


def test_regression_one_bad_byte_keeps_a_utf8_page_utf8(tmp_path):
    """Fixed (pages.decode): one invalid byte made a UTF-8 DestinAI page Windows-1252, its '§ ·'
    marker mojibake, and the page 'not an occupation page'."""
    data = DESTINAI_BYTES.replace(b"Description\n\nMicrosystem", b"Description\n\nMicro\xffsystem", 1)
    outcome = try_page(tmp_path, data)
    assert outcome.kind == "ok", outcome.line
    assert outcome.record.description.startswith("Micro\ufffdsystem")
    assert [l.skill.label for l in outcome.record.skills] == [l.skill.label for l in FULL["destinai"].skills]


def test_regression_invisible_only_page_is_empty(tmp_path):
    """Fixed (pages.decode): a page of NBSP and zero-width spaces only was 'not an occupation page'."""
    outcome = try_page(tmp_path, "\u00a0\u200b\n\ufeff \u2060\n".encode("utf-8"))
    assert outcome.kind == "error" and "empty" in outcome.line


def test_regression_noncharacters_in_a_page(tmp_path):
    """Fixed (pages.decode): U+FFFE / U+FFFF in a label reached the Turtle output, which rapper refuses."""
    text = _ESCO_TEXT.replace("\nbiomedical engineering\n", "\nbiomedical \ufffe engineering \uffff\n", 1)
    outcome = try_page(tmp_path, text.encode("utf-8"))
    assert outcome.kind == "ok", outcome.line
    assert "biomedical \ufffd engineering \ufffd" in {l.skill.label for l in outcome.record.skills}


def test_regression_invisible_characters_in_a_destinai_run(tmp_path):
    """Fixed (destinai.py): zero-width and control characters stayed in the run given to the
    splitter, so a lexicon label ('design drawings') no longer matched 'design\\u200bdrawings'."""
    from esco_graph.parse.split import Lexicon

    text = _DESTINAI_TEXT.replace("quality standardsdesign drawings", "quality\u200d standardsdesign\u200b dra\x01wings", 1)
    page = page_from_bytes(text.encode("utf-8"), "page.txt", iri="file:///page.txt", retrieved=None)
    lexicon = Lexicon([l.skill.label for l in FULL["destinai"].skills])
    record = parse_page(page, lexicon=lexicon)
    assert [l.skill.label for l in record.skills] == [l.skill.label for l in FULL["destinai"].skills]
