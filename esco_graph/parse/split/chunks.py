"""The chunk model: a run as space-free chunks, each chunk's cut count and positions scored alone; a declared count couples the chunks of the runs it covers."""
from __future__ import annotations

import math
import re
from typing import Optional

from .features import (
    GOOD_FREQ,
    cut_allowed,
    cut_feats,
    cut_score,
    good_word,
    letters_shape,
    piece_score,
)
from .lexicon import WIDE_CONFIDENCE, Piece
from .words import esco_tiling, freqs, zipf

# --------------------------------------------------------------------------------------------
# The run as chunks


class Run:
    """A run's space-free chunks and where a label boundary may fall."""

    __slots__ = ("text", "kind", "chunks", "starts", "ends", "depth0")

    def __init__(self, text: str, kind: Optional[str]):
        self.text = text
        self.kind = kind
        self.chunks: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.depth0: list[int] = []  # parenthesis depth at each chunk's start
        depth = 0
        for m in re.finditer(r"\S+", text):
            self.chunks.append(m.group())
            self.starts.append(m.start())
            self.ends.append(m.end())
            self.depth0.append(min(depth, 1))
            chunk = m.group()
            if "(" not in chunk and ")" not in chunk:
                continue
            for ch in chunk:
                if ch == "(":
                    depth += 1
                elif ch == ")" and depth > 0:
                    depth -= 1

    def chunk_at(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo


_ALLOWED: dict[tuple[str, int], tuple[list[int], list[int]]] = {}


def allowed_positions(c: str, depth: int) -> tuple[list[int], list[int]]:
    """Positions inside chunk ``c`` where a boundary may fall, and those where one must (cached:
    the same chunks come back page after page; callers do not change the lists)."""
    key = (c, depth)
    got = _ALLOWED.get(key)
    if got is None:
        got = _allowed_positions(c, depth)
        if len(_ALLOWED) > 500_000:
            _ALLOWED.clear()
        _ALLOWED[key] = got
    return got


def _allowed_positions(c: str, depth: int) -> tuple[list[int], list[int]]:
    if c.isalnum():  # most chunks: a cut may fall anywhere (outside a parenthesis), none must
        return (list(range(1, len(c))) if depth == 0 else []), []
    allowed, forced = [], []
    for x in range(1, len(c)):
        ch = c[x - 1]
        if ch == "(":
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0 and c[x].isalnum():
                forced.append(x)
        if depth == 0 and cut_allowed(c, x):
            allowed.append(x)
    return allowed, forced


# --------------------------------------------------------------------------------------------
# The chunk model: every chunk's cut count and positions, scored alone; a declared count
# couples the chunks of the runs it covers.

_MAX_CUTS = 5
_MAX_CANDIDATES = 14
CHUNK_CACHE: dict[tuple, "_ChunkOptions"] = {}


class _ChunkOptions:
    """For one chunk: for each number of cuts, the best cut set and its score, and the
    log-sum-exp of the scores of all cut sets with that number (scores are log-probabilities
    up to a constant)."""

    __slots__ = ("best", "logz", "candidates")

    def __init__(self):
        self.best: dict[int, tuple[float, tuple[int, ...]]] = {}
        self.logz: dict[int, float] = {}
        self.candidates: list[int] = []


def _logaddexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


_MIDDLE: dict[str, bool] = {}


def _two_words(c: str, cand: list, is_good) -> bool:
    """Is ``c`` two known words glued, with no case change (the usual glued chunk)?"""
    if any(not (c[x - 1].islower() and c[x].islower()) for x in cand):
        return False
    return any(is_good(c[:x]) and is_good(c[x:]) for x in cand)


def plausible_middle(w: str) -> bool:
    """Could ``w`` be a one-word label glued on both sides (R, Lisp, KDevelop, sexology)?"""
    g = _MIDDLE.get(w)
    if g is None:
        g = len(w) >= 7 or good_word(w) or letters_shape(w) == "mix"
        if len(_MIDDLE) > 1_000_000:
            _MIDDLE.clear()
        _MIDDLE[w] = g
    return g


def multicut(c: str, cand: list, forced: list) -> bool:
    """May chunk ``c`` hold more than one boundary (a one-word label glued on both sides)?
    Decided from the chunk alone, so the fitted weights do not change the search space."""
    if forced or len(c) >= 20:
        return True
    strong = sum(1 for x in cand if not (c[x - 1].islower() and c[x].islower()))
    if strong >= 2 or (strong and len(c) >= 12):
        return True
    return not any(good_word(c[:x]) and good_word(c[x:]) for x in cand)


#: A chunk that is a word at least this frequent is taken as one word: glued words almost
#: never make a frequent word (data|set is the rare exception).
_ATOMIC_ZIPF = 2.5


_CAND_CACHE: dict[tuple, tuple] = {}


def chunk_candidates(c: str, depth: int, wide: bool = False) -> tuple[list[int], list[int]]:
    """Positions where chunk ``c`` may be cut (worth scoring), and those where it must be.
    ``wide``: every position where a boundary is allowed (when the declared count cannot be met
    otherwise)."""
    if wide:  # (an unclosed parenthesis before the chunk no longer blocks it either)
        return allowed_positions(c, 0)
    key = (c, depth)
    got = _CAND_CACHE.get(key)
    if got is None:
        got = _CAND_CACHE[key] = _find_candidates(c, depth)
        if len(_CAND_CACHE) > 500_000:
            _CAND_CACHE.clear()
    return got


def _find_candidates(c: str, depth: int) -> tuple[list[int], list[int]]:
    if c.isalpha() and zipf(c.lower()) >= _ATOMIC_ZIPF:
        return [], []
    tiling = esco_tiling(c)
    if tiling == () and len(c) >= 4:
        return [], []  # one ESCO word: no label boundary inside it
    allowed, forced = allowed_positions(c, depth)
    freq = freqs()
    thr = GOOD_FREQ
    good = good_word

    def is_good(w: str) -> bool:
        if w.isalpha() and w.islower():
            return len(w) >= 3 and freq.get(w, 0.0) >= thr
        return good(w)

    cand = []
    L = len(c)
    if c.isalpha() and c.islower():
        get = freq.get
        for x in allowed:
            if (x >= 3 and get(c[:x], 0.0) >= thr) or (L - x >= 3 and get(c[x:], 0.0) >= thr):
                cand.append(x)
    else:
        for x in allowed:
            p, n = c[x - 1], c[x]
            if not (p.islower() and n.islower()) or is_good(c[:x]) or is_good(c[x:]):
                cand.append(x)
    if len(c) >= 18 and not _two_words(c, cand, is_good):
        # long chunks may hold several one-word labels: also cut where a word starts or ends
        # next to a candidate (administrationtheology|surgerymaxillofacial)
        have = set(cand)
        rest = [x for x in allowed if x not in have]
        more = set()
        lower = c.isalpha() and c.islower()
        get = freq.get
        for a in [0] + cand:
            for x in rest:
                if a + 3 <= x <= a + 16 and x not in more:
                    w = c[a:x]
                    if (get(w, 0.0) >= thr) if lower else is_good(w):
                        more.add(x)
        for b in cand + [L]:
            for x in rest:
                if b - 16 <= x <= b - 3 and x not in more:
                    w = c[x:b]
                    if (get(w, 0.0) >= thr) if lower else is_good(w):
                        more.add(x)
        cand = sorted(have | more)
    if len(cand) > _MAX_CANDIDATES:
        # keep case changes, then the cuts with the most frequent words on both sides
        def rank(x: int) -> float:
            strong = not (c[x - 1].islower() and c[x].islower())
            return (10.0 if strong else 0.0) + zipf(c[:x].lower()) + zipf(c[x:].lower())

        cand.sort(key=rank, reverse=True)
        cand = cand[:_MAX_CANDIDATES]
    allowed_set = set(allowed)
    for x in tuple(forced) + (tiling or ()):  # where ESCO words meet is always worth scoring
        if x not in cand and x in allowed_set:
            cand.append(x)
    cand.sort()
    return cand, forced


def _chunk_options(c: str, kind: Optional[str], first: bool, last: bool, depth: int, wide: bool = False) -> _ChunkOptions:
    key = (c, kind, first, last, depth, wide)
    opts = CHUNK_CACHE.get(key)
    if opts is not None:
        return opts
    opts = _ChunkOptions()
    cand, forced = chunk_candidates(c, depth, wide)
    opts.candidates = cand
    if not cand:
        score = piece_score(c, first, last, kind)
        opts.best[0] = (score, ())
        opts.logz[0] = score
        CHUNK_CACHE[key] = opts
        return opts
    L = len(c)
    if not wide and not multicut(c, cand, forced):
        # at most one cut: the whole chunk, or two words
        whole = piece_score(c, first, last, kind)
        opts.best[0] = (whole, ())
        opts.logz[0] = whole
        z1 = -math.inf
        b1 = None
        for x in cand:
            t = piece_score(c[:x], first, True, kind) + piece_score(c[x:], True, last, kind) + cut_score(c, x)
            z1 = _logaddexp(z1, t)
            if b1 is None or t > b1[0]:
                b1 = (t, (x,))
        opts.best[1] = b1
        opts.logz[1] = z1
        CHUNK_CACHE[key] = opts
        return opts
    pos = [0] + cand + [L]
    npos = len(pos)
    forced_set = set(forced)
    forced_idx = {i for i, x in enumerate(pos) if x in forced_set}
    # best[b][m] = (score, cuts) and zs[b][m] = log-sum-exp, over segmentations of c[:pos[b]]
    # with m cuts, the last one at pos[b] (b > 0)
    best: list[dict[int, tuple]] = [dict() for _ in range(npos)]
    best[0][0] = (0.0, ())
    zs: list[dict[int, float]] = [dict() for _ in range(npos)]
    zs[0][0] = 0.0
    for b in range(1, npos):
        final = b == npos - 1
        cut = 0.0 if final else cut_score(c, pos[b])
        bb = best[b]
        zb = zs[b]
        for a in range(b - 1, -1, -1):
            ba = best[a]
            if ba and (final or a == 0 or plausible_middle(c[pos[a] : pos[b]])):
                ps = piece_score(c[pos[a] : pos[b]], a > 0 or first, (not final) or last, kind) + cut
                za = zs[a]
                for m, (sc, cuts) in ba.items():
                    m2 = m if final else m + 1
                    if m2 > _MAX_CUTS:
                        continue
                    t = sc + ps
                    zb[m2] = _logaddexp(zb.get(m2, -math.inf), za[m] + ps)
                    cur = bb.get(m2)
                    if cur is None or t > cur[0]:
                        bb[m2] = (t, cuts if final else cuts + (pos[b],))
            if a in forced_idx:
                break  # a piece cannot span a forced boundary
    opts.best = best[-1]
    opts.logz = dict(zs[-1])
    if len(CHUNK_CACHE) > 300_000:
        CHUNK_CACHE.clear()
    CHUNK_CACHE[key] = opts
    return opts


def _chunk_items(runs: list[Run], wide: bool = False):
    items = []
    for r, run in enumerate(runs):
        n = len(run.chunks)
        for i, c in enumerate(run.chunks):
            items.append(_chunk_options(c, run.kind, i == 0, i == n - 1, run.depth0[i], wide))
    return items


def _choose_chunk_counts(items, target_cuts: Optional[int]) -> tuple[list[int], list[int]]:
    """Per chunk, the number of cuts: unconstrained best, then the cheapest change that meets
    ``target_cuts`` (when given and reachable). Returns (chosen, unconstrained)."""
    base = [max(o.best, key=lambda m: o.best[m][0]) for o in items]
    if target_cuts is None:
        return base, base
    delta = target_cuts - sum(base)
    if delta == 0:
        return base, base
    return _adjust(items, base, delta), base


def _adjust(items, choice: list[int], delta: int) -> list[int]:
    """Cheapest change of the per-chunk cut counts that adds ``delta`` cuts in total."""
    sign = 1 if delta > 0 else -1
    need = abs(delta)
    INF = math.inf
    cost = [0.0] + [INF] * need
    back = []
    for it, o in enumerate(items):
        m0 = choice[it]
        s0 = o.best[m0][0]
        opts = []
        for m, (s, _) in o.best.items():
            steps = (m - m0) * sign
            if 0 < steps <= need:
                opts.append((steps, s0 - s))
        if not opts:
            continue
        new = list(cost)
        pick: list = [None] * (need + 1)
        for d in range(need + 1):
            if cost[d] == INF:
                continue
            for steps, c in opts:
                e = d + steps
                if e <= need and cost[d] + c < new[e]:
                    new[e] = cost[d] + c
                    pick[e] = (d, steps)
        back.append((it, pick))
        cost = new
    if cost[need] == INF:  # infeasible: get as close as possible
        need = max(d for d in range(need + 1) if cost[d] < INF)
    result = list(choice)
    d = need
    for it, pick in reversed(back):
        p = pick[d]
        if p is not None:
            prev, steps = p
            result[it] = choice[it] + sign * steps
            d = prev
    return result


def _exp(x: float) -> float:
    return math.exp(max(-60.0, min(60.0, x)))


_SPAN = 4  # how far the chunks' total number of cuts may stray in the confidence computation


def _chunk_confidences(items, choice: list[int], constrained: bool) -> list[float]:
    """For each chunk, the probability that its chosen cuts are right: the chunk model's
    probability of the chosen number of cuts (given the total number of cuts when the page
    declares it, summing over the other chunks' alternatives), times the probability of the
    chosen positions among segmentations with that number of cuts."""
    n = len(items)
    rel: list[dict[int, float]] = []  # per chunk: weight of d more cuts relative to the choice
    active: list[int] = []
    for it, o in enumerate(items):
        m = choice[it]
        z0 = o.logz[m]
        r = {}
        for m2, z in o.logz.items():
            d = m2 - m
            if d and abs(d) <= _SPAN:
                v = _exp(z - z0)
                if v > 1e-7:
                    r[d] = v
        rel.append(r)
        if r:
            active.append(it)
    p_count = [1.0] * n
    if not constrained:
        for it in active:
            p_count[it] = 1.0 / (1.0 + sum(rel[it].values()))
    elif active:
        width = 2 * _SPAN + 1
        # forward[k][s]: summed weight of deviations s - _SPAN over active[:k]
        forward = [[0.0] * width]
        forward[0][_SPAN] = 1.0
        for it in active:
            prev = forward[-1]
            cur = list(prev)
            for d, v in rel[it].items():
                for s0 in range(width):
                    if prev[s0]:
                        s1 = s0 + d
                        if 0 <= s1 < width:
                            cur[s1] += prev[s0] * v
            forward.append(cur)
        backward = [[0.0] * width for _ in range(len(active) + 1)]
        backward[-1][_SPAN] = 1.0
        for k in range(len(active) - 1, -1, -1):
            nxt = backward[k + 1]
            cur = list(nxt)
            for d, v in rel[active[k]].items():
                for s0 in range(width):
                    s1 = s0 + d
                    if 0 <= s1 < width and nxt[s1]:
                        cur[s0] += nxt[s1] * v
            backward[k] = cur
        total = forward[-1][_SPAN]
        if total > 0:
            for k, it in enumerate(active):
                f, b = forward[k], backward[k + 1]
                keep = sum(f[s0] * b[s0] for s0 in range(width))
                p_count[it] = min(1.0, keep / total)
    out = []
    for it, o in enumerate(items):
        m = choice[it]
        p_pos = _exp(o.best[m][0] - o.logz[m])
        out.append(p_count[it] * p_pos)
    return out


def _sigmoid(x: float) -> float:
    if x > 40:
        return 1.0
    if x < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def margin_confidence(margin: float) -> float:
    """Score margin (natural-log units) of the best path over the best alternative -> the
    probability of the best path among the two."""
    return _sigmoid(margin)


def _case_cut(c: str, x: int) -> bool:
    t = cut_feats(c, x)[1][0]
    return t in ("cut_paren", "cut_sym", "cut_lU_low_word", "cut_lU_low_acr", "cut_Ul_acr", "cut_UU_word", "cut_dl")


def solve_chunks(runs: list[Run], target_cuts: Optional[int]) -> list[list[Piece]]:
    """The chunk model over all chunks of ``runs`` with an optional total number of cuts."""
    items = _chunk_items(runs)
    choice, base = _choose_chunk_counts(items, target_cuts)
    usual = None
    if target_cuts is not None and sum(choice) != target_cuts:
        # the count is out of the usual candidates' reach: consider every allowed position
        usual = [set(o.candidates) for o in items]
        items = _chunk_items(runs, wide=True)
        choice, base = _choose_chunk_counts(items, target_cuts)
    constrained = target_cuts is not None and sum(choice) == target_cuts
    conf = _chunk_confidences(items, choice, constrained)
    if usual is not None:  # cuts the word model would not even consider: doubtful
        for t, o in enumerate(items):
            if any(x not in usual[t] for x in o.best[choice[t]][1]):
                conf[t] = min(conf[t], WIDE_CONFIDENCE)
    out: list[list[Piece]] = []
    pos = 0
    for run in runs:
        cuts: list[int] = []
        for i in range(len(run.chunks)):
            for x in items[pos + i].best[choice[pos + i]][1]:
                cuts.append(run.starts[i] + x)
        bounds = [0] + cuts + [len(run.text)]
        pieces = []
        last_chunk = len(run.chunks) - 1
        for k in range(len(bounds) - 1):
            a, b = bounds[k], bounds[k + 1]
            ca = run.chunk_at(a) if k > 0 else 0
            cb = run.chunk_at(b - 1) if k < len(bounds) - 2 else last_chunk
            touched = range(pos + ca, pos + cb + 1)
            p = 1.0
            for t in touched:
                p *= conf[t]
            if any(choice[t] != base[t] for t in touched):
                method = "count"
            elif len(bounds) > 2 and (k == 0 or _case_cut(run.chunks[ca], a - run.starts[ca])) and (
                k == len(bounds) - 2 or _case_cut(run.chunks[cb], b - run.starts[cb])
            ):
                method = "case"
            else:
                method = "wordmodel"
            pieces.append(Piece(run.text[a:b], round(p, 4), method))
        out.append(pieces)
        pos += len(run.chunks)
    return out
