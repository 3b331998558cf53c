"""Issue 15: a build with a second core validates in a forked process while it renders and writes;
the outputs replace their files only once the graph conforms, so what a user sees is what the
one-process build gives: the same files, the same verdict, nothing written when it fails."""
from __future__ import annotations

import os
import signal

import pytest
from conftest import ESCO_PAGE
from rdflib.compare import isomorphic

from esco_graph import pipeline
from esco_graph.errors import EscoGraphError, OutputError, ValidationError
from esco_graph.pipeline import Progress, build_graph

STRICT = (  # every occupation needs an alternative label: the sample page's occupation has none
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix esco: <http://data.europa.eu/esco/model#> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    "<urn:test:AltLabelShape> a sh:NodeShape ; sh:targetClass esco:Occupation ;\n"
    "  sh:property [ sh:path skos:altLabel ; sh:minCount 1 ] .\n"
)


NO_BUDGET = None  # the aside tests' budget: none, so the memory this test process holds (the whole suite's) does not decide


class Stages(Progress):
    def __init__(self):
        self.names: list[str] = []

    def stage(self, name, total=None, unit="item"):
        self.names.append(name)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """80 pages: enough for the build to use its second core."""
    folder = tmp_path_factory.mktemp("pages")
    text = ESCO_PAGE.read_text(encoding="utf-8")
    for n in range(80):
        (folder / f"page-{n:03}.txt").write_text(text, encoding="utf-8")
    return folder


def _strict_shapes():
    from rdflib import Graph

    return Graph().parse(data=STRICT, format="turtle")


def test_validating_aside_writes_what_the_one_process_build_writes(pages, tmp_path):
    stages = Stages()
    aside = build_graph([str(pages)], outputs=[str(tmp_path / "a.nq"), str(tmp_path / "a.ttl")], jobs=2,
                        progress=stages, memory_budget=NO_BUDGET)
    alone = build_graph([str(pages)], outputs=[str(tmp_path / "b.nq"), str(tmp_path / "b.ttl")], jobs=1)
    assert stages.names.index("write") < stages.names.index("validate")  # it did run aside
    assert aside.conforms is alone.conforms is True
    assert "validate" in aside.timings
    for suffix in ("nq", "ttl"):
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()


def test_a_graph_that_does_not_conform_replaces_no_file_and_says_the_same(pages, tmp_path):
    out = tmp_path / "out.ttl"
    out.write_bytes(b"previous good output\n")
    verdicts = []
    for jobs in (2, 1):
        stages = Stages()
        with pytest.raises(ValidationError) as raised:
            build_graph([str(pages)], outputs=[str(out)], shapes=_strict_shapes(), jobs=jobs, progress=stages,
                        memory_budget=NO_BUDGET)
        verdicts.append((str(raised.value), raised.value.report_graph))
        assert out.read_bytes() == b"previous good output\n"
        assert [n for n in os.listdir(tmp_path) if n != "out.ttl"] == []  # no temporary file left
        assert ("write" in stages.names) == (jobs == 2)  # aside, the outputs were written, not committed
    (text_aside, graph_aside), (text_alone, graph_alone) = verdicts
    assert "altLabel" in text_aside and text_aside == text_alone
    assert isomorphic(graph_aside, graph_alone)


TEST_PROCESS = os.getpid()


def _killed(*args):
    assert os.getpid() != TEST_PROCESS, "validation did not run aside"
    os.kill(os.getpid(), signal.SIGKILL)  # as kill -9 or the OOM killer would


def _fails(*args):
    assert os.getpid() != TEST_PROCESS, "validation did not run aside"
    raise OutputError("the validator's own error")


def test_a_validator_that_dies_stops_the_build_and_writes_nothing(pages, tmp_path, monkeypatch):
    out = tmp_path / "out.ttl"
    out.write_bytes(b"previous\n")
    monkeypatch.setattr(pipeline, "_validate_graphs", _killed)  # the forked validator inherits it
    with pytest.raises(EscoGraphError, match="the validation worker died"):
        build_graph([str(pages)], outputs=[str(out)], jobs=2, memory_budget=NO_BUDGET)
    assert out.read_bytes() == b"previous\n"


def test_an_error_in_the_validator_is_raised_in_the_build(pages, tmp_path, monkeypatch):
    out = tmp_path / "out.ttl"
    monkeypatch.setattr(pipeline, "_validate_graphs", _fails)
    with pytest.raises(OutputError, match="the validator's own error"):
        build_graph([str(pages)], outputs=[str(out)], jobs=2, memory_budget=NO_BUDGET)
    assert not out.exists()


@pytest.mark.parametrize("case", ["stdout", "one job", "tight budget", "few pages"])
def test_validation_stays_in_the_process_when_it_cannot_go_aside(pages, tmp_path, capsysbinary, case):
    """Standard output cannot wait for the verdict; one job is one process; a build that already
    holds a quarter of its memory budget has no room for the validator's copies; a few pages are not
    worth a process."""
    inputs, outputs, options = [str(pages)], [str(tmp_path / "out.nt")], {"jobs": 2, "memory_budget": NO_BUDGET}
    if case == "stdout":
        outputs = ["-"]
    elif case == "one job":
        options["jobs"] = 1
    elif case == "tight budget":
        options["memory_budget"] = "10MiB"
    else:
        inputs = [str(ESCO_PAGE)]
    stages = Stages()
    build_graph(inputs, outputs=outputs, progress=stages, **options)
    assert stages.names.index("validate") < stages.names.index("write")


def test_the_command_line_says_does_not_conform_and_keeps_the_previous_file(pages, tmp_path):
    """As a user meets it: exit 3, the report's lines, the previous output as it was, and the
    progress saying the outputs were written (not committed) before the verdict."""
    from click.testing import CliRunner

    from esco_graph.cli import cli

    strict = tmp_path / "strict.ttl"
    strict.write_text(STRICT, encoding="utf-8")
    out = tmp_path / "out.ttl"
    out.write_bytes(b"previous good output\n")
    result = CliRunner().invoke(cli, ["build", str(pages), "-o", str(out), "--shapes", str(strict), "-j", "2",
                                      "--memory-budget", "none"], catch_exceptions=False)
    assert result.exit_code == 3
    assert "does not conform" in result.output and "altLabel" in result.output
    assert out.read_bytes() == b"previous good output\n"
    stages = [line.split(":")[0] for line in result.stderr.splitlines() if line.endswith(" s")]
    assert stages[-2:] == ["write", "validate"]
