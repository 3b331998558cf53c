"""Load time of a graph file into each store, and the median time of the `skills` query.

    python bench/store_load.py GRAPH.nq [--stores embedded,embedded-bulk,oxigraph,virtuoso] [--queries 30] [--reload]

For each store a fresh one is made (the embedded store in a temporary folder; the Oxigraph server
and Virtuoso started on 127.0.0.1 with free ports, as the tests do, see tests/servers.py), the
file is loaded through esco-graph's library (the same path as `esco-graph load`; embedded-bulk is
`esco-graph load --bulk`), then the
ready-made `skills` query runs for --queries occupations (their labels, sampled deterministically
from the store), each once after one warm-up run; the median, mean and max are reported. With
--reload the file is loaded a second time (every named graph replaced): the cost of a re-build.

Results are printed as a table and written as JSON to bench/results/store_load-<time>.json.
Virtuoso gets --virtuoso-buffers 8 KiB pages of cache (default 200000, about 1.6 GB) and its
default ResultSetMaxRows (10000).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from esco_graph.store.queries import skills_of_occupation  # noqa: E402
from esco_graph.store import open_store  # noqa: E402
from servers import (  # noqa: E402
    VIRTUOSO_PASSWORD, VIRTUOSO_USER, OxigraphServer, VirtuosoServer, oxigraph_binary, virtuoso_binary,
)

LABELS = """PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?l WHERE { ?o a esco:Occupation ; skos:prefLabel ?l ; esco:relatedEssentialSkill ?s } ORDER BY ?l"""


def measure(store, path: Path, n_queries: int, reload: bool, seed: int, bulk: bool = False) -> dict:
    out: dict = {}
    t = time.perf_counter()
    report = store.load_file(path, bulk=bulk)
    out["load_s"] = round(time.perf_counter() - t, 3)
    out["graphs"] = len(report.graphs_loaded)
    out["graphs_failed"] = len(report.graphs_failed)
    out["triples"] = report.triples
    if report.graphs_failed:
        out["first_failure"] = report.graphs_failed[0]
    if reload:
        t = time.perf_counter()
        again = store.load_file(path, bulk=bulk)
        out["reload_s"] = round(time.perf_counter() - t, 3)
        out["reload_failed"] = len(again.graphs_failed)
    labels = sorted(row[0] for row in store.query(LABELS).values())
    out["occupations"] = len(labels)
    sample = random.Random(seed).sample(labels, min(n_queries, len(labels)))
    if sample:
        skills_of_occupation(store, sample[0])  # warm-up
    times, rows = [], []
    for label in sample:
        t = time.perf_counter()
        result = skills_of_occupation(store, label)
        times.append(time.perf_counter() - t)
        rows.append(len(result.rows))
    if times:
        out["skills_query_median_ms"] = round(statistics.median(times) * 1000, 2)
        out["skills_query_mean_ms"] = round(statistics.mean(times) * 1000, 2)
        out["skills_query_max_ms"] = round(max(times) * 1000, 2)
        out["skills_rows_median"] = statistics.median(rows)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("graph", type=Path, help="an RDF file: .nq .trig .nt .ttl .jsonld")
    ap.add_argument("--stores", default="embedded,embedded-bulk,oxigraph,virtuoso")
    ap.add_argument("--queries", type=int, default=30, help="occupations to run the skills query for")
    ap.add_argument("--reload", action="store_true", help="also time a second load (every graph replaced)")
    ap.add_argument("--virtuoso-buffers", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    if not args.graph.is_file():
        ap.error(f"{args.graph}: no such file")
    results = {"graph": str(args.graph), "bytes": args.graph.stat().st_size, "stores": {}}
    with tempfile.TemporaryDirectory(prefix="esco-graph-bench-") as tmp:
        tmp = Path(tmp)
        for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
            print(f"[{kind}] loading {args.graph} ...", file=sys.stderr, flush=True)
            server = None
            try:
                if kind in ("embedded", "embedded-bulk"):
                    store = open_store(tmp / kind)
                elif kind == "oxigraph":
                    binary = oxigraph_binary()
                    if not binary:
                        print("[oxigraph] not installed: skipped", file=sys.stderr)
                        continue
                    server = OxigraphServer(binary, tmp / "oxigraph").start()
                    store = open_store(endpoint=server.url, store_type="oxigraph", timeout=600)
                elif kind == "virtuoso":
                    binary = virtuoso_binary()
                    if not binary:
                        print("[virtuoso] not installed: skipped", file=sys.stderr)
                        continue
                    server = VirtuosoServer(binary, tmp / "virtuoso", row_cap=10000, max_sorted_top_rows=10000,
                                            buffers=args.virtuoso_buffers).start()
                    os.environ["ESCO_GRAPH_USER"] = VIRTUOSO_USER
                    os.environ["ESCO_GRAPH_PASSWORD"] = VIRTUOSO_PASSWORD
                    store = open_store(endpoint=server.url, store_type="virtuoso", timeout=600)
                else:
                    ap.error(f"unknown store {kind!r}")
                r = measure(store, args.graph, args.queries, args.reload, args.seed, bulk=kind == "embedded-bulk")
                store.close()
            finally:
                if server is not None:
                    server.stop()
            results["stores"][kind] = r
            print(f"[{kind}] {json.dumps(r)}", file=sys.stderr, flush=True)
    print(f"\n{args.graph} ({results['bytes'] / 1e6:.1f} MB)")
    print(f"{'store':10} {'graphs':>7} {'triples':>9} {'load s':>8} {'reload s':>9} {'skills median ms':>17} {'max ms':>8}")
    for kind, r in results["stores"].items():
        print(f"{kind:10} {r['graphs']:>7} {r['triples']:>9} {r['load_s']:>8} {r.get('reload_s', ''):>9} "
              f"{r.get('skills_query_median_ms', ''):>17} {r.get('skills_query_max_ms', ''):>8}")
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"store_load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    dest.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
