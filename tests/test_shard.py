"""`build --shard K/N` (issue 15, item 4): the N slices' outputs, loaded into one store with `esco-graph
load`, are the single build's dataset, graph for graph (compared with rdflib.compare.isomorphic)."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from esco_graph.cli import cli
from esco_graph.sources import in_shard, parse_shard

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURE_VOCABULARY = ROOT / "tests" / "fixtures" / "vocab" / "csv"


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


def _store_dataset(folder: Path) -> Dataset:
    """Every quad of an embedded store, as an rdflib Dataset."""
    store = ox.Store(str(folder))
    data = ox.serialize(store, format=ox.RdfFormat.N_QUADS)
    del store
    dataset = Dataset()
    dataset.parse(data=data.decode("utf-8"), format="nquads")
    return dataset


def _page_graphs(path: Path) -> set[str]:
    return {q.graph_name.value for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
            if isinstance(q.graph_name, ox.NamedNode) and "/graph/vocabulary" not in q.graph_name.value}


def _vocabulary_graphs_merged(dataset: Dataset) -> Dataset:
    """The slices' vocabulary provenance graphs (``.../graph/vocabulary/shard-K-of-N``, each about
    itself) as the one graph a single build names ``.../graph/vocabulary``; every other graph as it is."""
    def single(term):
        text = str(term)
        return URIRef(text.split("/shard-")[0]) if "/graph/vocabulary/shard-" in text else term

    merged = Dataset()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        merged.graph(single(g.identifier if hasattr(g, "identifier") else g)).add((single(s), p, single(o)))
    return merged


def _same_dataset(a: Dataset, b: Dataset) -> None:
    names_a = {g.identifier for g in a.graphs() if len(g)}
    names_b = {g.identifier for g in b.graphs() if len(g)}
    assert names_a == names_b, (names_a ^ names_b)
    assert len(names_a) > 2
    for name in names_a:
        ga, gb = a.graph(name), b.graph(name)
        assert isomorphic(ga, gb), (name, len(ga), len(gb))


def _shards_equal_single(tmp_path, monkeypatch, inputs: list, n: int, extra: list) -> int:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    single = tmp_path / "single.nq"
    assert run("build", *inputs, "-o", single, "-q", *extra).exit_code == 0
    assert run("load", single, "--store", tmp_path / "single-store", "-q").exit_code == 0
    nonempty = 0
    slices = []
    for k in range(1, n + 1):
        part = tmp_path / f"shard-{k}.nq"
        result = run("build", *inputs, "-o", part, "-q", "--shard", f"{k}/{n}", *extra)
        assert result.exit_code == 0, result.output
        nonempty += part.stat().st_size > 0
        slices.append(_page_graphs(part))
        assert run("load", part, "--store", tmp_path / "shards-store", "-q").exit_code == 0
    # each page is built by exactly one slice
    assert sum(len(pages) for pages in slices) == len(set().union(*slices)) == len(_page_graphs(single))
    _same_dataset(_vocabulary_graphs_merged(_store_dataset(tmp_path / "shards-store")),
                  _store_dataset(tmp_path / "single-store"))
    return nonempty


@pytest.mark.parametrize("n", [2, 3])
def test_shards_loaded_into_one_store_equal_the_single_build(tmp_path, monkeypatch, n):
    inputs = [SAMPLES, ROOT / "tests" / "fixtures" / "current"]
    nonempty = _shards_equal_single(tmp_path, monkeypatch, inputs, n, ["--vocabulary", FIXTURE_VOCABULARY])
    assert nonempty >= 2  # the pages really were spread over the slices


@pytest.mark.skipif(not (SHARED / "esco-v1.2.0" / "occupations_en.csv").is_file() or not (SHARED / "pages").is_dir(),
                    reason="../shared (ESCO v1.2.0, real pages) is absent")
def test_real_pages_in_shards_with_the_esco_vocabulary(tmp_path, monkeypatch):
    inputs = [SHARED / "pages", SHARED / "pages-more", SAMPLES]
    _shards_equal_single(tmp_path, monkeypatch, inputs, 3,
                         ["--vocabulary", SHARED / "esco-v1.2.0", "--source-root", SHARED.parent])


def test_every_page_is_in_exactly_one_slice():
    keys = [f"file:///pages/page-{i}.txt" for i in range(2000)]
    for n in (1, 2, 7):
        owners = [[k for k in range(1, n + 1) if in_shard(key, (k, n))] for key in keys]
        assert all(len(o) == 1 for o in owners)
        if n > 1:  # and the slices are about even
            sizes = [sum(1 for o in owners if o == [k]) for k in range(1, n + 1)]
            assert min(sizes) > 0.7 * len(keys) / n


def test_an_empty_slice_is_an_empty_graph_not_an_error(tmp_path):
    page = SAMPLES / "esco-medical-device-engineering-technician.txt"
    outputs = []
    for k in (1, 2, 3, 4, 5):
        out = tmp_path / f"s{k}.nq"
        result = run("build", page, "-o", out, "-q", "--shard", f"{k}/5")
        assert result.exit_code == 0, result.output
        outputs.append(out.stat().st_size)
    assert sum(1 for size in outputs if size > 0) == 1


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", "²/3"])
def test_a_bad_shard_is_a_usage_error(tmp_path, text):
    result = run("build", SAMPLES, "-o", tmp_path / "g.nq", "--shard", text)
    assert result.exit_code == 2 and "--shard" in result.stderr and "Traceback" not in result.output
    with pytest.raises(Exception):
        parse_shard(text)
