"""Label-level accuracy of the DestinAI label splitter (esco_graph.parse.split).

Reads the corpus written by bench/corpus.py (bench/corpus/truth.jsonl plus the page files),
extracts the run-together label lines from each DestinAI page itself, splits them in three
modes and prints precision, recall, F1, the seconds spent splitting (wall clock and CPU) and
how many wrong pieces were flagged low-confidence (below LOW_CONFIDENCE), and how many right
ones were ("false alarms"):

    vocabulary  lexicon = every skill label of skills_en.derived.csv (source 'vocabulary')
    page        lexicon = the labels of the ESCO-layout pages of the same corpus (source 'page')
    none        no lexicon: the declared counts, case, wordfreq and label shape only

Label-level P/R/F1: per page, the multiset of predicted labels against the multiset of true
labels, summed over pages.

    python bench/split_accuracy.py [--corpus bench/corpus] [--esco ../shared/esco-v1.2.0]
    python bench/split_accuracy.py --modes none --calibration --show 50
    python bench/split_accuracy.py --page-share 0.5       # page mode with half the ESCO pages
    python bench/split_accuracy.py --simulate 3039        # no corpus: glue random ESCO labels

Fitting the splitter's feature weights (development only; --save-weights writes the data file
the splitter loads, esco_graph/parse/split/weights.json). Fit on a corpus generated with ANOTHER
seed than the one measured, so the measured corpus stays unseen:

    python bench/corpus.py --esco ../shared/esco-v1.2.0 --out /tmp/corpus-seed1 --seed 1
    python bench/split_accuracy.py --fit /tmp/corpus-seed1 --save-weights esco_graph/parse/split/weights.json --modes none

ESCO is (c) European Union, reused under Commission Decision 2011/833/EU: "This service uses
the ESCO classification of the European Commission."
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from esco_graph.parse.split import LOW_CONFIDENCE, Lexicon, features, split_runs  # noqa: E402

DEFAULT_CORPUS = ROOT / "bench" / "corpus"
DEFAULT_ESCO = ROOT.parent / "shared" / "esco-v1.2.0"


# ------------------------------------------------------------------------------------------
# A small line-based reader of the DestinAI layout (only what the benchmark needs)


@dataclass
class DestinaiRuns:
    runs: dict = field(default_factory=dict)  # (relation, skill_type) -> run text
    total: int | None = None
    essential: int | None = None
    optional: int | None = None


_SECTIONS = {"Theoretical Knowledge": "knowledge", "Practical Skills": "skill"}


def read_destinai(text: str) -> DestinaiRuns:
    out = DestinaiRuns()
    lines = [line.rstrip("\r") for line in text.split("\n")]
    kind = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line in _SECTIONS:
            kind = _SECTIONS[line]
        elif kind and (line.startswith("ESSENTIAL") or line.startswith("OPTIONAL")):
            relation = "essential" if line.startswith("ESSENTIAL") else "optional"
            if i + 1 < len(lines) and lines[i + 1].strip():
                out.runs[(relation, kind)] = lines[i + 1].strip()
                i += 1
        elif line == "SKILLS OVERVIEW":
            kind = None
        else:
            m = re.fullmatch(r"(\d+) total", line)
            if m:
                out.total = int(m.group(1))
            m = re.fullmatch(r"(\d+) essential\s*·\s*(\d+) optional", line)
            if m:
                out.essential, out.optional = int(m.group(1)), int(m.group(2))
        i += 1
    return out


# ------------------------------------------------------------------------------------------
# Pages: from the corpus, or simulated


@dataclass
class Page:
    name: str
    text: str  # the DestinAI page
    truth: list  # labels in page order
    truth_links: list = field(default_factory=list)  # (relation, skill type, label)


def load_corpus(corpus: Path):
    pages, page_labels = [], []
    with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            rec = obj["record"]
            labels = [link["skill"]["label"] for link in rec.get("skills", [])]
            links = [(link["relation"], link["skill"]["skill_type"], link["skill"]["label"]) for link in rec.get("skills", [])]
            if obj.get("layout") == "destinai":
                path = Path(obj["path"])
                if not path.is_absolute():
                    cand = corpus / path
                    path = cand if cand.exists() else corpus.parent / path
                    if not path.exists():
                        path = ROOT / obj["path"]
                pages.append(Page(str(obj["path"]), path.read_text(encoding="utf-8"), labels, links))
            elif obj.get("layout") == "esco":
                page_labels.append(labels)
    return pages, page_labels


def load_vocabulary(esco: Path):
    with open(esco / "skills_en.derived.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [(r["preferredLabel"], "knowledge" if r["skillType"] == "knowledge" else "skill") for r in rows]


def render_destinai(title: str, groups: dict) -> str:
    """The DestinAI layout, as far as the reader needs it."""
    lines = ["DestinAI", "§ OCCUPATION · GLOBAL STANDARDS", "", title, "", "Description", "", "x", ""]
    heads = {
        ("essential", "knowledge"): "ESSENTIALTheoretical knowledge required",
        ("optional", "knowledge"): "OPTIONALAdjacent knowledge that strengthens fit",
        ("essential", "skill"): "ESSENTIALApplied skills & competences",
        ("optional", "skill"): "OPTIONALOptional competences",
    }
    for section, kind in (("Theoretical Knowledge", "knowledge"), ("Practical Skills", "skill")):
        if not any(groups.get((rel, kind)) for rel in ("essential", "optional")):
            continue
        lines.append(section)
        for rel in ("essential", "optional"):
            labels = groups.get((rel, kind))
            if labels:
                lines += [heads[(rel, kind)], "".join(labels)]
    ess = sum(len(v) for (rel, _), v in groups.items() if rel == "essential")
    opt = sum(len(v) for (rel, _), v in groups.items() if rel == "optional")
    lines += ["", "SKILLS OVERVIEW", "", f"{ess + opt} total", f"{ess} essential · {opt} optional", ""]
    return "\n".join(lines)


def simulate(vocab, n: int, seed: int):
    rng = random.Random(seed)
    by_kind = {"knowledge": [l for l, k in vocab if k == "knowledge"], "skill": [l for l, k in vocab if k == "skill"]}
    pages, page_labels = [], []
    for p in range(n):
        total = rng.randint(15, 60)
        nk = sum(1 for _ in range(total) if rng.random() < 0.3)
        chosen = {"knowledge": rng.sample(by_kind["knowledge"], nk), "skill": rng.sample(by_kind["skill"], total - nk)}
        groups = {}
        for kind, labels in chosen.items():
            for lab in labels:
                rel = "essential" if rng.random() < 0.5 else "optional"
                groups.setdefault((rel, kind), []).append(lab)
        truth = [lab for key in sorted(groups) for lab in groups[key]]
        pages.append(Page(f"sim-{p}", render_destinai(f"occupation {p}", groups), truth))
        page_labels.append(truth)
    return pages, page_labels


# ------------------------------------------------------------------------------------------
# Measuring


def split_page(page: Page, lexicon):
    found = read_destinai(page.text)
    pieces = []
    for relation, declared in (("essential", found.essential), ("optional", found.optional)):
        keys = [(relation, kind) for kind in ("knowledge", "skill") if (relation, kind) in found.runs]
        if not keys:
            continue
        runs = [(found.runs[k], k[1]) for k in keys]
        for result in split_runs(runs, lexicon=lexicon, expected_total=declared):
            pieces.extend(result)
    return pieces


def measure(pages, lexicon, show: int = 0):
    tp = npred = ntrue = 0
    wrong = wrong_flagged = right_flagged = 0
    examples = []
    scored = []  # (confidence, right)
    t0, c0 = time.perf_counter(), time.process_time()
    results = [split_page(p, lexicon) for p in pages]
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    for page, pieces in zip(pages, results):
        truth = Counter(page.truth)
        pred = Counter(p.label for p in pieces)
        hit = truth & pred
        tp += sum(hit.values())
        npred += sum(pred.values())
        ntrue += sum(truth.values())
        left = Counter(hit)
        for piece in pieces:
            scored.append((piece.confidence, left[piece.label] > 0))
            if left[piece.label] > 0:
                left[piece.label] -= 1
                if piece.confidence < LOW_CONFIDENCE:
                    right_flagged += 1
            else:
                wrong += 1
                if piece.confidence < LOW_CONFIDENCE:
                    wrong_flagged += 1
                if len(examples) < show:
                    examples.append((page.name, piece, sorted((truth - pred).elements())[:6]))
    p = tp / npred if npred else 0.0
    r = tp / ntrue if ntrue else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return dict(precision=p, recall=r, f1=f1, seconds=seconds, cpu=cpu, scored=scored, wrong=wrong, wrong_flagged=wrong_flagged,
                right_flagged=right_flagged, pieces=npred, examples=examples)


BINS = (0.0, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0)


def reliability_table(scored) -> str:
    """Pieces per confidence bin with the share that is right: a calibrated splitter's share right
    is at least the bin's lower edge."""
    lines = ["    reliability: confidence bin        pieces    wrong   right share"]
    for lo, hi in zip(BINS, BINS[1:]):
        last = hi == 1.0
        inside = [ok for c, ok in scored if lo <= c < hi or (last and c == 1.0)]
        if not inside:
            lines.append(f"    [{lo:4.2f}, {hi:4.2f}{']' if last else ')'}                {0:8d} {0:8d}        -")
            continue
        wrong = sum(1 for ok in inside if not ok)
        lines.append(f"    [{lo:4.2f}, {hi:4.2f}{']' if last else ')'}                {len(inside):8d} {wrong:8d}   {1 - wrong / len(inside):9.5f}")
    high = [ok for c, ok in scored if c >= 0.9]
    if high:
        lines.append(f"    confidence >= 0.90: {len(high)} pieces, {sum(1 for ok in high if not ok) / len(high):.3%} wrong")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Fitting the splitter's feature weights (dev only): an averaged structured perceptron over the
# chunk model's count-constrained decisions, on pages of a corpus that is NOT the one measured
# (e.g. `python bench/corpus.py --seed 1 --out /tmp/corpus-seed1`).


def training_groups(pages):
    """[(runs, expected, true cuts per run)] for every half-page whose runs tile exactly."""
    groups = []
    for page in pages:
        found = read_destinai(page.text)
        truth = list(page.truth_links)
        for relation, declared in (("essential", found.essential), ("optional", found.optional)):
            keys = [(relation, kind) for kind in ("knowledge", "skill") if (relation, kind) in found.runs]
            if not keys:
                continue
            runs, cuts = [], []
            ok = True
            for key in keys:
                labels = [lab for rel, kind, lab in truth if (rel, kind) == key]
                text = found.runs[key]
                if "".join(labels) != text:
                    ok = False
                    break
                offs, pos = [], 0
                for lab in labels[:-1]:
                    pos += len(lab)
                    offs.append(pos)
                runs.append((text, key[1]))
                cuts.append(offs)
            if ok:
                groups.append((runs, declared, cuts))
    return groups


def _logsumexp(values):
    if not values:
        return -math.inf
    m = max(values)
    if m == -math.inf:
        return m
    return m + math.log(sum(math.exp(v - m) for v in values))


def chunk_lattices(pages, limit_chunks: int = 0):
    """Training lattices: per chunk with a choice, the edges (a, b, features) between its
    candidate positions and the true path, from the true labels of each page."""
    from esco_graph.parse.split import chunks, features

    names: dict = {}

    def vec(feats):
        out = {}
        for name, value in feats:
            idx = names.setdefault(name, len(names))
            out[idx] = out.get(idx, 0.0) + value
        return tuple(out.items())

    lattices = []
    skipped = 0
    for runs, _expected, cuts in training_groups(pages):
        for r, (text, kind) in enumerate(runs):
            run = chunks.Run(text, kind)
            n = len(run.chunks)
            for i, c in enumerate(run.chunks):
                cand, forced = chunks.chunk_candidates(c, run.depth0[i])
                if not cand:
                    continue
                st = run.starts[i]
                true = [x - st for x in cuts[r] if st < x < st + len(c)]
                if any(x not in cand for x in true):
                    skipped += 1
                    continue
                first, last = i == 0, i == n - 1
                if not chunks.multicut(c, cand, forced):
                    if len(true) > 1:
                        skipped += 1
                        continue
                    # the whole chunk, or one cut
                    pos = [0] + cand + [len(c)]
                    edges = [(0, len(pos) - 1, vec(features.piece_feats(c, first, last, kind)))]
                    for k, x in enumerate(cand, start=1):
                        edges.append((0, k, vec(features.piece_feats(c[:x], first, True, kind) + features.cut_feats(c, x))))
                        edges.append((k, len(pos) - 1, vec(features.piece_feats(c[x:], True, last, kind))))
                    tp = [0] + [pos.index(x) for x in true] + [len(pos) - 1]
                    lattices.append((len(pos), edges, set(zip(tp, tp[1:]))))
                    continue
                pos = [0] + cand + [len(c)]
                fidx = {k for k, x in enumerate(pos) if x in set(forced)}
                edges = []
                for b in range(1, len(pos)):
                    final = b == len(pos) - 1
                    for a in range(b - 1, -1, -1):
                        if not (final or a == 0 or chunks.plausible_middle(c[pos[a] : pos[b]])):
                            if a in fidx:
                                break
                            continue
                        feats = features.piece_feats(c[pos[a] : pos[b]], a > 0 or first, (not final) or last, kind)
                        if not final:
                            feats = feats + features.cut_feats(c, pos[b])
                        edges.append((a, b, vec(feats)))
                        if a in fidx:
                            break
                tp = [0] + [pos.index(x) for x in true] + [len(pos) - 1]
                true_edges = set(zip(tp, tp[1:]))
                lattices.append((len(pos), edges, true_edges))
                if limit_chunks and len(lattices) >= limit_chunks:
                    return lattices, names, skipped
    return lattices, names, skipped


def fit(pages, epochs: int, rate: float, batch: int, seed: int, l2: float = 1e-3):
    """Conditional log-likelihood of each chunk's true segmentation (a small CRF over the
    chunk's candidate cuts), AdaGrad, starting from the module's hand-set weights."""
    from esco_graph.parse import split as sp

    t0 = time.perf_counter()
    lattices, names, skipped = chunk_lattices(pages)
    print(f"{len(lattices)} training chunks ({skipped} skipped: a true cut outside the candidates), "
          f"{len(names)} features, {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    init = dict(features.WEIGHTS)
    w = [init.get(name, 0.0) for name in names]
    prior = list(w)
    g2 = [1e-8] * len(w)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(lattices)
        nll = 0.0
        grad: dict = {}
        for k, (npos, edges, true_edges) in enumerate(lattices):
            scores = [sum(w[i] * v for i, v in f) for _, _, f in edges]
            alpha = [-math.inf] * npos
            alpha[0] = 0.0
            incoming: dict = {}
            for e, (a, b, _) in enumerate(edges):
                incoming.setdefault(b, []).append(e)
            for b in range(1, npos):
                alpha[b] = _logsumexp([alpha[edges[e][0]] + scores[e] for e in incoming.get(b, ())])
            beta = [-math.inf] * npos
            beta[-1] = 0.0
            outgoing: dict = {}
            for e, (a, b, _) in enumerate(edges):
                outgoing.setdefault(a, []).append(e)
            for a in range(npos - 2, -1, -1):
                beta[a] = _logsumexp([scores[e] + beta[edges[e][1]] for e in outgoing.get(a, ())])
            logz = alpha[-1]
            true_score = 0.0
            for e, (a, b, f) in enumerate(edges):
                p = math.exp(alpha[a] + scores[e] + beta[b] - logz) if alpha[a] > -math.inf and beta[b] > -math.inf else 0.0
                t = 1.0 if (a, b) in true_edges else 0.0
                if t:
                    true_score += scores[e]
                if p or t:
                    for i, v in f:
                        grad[i] = grad.get(i, 0.0) + (t - p) * v
            nll += logz - true_score
            if (k + 1) % batch == 0 or k == len(lattices) - 1:
                for i, gi in grad.items():
                    gi -= l2 * (w[i] - prior[i]) * batch
                    g2[i] += gi * gi
                    w[i] += rate * gi / math.sqrt(g2[i])
                grad = {}
        print(f"epoch {epoch + 1}: mean negative log-likelihood {nll / len(lattices):.4f} ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    weights = dict(init)
    for name, i in names.items():
        weights[name] = round(w[i], 3)
    sp.set_weights(weights)
    return weights


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding truth.jsonl")
    ap.add_argument("--esco", type=Path, default=DEFAULT_ESCO, help="folder holding skills_en.derived.csv")
    ap.add_argument("--simulate", type=int, default=0, metavar="N", help="glue N random fake occupations instead of reading a corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", default="vocabulary,page,none,drift")
    ap.add_argument("--limit", type=int, default=0, help="only the first N DestinAI pages")
    ap.add_argument("--fit", type=Path, metavar="CORPUS", help="fit the splitter's weights on this (other) corpus first and print them")
    ap.add_argument("--save-weights", type=Path, help="write the fitted weights (JSON) here")
    ap.add_argument("--weights", type=Path, help="use these weights (JSON) instead of the module's")
    ap.add_argument("--fit-limit", type=int, default=0, help="fit on the first N pages only")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--rate", type=float, default=0.05)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--page-share", type=float, default=1.0, help="page mode: use the labels of only this share of the ESCO pages")
    ap.add_argument("--calibration", action="store_true", help="how many wrong/right pieces fall below confidence thresholds, "
                    "and the reliability table (pieces and share right per confidence bin)")
    ap.add_argument("--drift", type=float, default=0.02, help="drift mode: share of each page's labels removed from the vocabulary")
    ap.add_argument("--show", type=int, default=0, help="print up to N wrong pieces per mode")
    args = ap.parse_args(argv)

    vocab = load_vocabulary(args.esco)
    if args.weights:
        from esco_graph.parse import split as sp

        merged = dict(features.WEIGHTS)
        merged.update(json.loads(args.weights.read_text()))
        sp.set_weights(merged)
    if args.fit:
        train, _ = load_corpus(args.fit)
        if args.fit_limit:
            train = train[: args.fit_limit]
        weights = fit(train, args.epochs, args.rate, args.batch, args.seed)
        print("WEIGHTS = " + json.dumps(weights, indent=0))
        if args.save_weights:
            args.save_weights.write_text(json.dumps(weights, indent=1, sort_keys=True) + "\n")
    if args.simulate or not (args.corpus / "truth.jsonl").exists():
        n = args.simulate or 3039
        pages, page_labels = simulate(vocab, n, args.seed)
        source = f"simulation ({n} pages, seed {args.seed})"
    else:
        pages, page_labels = load_corpus(args.corpus)
        source = f"corpus {args.corpus} ({len(pages)} DestinAI pages)"
    if args.limit:
        pages = pages[: args.limit]
    print(f"{source}; {sum(len(p.truth) for p in pages)} labels")
    if args.page_share < 1.0:
        print(f"page mode: labels of {args.page_share:.0%} of the ESCO pages only")

    lexicons = {}
    for mode in args.modes.split(","):
        if mode == "vocabulary":
            lex = Lexicon()
            for label, kind in vocab:
                lex.add(label, "vocabulary", kind)
            lexicons[mode] = lex
        elif mode == "page":
            share = page_labels[: round(len(page_labels) * args.page_share)]
            lexicons[mode] = Lexicon((label for labels in share for label in labels), source="page")
        elif mode == "none":
            lexicons[mode] = None
        elif mode == "drift":  # the vocabulary lacks some labels the pages show (ESCO versions drift)
            rng = random.Random(args.seed)
            removed = set()
            for labels in page_labels:
                distinct = sorted(set(labels))
                removed.update(rng.sample(distinct, max(1, round(len(distinct) * args.drift))))
            lex = Lexicon()
            for label, kind in vocab:
                if label not in removed:
                    lex.add(label, "vocabulary", kind)
            lexicons[mode] = lex
            print(f"drift mode: {len(removed)} labels ({args.drift:.0%} of each page's) removed from the vocabulary")
        else:
            ap.error(f"unknown mode {mode}")

    print(f"{'mode':<11} {'precision':>9} {'recall':>8} {'F1':>8} {'seconds':>8} {'cpu s':>7} {'wrong':>6} {'flagged':>8} {'false alarms':>12}")
    for mode, lex in lexicons.items():
        m = measure(pages, lex, args.show)
        print(f"{mode:<11} {m['precision']:9.5f} {m['recall']:8.5f} {m['f1']:8.5f} {m['seconds']:8.2f} {m['cpu']:7.2f} "
              f"{m['wrong']:6d} {m['wrong_flagged']:8d} {m['right_flagged']:12d}")
        if args.calibration:
            nwrong = sum(1 for _, ok in m["scored"] if not ok) or 1
            for t in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
                fw = sum(1 for c, ok in m["scored"] if c < t and not ok)
                fr = sum(1 for c, ok in m["scored"] if c < t and ok)
                print(f"    below {t:4.2f}: {fw / nwrong:6.1%} of wrong pieces, {fr} right pieces ({fr / len(m['scored']):.2%})")
            print(reliability_table(m["scored"]))
        for name, piece, missing in m["examples"]:
            print(f"    {name}: {piece.label!r} conf={piece.confidence} {piece.method}  missing~{missing}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
