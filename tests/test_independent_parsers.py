"""Every format we write, read back by parsers that are not rdflib: rapper (raptor2) and PyLD."""
from __future__ import annotations

import json
import subprocess

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from conftest import SAMPLES, require_tool
from esco_graph import build_graph, write


@pytest.fixture(scope="module", params=["pages", "vocabulary"])
def outputs(request, tmp_path_factory):
    """The sample pages built alone, and with every fact ESCO v1.2.0's CSV files hold about them
    (SKOS-XL labels, hierarchy, schemes: issue 11)."""
    folder = tmp_path_factory.mktemp("independent")
    vocabulary = None
    if request.param == "vocabulary":
        from conftest import SHARED
        from esco_graph.vocabulary import Vocabulary

        if not (SHARED / "esco-v1.2.0").is_dir():
            pytest.skip("../shared/esco-v1.2.0 is absent")
        vocabulary = Vocabulary.load([SHARED / "esco-v1.2.0"])
    result = build_graph([str(SAMPLES)], vocabulary=vocabulary)
    paths = {}
    for ext in ("ttl", "nt", "nq", "trig", "jsonld"):
        paths[ext] = folder / f"graph.{ext}"
        write(result.graphs, str(paths[ext]))
    return paths


def _rapper(path, syntax: str) -> str:
    rapper = require_tool("rapper")
    done = subprocess.run([rapper, "-q", "-i", syntax, "-o", "nquads", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr
    return done.stdout


@pytest.mark.parametrize("ext, syntax", [("ttl", "turtle"), ("nt", "ntriples"), ("nq", "nquads"), ("trig", "trig")])
def test_rapper_reads_each_syntax_to_the_same_graph(outputs, ext, syntax):
    ours = Graph().parse(outputs["ttl"])
    quads = _rapper(outputs[ext], syntax)
    theirs = Dataset()
    theirs.parse(data=quads, format="nquads")
    union = Graph()
    for s, p, o, _ in theirs.quads((None, None, None, None)):
        union.add((s, p, o))
    assert len(union) == len(ours)
    assert isomorphic(union, ours)


def test_pyld_reads_the_jsonld_to_the_same_triples(outputs):
    from pyld import jsonld

    document = json.loads(outputs["jsonld"].read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    theirs = Graph().parse(data=nquads, format="nt")
    ours = Graph().parse(outputs["ttl"])
    assert len(theirs) == len(ours)
    assert isomorphic(theirs, ours)


def test_jsonld_uses_friendly_terms(outputs):
    document = json.loads(outputs["jsonld"].read_text(encoding="utf-8"))
    occupation = next(n for n in document["@graph"] if "Occupation" in n.get("type", []))
    assert occupation["prefLabel"]["en"] in ("medical device engineering technician", "microsystem engineering technician")
    assert "hasEssentialSkill" in occupation
    assert document["@context"]["hasEssentialSkill"]["@id"] == "esco:relatedEssentialSkill"
