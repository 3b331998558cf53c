"""Issue 14, item 1: budgets, not luck. Inputs beyond what any real page holds are refused with
the cap named, before the quadratic parts (the splitter, lexbor) see them; a parse worker that
dies stops the build cleanly instead of hanging it."""
from __future__ import annotations

import os
import signal

import pytest
from click.testing import CliRunner
from conftest import DESTINAI_PAGE, ESCO_PAGE

from esco_graph.pipeline import parsing
from esco_graph.cli import cli
from esco_graph.errors import EscoGraphError
from esco_graph.parse import MAX_PAGE_LINES
from esco_graph.parse.destinai import MAX_PAGE_RUN_CHARS, MAX_RUN_CHARS
from esco_graph.parse.html import MAX_HTML_DEPTH, MAX_TAG_ATTRIBUTES, check_html


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _destinai_with_line(tmp_path, line: str):
    lines = DESTINAI_PAGE.read_text(encoding="utf-8").splitlines()
    i = next(n for n, text in enumerate(lines) if text.startswith("quality standardsdesign drawings"))
    lines[i] = line
    page = tmp_path / "long.txt"
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return page


def test_a_run_together_line_over_the_cap_is_refused_with_the_cap_named(tmp_path):
    page = _destinai_with_line(tmp_path, "ab" * (MAX_RUN_CHARS // 2 + 1))
    r = run("parse", page)
    assert r.exit_code == 1 and f"at most {MAX_RUN_CHARS}" in r.stderr and r.stderr.count("\n") == 1


def test_run_together_lines_over_the_page_cap_are_refused(tmp_path):
    lines = DESTINAI_PAGE.read_text(encoding="utf-8").splitlines()
    starts = ("quality standards", "precision mechanics", "liaise with engineers", "monitor machine operations")
    runs = [n for n, text in enumerate(lines) if text.startswith(starts)]
    assert len(runs) == 4
    each = MAX_PAGE_RUN_CHARS // len(runs) + 1
    for n in runs:
        lines[n] = ("quality standards" * (each // 17 + 1))[:each]
    assert each <= MAX_RUN_CHARS
    page = tmp_path / "many.txt"
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("parse", page)
    assert r.exit_code == 1 and f"at most {MAX_PAGE_RUN_CHARS}" in r.stderr


def test_a_line_under_the_cap_is_still_split(tmp_path):
    line = DESTINAI_PAGE.read_text(encoding="utf-8").splitlines()
    first = next(text for text in line if text.startswith("quality standardsdesign drawings"))
    page = _destinai_with_line(tmp_path, first)
    assert run("parse", page).exit_code == 0


def test_a_page_over_the_line_cap_is_refused(tmp_path):
    page = tmp_path / "huge.txt"
    page.write_text(ESCO_PAGE.read_text(encoding="utf-8") + "\nx" * (MAX_PAGE_LINES + 1), encoding="utf-8")
    r = run("parse", page)
    assert r.exit_code == 1 and f"at most {MAX_PAGE_LINES}" in r.stderr


@pytest.mark.parametrize("html, cap", [
    ("<html><body>" + "<div>" * (MAX_HTML_DEPTH + 1) + "x" + "</div>" * (MAX_HTML_DEPTH + 1) + "</body></html>",
     str(MAX_HTML_DEPTH)),
    ("<html><body><div " + " ".join(f'a{i}="v"' for i in range(MAX_TAG_ATTRIBUTES + 1)) + ">x</div></body></html>",
     str(MAX_TAG_ATTRIBUTES)),
], ids=["nesting", "attributes"])
def test_hostile_html_is_refused_before_the_parser_sees_it(tmp_path, html, cap):
    page = tmp_path / "hostile.html"
    page.write_text(html, encoding="utf-8")
    r = run("parse", page)
    assert r.exit_code == 1 and cap in r.stderr and "hostile.html" in r.stderr


def test_real_html_shapes_pass_the_check():
    """Unclosed <p> and <li> (implied end tags), void elements and self-closing tags do not count as nesting."""
    check_html("<ul>" + "<li>item" * (MAX_HTML_DEPTH * 2) + "</ul>")
    check_html("<div>" + "<p>text<br><img src=x>" * (MAX_HTML_DEPTH * 2) + "</div>")
    check_html("<svg>" + '<path d="M0 0"/>' * (MAX_HTML_DEPTH * 2) + "</svg>")


_REAL_PARSE = parsing._parse_deferred_one


def _dies_on_page_40(item):
    """The worker's function, killed (as by kill -9 or the OOM killer) on one page (module level:
    the pool sends it to the workers by name)."""
    if item[0].location.endswith("page-040.txt"):  # item: (its Source, the laid out page, its layout)
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_PARSE(item)


def test_a_parse_worker_that_dies_stops_the_build_cleanly(tmp_path, monkeypatch):
    """kill -9 of a worker (the OOM killer does the same): a clear error, not a build waiting forever."""
    text = DESTINAI_PAGE.read_text(encoding="utf-8")
    for n in range(80):
        (tmp_path / f"page-{n:03}.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(parsing, "_parse_deferred_one", _dies_on_page_40)
    with pytest.raises(EscoGraphError, match="a parse worker died"):
        parsing.parse_pages([str(tmp_path)], jobs=2)
    r = run("build", tmp_path, "-o", tmp_path / "out.ttl", "-j", "2")
    assert r.exit_code == 1 and "a parse worker died" in r.stderr and not (tmp_path / "out.ttl").exists()


def test_a_long_chunk_asks_wordfreq_only_for_words(tmp_path, monkeypatch):
    """Regression (fuzzer, issue 14): a run-together line of 18,000 characters with 3,000 `</div>` in one
    label sent every prefix of that space-free chunk to wordfreq, whose tokenizer is linear in it: 51 s
    for one page. Now a "word" longer than any in wordfreq's list is unknown without asking."""
    import wordfreq

    from esco_graph.parse.split.words import MAX_WORD_CHARS

    asked: list[int] = []
    real = wordfreq.zipf_frequency
    monkeypatch.setattr(wordfreq, "zipf_frequency", lambda word, *a, **k: asked.append(len(word)) or real(word, *a, **k))
    line = ("precision mechanicsMOEMpre" + "</div>" * 3000 + "cision measuring instruments"
            "surface-mount technologyautomatic control systemfirmwareCAD software")
    page = _destinai_with_line(tmp_path, line)
    r = run("parse", page)
    assert r.exit_code in (0, 1) and "Traceback" not in r.output
    assert max(asked, default=0) <= MAX_WORD_CHARS
    assert sum(asked) <= 50 * len(line), (len(asked), sum(asked))


@pytest.mark.parametrize("tag, count", [
    (' a=1 b="x y z" c d = e f=\'q\'', 5),
    (' data-json="{&quot;a&quot;: 1, &quot;b&quot;: [1, 2, 3]}" class="x y" hidden', 3),
    (' a="x=y=z w=v"', 1),
    (" " + "x" * 100_000, 1),  # one long name: one attribute (the old pattern took its square in time)
    (" " + " ".join(f"a{i}" for i in range(7000)), 7000),
])
def test_attributes_are_counted_as_the_parser_sees_them(tag, count):
    from esco_graph.parse.html import _attribute_count

    assert _attribute_count(tag) == count


@pytest.mark.parametrize("piece", ["a", "a\n"], ids=["one line", "a field of many lines"])
def test_a_vocabulary_zip_inflating_to_one_huge_field_is_refused(tmp_path, piece):
    """Issue 14: a 612 KB vocabulary zip took 4 GB (the csv module's field limit was lifted to 2 GiB).
    Now a field over MAX_CSV_FIELD_CHARS is refused with the cap named, and the process-wide csv
    limit is left as it was. A line is read with that bound too (the csv module holds a whole line
    before it checks a field: a 600 MB line took 1.3 GB before being refused)."""
    import csv
    import zipfile

    from esco_graph.errors import VocabularyError
    from esco_graph.vocabulary import Vocabulary
    from esco_graph.vocabulary.csvload import MAX_CSV_FIELD_CHARS

    bomb = tmp_path / "esco.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("skills_en.csv", "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,description\n"
                   "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/00064735-8fad-454b-90c7-ed858cc993f2,"
                   'skill/competence,,a skill,"' + piece * (MAX_CSV_FIELD_CHARS * 20 // len(piece)) + '"\n')
    assert bomb.stat().st_size < 100_000
    before = csv.field_size_limit()
    with pytest.raises(VocabularyError, match=f"(line|field) of more than {MAX_CSV_FIELD_CHARS} characters"):
        Vocabulary.load([bomb])
    assert csv.field_size_limit() == before
    r = run("build", ESCO_PAGE, "--vocabulary", bomb, "-o", tmp_path / "g.ttl")
    assert r.exit_code != 0 and "Traceback" not in r.output and str(MAX_CSV_FIELD_CHARS) in r.stderr
