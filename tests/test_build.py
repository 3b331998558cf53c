"""The build pipeline: parallel and serial parsing agree; the fast writers equal the straightforward path."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from conftest import DESTINAI_PAGE, ESCO_PAGE, ROOT, SAMPLES
from esco_graph import build_graph, serialize
from esco_graph.pipeline import parsing
from esco_graph.errors import DataQualityError, EscoGraphError, InputError, OptionError, ValidationError
from esco_graph.graph.mapping import merged_triples
from esco_graph.model import Skill, skill_fields
from esco_graph.pipeline import parse_pages


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory):
    """70 DestinAI pages (distinct titles) and the ESCO page: enough to use the worker pool."""
    folder = tmp_path_factory.mktemp("many")
    text = DESTINAI_PAGE.read_text(encoding="utf-8")
    for i in range(70):
        page = text.replace("\nmicrosystem engineering technician\n", f"\nmicrosystem engineering technician {i}\n", 1)
        (folder / f"destinai-{i:03}.txt").write_text(page, encoding="utf-8")
    (folder / "esco.txt").write_text(ESCO_PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_parallel_and_serial_builds_are_byte_identical(many_pages):
    serial = build_graph([str(many_pages)], jobs=1, validate=False)
    parallel = build_graph([str(many_pages)], jobs=2, validate=False)
    assert len(serial.records) == 71
    for fmt in ("nquads", "turtle", "jsonld"):
        assert serialize(serial.graphs, fmt) == serialize(parallel.graphs, fmt), fmt


@pytest.fixture(scope="module")
def mixed_pages(tmp_path_factory):
    """100 pages past the few a build reads in its own process: ESCO and DestinAI pages taking
    turns, an HTML one, and three bad ones (two a worker finds, one the reading finds)."""
    folder = tmp_path_factory.mktemp("mixed")
    esco, destinai = ESCO_PAGE.read_text(encoding="utf-8"), DESTINAI_PAGE.read_text(encoding="utf-8")
    for i in range(100):
        if i == 75:
            text = "no layout claims this page\n" * 3
        elif i == 85:
            text = ""  # empty: refused as it is read
        elif i == 95:
            text = esco.replace("Essential skills", "Essential skilz")  # no sections: no layout
        elif i % 2:
            text = destinai.replace("\nmicrosystem engineering technician\n", f"\nmicrosystem technician {i}\n", 1)
        else:
            text = esco.replace("medical device engineering technician", f"medical device technician {i}")
        (folder / f"page-{i:03}.txt").write_text(text, encoding="utf-8")
    html = ROOT / "tests" / "fixtures" / "html" / "esco-medical-device-engineering-technician.html"
    (folder / "page-080.html").write_bytes(html.read_bytes())  # with its links to ESCO's IRIs
    return folder


def _marked(page):
    """The worker's function, marking each page it reads in a file (the workers are other processes)."""
    with open(os.environ["ESCO_GRAPH_TEST_MARKS"], "a", encoding="utf-8") as marks:
        marks.write(f"{os.getpid()} {page.location}\n")
    return _REAL_READ(page)


def test_pages_read_in_workers_give_what_one_process_gives(mixed_pages, tmp_path, monkeypatch):
    """Past its first pages a build lays out, tells apart and parses pages in worker processes; the
    records, the failures and their order are those of the one-process parse."""
    marks = tmp_path / "marks"
    monkeypatch.setenv("ESCO_GRAPH_TEST_MARKS", str(marks))
    monkeypatch.setattr(parsing, "_read_page", _marked)
    def read_by() -> list[int]:
        pids = [int(line.split(" ", 1)[0]) for line in marks.read_text(encoding="utf-8").splitlines()]
        marks.unlink()
        return pids

    pages = 101 - 1  # the empty page is refused as it is read: never read as a page
    alone = parse_pages([str(mixed_pages)], jobs=1, keep_going=True)
    assert read_by() == [os.getpid()] * pages
    aside = parse_pages([str(mixed_pages)], jobs=2, keep_going=True)
    pids = read_by()
    first = parsing._PagesAside.FIRST
    assert pids[:first] == [os.getpid()] * first and len(pids) == pages
    assert os.getpid() not in pids[first:]
    assert aside.records == alone.records
    assert [(e.location, str(e)) for e in aside.failures] == [(e.location, str(e)) for e in alone.failures]
    assert [Path(e.location).name for e in aside.failures] == ["page-075.txt", "page-085.txt", "page-095.txt"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_first_bad_page_is_the_one_raised(mixed_pages, jobs):
    """Without --keep-going the build stops at the first bad page in input order: page 75, which a
    worker finds, although this process reads the empty page 85 before that worker's batch is back."""
    with pytest.raises(InputError) as raised:
        parse_pages([str(mixed_pages)], jobs=jobs)
    assert Path(raised.value.location).name == "page-075.txt"


_REAL_READ = parsing._read_page


def _dies_on_page_70(page):
    if page.location.endswith("page-070.txt"):
        os.kill(os.getpid(), signal.SIGKILL)  # as kill -9 or the OOM killer would
    return _REAL_READ(page)


def test_a_worker_reading_pages_that_dies_stops_the_parse_cleanly(mixed_pages, monkeypatch):
    monkeypatch.setattr(parsing, "_read_page", _dies_on_page_70)
    with pytest.raises(EscoGraphError, match=r"a parse worker died \(killed, or out of memory\) while parsing .*page-064.txt"):
        parse_pages([str(mixed_pages)], jobs=2, keep_going=True)


def test_a_page_that_fails_in_a_split_worker_is_that_pages_error(tmp_path):
    """Regression: a typed error did not survive the trip back from a worker process (its two
    arguments were not pickled), so a DestinAI page whose counts do not add up, split in a worker,
    was reported as a worker that died, and stopped the build even with --keep-going."""
    text = DESTINAI_PAGE.read_text(encoding="utf-8")
    assert "\n41 total\n" in text
    for i in range(70):
        page = text.replace("\nmicrosystem engineering technician\n", f"\nmicrosystem technician {i}\n", 1)
        if i in (10, 68):
            page = page.replace("\n41 total\n", "\n42 total\n")
        (tmp_path / f"destinai-{i:03}.txt").write_text(page, encoding="utf-8")
    outcomes = [parse_pages([str(tmp_path)], jobs=jobs, keep_going=True) for jobs in (1, 2)]
    for outcome in outcomes:
        assert [Path(e.location).name for e in outcome.failures] == ["destinai-010.txt", "destinai-068.txt"]
        assert all("42" in str(e) for e in outcome.failures)
    assert outcomes[0].records == outcomes[1].records and len(outcomes[1].records) == 68


@pytest.mark.parametrize("error", [InputError("page.txt", "no layout"), DataQualityError("p.html", "counts differ"),
                                   OptionError("bad tag", "--language"), ValidationError("does not conform")])
def test_typed_errors_cross_processes_whole(error):
    import pickle

    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error) and vars(again) == vars(error)


def test_fast_writers_equal_rdflib_serialisers(many_pages):
    result = build_graph([str(many_pages)], jobs=1)
    straightforward = Graph()
    for triple in merged_triples(result.graphs):
        straightforward.add(triple)
    for fmt, rdflib_format in (("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld")):
        ours = Graph().parse(data=serialize(result.graphs, fmt), format=rdflib_format)
        assert isomorphic(ours, straightforward), fmt
    theirs = Graph().parse(data=straightforward.serialize(format="turtle"), format="turtle")
    assert isomorphic(theirs, Graph().parse(data=serialize(result.graphs, "turtle"), format="turtle"))
    ds = Dataset()
    ds.parse(data=serialize(result.graphs, "trig"), format="trig")
    assert len([g for g in ds.graphs() if len(g) and g.identifier != ds.default_graph.identifier]) == 71


def test_small_generated_corpus(esco_data, tmp_path):
    """40 generated occupations in both layouts: the build conforms and every split matches the truth."""
    import json

    out = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "bench" / "corpus.py"), "--esco", str(esco_data), "--out", str(out),
                    "--limit", "40"], check=True, capture_output=True)
    result = build_graph([str(out / "esco"), str(out / "destinai")])
    assert result.conforms
    truth = {}
    for line in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["layout"] == "destinai":
            truth[item["record"]["label"]] = sorted(s["skill"]["label"] for s in item["record"]["skills"])
    got = {r.label: sorted(l.skill.label for l in r.skills) for r in result.records if r.source.layout == "destinai"}
    assert got == truth


def test_readme_library_example_runs(tmp_path, monkeypatch):
    """The README's "Using the library" code runs as written (from the checkout's root)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using the library"):]
    code = section[section.index("```python") + len("```python"): section.index("```", section.index("```python") + 9)]
    for name in ("data",):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["conforms"] is True
    assert (tmp_path / "graph.ttl").is_file() and (tmp_path / "graph.nq").is_file()
    assert scope["record"].esco_code == "3114.1.5"
    assert len(scope["graph"]) > 1000


@pytest.mark.parametrize("output", ["graph.ttl", "graph.nq", "graph.jsonld"])
def test_the_report_counts_the_triples_the_writers_wrote(tmp_path, output):
    """The report's triple count, taken from the writers' distinct lines when they made them, is the
    count of distinct triples (and of the triples a reader finds in a Turtle output)."""
    from esco_graph import build_graph
    from esco_graph.graph.mapping import every_triple

    result = build_graph([SAMPLES], outputs=[str(tmp_path / output)], vocabulary=None)
    assert result.triple_count() == len(set(every_triple(result.graphs)))


def test_a_build_puts_the_cycle_collector_back(tmp_path):
    """The build collects less often while it runs (collector.py); the caller's setting is back
    afterwards, also when the build fails."""
    import gc

    from esco_graph.errors import EscoGraphError

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        during = []
        build_graph([str(SAMPLES)], jobs=1, progress=lambda page: during.append(gc.get_threshold()[0]))
        assert during and set(during) == {100_000}
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(EscoGraphError):
            build_graph([str(tmp_path / "absent.txt")], jobs=1)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_pages_listing_the_same_skill_share_its_object(tmp_path):
    """A skill on many pages (its label, description, scope note) is held once, not once a page
    (peak RSS of the 4x bench corpus build 1,990 -> 1,552 MiB); the records are the same as parsed."""
    from esco_graph.pipeline import parse_pages

    text = ESCO_PAGE.read_text(encoding="utf-8")
    for name in ("one", "two"):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    first, second = parse_pages([str(tmp_path)], jobs=1).records
    assert len(first.skills) == len(second.skills) > 10
    assert all(a.skill is b.skill for a, b in zip(first.skills, second.skills))
    alone = parse_pages([str(tmp_path / "two.txt")], jobs=1).records[0]
    assert alone.skills == second.skills


def test_a_skill_shared_by_an_essential_and_an_optional_link():
    """SharedSkills: the same skill under two relations is one skill object in two links."""
    from esco_graph.pipeline import SharedSkills

    first, again = Skill("manage staff", description="Lead people."), Skill("manage staff", description="Lead people.")
    other = Skill("manage staff", description="Something else.")
    shared = SharedSkills()
    links = [shared._kept("essential", skill_fields(first)), shared._kept("optional", skill_fields(again)),
             shared._kept("essential", skill_fields(again)), shared._kept("essential", skill_fields(other))]
    assert [link.relation for link in links] == ["essential", "optional", "essential", "essential"]
    assert links[0].skill is links[1].skill is links[2].skill and links[2] is links[0]
    assert links[0].skill == first and links[3].skill == other and links[3].skill is not links[0].skill


def test_a_record_a_worker_sends_back_packed_is_the_record_with_shared_links(destinai_page):
    """A split worker sends a record's links as (relation, skill fields) tuples (pipeline.packed);
    unpacked, the record is equal to the one parsed, and its links are the objects kept for
    records before it (one object per skill and relation, whichever way the record came)."""
    import pickle

    from esco_graph.pipeline import SharedSkills, packed, parse_pages

    record = parse_pages([str(destinai_page)], jobs=1).records[0]
    assert len(record.skills) > 10
    shared = SharedSkills()
    first = shared.unpacked(packed(record))
    sent = pickle.loads(pickle.dumps(packed(record)))  # as it crosses from the worker
    assert all(isinstance(fields, tuple) for _, fields in sent[1])
    again = shared.unpacked(sent)
    assert again == record
    assert all(a is b for a, b in zip(again.skills, first.skills))
    alone = SharedSkills().unpacked(pickle.loads(pickle.dumps(packed(record))))
    assert alone == record and [link.skill for link in alone.skills] == [link.skill for link in record.skills]


def test_the_reports_graph_counts_are_those_of_the_triples(tmp_path):
    """A build writing a report counts concepts and links from its rendered lines
    (pipeline.counts_of_lines); they are the counts over the triples."""
    import json

    report = tmp_path / "report.json"
    result = build_graph([SAMPLES], outputs=[str(tmp_path / "graph.nq")], report=str(report))
    from_lines = json.loads(report.read_text(encoding="utf-8"))["graph"]
    result._counted.pop("graph")
    assert from_lines == result.graph_counts()
    assert min(from_lines.values()) > 0


def test_graph_counts_of_lines_look_where_the_count_wants_its_text():
    """A literal may hold any text: only a line ending with the type triple is a concept, only
    the predicate makes a link."""
    from esco_graph.namespaces import ESCO, RDF
    from esco_graph.pipeline import counts_of_lines

    kind, skill, essential = f"<{RDF.type}>", f"<{ESCO.Skill}>", f"<{ESCO.relatedEssentialSkill}>"
    lines = [
        f"<http://x/a> {kind} {skill}",
        f'<http://x/b> <http://x/p> "ends as a type line: {kind} {skill}"',
        f'<http://x/c> <http://x/p> "holds {essential} inside"',
        f'<http://x/d> {essential} "{essential} "',
        f"_:b1 <{ESCO.relatedOptionalSkill}> <http://x/e>",
        f"<http://x/f> {kind} <{ESCO.Occupation}>",
    ]
    assert counts_of_lines(lines) == {"occupations": 1, "skills": 1, "essential_links": 1, "optional_links": 1,
                                      "default_graph_triples": 6}
