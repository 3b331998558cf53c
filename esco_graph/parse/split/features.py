"""The features of pieces and cuts, their weights (weights.json) and the cached scores."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Optional

from ...model import KNOWLEDGE, SKILL
from .words import (
    ADJ_SUFFIX,
    MAX_WORD_CHARS,
    NOT_END,
    NOT_START,
    PREFIXES,
    SUFFIXES,
    VERB_SUFFIX,
    VERBS,
    esco_tiling,
    esco_words,
    freqs,
    zipf,
)

# --------------------------------------------------------------------------------------------
# Features. A segmentation of a chunk into pieces scores
#   sum over pieces: word features + label-start features (when the piece starts a label)
#                    + label-end features (when it ends one) + a one-word-label feature
#   + sum over cuts: cut features (case change, digits, parenthesis at the boundary).


_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def letters_shape(core: str) -> str:
    if _HAS_DIGIT.search(core):
        return "digit"
    if not _HAS_LETTER.search(core):
        return "junk"
    if core.isupper():
        return "acr"
    if core.islower():
        return "low"
    if core[0].isupper() and core[1:].islower():
        return "cap"
    return "mix"


_WFEATS: dict[str, list] = {}


_COMPOUND_FREQ = 10 ** (2.5 - 9)  # wordfreq frequency of Zipf 2.5


def _backoff(lw: str) -> list:
    """Features of an unknown lower-case word that is a plural, a prefixed word or a compound
    of known words (electroencephalograms, micromechatronic, beamhouse)."""
    feats = []
    freq = freqs()
    if lw.endswith("s") and len(lw) > 4:
        z = zipf(lw[:-1]) or (zipf(lw[:-2]) if lw.endswith("es") else 0.0)
        if z > 0:
            feats += [("w_unk_plural", 1.0), ("w_unk_plural_z", z)]
    for k in range(2, min(7, len(lw) - 3)):
        if lw[:k] in PREFIXES:
            z = zipf(lw[k:])
            if z > 0:
                feats += [("w_unk_prefixed", 1.0), ("w_unk_prefixed_z", z)]
                break
    n = len(lw)
    if n >= 7:
        best = 0.0
        thr = _COMPOUND_FREQ
        get = freq.get
        for k in range(3, n - 2):
            fa = get(lw[:k], 0.0)
            if fa >= thr:
                fb = get(lw[k:], 0.0)
                if fb >= thr and min(fa, fb) > best:
                    best = min(fa, fb)
        if best:
            feats += [("w_unk_compound", 1.0), ("w_unk_compound_z", math.log10(best) + 9.0)]
    return feats


def _w_feats(w: str) -> list:
    """Features of ``w`` as one word."""
    feats = _WFEATS.get(w)
    if feats is not None:
        return feats
    core = w.strip("()[]{},.;:")
    n = len(core)
    if not core:
        feats = [("w_junk", 1.0)]
    elif n == 1:
        if core.isupper():
            feats = [("w_char_upper", 1.0)]
        elif core.isdigit():
            feats = [("w_char_digit", 1.0)]
        else:
            feats = [("w_char_other", 1.0)]
    else:
        z = zipf(core.lower())
        shape = letters_shape(core)
        punct = not core.isalnum()
        if z > 0:
            feats = [("w_known", 1.0), ("w_zipf", z), ("w_lowz", max(0.0, 3.0 - z))]
            if w.lower() in esco_words():
                feats.append(("w_esco", 1.0))
            if shape in ("acr", "mix", "digit"):
                feats.append(("w_known_" + shape, 1.0))
            if punct:
                feats.append(("w_known_punct", 1.0))
        elif shape == "junk":
            feats = [("w_junk", 1.0)]
        elif w.lower() in esco_words():  # an ESCO word the word model does not know (MOEM, iOS, VBScript)
            feats = [("w_esco_unk", 1.0)]
            if punct:
                feats.append(("w_unk_punct", 1.0))
        else:
            feats = [
                ("w_unk_" + shape, 1.0),
                ("w_unk_%s_len" % shape, n / 10.0),
                ("w_unk_%s_long" % shape, max(0, n - (5 if shape == "acr" else 11)) / 10.0),
            ]
            if punct:
                feats.append(("w_unk_punct", 1.0))
            elif shape == "low":
                feats += _backoff(core)
    if len(_WFEATS) > 2_000_000:
        _WFEATS.clear()
    _WFEATS[w] = feats
    return feats


def _kind_key(kind: Optional[str]) -> str:
    return kind if kind in (KNOWLEDGE, SKILL) else "any"


def _s_feats(w: str, kind: Optional[str]) -> list:
    """Features of ``w`` as the first word of a label."""
    k = _kind_key(kind)
    lw = w.lower()
    feats = [("S", 1.0)]
    if lw in NOT_START:
        feats.append(("S_func", 1.0))
    elif len(w) <= 2 and w.isalpha() and w.islower():
        feats.append(("S_short", 1.0))
    elif lw in SUFFIXES:
        feats.append(("S_suffix", 1.0))
    if lw in VERBS:
        shape = "verb"
    elif w[:1].isdigit():
        shape = "digit"
    elif w[:1].isupper():
        shape = "acr" if len(w) > 1 and w[1:2].isupper() else "cap"
    elif VERB_SUFFIX.search(lw):
        shape = "verbish"
    else:
        shape = "other"
    feats.append(("S_%s_%s" % (k, shape), 1.0))
    return feats


def _e_feats(w: str, kind: Optional[str]) -> list:
    """Features of ``w`` as the last word of a label."""
    lw = w.lower()
    feats = []
    if lw in NOT_END:
        feats.append(("E_func", 1.0))
    elif lw in PREFIXES:
        feats.append(("E_prefix", 1.0))
    elif len(w) <= 2 and w.isalpha() and w.islower():
        feats.append(("E_short", 1.0))
    last = w[-1:]
    if last == ")":
        shape = "paren"
    elif last in ("+", "#"):
        shape = "sym"
    elif last.isdigit():
        shape = "digit"
    elif w.isupper():
        shape = "acr"
    elif w[:1].isupper():
        shape = "cap"
    elif lw.endswith("s") and not lw.endswith("ss") and len(lw) > 3:
        shape = "plural"
    elif lw.endswith("ing"):
        shape = "ing"
    elif ADJ_SUFFIX.search(lw):
        shape = "adj"
    else:
        shape = "other"
    feats.append(("E_" + shape, 1.0))
    if lw in VERBS:
        feats.append(("E_%s_verb" % _kind_key(kind), 1.0))
    return feats


def cut_allowed(c: str, x: int) -> bool:
    p, n = c[x - 1], c[x]
    if not n.isalnum():
        return False
    return p.isalnum() or p in ")+#"


def cut_feats(c: str, x: int) -> list:
    """Features of a label boundary between ``c[:x]`` and ``c[x:]``."""
    return _window_cut_feats(c, x) + _tile_feats(c, x)


def _window_cut_feats(c: str, x: int) -> list:
    """The cut's features that depend only on the characters around it (case, digits, parenthesis)."""
    p, n = c[x - 1], c[x]
    n2 = c[x + 1] if x + 1 < len(c) else ""
    if p == ")":
        t = "paren"
    elif p in "+#":
        t = "sym"
    elif p.isdigit():
        t = "dd" if n.isdigit() else "dl" if n.islower() else "dU"  # DB2|3D printing
    elif n.isdigit():
        t = "ld" if p.islower() else "Ud"
    elif p.islower() and n.isupper():
        # is the word before the cut capitalized (Web|Sphere) or lower-case (firmware|CAD)?
        j = x - 1
        while j > 0 and c[j - 1].islower():
            j -= 1
        left = "cap" if j > 0 and c[j - 1].isupper() and (j < 2 or not c[j - 2].isupper()) else "low"
        if j > 1 and c[j - 1].isupper() and c[j - 2].isupper():
            left = "acr"  # ...SQLite|X is rare; treat as acronym-led
        right = "word" if n2.islower() else "acr"
        t = "lU_%s_%s" % (left, right)
        if left == "cap" and _spans_known(c, j - 1, x):
            t += "_known"  # Black|Berry, Mongo|DB: the cut splits a known camel-case word
    elif p.isupper() and n.islower():
        if x >= 2 and c[x - 2].isupper():
            t = "Ul_acr"  # MOEM|precision
        elif x < 2 or not c[x - 2].isalpha():
            t = "Ul_lone"  # R|ingredients, J|ava, Objective-C|ground
        else:
            t = "Ul_word"  # JavaS|cript
    elif p.isupper() and n.isupper():
        t = "UU_word" if n2.islower() else "UU_acr"
        if t == "UU_acr":
            j = x - 1
            while j > 0 and (c[j - 1].isupper() or c[j - 1].isdigit()):
                j -= 1
            if _spans_known(c, j, x):
                t = "UU_acr_in"  # AB|AP: inside a known acronym
            elif x - j >= 2 and zipf(c[j:x].lower()) >= 1.5 and _prefix_known(c, x):
                t = "UU_acr_kk"  # MATLAB|SQL: two known acronyms
    elif p.islower() and n.islower():
        t = "ll"
    else:
        t = "other"
    return [("cut", 1.0), ("cut_" + t, 1.0)]


def _tile_feats(c: str, x: int) -> list:
    """Where a cut falls in a chunk that is a sequence of ESCO words: labels meet where words meet."""
    tiling = esco_tiling(c)
    if tiling is None:
        return []
    return [("cut_esco_tile" if x in tiling else "cut_esco_inside", 1.0)]


def _spans_known(c: str, j: int, x: int) -> bool:
    """Is some word of at least 3 letters that starts at ``j`` and ends after ``x`` known?"""
    for k in range(x + 1, min(len(c), j + 16) + 1):
        w = c[j:k]
        if not w.isalnum():
            break
        if k - j >= 3 and zipf(w.lower()) >= 1.5:
            return True
    return False


def _prefix_known(c: str, x: int) -> bool:
    """Does ``c[x:]`` start with a known word of two or more letters and digits?"""
    for k in range(x + 2, min(len(c), x + 16) + 1):
        w = c[x:k]
        if not w.isalnum():
            break
        if zipf(w.lower()) >= 1.5:
            return True
    return False


def piece_feats(w: str, starts: bool, ends: bool, kind: Optional[str]) -> list:
    feats = list(_w_feats(w))
    if starts:
        feats += _s_feats(w, kind)
    if ends:
        feats += _e_feats(w, kind)
    if starts and ends:
        feats.append(("single_" + _kind_key(kind), 1.0))
    return feats


# Weights fitted by `bench/split_accuracy.py --fit` (each chunk's conditional log-likelihood of
# its true segmentation, on a synthetic corpus generated with another seed than the measured
# one), starting from hand-set values; natural-log units. Features not listed weigh 0.
#: weights.json beside this module (written by ``bench/split_accuracy.py --fit ... --save-weights``)
WEIGHTS_FILE = Path(__file__).with_name("weights.json")
WEIGHTS: dict[str, float] = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))

_PIECE_CACHE: dict[tuple, float] = {}
_CUT_CACHE: dict[tuple, float] = {}


def _dot(feats) -> float:
    w = WEIGHTS
    return sum(w.get(name, 0.0) * value for name, value in feats)


_PART_CACHE: dict[tuple, float] = {}


def _part_score(part: str, w: str, kind: Optional[str]) -> float:
    """The word ('w'), label-start ('s') or label-end ('e') part of a piece's score."""
    key = (part, w, kind)
    s = _PART_CACHE.get(key)
    if s is None:
        if part == "w":
            s = _dot(_w_feats(w))
        elif part == "s":
            s = _dot(_s_feats(w, kind))
        else:
            s = _dot(_e_feats(w, kind))
        if len(_PART_CACHE) > 2_000_000:
            _PART_CACHE.clear()
        _PART_CACHE[key] = s
    return s


def piece_score(w: str, starts: bool, ends: bool, kind: Optional[str]) -> float:
    """Score of ``w`` as one piece (the same as the dot product of piece_feats)."""
    key = (w, starts, ends, kind)
    s = _PIECE_CACHE.get(key)
    if s is None:
        s = _part_score("w", w, None)
        if starts:
            s += _part_score("s", w, kind)
        if ends:
            s += _part_score("e", w, kind)
        if starts and ends:
            s += WEIGHTS.get("single_" + _kind_key(kind), 0.0)
        if len(_PIECE_CACHE) > 2_000_000:
            _PIECE_CACHE.clear()
        _PIECE_CACHE[key] = s
    return s


def cut_score(c: str, x: int) -> float:
    # the case/digit features depend on a window around the cut (cached and shared across chunks);
    # the ESCO-word feature on the whole chunk (its tiling is cached per chunk)
    key = (c[max(0, x - 24) : x], c[x : x + 16])
    s = _CUT_CACHE.get(key)
    if s is None:
        s = _dot(_window_cut_feats(c, x))
        if len(_CUT_CACHE) > 1_000_000:
            _CUT_CACHE.clear()
        _CUT_CACHE[key] = s
    return s + _dot(_tile_feats(c, x))


def set_weights(weights: dict[str, float]) -> None:
    """Replace the weights (the benchmark does, when fitting them); clears this module's caches."""
    WEIGHTS.clear()
    WEIGHTS.update(weights)
    _PIECE_CACHE.clear()
    _PART_CACHE.clear()
    _CUT_CACHE.clear()
    _WFEATS.clear()


_GOOD: dict[str, bool] = {}
GOOD_FREQ = 10 ** (2.0 - 9)  # wordfreq frequency of Zipf 2.0


def good_word(w: str) -> bool:
    """Worth considering as a whole word at a label edge."""
    if len(w) > MAX_WORD_CHARS:
        return False  # and not cached: a long chunk's prefixes would fill the cache with its square
    g = _GOOD.get(w)
    if g is None and w.isalpha() and w.islower():
        g = _GOOD[w] = len(w) >= 3 and freqs().get(w, 0.0) >= GOOD_FREQ
    if g is None:
        core = w.strip("()[]{},.;:")
        shape = letters_shape(core) if len(core) >= 2 else ""
        if len(core) < 2:
            g = len(core) == 1 and core.isupper()
        elif shape in ("acr", "digit") or (shape == "cap" and len(core) >= 4):
            g = True
        elif len(core) < 3 and shape == "low":
            g = False
        else:
            g = zipf(core.lower()) >= 2.0
        if len(_GOOD) > 2_000_000:
            _GOOD.clear()
        _GOOD[w] = g
    return g
