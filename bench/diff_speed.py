"""How long `esco-graph diff` takes on two ESCO-scale builds (issue 16).

OLD is the build of the 6,078-page corpus (bench/corpus, generated from ../shared/esco-v1.2.0 when
missing); NEW is OLD with 1% of the essential links taken out (both directions) and 1% of the
occupations relabelled. Times `diff(OLD, NEW)` (reading both N-Quads files into memory, the SPARQL
reads, the comparison) --runs times and prints the median; checks the changes found are the ones
made.

    .venv/bin/python bench/diff_speed.py [--runs 3]
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from esco_graph.views.diff import diff  # noqa: E402

ESCO = "http://data.europa.eu/esco/model#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "corpus")
    args = parser.parse_args()
    if not (args.corpus / "truth.jsonl").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpus.py"), "--esco",
                        str(ROOT.parent / "shared" / "esco-v1.2.0"), "--out", str(args.corpus), "--copies", "1"],
                       check=True)
    with tempfile.TemporaryDirectory(prefix="esco-graph-diff-") as tmp:
        old, new = Path(tmp) / "old.nq", Path(tmp) / "new.nq"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "esco_graph", "build", str(args.corpus / "esco"),
                        str(args.corpus / "destinai"), "-q", "-o", str(old)], check=True)
        print(f"build of OLD: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        store = ox.Store()
        store.bulk_load(path=str(old), format=ox.RdfFormat.N_QUADS)
        links = sorted((s["o"].value, s["s"].value) for s in store.query(
            f"SELECT ?o ?s WHERE {{ ?o <{ESCO}relatedEssentialSkill> ?s }}"))
        occupations = sorted(s["o"].value for s in store.query(f"SELECT ?o WHERE {{ ?o a <{ESCO}Occupation> }}"))
        rng = random.Random(1)
        dropped = rng.sample(links, len(links) // 100)
        relabelled = rng.sample(occupations, len(occupations) // 100)
        for o, s in dropped:
            store.remove(ox.Quad(ox.NamedNode(o), ox.NamedNode(ESCO + "relatedEssentialSkill"), ox.NamedNode(s)))
            store.remove(ox.Quad(ox.NamedNode(s), ox.NamedNode(ESCO + "isEssentialSkillFor"), ox.NamedNode(o)))
        for o in relabelled:
            store.update(f'DELETE WHERE {{ <{o}> <{SKOS}prefLabel> ?l }} ; '
                         f'INSERT DATA {{ <{o}> <{SKOS}prefLabel> "relabelled {o[-8:]}"@en }}')
        store.dump(str(new), format=ox.RdfFormat.N_QUADS)
        triples = sum(1 for _ in ox.parse(path=str(old), format=ox.RdfFormat.N_QUADS))
        times = []
        for i in range(args.runs):
            started = time.perf_counter()
            changes = diff(str(old), str(new))
            times.append(time.perf_counter() - started)
            print(f"run {i + 1}: {times[-1]:.2f} s", file=sys.stderr)
        counts = changes.counts()
        assert counts["skills removed"] == len(dropped), counts
        assert counts["fields changed"] == len(relabelled), counts
        print(f"diff of two ESCO-scale builds ({triples} quads each; {len(dropped)} links dropped, "
              f"{len(relabelled)} occupations relabelled): median {statistics.median(times):.2f} s over {args.runs} runs; "
              f"found {counts['occupations changed']} occupations changed, {counts['skills removed']} skills removed, "
              f"{counts['fields changed']} fields changed")


if __name__ == "__main__":
    main()
