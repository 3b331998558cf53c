"""The span model: labels as spans between boundary nodes, lexicon labels and unknown labels."""
from __future__ import annotations

import math
from typing import Optional

from .chunks import Run, allowed_positions, chunk_candidates, margin_confidence
from .features import cut_score, piece_score
from .lexicon import Lexicon, Piece
from .words import esco_tiling

# --------------------------------------------------------------------------------------------
# The span model: labels as spans between boundary nodes, lexicon labels and unknown labels.

_LEX_BONUS = {"vocabulary": 1.5, "page": 1.0}  # per character of a lexicon label
_EXACT_CASE = 0.3
_TYPE_MISMATCH = -1.0
_WINDOW = 14  # an unknown label spans at most this many chunks
_BAND = 4  # label counts considered around the best segmentation's, per run
_NODES_PER_CHUNK = 4  # word-model cut candidates per chunk in the span model


class _Graph:
    """Boundary nodes of one run and the label edges between them.

    A node is (chunk index, offset in the chunk): START = (0, 0), END = (last, len(last chunk)),
    the others are cut positions strictly inside a chunk."""

    def __init__(self, run: Run, lexicon: Lexicon, unknown: bool, wide: bool = False):
        self.run = run
        self.lexicon = lexicon
        self.unknown = unknown
        self.wide = wide
        self.scored = True  # build() decides: False for a pure tiling with one path
        chunks = run.chunks
        self._allowed: dict[int, set[int]] = {}
        self.forced: list[set[int]] = []
        self.cand: list[list[int]] = []
        for i, c in enumerate(chunks):
            forced = set(allowed_positions(c, run.depth0[i])[1]) if ")" in c else set()
            self.forced.append(forced)
            if not unknown:
                self.cand.append(sorted(forced))
                continue
            cand = chunk_candidates(c, run.depth0[i], wide)[0]
            if not wide and len(cand) > _NODES_PER_CHUNK:
                first, last = i == 0, i == len(chunks) - 1
                kind = run.kind

                def one_cut(x: int) -> float:
                    return piece_score(c[:x], first, True, kind) + piece_score(c[x:], True, last, kind) + cut_score(c, x)

                tiles = set(esco_tiling(c) or ()) & set(cand)  # where ESCO words meet: always a node
                cand = sorted(set(sorted(cand, key=one_cut, reverse=True)[:_NODES_PER_CHUNK]) | forced | tiles)
            self.cand.append(cand)
        self._mid: Optional[list[float]] = None

    def allowed(self, i: int) -> set[int]:
        got = self._allowed.get(i)
        if got is None:
            depth = 0 if self.wide else self.run.depth0[i]
            got = self._allowed[i] = set(allowed_positions(self.run.chunks[i], depth)[0])
        return got

    @property
    def mid(self) -> list[float]:
        """Prefix sums of whole-chunk scores (chunks inside a label)."""
        if self._mid is None:
            self._mid = [0.0]
            kind = self.run.kind
            for c in self.run.chunks:
                self._mid.append(self._mid[-1] + piece_score(c, False, False, kind))
        return self._mid

    def lexicon_edges(self, node):
        """Lexicon labels starting at ``node``: [(end node, key)]."""
        lex = self.lexicon
        chunks = self.run.chunks
        n = len(chunks)
        i, x = node
        c = chunks[i]
        lc = c.lower()
        last = i == n - 1
        out = []
        singles = lex._singles
        if singles:
            lcn = len(c)
            for y in range(x + 1, lcn + 1):
                if lc[x:y] in singles:
                    if y == lcn:
                        if not last:
                            continue
                    elif y not in self.allowed(i):
                        continue
                    out.append(((i, y), lc[x:y]))
        if last:
            return out
        head = (lc[x:],)
        j = i + 1
        while j < n and head in lex._heads:
            lasts = lex._lasts.get(head)
            if lasts:
                cj = chunks[j]
                lcj = cj.lower()
                lj = len(cj)
                if len(lasts) < lj:
                    ys = sorted(len(w) for w in lasts if lcj.startswith(w))
                else:
                    ys = [y for y in range(1, lj + 1) if lcj[:y] in lasts]
                for y in ys:
                    if y == lj:
                        if j != n - 1:
                            continue
                    elif y not in self.allowed(j):
                        continue
                    out.append(((j, y), " ".join(head) + " " + lcj[:y]))
            head = head + (chunks[j].lower(),)
            j += 1
        return out

    def word_span(self, u, v) -> float:
        """Word-model score of a label from node u to node v (cut score at v not included)."""
        chunks = self.run.chunks
        kind = self.run.kind
        i, x = u
        j, y = v
        if i == j:
            return piece_score(chunks[i][x:y], True, True, kind)
        return (
            piece_score(chunks[i][x:], True, False, kind)
            + self.mid[j]
            - self.mid[i + 1]
            + piece_score(chunks[j][:y], False, True, kind)
        )

    def node_score(self, v) -> float:
        j, y = v
        c = self.run.chunks[j]
        if y == 0 or y == len(c):
            return 0.0
        return cut_score(c, y)

    def span_text(self, u, v) -> str:
        run = self.run
        return run.text[run.starts[u[0]] + u[1] : run.starts[v[0]] + v[1]]

    def lex_score(self, u, v, key: str) -> float:
        entry = self.lexicon._entries[key]
        s = _LEX_BONUS[entry.source] * len(key)
        if " ".join(self.span_text(u, v).split()) == entry.label:
            s += _EXACT_CASE
        kind = self.run.kind
        if kind and entry.skill_types and kind not in entry.skill_types:
            s += _TYPE_MISMATCH
        if not self.unknown:
            return s  # a pure tiling: alternatives differ in their cuts' scores only
        return s + self.word_span(u, v)

    def _forced_ok(self, u, v) -> bool:
        """No forced boundary (after a closing parenthesis) lies strictly inside the span."""
        i, x = u
        j, y = v
        for k in range(i, j + 1):
            f = self.forced[k]
            if f:
                lo = x if k == i else 0
                hi = y if k == j else 1 << 30
                if any(lo < p < hi for p in f):
                    return False
        return True

    def build(self):
        """Nodes in text order and, per node, its outgoing edges (v, score, source | None)."""
        run = self.run
        n = len(run.chunks)
        start = (0, 0)
        end = (n - 1, len(run.chunks[-1]))
        nodes = {start, end}
        for i in range(n):
            for x in self.cand[i]:
                nodes.add((i, x))
        labels: dict = {}  # node -> the lexicon labels starting there: [(end node, key)]
        todo = sorted(nodes, reverse=True)
        seen = set()
        while todo:
            u = todo.pop()
            if u in seen or u == end:
                continue
            seen.add(u)
            lst = labels.setdefault(u, [])
            for v, key in self.lexicon_edges(u):
                if not self._forced_ok(u, v):
                    continue
                lst.append((v, key))
                if v not in nodes:
                    nodes.add(v)
                    todo.append(v)
        order = sorted(nodes)
        # a run the lexicon tiles one way only (nearly every run, with a vocabulary) needs no
        # scores: its one path is its segmentation whatever they are, with no alternative to
        # take confidence from; scoring is most of the split's time (the cut features)
        self.scored = scored = self.unknown or _paths(order, labels, start, end) != 1
        entries = self.lexicon._entries
        edges: dict = {
            u: [(v, (self.lex_score(u, v, key) + self.node_score(v)) if scored else 0.0, entries[key].source)
                for v, key in found]
            for u, found in labels.items()
        }
        if self.unknown:
            for k, u in enumerate(order):
                if u == end:
                    continue
                lst = edges.setdefault(u, [])
                for v in order[k + 1 :]:
                    if v[0] - u[0] > _WINDOW:
                        break
                    if self._forced_ok(u, v):
                        lst.append((v, self.word_span(u, v) + self.node_score(v), None))
        return order, edges, start, end


def _paths(order: list, labels: dict, start, end) -> int:
    """How many paths lead from start to end through the label edges (0, 1, or 2 for more)."""
    count = {start: 1}
    for u in order:
        here = count.get(u)
        if here is None or u == end:
            continue
        for v, _ in labels.get(u, ()):
            count[v] = min(2, count.get(v, 0) + here)
    return count.get(end, 0)


class _SpanSolution:
    """Best paths from START to END through the label graph: the best one whatever its number
    of labels, and the best one for each number of labels within ``band`` of the best one's
    (all numbers when ``band`` is None)."""

    def __init__(self, graph: _Graph, kmax: int, band: Optional[int]):
        self.graph = graph
        order, edges, start, end = graph.build()
        self.order, self.edges, self.start, self.end = order, edges, start, end
        # any number of labels: best score (and its label count) of a path to each node
        fbest: dict = {start: (0.0, 0)}
        for u in order:
            bu = fbest.get(u)
            if bu is None or u == end:
                continue
            for v, s, _ in edges.get(u, ()):
                t = bu[0] + s
                cur = fbest.get(v)
                if cur is None or t > cur[0]:
                    fbest[v] = (t, bu[1] + 1)
        self.fbest = fbest
        # by number of labels, near the best path's count at each node
        f: dict = {start: {0: (0.0, None, None)}}
        for u in order:
            fu = f.get(u)
            if not fu or u == end:
                continue
            for v, s, src in edges.get(u, ()):
                center = fbest[v][1]
                fv = f.get(v)
                if fv is None:
                    fv = f[v] = {}
                for k, (sc, _, _) in fu.items():
                    k2 = k + 1
                    if k2 > kmax or (band is not None and abs(k2 - center) > band):
                        continue
                    t = sc + s
                    cur = fv.get(k2)
                    if cur is None or t > cur[0]:
                        fv[k2] = (t, u, src)
        self.f = f
        self.profile = {k: v[0] for k, v in f.get(end, {}).items()}

    def path(self, k: int):
        out = []
        v = self.end
        while k > 0:
            _, u, src = self.f[v][k]
            out.append((u, v, src))
            v = u
            k -= 1
        out.reverse()
        return out

    def pieces(self, k: int) -> list[Piece]:
        """The pieces of the best k-label path; each piece's confidence comes from how much
        worse the best path (any number of labels) is that does not share its boundaries."""
        run = self.graph.run
        path = self.path(k)
        total = self.profile[k]
        order, edges = self.order, self.edges
        fbest = self.fbest
        gbest: dict = {self.end: 0.0}
        # an unscored graph has one path: no other path avoids its nodes, nor passes between them
        for u in reversed(order if self.graph.scored else ()):
            if u == self.end:
                continue
            best = -math.inf
            for v, s, _ in edges.get(u, ()):
                gv = gbest.get(v)
                if gv is not None and s + gv > best:
                    best = s + gv
            if best > -math.inf:
                gbest[u] = best
        index = {v: i for i, v in enumerate(order)}
        on_path = sorted(index[v] for _, v, _ in path if v != self.end)
        avoid: dict = {}  # best path jumping over an on-path node
        if on_path and self.graph.scored:
            import bisect

            for u in order:
                fu = fbest.get(u)
                if fu is None:
                    continue
                iu = index[u]
                for v, s, _ in edges.get(u, ()):
                    gv = gbest.get(v)
                    if gv is None:
                        continue
                    iv = index[v]
                    lo = bisect.bisect_right(on_path, iu)
                    hi = bisect.bisect_left(on_path, iv)
                    if lo < hi:
                        t = fu[0] + s + gv
                        for w in on_path[lo:hi]:
                            if t > avoid.get(w, -math.inf):
                                avoid[w] = t
        out = []
        for u, v, src in path:
            a = run.starts[u[0]] + u[1]
            b = run.starts[v[0]] + v[1]
            margins = [total - avoid.get(index[w], -math.inf) for w in (u, v) if w not in (self.start, self.end)]
            for w in order[index[u] + 1 : index[v]]:
                fw, gw = fbest.get(w), gbest.get(w)
                if fw is not None and gw is not None:
                    margins.append(total - (fw[0] + gw))
            conf = margin_confidence(min(margins, default=40.0))
            if src is not None:
                method = src
                conf = min(conf, 0.999 if src == "vocabulary" else 0.995)
            else:
                method = "wordmodel"
            out.append(Piece(run.text[a:b], round(conf, 4), method))
        # whitespace before the first chunk or after the last stays with the end pieces
        lead, trail = run.text[: run.starts[0]], run.text[run.ends[-1] :]
        if lead:
            out[0] = Piece(lead + out[0].label, out[0].confidence, out[0].method)
        if trail:
            out[-1] = Piece(out[-1].label + trail, out[-1].confidence, out[-1].method)
        return out


def _choose_counts(profiles: list[dict[int, float]], expected: Optional[int]) -> Optional[list[int]]:
    """Per-run label counts maximising the total score, summing to ``expected`` when given."""
    if any(not p for p in profiles):
        return None
    if expected is None:
        return [max(p, key=p.get) for p in profiles]
    dp: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for p in profiles:
        new: dict[int, tuple[float, list[int]]] = {}
        for tot, (sc, ch) in dp.items():
            for k, s in p.items():
                t = tot + k
                if t <= expected and (t not in new or sc + s > new[t][0]):
                    new[t] = (sc + s, ch + [k])
        dp = new
    return dp[expected][1] if expected in dp else None


def solve_spans(runs: list[Run], lexicon: Lexicon, expected: Optional[int]) -> list[list[Piece]]:
    """Lexicon tiling first; runs the lexicon cannot tile (or not to the declared count) get
    unknown-label edges from the word model as well."""

    def solve(run: Run, unknown: bool, wide: bool = False) -> _SpanSolution:
        cap = 4 * len(run.text) + 4
        # a lexicon tiling has few edges: every label count; with unknown labels, counts near
        # the best segmentation's only
        return _SpanSolution(_Graph(run, lexicon, unknown, wide), cap, _BAND if unknown else None)

    sols = []
    for run in runs:
        sol = solve(run, unknown=False)
        if not sol.profile:
            sol = solve(run, unknown=True)
        sols.append(sol)
    ks = _choose_counts([s.profile for s in sols], expected)
    if ks is None:
        sols = [s if s.graph.unknown else solve(r, unknown=True) for s, r in zip(sols, runs)]
        ks = _choose_counts([s.profile for s in sols], expected)
    if ks is None and expected is not None:
        sols = [solve(r, unknown=True, wide=True) for r in runs]
        ks = _choose_counts([s.profile for s in sols], expected)
    if ks is None:  # the declared count is out of reach: the best segmentation, reported
        ks = _choose_counts([s.profile for s in sols], None)
    return [s.pieces(k) for s, k in zip(sols, ks)]
