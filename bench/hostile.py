"""Time and peak memory of the largest hostile inputs (issue 14), each built in its own process.

    python bench/hostile.py [--out FOLDER]

Each input is written into FOLDER (a temporary folder by default) and built with
`esco-graph build INPUT -o out.nt -q --keep-going` in a fresh process (a vocabulary zip as
`--vocabulary` beside the ESCO sample page); the wall time and the
process's peak RSS (``wait4``'s ru_maxrss) are printed, one JSON line an input, with the exit code
and the first line of stderr. The issue's bar: a 95 KB run-together page builds (or is refused)
within 400 MiB and 30 s; no input takes a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESTINAI = ROOT / "data" / "samples" / "destinai-microsystem-engineering-technician.txt"
ESCO = ROOT / "data" / "samples" / "esco-medical-device-engineering-technician.txt"


def _destinai_with(line: str) -> str:
    lines = DESTINAI.read_text(encoding="utf-8").splitlines()
    i = next(n for n, text in enumerate(lines) if text.startswith("quality standardsdesign drawings"))
    lines[i] = line
    return "\n".join(lines) + "\n"


def _real_run(chars: int) -> str:
    """The sample's real run-together line, repeated to ``chars`` characters (labels, not noise)."""
    real = next(t for t in DESTINAI.read_text(encoding="utf-8").splitlines() if t.startswith("quality standards"))
    return (real * (chars // len(real) + 1))[:chars]


def inputs() -> dict[str, tuple[str, bytes]]:
    """name -> (file name, bytes)."""
    esco_lines = ESCO.read_text(encoding="utf-8").splitlines()
    item = next(i for i, t in enumerate(esco_lines) if t == "ESCO source")
    many = esco_lines[:item + 1] + [f"skill number {k}\nESCO source" for k in range(24_000)] + esco_lines[item + 1:]
    return {
        "run-together line 95 KB": ("runtogether-95k.txt", _destinai_with(_real_run(95_000)).encode()),
        "run-together lines 95 KB (5 x 19 KB)": ("runtogether-5x19k.txt", _destinai_with(
            "\n".join(_real_run(19_000) for _ in range(5))).encode()),
        "run-together line 19 KB (under the cap)": ("runtogether-19k.txt", _destinai_with(_real_run(19_000)).encode()),
        "run-together line 120 KB, no spaces": ("nospace-120k.txt", _destinai_with("abcdefghij" * 12_000).encode()),
        "ESCO page, 24,000 items (48,000 lines)": ("esco-24k-items.txt", "\n".join(many).encode()),
        "ESCO page, 100,000 items": ("esco-100k-items.txt", "\n".join(
            esco_lines[:item + 1] + [f"skill {k}\nESCO source" for k in range(100_000)] + esco_lines[item + 1:]).encode()),
        "HTML, 5,000 nested spans": ("spans.html", ("<html><body>" + "<span>" * 5000 + "x" + "</span>" * 5000
                                                    + "</body></html>").encode()),
        "HTML, 100,000 nested divs": ("divs.html", ("<html><body>" + "<div>" * 100_000 + "</body></html>").encode()),
        "HTML, one tag with 200,000 attributes": ("attributes.html", ("<html><body><div " + " ".join(
            f"a{k}" for k in range(200_000)) + ">x</div></body></html>").encode()),
        "HTML, one link 5,000 elements deep": ("link.html", ("<html><body><a href='x'>" + "<b>" * 5000 + "x"
                                                             + "</body></html>").encode()),
        "vocabulary zip of 612 KB, one 600 MB field": ("vocabulary.zip", _vocabulary_bomb()),
    }


def _vocabulary_bomb() -> bytes:
    """A skills CSV whose one description is 600 MB of 'a', deflated to about 612 KB."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("skills_en.csv", "w") as member:
            member.write(b"conceptType,conceptUri,skillType,reuseLevel,preferredLabel,description\n"
                         b"KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/00064735-8fad-454b-90c7-ed858cc993f2,"
                         b'skill/competence,,a skill,"')
            for _ in range(600):
                member.write(b"a" * (1 << 20))
            member.write(b'"\n')
    return buffer.getvalue()


def measure(path: Path, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # a vocabulary goes with the sample pages; a page is built alone
    inputs = [str(ESCO), "--vocabulary", str(path)] if path.suffix == ".zip" else [str(path)]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "esco_graph", "build", *inputs, "-o", str(out), "-q",
                                "--keep-going"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stderr = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "exit": os.waitstatus_to_exitcode(status), "traceback": "Traceback" in stderr,
            "stderr": (stderr.strip().splitlines() or [""])[0][:160]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="folder for the inputs (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="esco-graph-hostile-") as tmp:
        folder = Path(args.out or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        worst = 0
        for name, (file_name, data) in inputs().items():
            path = folder / file_name
            path.write_bytes(data)
            row = {"input": name, "bytes": len(data), **measure(path, folder / "out.nt")}
            worst = max(worst, row["traceback"])
            print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
