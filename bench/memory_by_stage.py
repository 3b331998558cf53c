#!/usr/bin/env python
"""Where a build's memory goes: resident MiB (and the peak so far) as each stage ends.

    python bench/memory_by_stage.py bench/corpus                 # the bench corpus, default budget
    python bench/memory_by_stage.py bench/corpus4x --memory-budget none
    python bench/corpus.py --esco ../shared/esco-v1.2.0 --out /tmp/corpus8x --copies 8
    python bench/memory_by_stage.py /tmp/corpus8x

CORPUS is a folder made by bench/corpus.py (its esco/ and destinai/ pages). One build, in this
process, to .ttl, .jsonld and .nq in a temporary folder, with validation on; a Progress reads
VmRSS and VmHWM from /proc/self/status (Linux) at each stage's start and end. The figures in
docs/architecture.md ("Where a build's memory goes") come from this script.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from esco_graph.pipeline import Progress, build_graph  # noqa: E402


def resident_and_peak() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in MiB."""
    status = Path("/proc/self/status").read_text()

    def mib(key: str) -> int:
        return int(re.search(key + r":\s+(\d+)", status).group(1)) // 1024

    return mib("VmRSS"), mib("VmHWM")


class StageMemory(Progress):
    def __init__(self):
        self.rows: list[tuple[str, int, int]] = []
        self.name = ""

    def stage(self, name, total=None, unit="item"):
        self.name = name

    def done(self):
        self.rows.append((self.name, *resident_and_peak()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder made by bench/corpus.py")
    parser.add_argument("--memory-budget", default="1GiB", help="as esco-graph build's (default 1GiB; none: no limit)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("this reads /proc/self/status (Linux)")
    progress = StageMemory()
    with tempfile.TemporaryDirectory() as folder:
        outputs = [str(Path(folder) / f"graph.{ext}") for ext in ("ttl", "jsonld", "nq")]
        result = build_graph([str(args.corpus / "esco"), str(args.corpus / "destinai")], outputs=outputs,
                             jobs=args.jobs, progress=progress, memory_budget=args.memory_budget)
    print(f"{args.corpus}: {len(result.records)} pages, {result.triple_count()} triples, "
          f"memory budget {args.memory_budget}, {result.spilled_runs} runs of lines on disk")
    print(f"{'stage':12} {'resident MiB':>12} {'peak MiB':>9}")
    for name, resident, peak in progress.rows:
        print(f"{name:12} {resident:12} {peak:9}")


if __name__ == "__main__":
    main()
