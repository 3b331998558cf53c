#!/usr/bin/env python3
"""Write the ESCO word list the label splitter ships with: every word of every ESCO label.

    python scripts/esco_words.py ../shared/esco-v1.2.0 [-o esco_graph/parse/split/esco_words.txt]

Reads the ESCO CSV files in a folder (the official download, or ../shared/esco-v1.2.0): the
preferred and alternative labels of skills, skill groups, occupations and ISCO groups, wherever a
file has them. A word is a white-space separated token, lower-cased, as it stands (``c#``,
``(computer``, ``programming)``); the same token without surrounding punctuation is kept too.
One word a line, sorted, after a header naming the source and ESCO's attribution.

ESCO is (c) European Union, reused under Commission Decision 2011/833/EU: "This service uses
the ESCO classification of the European Commission."
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

LABEL_COLUMNS = ("preferredLabel", "altLabels", "hiddenLabels")
STRIP = "()[]{},.;:\"'"


def words_of(label: str) -> set[str]:
    out = set()
    for token in label.split():
        token = token.lower()
        out.add(token)
        bare = token.strip(STRIP)
        if bare:
            out.add(bare)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a folder of ESCO CSV files (*_en.csv)")
    ap.add_argument("-o", "--output", type=Path,
                    default=Path(__file__).resolve().parents[1] / "esco_graph" / "parse" / "split" / "esco_words.txt")
    args = ap.parse_args(argv)
    words: set[str] = set()
    files = []
    csv.field_size_limit(1 << 24)
    for path in sorted(args.folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = [c for c in LABEL_COLUMNS if c in (reader.fieldnames or ())]
            if not columns:
                continue
            files.append(path.name)
            for row in reader:
                for column in columns:
                    for label in (row.get(column) or "").split("\n"):
                        words |= words_of(label)
    if not words:
        sys.exit(f"no ESCO labels found in {args.folder}")
    header = [
        "# Every word of the ESCO labels (skills, skill groups, occupations, ISCO groups), lower-cased, one a line.",
        f"# Written by scripts/esco_words.py from: {', '.join(files)} ({args.folder.name}).",
        "# This service uses the ESCO classification of the European Commission.",
        "# ESCO is (c) European Union, reused under Commission Decision 2011/833/EU.",
    ]
    args.output.write_text("\n".join(header + sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words from {len(files)} files -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
