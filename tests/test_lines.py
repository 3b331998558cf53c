"""The output lines past the memory budget (graph/lines.py): runs on disk give the same lines, in
the same order, as memory; a build over its budget writes the same bytes; a budget is a size."""
from __future__ import annotations

import random
import tempfile

import pytest
from click.testing import CliRunner

from conftest import SAMPLES
from esco_graph.cli import cli
from esco_graph.errors import OptionError, OutputError
from esco_graph.graph import lines as lines_module
from esco_graph.graph.lines import GraphLines, SortedLines, Spill, union
from esco_graph.memory import parse_budget, parse_size


def _lines(n: int, seed: int) -> list[str]:
    """N-Triples-like lines with repeats, subjects that start one another and non-ASCII text."""
    rng = random.Random(seed)
    subjects = ["<http://x/a>", "<http://x/a/b>", "<http://x/a.b>", "<http://x/é>", "_:b1", "_:b10"]
    return [f"{rng.choice(subjects)} <http://p/{rng.randrange(5)}> \"{rng.randrange(n // 3 + 1)} ☃\"@en" for _ in range(n)]


def _spill(budget=None, fan_in=64) -> Spill:
    """Lines held past 200 bytes go to disk (the budget counts the lines: no resident set)."""
    return Spill(budget, min_run=200, fan_in=fan_in, resident=lambda: None)


def _sorted_lines_of(spill: Spill, batches) -> SortedLines:
    out = SortedLines(spill)
    for batch in batches:
        out.update(batch)
    return out


def test_spilled_lines_are_the_lines_sorted_once():
    batches = [_lines(50, seed) for seed in range(20)]
    expected = sorted({line for batch in batches for line in batch})
    with _spill(budget=0) as spill:
        on_disk = _sorted_lines_of(spill, batches)
        assert on_disk.on_disk and spill.runs > 1
        assert list(on_disk) == expected
        assert list(on_disk) == expected  # read again: the merged run
        assert len(on_disk) == len(expected)
    with _spill() as spill:  # no budget: all in memory
        in_memory = _sorted_lines_of(spill, batches)
        assert not in_memory.on_disk and spill.runs == 0
        assert list(in_memory) == expected and len(in_memory) == len(expected)


@pytest.mark.parametrize("budget", [0, None])
def test_union_is_both_sorted_once(budget):
    first, second = [_lines(300, 1)], [_lines(300, 2), _lines(10, 1)]
    expected = sorted({line for batch in first + second for line in batch})
    with _spill(budget) as spill:
        union_lines = union(spill, _sorted_lines_of(spill, first), _sorted_lines_of(spill, second))
        assert list(union_lines) == expected
        assert len(union_lines) == len(expected)


def test_a_union_with_lines_read_before_keeps_them():
    """One side read in memory (so sorted), the other on disk: the union still has both."""
    with _spill(budget=0) as spill, _spill() as other:
        read = _sorted_lines_of(other, [["<http://a> <http://p> <http://o>"]])
        list(read)
        on_disk = _sorted_lines_of(spill, [_lines(100, seed) for seed in range(5)])
        assert on_disk.on_disk and not read.on_disk
        assert "<http://a> <http://p> <http://o>" in list(union(spill, read, on_disk))


def test_spilled_named_graphs_come_back_in_graph_order():
    graphs = {f"http://g/{i}": _lines(i % 7, i) for i in range(40)}  # some graphs have no lines
    graphs["http://g/1/x"] = ["<http://s> <http://p> <http://o>"]  # an IRI that starts another
    expected = [(iri, sorted(set(lines))) for iri, lines in sorted(graphs.items())]
    for budget in (0, None):
        with _spill(budget) as spill:
            named = GraphLines(spill)
            for iri, lines in graphs.items():
                named.add(iri, lines)
            assert (spill.runs > 0) == (budget is not None)
            assert list(named) == expected


def test_runs_past_the_fan_in_are_merged_as_they_come():
    """A collection never keeps more than fan_in runs (so a merge opens few files), and gives the
    same lines and graphs."""
    batches = [_lines(60, seed) for seed in range(30)]
    graphs = {f"http://g/{i}": _lines(30, i) for i in range(30)}
    with _spill(budget=0, fan_in=3) as spill:
        lines = _sorted_lines_of(spill, batches)
        named = GraphLines(spill)
        for iri, graph_lines in graphs.items():
            named.add(iri, graph_lines)
        assert spill.runs > 20 and len(lines._runs) < 3 and len(named._runs) < 3
        assert len(list(spill._folder.iterdir())) < 6  # the merged runs are removed
        assert list(lines) == sorted({line for batch in batches for line in batch})
        assert list(named) == [(iri, sorted(set(graph_lines))) for iri, graph_lines in sorted(graphs.items())]


def test_the_runs_folder_is_removed_on_close():
    spill = _spill(budget=0)
    _sorted_lines_of(spill, [_lines(100, 3)] * 3)
    folder = spill._folder
    assert folder is not None and any(folder.iterdir())
    spill.close()
    assert not folder.exists()


def test_a_run_that_cannot_be_written_is_one_error_naming_the_folder(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    with _spill(budget=0) as spill, pytest.raises(OutputError, match="memory budget"):
        _sorted_lines_of(spill, [_lines(100, 4)] * 3)


@pytest.mark.parametrize("text, size", [("1GiB", 1 << 30), ("512MiB", 512 << 20), ("2G", 2 * 1000 ** 3),
                                        ("800 MB", 800 * 1000 ** 2), ("1.5GiB", 3 << 29), ("4096", 4096), (0, 0)])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "1 GiBs", "-5", "", "1e9", -1, "none"])
def test_not_sizes(text):
    with pytest.raises(OptionError):
        parse_size(text)


def test_a_budget_is_a_size_or_none():
    assert parse_budget("2GiB") == 2 << 30
    assert parse_budget("None") is None and parse_budget(None) is None
    with pytest.raises(OptionError) as raised:
        parse_budget("a lot")
    assert raised.value.option == "--memory-budget"


def _build(tmp_path, name, *options):
    folder = tmp_path / name
    folder.mkdir()
    outputs = [folder / f"graph.{ext}" for ext in ("nq", "ttl", "jsonld", "trig", "nt")]
    args = ["build", str(SAMPLES), "-q", "--source-root", str(SAMPLES), "--report", str(folder / "report.json"),
            *[a for o in outputs for a in ("-o", str(o))], *options]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return outputs, folder / "report.json"


def test_a_build_over_its_budget_writes_the_same_bytes(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # the same dates in both
    in_memory, report = _build(tmp_path, "memory")
    assert json.loads(report.read_text())["spilled_runs"] == 0
    monkeypatch.setattr(lines_module, "MIN_RUN", 2000)  # runs small enough for the sample pages
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    on_disk, report = _build(tmp_path, "disk", "--memory-budget", "1")
    assert json.loads(report.read_text())["spilled_runs"] > 1
    assert not any(temporary.iterdir())  # the runs are gone
    for ours, theirs in zip(on_disk, in_memory):
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def test_a_budget_that_is_not_a_size_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(SAMPLES), "-o", str(tmp_path / "g.ttl"), "--memory-budget", "lots"])
    assert result.exit_code == 2, result.output
    assert "--memory-budget" in result.output and "'lots' is not a size" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "g.ttl").exists()


def test_a_store_load_past_the_budget_takes_the_same_graphs(monkeypatch):
    """What a store load reads (the facts in parts, then each source's provenance) is the same
    from the runs as from memory."""
    from esco_graph import build_graph
    from esco_graph.graph.writers import Rendered

    graphs = build_graph([str(SAMPLES)]).graphs
    with Rendered(graphs) as in_memory:
        expected = list(in_memory.page_ntriples(chunk=50))
    monkeypatch.setattr(lines_module, "MIN_RUN", 2000)
    with Rendered(graphs, memory_budget=1) as on_disk:
        assert list(on_disk.page_ntriples(chunk=50)) == expected
        assert on_disk.spill.runs > 1
    assert len(expected) > 3


def test_a_full_temporary_folder_is_exit_4_and_the_previous_output_survives(tmp_path, monkeypatch):
    output = tmp_path / "graph.nq"
    output.write_text("previous\n")
    not_a_folder = tmp_path / "tmp-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    monkeypatch.setattr(lines_module, "MIN_RUN", 2000)
    result = CliRunner().invoke(cli, ["build", str(SAMPLES), "-q", "-o", str(output), "--memory-budget", "1"])
    assert result.exit_code == 4, result.output
    assert "memory budget" in result.output and str(not_a_folder) in result.output
    assert "Traceback" not in result.output
    assert output.read_text() == "previous\n"


def test_the_runs_are_removed_when_the_build_stops_on_an_error(monkeypatch):
    from esco_graph import build_graph
    from esco_graph.graph.writers import Rendered

    graphs = build_graph([str(SAMPLES)]).graphs
    monkeypatch.setattr(lines_module, "MIN_RUN", 2000)
    with pytest.raises(KeyboardInterrupt):
        with Rendered(graphs, memory_budget=1) as rendered:
            rendered.render()
            folder = rendered.spill._folder
            assert folder is not None and any(folder.iterdir())
            raise KeyboardInterrupt
    assert not folder.exists()


def test_a_bad_budget_is_refused_before_the_vocabulary_is_read(tmp_path):
    """The budget is checked with the other options, before any work: a vocabulary that would fail
    to load is never read."""
    broken = tmp_path / "broken.csv"
    broken.write_text("not,an,esco,file\n")
    result = CliRunner().invoke(cli, ["build", str(SAMPLES), "-o", str(tmp_path / "g.ttl"), "--vocabulary", str(broken),
                                      "--memory-budget", "lots"])
    assert result.exit_code == 2, result.output
    assert "'lots' is not a size" in result.output and "broken.csv" not in result.output


def test_the_report_counts_every_run_also_those_the_writers_merge(monkeypatch):
    """Regression: the count was taken after rendering, before the writers' first reads merged
    the runs into new ones."""
    from esco_graph import build_graph

    made = []
    new_run = Spill.new_run
    monkeypatch.setattr(Spill, "new_run", lambda self: made.append(1) or new_run(self))
    monkeypatch.setattr(lines_module, "MIN_RUN", 2000)
    with tempfile.TemporaryDirectory() as folder:
        result = build_graph([str(SAMPLES)], outputs=[f"{folder}/graph.nq"], memory_budget=1)
    assert result.spilled_runs == len(made) > 1
