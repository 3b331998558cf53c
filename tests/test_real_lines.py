"""The label splitter on real DestinAI lines (issue 10): each failure seen on real pages as a
regression test, and the figures on ../shared/real-lines (alone, with the ESCO vocabulary, and
with a vocabulary that lacks some of the labels: never worse than without it)."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from esco_graph.parse.split import LOW_CONFIDENCE, Lexicon, split_runs

SHARED = Path(__file__).resolve().parents[2] / "shared"
LINES = SHARED / "real-lines" / "destinai-lines.jsonl"
VOCABULARY = SHARED / "esco-v1.2.0"


def labels(run: str, kind: str = "knowledge", lexicon=None, expected=None) -> list[str]:
    return [p.label for p in split_runs([(run, kind)], lexicon=lexicon, expected_total=expected)[0]]


# Each line below was split wrong on a real page (cut inside a one-word technical noun, a capital
# join, a wrong cut given high confidence); the labels are the page's, in order.
REGRESSIONS = [
    ("microelectronicselectronicsmechanics", ["microelectronics", "electronics", "mechanics"]),
    ("radarsoptoelectronic devicesoptics", ["radars", "optoelectronic devices", "optics"]),
    ("electronicselectromechanicsphysics", ["electronics", "electromechanics", "physics"]),
    ("RJavaScriptErlang", ["R", "JavaScript", "Erlang"]),
    ("BlackBerryiOSAndroid (mobile operating systems)", ["BlackBerry", "iOS", "Android (mobile operating systems)"]),
    ("Objective-CVBScriptPerl", ["Objective-C", "VBScript", "Perl"]),
    ("task algorithmisationsystems theory", ["task algorithmisation", "systems theory"]),
    ("mathematicsmechatronicsautomation technology", ["mathematics", "mechatronics", "automation technology"]),
    ("radarselectrooptic devicesMOEMprecision mechanics", ["radars", "electrooptic devices", "MOEM", "precision mechanics"]),
    ("semiconductorsmicroelectronicsmicroprocessorssensors", ["semiconductors", "microelectronics", "microprocessors", "sensors"]),
]


@pytest.mark.parametrize("run,expected", REGRESSIONS, ids=[r[1][0] for r in REGRESSIONS])
@pytest.mark.parametrize("count", [False, True], ids=["no-count", "declared-count"])
def test_real_run_splits_right_without_a_vocabulary(run, expected, count):
    pieces = split_runs([(run, "knowledge")], expected_total=len(expected) if count else None)[0]
    assert [p.label for p in pieces] == expected
    assert all(p.confidence >= LOW_CONFIDENCE for p in pieces)


def test_a_label_missing_from_the_vocabulary_fills_its_gap_and_cuts_no_known_word():
    """Regression: a vocabulary without 'surveying' made 'surve', 'ying method', 's' of its neighbours."""
    lexicon = Lexicon()
    for label in ("geodesy", "topography", "surveying methods", "cartography"):
        lexicon.add(label, source="vocabulary", skill_type="knowledge")
    run = "surveyinggeodesytopographysurveying methodscartography"
    want = ["surveying", "geodesy", "topography", "surveying methods", "cartography"]
    assert labels(run, lexicon=lexicon, expected=5) == want
    assert labels(run, lexicon=lexicon) == want


# --- the real lines of ../shared -----------------------------------------------------------------

needs_shared = pytest.mark.skipif(not LINES.is_file(), reason="../shared/real-lines is not beside the checkout")


def real_lines() -> list[dict]:
    return [json.loads(line) for line in LINES.read_text(encoding="utf-8").splitlines() if line.strip()]


def vocabulary_lexicon(drop: frozenset = frozenset()) -> Lexicon:
    from esco_graph.vocabulary import Vocabulary

    lexicon = Lexicon()
    for label, skill_type in Vocabulary.load([VOCABULARY]).skill_labels():
        if label not in drop:
            lexicon.add(label, source="vocabulary", skill_type=skill_type)
    return lexicon


def score(lexicon) -> tuple[float, list]:
    """Label F1 over every real line, split with the declared count of its half-page, and the
    (confidence, right) of every piece."""
    tp = npred = ntrue = 0
    scored = []
    by_half: dict[tuple, list[dict]] = {}
    for row in real_lines():
        by_half.setdefault((row["occupation_slug"], row["relation"]), []).append(row)
    for rows in by_half.values():
        runs = [(row["line"], "knowledge" if row["type"] == "knowledge" else "skill") for row in rows]
        expected = sum(len(row["labels"]) for row in rows)
        for row, pieces in zip(rows, split_runs(runs, lexicon=lexicon, expected_total=expected)):
            truth, got = Counter(row["labels"]), Counter(p.label for p in pieces)
            tp += sum((truth & got).values())
            npred += sum(got.values())
            ntrue += sum(truth.values())
            left = Counter(truth)
            for p in pieces:
                scored.append((p.confidence, left[p.label] > 0))
                left[p.label] -= 1
    precision, recall = tp / npred, tp / ntrue
    return 2 * precision * recall / (precision + recall), scored


@needs_shared
def test_real_lines_alone():
    f1, scored = score(None)
    assert f1 >= 0.99
    high = [ok for c, ok in scored if c >= 0.9]
    assert sum(1 for ok in high if not ok) <= 0.01 * len(high)


@needs_shared
def test_real_lines_with_the_vocabulary():
    f1, _ = score(vocabulary_lexicon())
    assert f1 >= 0.995


@needs_shared
def test_a_drifted_vocabulary_is_never_worse_than_none():
    """A tenth of the lines' labels removed from the vocabulary (as a site shows labels of another
    ESCO version): the result is at least as good as splitting without any vocabulary."""
    rng = random.Random(7)
    every = sorted({label for row in real_lines() for label in row["labels"]})
    dropped = frozenset(rng.sample(every, len(every) // 10))
    drifted, _ = score(vocabulary_lexicon(dropped))
    alone, _ = score(None)
    assert drifted >= alone
    assert drifted >= 0.995
