"""Fuzz the readers of RDF files (what `load`, `validate` and `diff` read) with mutated builds.

    python fuzz/fuzz_rdf_files.py [-n 20000] [--seed 0] [--save-crashes DIR]

Each input is the build of the sample pages (data/samples) in one of the formats esco-graph writes
(Turtle, N-Triples, N-Quads, TriG, JSON-LD), mutated 1-8 times by fuzz_parsers' byte, line,
Unicode and re-encoding mutations and by RDF's own tokens spliced in (prefixes, brackets, quotes,
graph blocks, JSON-LD keywords, 2,000 nested lists or objects). Each input goes through:

- ``store.load_file`` into one embedded store: a report, or one ``EscoGraphError`` naming the file;
  after an error the store holds exactly what it held before (the file is parsed whole first);
- ``shacl.read_graph`` (the reader of `validate` and `diff`): a graph, or one ``EscoGraphError``.

A crash is any other exception, an error message that is not one line naming the file, or a store
changed by a load that failed. The run prints one JSON line of figures; exit 1 on a crash.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_parsers  # noqa: E402
from esco_graph.errors import EscoGraphError  # noqa: E402

FORMATS = ["ttl", "nt", "nq", "trig", "jsonld"]

RDF_TOKENS = [
    "@prefix", "@prefix x: <http://evil/> .", "@base <http://evil/> .", "PREFIX", "<", ">", "<>", "<http://", '"', '"""',
    "'", "\\", "\\u0000", "\\U0010FFFF", "\\uD800", "^^", "^^<http://www.w3.org/2001/XMLSchema#integer>", "@en", "@",
    "_:", "_:b0", "[", "]", "(", ")", "{", "}", ";", ",", ".", " a ", "GRAPH", "<urn:g> {", "_:g {", "#",
    '"@context"', '"@id"', '"@graph"', '"@type"', '"@value"', '"@list"', '"@context": "http://example.org/ctx"',
    '"@context": {"@import": "file:///etc/passwd"}', "null", "true", "1e999999", "-0", "{}", "[]",
]


def m_rdf_token(rng, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(data))
        data = data[:i] + rng.choice(RDF_TOKENS).encode("utf-8") + data[i:]
    return data


def m_deep(rng, data: bytes) -> bytes:
    """Up to 2,000 nested Turtle lists / blank nodes or JSON arrays / objects at a random place."""
    opening, closing = rng.choice([("(", ")"), ("[", "]"), ('{"a":', "}"), ("[", "]")])
    depth = rng.choice([10, 200, 2000])
    i = rng.randint(0, len(data))
    tail = closing * depth if rng.random() < 0.7 else ""
    return data[:i] + (opening * depth + "1" + tail).encode() + data[i:]


MUTATIONS = [
    fuzz_parsers.m_byte_flip, fuzz_parsers.m_byte_insert, fuzz_parsers.m_byte_delete, fuzz_parsers.m_cut,
    fuzz_parsers.m_line_drop, fuzz_parsers.m_line_dup, fuzz_parsers.m_line_swap, fuzz_parsers.m_unicode,
    m_rdf_token, m_rdf_token, m_rdf_token, m_deep,
]


def seed_files(folder: Path) -> dict[str, bytes]:
    """The sample pages' build, once per format: {extension: bytes}."""
    from esco_graph import build_graph

    outputs = [str(folder / f"seed.{ext}") for ext in FORMATS]
    build_graph([str(fuzz_parsers.SAMPLES)], outputs=outputs, vocabulary=None)
    return {ext: Path(path).read_bytes() for ext, path in zip(FORMATS, outputs)}


def mutate(rng, seeds: dict[str, bytes]) -> tuple[str, bytes]:
    ext = rng.choice(FORMATS)
    data = seeds[ext]
    for _ in range(rng.randint(1, 8)):
        data = rng.choice(MUTATIONS)(rng, data)
    if rng.random() < 0.05:
        data = fuzz_parsers.m_reencode(rng, data)
    return ext, data


def _one_line(exc: EscoGraphError, name: str) -> str | None:
    text = str(exc)
    if "\n" in text or name not in text:
        return f"error message is not one line naming the file: {text[:300]!r}"
    return None


def run_one(store, folder: Path, ext: str, data: bytes) -> tuple[str, str | None]:
    """('ok' | 'error' | 'crash', detail) for one input through both readers."""
    from esco_graph.shacl import read_graph

    path = folder / f"input.{ext}"
    path.write_bytes(data)
    outcomes = []
    before = len(store._store)
    try:
        store.load_file(path)
        outcomes.append("ok")
    except EscoGraphError as exc:
        problem = _one_line(exc, str(path))
        if problem:
            return "crash", "load: " + problem
        if len(store._store) != before:
            return "crash", f"load failed but the store changed ({before} -> {len(store._store)} quads): {exc}"
        outcomes.append("error")
    except Exception:  # noqa: BLE001 - a crash is exactly what we look for
        return "crash", "load:\n" + traceback.format_exc()
    try:
        read_graph(path)
        outcomes.append("ok")
    except EscoGraphError as exc:
        problem = _one_line(exc, str(path))
        if problem:
            return "crash", "read_graph: " + problem
        outcomes.append("error")
    except Exception:  # noqa: BLE001
        return "crash", "read_graph:\n" + traceback.format_exc()
    return ("ok" if outcomes == ["ok", "ok"] else "error"), None


def fuzz(n: int = 20_000, seed: int = 0, save: str | None = None) -> dict:
    from esco_graph.store import open_store

    started = time.perf_counter()
    stats: dict = {"inputs": 0, "ok": 0, "error": 0, "crash": 0, "examples": []}
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="esco-graph-fuzz-") as tmp:
        folder = Path(tmp)
        seeds = seed_files(folder)
        with open_store(folder / "store") as store:
            for i in range(n):
                ext, data = mutate(rng, seeds)
                outcome, detail = run_one(store, folder, ext, data)
                stats["inputs"] += 1
                stats[outcome] += 1
                if outcome == "crash":
                    if len(stats["examples"]) < 20:
                        stats["examples"].append(detail.strip().splitlines()[-1][:300])
                    if save:
                        Path(save, f"crash-{seed}-{i}.{ext}").write_bytes(data)
                        Path(save, f"crash-{seed}-{i}.log").write_text(detail)
    stats["seconds"] = round(time.perf_counter() - started, 1)
    stats["seed"] = seed
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20_000, help="number of inputs (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-crashes", metavar="DIR", help="write each crashing input and its traceback here")
    args = parser.parse_args(argv)
    if args.save_crashes:
        Path(args.save_crashes).mkdir(parents=True, exist_ok=True)
    stats = fuzz(args.n, args.seed, args.save_crashes)
    print(json.dumps(stats, ensure_ascii=False))
    return 1 if stats["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
