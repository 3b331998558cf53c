"""The command line, through click's CliRunner: every command's --help, build, parse, validate."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from esco_graph.cli import cli
from conftest import DESTINAI_PAGE, ESCO_PAGE, SAMPLES


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["build"], ["parse"], ["validate"], ["load"], ["query"], ["update"], ["skills"],
                                     ["occupations"], ["store"], ["store", "info"], ["store", "graphs"],
                                     ["store", "clear"], ["diff"], ["show"], ["serve"]])
def test_help(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "esco_graph", "--help"], capture_output=True, text=True, check=True)
    assert "build" in out.stdout and "validate" in out.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    outputs = {ext: folder / f"graph.{ext}" for ext in ("ttl", "jsonld", "nt", "nq", "trig")}
    args = ["build", SAMPLES]
    for path in outputs.values():
        args += ["-o", path]
    result = run(*args)
    assert result.exit_code == 0, result.output
    return outputs


def test_build_writes_every_format_as_one_graph(built):
    turtle = Graph().parse(built["ttl"])
    assert len(turtle) > 500
    for ext, fmt in (("jsonld", "json-ld"), ("nt", "nt")):
        assert isomorphic(turtle, Graph().parse(built[ext], format=fmt)), ext
    for ext, fmt in (("nq", "nquads"), ("trig", "trig")):
        ds = Dataset()
        ds.parse(built[ext], format=fmt)
        named = [g for g in ds.graphs() if len(g) and g.identifier != ds.default_graph.identifier]
        assert len(named) == 2  # one provenance graph a page
        union = Graph()
        for g in [ds.default_graph, *named]:  # the facts (default graph) and the provenance
            for t in g:
                union.add(t)
        assert len(union) == len(ds.default_graph) + sum(len(g) for g in named)  # no triple in two graphs
        assert isomorphic(turtle, union), ext


def test_build_is_byte_identical_across_runs(built, tmp_path):
    for ext, first in built.items():
        again = tmp_path / f"again.{ext}"
        assert run("build", SAMPLES, "-o", again).exit_code == 0
        assert again.read_bytes() == first.read_bytes(), ext


def test_build_to_stdout_with_format():
    result = run("build", ESCO_PAGE, "-o", "-", "--format", "ntriples", "-q")
    assert result.exit_code == 0
    assert len(Graph().parse(data=result.stdout, format="nt")) > 400


def test_parse_prints_the_record(tmp_path):
    result = run("parse", DESTINAI_PAGE)
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["label"] == "microsystem engineering technician"
    assert len(record["skills"]) == 41
    assert record["declared"]["total"] == 41


def test_validate_conforming_graph(built):
    result = run("validate", built["ttl"])
    assert result.exit_code == 0, result.output


def test_validate_reports_violation_and_writes_report(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix esco: <http://data.europa.eu/esco/model#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://example.org/o> a skos:Concept, esco:MemberConcept, esco:Occupation ;\n"
        "  skos:inScheme <http://data.europa.eu/esco/concept-scheme/occupations> .\n"
    )
    report = tmp_path / "report.ttl"
    result = run("validate", bad, "--report", report)
    assert result.exit_code == 3
    assert "https://example.org/o" in result.output
    assert "MinCount" in result.output
    assert "Traceback" not in result.output
    assert len(Graph().parse(report)) > 5


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"), (b"hello\nworld\n", "not an occupation page")],
)
def test_bad_input_is_one_clear_line(tmp_path, content, reason):
    page = tmp_path / "page.txt"
    page.write_bytes(content)
    out = tmp_path / "out.ttl"
    result = run("build", page, "-o", out)
    assert result.exit_code == 1
    assert "page.txt" in result.output and reason in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("build", tmp_path / "empty", "-o", tmp_path / "out.ttl")
    assert result.exit_code == 1
    assert "no pages" in result.output


def test_keep_going_writes_the_good_pages(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("not a page\n")
    out = tmp_path / "out.ttl"
    result = run("build", ESCO_PAGE, bad, "-o", out, "--keep-going")
    assert result.exit_code == 1
    assert "bad.txt" in result.output
    assert len(Graph().parse(out)) > 400


def test_failed_build_keeps_previous_output(tmp_path):
    out = tmp_path / "out.ttl"
    assert run("build", ESCO_PAGE, "-o", out).exit_code == 0
    before = out.read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_text("not a page\n")
    assert run("build", bad, "-o", out).exit_code == 1
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_output_folder_fails_before_work(tmp_path):
    result = run("build", ESCO_PAGE, "-o", tmp_path / "missing" / "out.ttl")
    assert result.exit_code == 4
    assert "does not exist" in result.output


def test_unknown_extension(tmp_path):
    """An output format that cannot be told is a usage error (exit 2), before any work (issue 12)."""
    result = run("build", ESCO_PAGE, "-o", tmp_path / "out.xyz")
    assert result.exit_code == 2
    assert "--format" in result.output


def test_bad_base_iri(tmp_path):
    """A bad --base-iri is a usage error (exit 2, as click's own), refused before any work (issue 12)."""
    out = tmp_path / "out.ttl"
    result = run("build", ESCO_PAGE, "-o", out, "--base-iri", "not an iri")
    assert result.exit_code == 2
    assert "--base-iri" in result.output
    assert not out.exists()


def test_build_refuses_non_conforming_graph(tmp_path):
    """Stricter shapes of the user's (every occupation needs an alt label): no output, exit 3."""
    strict = tmp_path / "strict.ttl"
    strict.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix esco: <http://data.europa.eu/esco/model#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:test:AltLabelShape> a sh:NodeShape ; sh:targetClass esco:Occupation ;\n"
        "  sh:property [ sh:path skos:altLabel ; sh:minCount 1 ] .\n"
    )
    out = tmp_path / "out.ttl"
    previous = b"previous good output\n"
    out.write_bytes(previous)
    result = run("build", ESCO_PAGE, "-o", out, "--shapes", strict)
    assert result.exit_code == 3
    assert "does not conform" in result.output
    assert "altLabel" in result.output
    assert out.read_bytes() == previous
