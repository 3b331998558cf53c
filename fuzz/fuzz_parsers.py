"""Fuzz the page readers and layout parsers with mutated real pages.

    python fuzz/fuzz_parsers.py [-n 100000] [--seed 0] [--workers 2] [--rdf-every 50] [--save-crashes DIR]

Each input is one of the real pages (data/samples/*.txt, both layouts, as text and saved as
HTML; tests/fixtures/html, the three layouts as browsers save them), or two of them glued
together, mutated 1-8 times by: HTML markup (tags opened, closed and cut at random, comments,
CDATA, broken entities, up to 3,000 nested elements, up to 4,000 attributes on a tag), byte flips, byte inserts and deletes, a cut, line drops,
duplications and swaps, random Unicode (control characters, NBSP, zero-width spaces, other
digits such as '²' or '٣', emoji, right-to-left text, BOMs), numbers replaced (0, negative,
huge, 5,000 digits), layout keywords spliced in at random lines, and re-encoding (UTF-16,
Latin-1, CRLF / CR line ends). Each input goes through what a build does to a page:
``page_from_bytes`` (decoding) and ``parse.parse_page`` (lay out, detect, parse, links) (with and
without a lexicon of known labels). Every ``--rdf-every``-th input that parses is also mapped to
RDF, written as N-Triples, read back by pyoxigraph and validated against the SHACL shapes.

A crash is any exception that is not an ``esco_graph.errors.EscoGraphError``; an invalid output
is N-Triples that do not parse back or a graph that does not conform. The run prints one JSON
line of figures and exits 1 when there was a crash or an invalid output.

The mutator takes any ``random.Random``-like source, so the CI test
(tests/test_hostile.py::test_fuzz_parsers_ci) drives the same mutations from hypothesis.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from esco_graph.errors import EscoGraphError  # noqa: E402

SAMPLES = ROOT / "data" / "samples"

#: Characters a hostile page may hold, drawn from by the Unicode mutation.
HOSTILE_CHARS = [
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f",
    "\t", "\r", "\r\n", "\n", "\u00a0", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u2028", "\u2029", "\u202e", "\u202d", "\u200f", "\u061c", "\ufffd", "\uffff", "\U0010fffd",
    "\u00b2", "\u00b3", "\u00b9", "\u0663", "\u0661", "\u0966", "\uff11", "\u2460", "\u216b",
    "\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u4e2d\u6587", "e\u0301", "\ufb01", "\u0130", "\u00df", "\u03a3",
    '"', '"""', "'", "\\", "<", ">", "{", "}", "@", "#", "%", "^", "`", "|", "$", "?", "&", "/",
    "<http://example.org/x>", "file:///etc/passwd", "../../etc/passwd", "\" ; <a:b> <c:d> .",
    "}}} DROP ALL ; INSERT DATA { <a:a> <a:a> <a:a> }", "@prefix x: <http://evil/> .",
    "<!ENTITY x SYSTEM \"file:///etc/passwd\">", "&x;", "${jndi:ldap://127.0.0.1/a}", "%00", "%2e%2e/",
]

#: Lines of the two layouts, spliced in at random places.
KEYWORDS = [
    "ESCO occupation", "Back to ESCO occupations", "Skip to content", "ESCO source", "digital",
    "Scope note", "Competences", "Groups", "Essential", "Optional", "79 ESCO relations",
    "3114.1.5 ISCO 3114 ESCO source", "9999.9 ISCO 99999 ESCO source",
    "Essential knowledge 10 competences", "Essential skills and competences 1 competence",
    "Optional knowledge 0 competences", "Optional skills and competences 3 competences",
    "Occupation specific", "Sector-specific", "Cross-sector", "Transversal",
    "0 competences", "1 competence", "No competences in this bucket.",
    "\u00a7 OCCUPATION \u00b7 GLOBAL STANDARDS", "Description", "Theoretical Knowledge",
    "Practical Skills", "ESSENTIALTheoretical knowledge required", "OPTIONALOptional competences",
    "ESSENTIAL", "OPTIONAL", "GLOBAL RESOURCE", "SKILLS OVERVIEW", "41 total",
    "21 essential \u00b7 20 optional", "View official definition \u2197", "View on Official Portal \u2197",
    "<html><body>", "</body></html>", "<?xml version=\"1.0\"?>",
]

NUMBERS = ["0", "1", "-1", "00", "007", "4294967296", "9" * 30, "9" * 5000, "1e9", "1.5", "\u00b2", "\u0663\u0661", "\uff11\uff12"]


def html_page(text: str) -> bytes:
    """A text page saved as HTML: one <div> a line, ESCO source lines as links to an ESCO IRI."""
    import html

    rows = []
    for i, line in enumerate(text.split("\n")):
        if line == "ESCO source":
            rows.append(f'<div><a href="https://esco.ec.europa.eu/en/classification/skill?uri=http://data.europa.eu/esco/skill/'
                        f'{i:08x}-0000-4000-8000-000000000000">ESCO source</a></div>')
        else:
            rows.append(f"<div>{html.escape(line)}</div>" if line else "<p></p>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>page</title><script>var x = '</div>';</script></head>"
            "<body>\n" + "\n".join(rows) + "\n</body></html>\n").encode("utf-8")


HTML_FIXTURES = ROOT / "tests" / "fixtures" / "html"


def seed_pages() -> list[bytes]:
    """The real pages, as bytes, each saved as HTML, and the HTML pages of the three layouts as
    browsers save them (tests/fixtures/html: nested markup, scripts, links to ESCO)."""
    texts = [p.read_bytes() for p in sorted(SAMPLES.glob("*.txt"))]
    saved = [p.read_bytes() for p in sorted(HTML_FIXTURES.glob("*.html"))]
    return texts + [html_page(t.decode("utf-8")) for t in texts] + saved


# --- mutations -------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def m_byte_flip(rng, data: bytes) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def m_byte_insert(rng, data: bytes) -> bytes:
    i = rng.randint(0, len(data))
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return data[:i] + junk + data[i:]


def m_byte_delete(rng, data: bytes) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 64):]


def m_cut(rng, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def m_line_drop(rng, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        if lines:
            del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def m_line_dup(rng, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    j = min(len(lines), i + rng.randint(1, 40))
    k = rng.randint(0, len(lines))
    return b"\n".join(lines[:k] + lines[i:j] + lines[k:])


def m_line_swap(rng, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def m_block_move(rng, data: bytes) -> bytes:
    """Move a block of lines elsewhere (sections reordered)."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    j = min(len(lines), i + rng.randint(1, 80))
    block, rest = lines[i:j], lines[:i] + lines[j:]
    k = rng.randint(0, len(rest))
    return b"\n".join(rest[:k] + block + rest[k:])


def m_unicode(rng, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="surrogateescape")
    for _ in range(rng.randint(1, 6)):
        i = rng.randint(0, len(text))
        piece = rng.choice(HOSTILE_CHARS) if rng.random() < 0.8 else chr(rng.choice(
            [rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0xD800), rng.randrange(0xE000, 0x110000)]))
        text = text[:i] + piece + text[i:]
    return text.encode("utf-8", errors="surrogateescape")


def m_number(rng, data: bytes) -> bytes:
    import re

    spans = [m.span() for m in re.finditer(rb"\d+", data)]
    if not spans:
        return data
    a, b = rng.choice(spans)
    return data[:a] + rng.choice(NUMBERS).encode("utf-8") + data[b:]


def m_keyword(rng, data: bytes) -> bytes:
    lines = _lines(data)
    k = rng.randint(0, len(lines))
    return b"\n".join(lines[:k] + [rng.choice(KEYWORDS).encode("utf-8")] + lines[k:])


def m_line_ends(rng, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n", b"\t\n", b" \n", b"\n\xc2\xa0"]))


def m_reencode(rng, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoding = rng.choice(["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252"])
    return text.encode(encoding, errors="replace")


def m_splice(rng, data: bytes, others: list[bytes]) -> bytes:
    other = rng.choice(others)
    i, j = rng.randint(0, len(data)), rng.randint(0, len(other))
    return data[:i] + other[j:]


# --- HTML mutations (the markup, not the text: what a hostile or broken saved page holds) ---------

TAGS = ["div", "span", "a", "p", "li", "ul", "h2", "section", "table", "tr", "td", "b", "i", "br", "img",
        "script", "style", "template", "noscript", "textarea", "title", "svg", "math", "iframe", "select"]
MARKUP = [
    "<!--", "-->", "<!-- x -->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml version=\"1.0\"?>", "</>", "<>",
    "&amp;", "&nbsp;", "&#0;", "&#x110000;", "&#xD800;", "&#9999999999;", "&notanentity;", "&", "&#", "<a href=",
    '<a href="javascript:alert(1)">', '<a href="https://esco.ec.europa.eu/en/classification/skill?uri=">',
    '<a href="http://data.europa.eu/esco/skill/../../x">', "<meta charset=\"utf-16\">", "<meta charset=\"bogus\">",
    "<base href=\"http://evil/\">", "</body>", "</html>", "<body>", "<html>", "<plaintext>",
]


def m_tag(rng, data: bytes) -> bytes:
    """Tags opened, closed or self-closed at random places, comments and CDATA cut, entities broken."""
    text = data.decode("utf-8", errors="surrogateescape")
    for _ in range(rng.randint(1, 6)):
        i = rng.randint(0, len(text))
        tag = rng.choice(TAGS)
        piece = rng.choice([f"<{tag}>", f"</{tag}>", f"<{tag}/>", f"<{tag} class=x", rng.choice(MARKUP)])
        text = text[:i] + piece + text[i:]
    return text.encode("utf-8", errors="surrogateescape")


def m_nest(rng, data: bytes) -> bytes:
    """A span of the page wrapped in up to 3,000 nested elements (some never closed)."""
    text = data.decode("utf-8", errors="surrogateescape")
    i = rng.randint(0, len(text))
    j = rng.randint(i, min(len(text), i + 2000))
    depth = rng.choice([2, 50, 500, 3000])
    tag = rng.choice(["div", "span", "a", "b", "li", "table", "p"])
    closing = f"</{tag}>" * (depth if rng.random() < 0.7 else rng.randint(0, depth))
    return (text[:i] + f"<{tag}>" * depth + text[i:j] + closing + text[j:]).encode("utf-8", errors="surrogateescape")


def m_attributes(rng, data: bytes) -> bytes:
    """A tag given many attributes (up to 4,000), long values, duplicates, no quotes."""
    text = data.decode("utf-8", errors="surrogateescape")
    spots = [k for k in range(len(text) - 1) if text[k] == "<" and text[k + 1].isalpha()][:5000]
    if not spots:
        return data
    k = rng.choice(spots) + 1
    while k < len(text) and text[k].isalnum():
        k += 1
    n = rng.choice([1, 10, 300, 4000])
    value = rng.choice(["x", "x" * (20_000 // n), '"', "'", "a b", "&quot;", "</div>"])
    attributes = "".join(f" a{m % 50}={value!r}" for m in range(n))
    return (text[:k] + attributes + text[k:]).encode("utf-8", errors="surrogateescape")


MUTATIONS = [
    m_byte_flip, m_byte_insert, m_byte_delete, m_cut, m_line_drop, m_line_dup, m_line_swap,
    m_block_move, m_unicode, m_unicode, m_number, m_number, m_keyword, m_keyword, m_line_ends,
    m_tag, m_tag, m_nest, m_attributes,
]


def mutate(rng, seeds: list[bytes]) -> bytes:
    """One fuzz input: a real page (or two glued), mutated 1-8 times, maybe re-encoded."""
    data = rng.choice(seeds)
    if rng.random() < 0.05:
        data = m_splice(rng, data, seeds)
    for _ in range(rng.randint(1, 8)):
        data = rng.choice(MUTATIONS)(rng, data)
    if rng.random() < 0.08:
        data = m_reencode(rng, data)
    return data


# --- the target ------------------------------------------------------------------------------

_LEXICON = None


def _lexicon():
    """Known labels, as a build that read the ESCO sample page first has them."""
    global _LEXICON
    if _LEXICON is None:
        from esco_graph.pipeline import parse_page
        from esco_graph.parse.split import Lexicon

        _LEXICON = Lexicon()
        for path in sorted(SAMPLES.glob("esco-*.txt")):
            for link in parse_page(path).skills:
                _LEXICON.add(link.skill.label, source="page", skill_type=link.skill.skill_type)
    return _LEXICON


def parse_bytes(data: bytes, location: str = "fuzz.txt", *, lexicon=None):
    """What a build does to one page's bytes: decode, lay out, detect, parse. Returns the record."""
    from esco_graph.parse import ParseContext, parse_page
    from esco_graph.sources.pages import page_from_bytes

    page = page_from_bytes(data, location, iri="file:///fuzz/" + location, retrieved="2026-01-01T00:00:00Z")
    return parse_page(page, ParseContext(lexicon=lexicon))


def check_rdf(record) -> str | None:
    """Map a record to RDF, write N-Triples, read them back, validate. None when all is well."""
    import pyoxigraph as ox

    from esco_graph.graph.writers import serialize
    from esco_graph.graph.mapping import every_triple, page_graphs
    from esco_graph.reconcile import reconcile
    from esco_graph.shacl import validate

    graphs = page_graphs(reconcile([record]), base_iri="http://example.org/esco-graph/")
    data = serialize(graphs, "ntriples")
    try:
        count = sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        return f"N-Triples do not parse back: {exc}"
    if count != len(set(every_triple(graphs))):
        return "N-Triples lost triples"
    from esco_graph.graph.mapping import to_graph

    conforms, _, text = validate(to_graph(graphs))
    return None if conforms else "does not conform: " + text[:500]


def run_one(data: bytes, *, rdf: bool = False) -> tuple[str, str | None]:
    """('ok' | 'error' | 'crash' | 'invalid', detail) for one input."""
    try:
        record = parse_bytes(data, lexicon=_lexicon() if data[-1:] in (b"1", b"3", b"5") else None)
    except EscoGraphError as exc:
        text = str(exc)
        if "\n" in text or not text.startswith("fuzz.txt: "):
            return "crash", f"error message is not one line naming the page: {text[:300]!r}"
        return "error", None
    except RecursionError:
        return "crash", traceback.format_exc()
    except Exception:  # noqa: BLE001 - a crash is exactly what we look for
        return "crash", traceback.format_exc()
    if rdf:
        try:
            problem = check_rdf(record)
        except EscoGraphError:
            return "crash", "mapping a parsed record raised:\n" + traceback.format_exc()
        except Exception:  # noqa: BLE001
            return "crash", traceback.format_exc()
        if problem:
            return "invalid", problem
    return "ok", None


def _worker(args) -> dict:
    seed, count, rdf_every, save = args
    rng = random.Random(seed)
    seeds = seed_pages()
    stats = {"inputs": 0, "ok": 0, "error": 0, "crash": 0, "invalid": 0, "rdf_checked": 0, "examples": []}
    for i in range(count):
        data = mutate(rng, seeds)
        rdf = rdf_every > 0 and i % rdf_every == 0
        outcome, detail = run_one(data, rdf=rdf)
        stats["inputs"] += 1
        stats[outcome] += 1
        if rdf and outcome in ("ok", "invalid"):
            stats["rdf_checked"] += 1
        if outcome in ("crash", "invalid"):
            if len(stats["examples"]) < 20:
                stats["examples"].append(detail.strip().splitlines()[-1][:300])
            if save:
                name = f"{outcome}-{seed}-{i}.txt"
                Path(save, name).write_bytes(data)
                Path(save, name + ".log").write_text(detail)
    return stats


def fuzz(n: int = 100_000, seed: int = 0, workers: int = 2, rdf_every: int = 50, save: str | None = None) -> dict:
    """Run n inputs over `workers` processes; the figures as a dict."""
    started = time.perf_counter()
    shares = [n // workers + (1 if k < n % workers else 0) for k in range(workers)]
    jobs = [(seed * 1000 + k, share, rdf_every, save) for k, share in enumerate(shares) if share]
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_worker, jobs)
    else:
        parts = [_worker(job) for job in jobs]
    total: dict = {"inputs": 0, "ok": 0, "error": 0, "crash": 0, "invalid": 0, "rdf_checked": 0, "examples": []}
    for part in parts:
        for key, value in part.items():
            total[key] = total[key] + value
    total["seconds"] = round(time.perf_counter() - started, 1)
    total["seed"] = seed
    total["workers"] = workers
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="number of inputs (default 100000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rdf-every", type=int, default=50, help="map, write and validate every N-th parsed input (0: never)")
    parser.add_argument("--save-crashes", metavar="DIR", help="write each crashing input and its traceback here")
    args = parser.parse_args(argv)
    if args.save_crashes:
        os.makedirs(args.save_crashes, exist_ok=True)
    stats = fuzz(args.n, args.seed, args.workers, args.rdf_every, args.save_crashes)
    print(json.dumps(stats, ensure_ascii=False))
    return 1 if stats["crash"] or stats["invalid"] else 0


if __name__ == "__main__":
    sys.exit(main())
