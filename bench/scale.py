"""ESCO-scale build benchmark: our build vs the straightforward rdflib/pyshacl pipeline.

Times, over --runs runs each, the full `esco-graph build` of the 6,078-page corpus (ESCO and
DestinAI layouts of all 3,039 ESCO v1.2.0 occupations) to .ttl + .jsonld + .nq with validation
on, with its stages; the same for the 2x corpus; one build of the 4x corpus (its peak RSS); and the
straightforward pipeline (rdflib Graph,
rdflib's Turtle and JSON-LD serialisers, pyshacl over the whole graph) on the same records; and the floor (issue 15): reading every page, and pyoxigraph's own writers
writing the build's own triples. It checks the two pipelines' graphs are the same graph, then
prints medians and ratios, our stages as multiples of the floor's.

Every build runs in a fresh process so peak RSS is that build's own.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "esco-v1.2.0"

_BUILD = r"""
import json, resource, sys, time
from click.testing import CliRunner
from esco_graph.cli import cli
args = json.loads(sys.argv[1])
started = time.perf_counter()
result = CliRunner().invoke(cli, args, catch_exceptions=False)
wall = time.perf_counter() - started
if result.exit_code != 0:
    sys.stderr.write(result.output)
    sys.exit(result.exit_code)
print(json.dumps({
    "wall": wall,
    "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""

_BASELINE = r"""
import json, resource, sys, time
from rdflib import Graph
from esco_graph.pipeline import parse_pages
from esco_graph.reconcile import reconcile
from esco_graph.graph.mapping import page_graphs, merged_triples
from esco_graph.namespaces import PREFIXES, DEFAULT_BASE_IRI
from esco_graph.shacl import load_shapes
import pyshacl
inputs, out, jobs = json.loads(sys.argv[1])
t = {}
s = time.perf_counter(); records = parse_pages(inputs, jobs=jobs).records; t["parse"] = time.perf_counter() - s
s = time.perf_counter(); rec = reconcile(records, base_iri=DEFAULT_BASE_IRI); t["reconcile"] = time.perf_counter() - s
s = time.perf_counter()
g = Graph()
for prefix, ns in PREFIXES.items():
    g.bind(prefix, ns)
for triple in merged_triples(page_graphs(rec, base_iri=DEFAULT_BASE_IRI)):
    g.add(triple)
t["map (rdflib Graph)"] = time.perf_counter() - s
s = time.perf_counter(); conforms, _, _ = pyshacl.validate(g, shacl_graph=load_shapes(), inference="none"); t["validate (pyshacl)"] = time.perf_counter() - s
s = time.perf_counter(); g.serialize(out + ".ttl", format="turtle"); t["write .ttl (rdflib)"] = time.perf_counter() - s
s = time.perf_counter(); g.serialize(out + ".jsonld", format="json-ld"); t["write .jsonld (rdflib)"] = time.perf_counter() - s
print(json.dumps({"stages": t, "wall": sum(t.values()), "conforms": conforms, "triples": len(g),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


_FLOOR = r"""
import json, sys, time
from pathlib import Path
import pyoxigraph as ox
from esco_graph.namespaces import PREFIXES
folders, outputs = json.loads(sys.argv[1])
t = {}
s = time.perf_counter()
size = count = 0
for folder in folders:
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            size += len(path.read_bytes()); count += 1
t["read pages"] = time.perf_counter() - s
prefixes = {k: str(v) for k, v in PREFIXES.items()}
formats = {".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD, ".nq": ox.RdfFormat.N_QUADS}
for path in outputs:
    suffix = Path(path).suffix
    terms = list(ox.parse(path=path, format=formats[suffix]))  # the build's own triples, held before the clock starts
    if suffix != ".nq":
        terms = [q.triple for q in terms]
    s = time.perf_counter()
    ox.serialize(terms, output=path + ".floor", format=formats[suffix],
                 **({"prefixes": prefixes} if suffix == ".ttl" else {}))
    t["write " + suffix] = time.perf_counter() - s
print(json.dumps({"stages": t, "wall": sum(t.values()), "pages": count, "bytes": size}))
"""


def run_floor(corpus: Path, folder: Path) -> dict:
    """The floor: reading every page, and pyoxigraph's own writers writing the build's own triples
    (read back from the build's outputs before the clock starts)."""
    outputs = [str(folder / name) for name in ("graph.ttl", "graph.jsonld", "graph.nq")]
    args = [[str(corpus / "esco"), str(corpus / "destinai")], outputs]
    done = subprocess.run([python(), "-c", _FLOOR, json.dumps(args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"floor failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def python() -> str:
    return sys.executable


def ensure_corpus(path: Path, copies: int) -> None:
    if (path / "truth.jsonl").exists():
        return
    if not SHARED.is_dir():
        sys.exit(f"{path} is missing and ../shared/esco-v1.2.0 is absent: cannot generate the corpus")
    print(f"generating {path} ...", file=sys.stderr)
    subprocess.run([python(), str(ROOT / "bench" / "corpus.py"), "--esco", str(SHARED), "--out", str(path),
                    "--copies", str(copies)], check=True)


def run_build(corpus: Path, folder: Path, jobs: int, extra: tuple[str, ...] = ()) -> dict:
    report = folder / "report.json"
    args = ["build", str(corpus / "esco"), str(corpus / "destinai"), "-q", "--jobs", str(jobs),
            "-o", str(folder / "graph.ttl"), "-o", str(folder / "graph.jsonld"), "-o", str(folder / "graph.nq"),
            "--report", str(report), *extra]
    done, tree_peak = run_sampled([python(), "-c", _BUILD, json.dumps(args)])
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}): {done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    measured["tree_pss_mib"] = tree_peak
    summary = json.loads(report.read_text())
    measured["stages"] = {k: v for k, v in summary["seconds"].items()}
    measured["triples"] = summary["triples"]
    measured["conforms"] = summary["conforms"]
    measured["spilled_runs"] = summary.get("spilled_runs", 0)  # runs of lines past --memory-budget
    return measured


def _descendants(pid: int) -> list[int]:
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as stream:
                for child in stream.read().split():
                    found += _descendants(int(child))
    except OSError:  # ended meanwhile
        pass
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_sampled(command: list[str]) -> tuple[subprocess.CompletedProcess, Optional[float]]:
    """Run `command` to its end; also the peak, sampled every 50 ms from this process, of the
    proportional set size summed over it and its children (the parse workers, the validator): what
    the build takes of the machine's memory, each shared page counted once. None off Linux."""
    sampling = Path("/proc/self/smaps_rollup").exists()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        peak = 0
        while process.poll() is None:
            if sampling:
                peak = max(peak, sum(map(_pss_kib, _descendants(process.pid))))
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())
    return done, (peak / 1024 if sampling else None)


def run_baseline(corpus: Path, folder: Path, jobs: int) -> dict:
    args = [[str(corpus / "esco"), str(corpus / "destinai")], str(folder / "baseline"), jobs]
    done = subprocess.run([python(), "-c", _BASELINE, json.dumps(args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"baseline failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_graph(ours: Path, theirs: Path) -> bool:
    """Isomorphic: both graphs are ground (no blank nodes), so isomorphism is equality of triple sets."""
    import pyoxigraph as ox

    def triples(path, fmt):
        return {str(t) for t in ox.parse(path=str(path), format=fmt)}

    return triples(ours, ox.RdfFormat.TURTLE) == triples(theirs, ox.RdfFormat.TURTLE)


def median(values):
    return statistics.median(values) if values else float("nan")


def stage_medians(runs: list[dict]) -> dict:
    keys = []
    for run in runs:
        for key in run["stages"]:
            if key not in keys:
                keys.append(key)
    return {key: median([run["stages"][key] for run in runs if key in run["stages"]]) for key in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-runs", type=int, default=None, help="runs of the straightforward pipeline (default: --runs)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "corpus")
    parser.add_argument("--corpus2x", type=Path, default=ROOT / "bench" / "corpus2x")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-2x", action="store_true")
    parser.add_argument("--corpus4x", type=Path, default=ROOT / "bench" / "corpus4x")
    parser.add_argument("--skip-4x", action="store_true", help="skip the one build of the 4x corpus (its peak RSS)")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--vocabulary-facts", metavar="MODES",
                        help="instead of the runs above: build the 1x corpus with --vocabulary ../shared/esco-v1.2.0 "
                             "and each --vocabulary-facts mode of MODES (comma-separated, e.g. none,linked), "
                             "interleaved, and print the medians and their ratios to the first mode")
    args = parser.parse_args()
    if args.vocabulary_facts:
        compare_vocabulary_facts(args)
        return

    ensure_corpus(args.corpus, 1)
    if not args.skip_2x:
        ensure_corpus(args.corpus2x, 2)
    if not args.skip_4x:
        ensure_corpus(args.corpus4x, 4)
    results: dict = {"cores": os.cpu_count(), "jobs": args.jobs}
    with tempfile.TemporaryDirectory(prefix="esco-graph-bench-") as tmp:
        tmp = Path(tmp)
        ours, doubled, baseline, floor = [], [], [], []
        for i in range(args.runs):
            ours.append(run_build(args.corpus, tmp, args.jobs))
            print(f"run {i + 1}: build 1x {ours[-1]['wall']:.2f} s", file=sys.stderr)
            floor.append(run_floor(args.corpus, tmp))
            print(f"run {i + 1}: floor {floor[-1]['wall']:.2f} s", file=sys.stderr)
            if not args.skip_2x:
                folder = tmp / "2x"
                folder.mkdir(exist_ok=True)
                doubled.append(run_build(args.corpus2x, folder, args.jobs))
                print(f"run {i + 1}: build 2x {doubled[-1]['wall']:.2f} s", file=sys.stderr)
            if not args.skip_baseline and i < (args.baseline_runs or args.runs):
                baseline.append(run_baseline(args.corpus, tmp, args.jobs))
                print(f"run {i + 1}: straightforward {baseline[-1]['wall']:.2f} s", file=sys.stderr)
        same = same_graph(tmp / "graph.ttl", tmp / "baseline.ttl") if baseline else None
        quadrupled = []
        if not args.skip_4x:  # once: for its peak RSS against the 1x runs'
            folder = tmp / "4x"
            folder.mkdir(exist_ok=True)
            quadrupled.append(run_build(args.corpus4x, folder, args.jobs))
            print(f"build 4x {quadrupled[-1]['wall']:.2f} s", file=sys.stderr)

    results.update(ours=ours, doubled=doubled, quadrupled=quadrupled, baseline=baseline, floor=floor, isomorphic=same)
    wall = median([r["wall"] for r in ours])
    print(f"\nESCO-scale build: {ours[0]['triples']} triples, {args.runs} runs, jobs={args.jobs or os.cpu_count()}, conforms={ours[0]['conforms']}")
    print(f"{'stage':34} {'median s':>9}")
    for key, value in stage_medians(ours).items():
        print(f"{key if not key.startswith('write ') else 'write ' + Path(key[6:]).suffix:34} {value:9.2f}")
    print(f"{'full build (wall, process)':34} {wall:9.2f}")
    print(f"{'peak RSS, build process (MiB)':34} {median([r['rss_mib'] for r in ours]):9.0f}")
    print(f"{'peak RSS, one worker (MiB)':34} {median([r['worker_rss_mib'] for r in ours]):9.0f}")
    if ours[0].get("tree_pss_mib") is not None:
        print(f"{'peak PSS, build and workers (MiB)':34} {median([r['tree_pss_mib'] for r in ours]):9.0f}")
    print_floor(ours, floor, wall)
    if doubled:
        wall2 = median([r["wall"] for r in doubled])
        print(f"{'2x corpus build (wall)':34} {wall2:9.2f}   growth {wall2 / wall:.2f}x for {doubled[0]['triples'] / ours[0]['triples']:.2f}x triples")
        print(f"{'2x peak RSS (MiB)':34} {median([r['rss_mib'] for r in doubled]):9.0f}")
        if doubled[0].get("tree_pss_mib") is not None:
            print(f"{'2x peak PSS, with workers (MiB)':34} {median([r['tree_pss_mib'] for r in doubled]):9.0f}")
    if quadrupled:
        print(f"{'4x corpus build (wall, one run)':34} {quadrupled[0]['wall']:9.2f}")
        print(f"{'4x peak RSS (MiB, one run)':34} {quadrupled[0]['rss_mib']:9.0f}   "
              f"({quadrupled[0]['spilled_runs']} runs of lines on disk past the default --memory-budget)")
        if quadrupled[0].get("tree_pss_mib") is not None:
            print(f"{'4x peak PSS, with workers (MiB)':34} {quadrupled[0]['tree_pss_mib']:9.0f}")
    if baseline:
        base = median([r["wall"] for r in baseline])
        print(f"\nstraightforward pipeline ({len(baseline)} runs, conforms={baseline[0]['conforms']}):")
        for key, value in stage_medians(baseline).items():
            print(f"{key:34} {value:9.2f}")
        print(f"{'total':34} {base:9.2f}")
        print(f"{'peak RSS (MiB)':34} {median([r['rss_mib'] for r in baseline]):9.0f}")
        print(f"\nratio straightforward / ours: {base / wall:.2f}x   same graph: {same}")
    print_bars(ours, floor, doubled, quadrupled, baseline)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def print_bars(ours, floor, doubled, quadrupled, baseline) -> None:
    """Issue 15's bars, each with the figure measured in this run and whether it is met."""
    wall = median([r["wall"] for r in ours])
    stages = stage_medians(ours)
    floors = stage_medians(floor)
    megabytes = floor[0]["bytes"] / 1e6
    rows = [("build / floor", wall / median([f["wall"] for f in floor]), "<=", 6.0)]
    if baseline:
        rows.append(("straightforward / build", median([r["wall"] for r in baseline]) / wall, ">=", 12.0))
    if doubled:
        rows.append(("2x corpus time / 1x", median([r["wall"] for r in doubled]) / wall, "<=", 2.1))
    if quadrupled:
        rows.append(("4x corpus peak RSS / 1x", quadrupled[0]["rss_mib"] / median([r["rss_mib"] for r in ours]),
                     "<=", 1.3))
        if quadrupled[0].get("tree_pss_mib") and ours[0].get("tree_pss_mib"):
            rows.append(("4x peak PSS with workers / 1x", quadrupled[0]["tree_pss_mib"]
                         / median([r["tree_pss_mib"] for r in ours]), "<=", 1.3))
    if "parse_cpu" in stages:
        rows.append(("parse MB per CPU-second", megabytes / stages["parse_cpu"], ">=", 20.0))
    writes, floor_writes = 0.0, 0.0
    for key, value in stages.items():
        suffix = Path(key[6:]).suffix if key.startswith("write ") else None
        if suffix and "write " + suffix in floors:
            rows.append((f"write {suffix} / pyoxigraph's", value / floors["write " + suffix], "<=", 2.0))
            writes, floor_writes = writes + value, floor_writes + floors["write " + suffix]
    if "render" in stages and floor_writes:
        # the lines every writer shares are made in their own stage: counted here with the writes
        rows.append(("render + writes / pyoxigraph's", (stages["render"] + writes) / floor_writes, "<=", 2.0))
    print("\nissue 15's bars (this run):")
    for name, value, sense, bar in rows:
        met = value <= bar if sense == "<=" else value >= bar
        print(f"{name:34} {value:9.2f}   bar {sense} {bar:g}   {'met' if met else 'NOT met'}")


def print_floor(ours: list[dict], floor: list[dict], wall: float) -> None:
    """Our build as a multiple of the floor (reading the pages, pyoxigraph writing the same triples),
    stage by stage: parsing against reading, each writer against pyoxigraph's for the same output."""
    stages = stage_medians(floor)
    ours_stages = {(k if not k.startswith("write ") else "write " + Path(k[6:]).suffix): v
                   for k, v in stage_medians(ours).items()}
    total = median([f["wall"] for f in floor])
    megabytes = floor[0]["bytes"] / 1e6
    print(f"\nfloor ({floor[0]['pages']} pages, {megabytes:.1f} MB): {'ours s':>8} {'floor s':>8} {'ratio':>6}")
    parse = ours_stages.get("parse", float("nan"))
    print(f"{'parse vs read pages':34} {parse:8.2f} {stages['read pages']:8.2f} {parse / stages['read pages']:6.1f}"
          f"   ({megabytes / parse:.1f} MB/s of text)")
    for key in ("write .ttl", "write .jsonld", "write .nq"):
        if key in stages and key in ours_stages:
            print(f"{key:34} {ours_stages[key]:8.2f} {stages[key]:8.2f} {ours_stages[key] / stages[key]:6.1f}")
    print(f"{'full build vs floor':34} {wall:8.2f} {total:8.2f} {wall / total:6.1f}")


def compare_vocabulary_facts(args) -> None:
    """What --vocabulary-facts costs: the same corpus, the same vocabulary, one mode after the other in each run."""
    ensure_corpus(args.corpus, 1)
    modes = [m.strip() for m in args.vocabulary_facts.split(",") if m.strip()]
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="esco-graph-bench-") as tmp:
        for i in range(args.runs):
            for mode in modes:
                folder = Path(tmp) / mode
                folder.mkdir(exist_ok=True)
                runs[mode].append(run_build(args.corpus, folder, args.jobs,
                                            ("--vocabulary", str(SHARED), "--vocabulary-facts", mode)))
                print(f"run {i + 1}: {mode} {runs[mode][-1]['wall']:.2f} s", file=sys.stderr)
    first = median([r["wall"] for r in runs[modes[0]]])
    print(f"\nESCO-scale build with the ESCO v1.2.0 vocabulary, {args.runs} runs, jobs={args.jobs or os.cpu_count()}")
    print(f"{'mode':10} {'triples':>9} {'median s':>9} {'ratio':>6} {'peak RSS MiB':>13}")
    for mode in modes:
        wall = median([r["wall"] for r in runs[mode]])
        print(f"{mode:10} {runs[mode][0]['triples']:9d} {wall:9.2f} {wall / first:6.2f} "
              f"{median([r['rss_mib'] for r in runs[mode]]):13.0f}")
    for mode in modes:
        stages = stage_medians(runs[mode])
        print(f"{mode} stages: " + ", ".join(f"{k if not k.startswith('write ') else 'write ' + Path(k[6:]).suffix} "
                                             f"{v:.2f}" for k, v in stages.items()))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
