"""Split run-together DestinAI skill labels back into ESCO labels.

A DestinAI page prints each half-section (essential knowledge, optional skills, ...) as ONE
line in which the labels follow each other with no separator::

    quality standardsdesign drawingsmicroelectromechanical systemsmicroassembly

Labels never start or end with a space, so a label boundary can only fall *inside* a
space-free chunk (the last word of one label glued to the first word of the next:
``standardsdesign``), possibly right after a closing parenthesis. The splitter decides, for
each chunk, whether and where it is glued, using these signals in order of trust:

1. a :class:`Lexicon` of known labels (the official ESCO vocabulary, or the labels seen in
   ESCO-layout pages of the same build), matched case- and whitespace-insensitively;
2. the counts the page declares (``21 essential``): the chosen segmentation has exactly the
   declared number of labels whenever that is possible, optimised jointly over the runs the
   count covers;
3. case changes (``firmwareCAD software``, ``MOEMprecision``, ``RJavaScript``), digits and a
   closing parenthesis (``Java (computer programming)``);
4. a word model (wordfreq: ``standardsdesign`` is not a word, ``standards`` and ``design``
   are) and the shape of ESCO labels (skills start with a verb, no label ends with ``and`` or
   ``micro``).

The model is log-linear: a segmentation's score is the sum of feature weights of its pieces
and cuts (:data:`_WEIGHTS`), and each chunk's scores are its segmentations' log-probabilities
up to a constant. The features are generic (word frequency and shape, case change, digits, a
short hand-written list of English verbs, function words and affixes); their ~90 weights were
fitted by ``bench/split_accuracy.py --fit`` on synthetic pages (a corpus generated with another
seed than the one measured). No ESCO label, word list or per-word statistic is embedded:
without a lexicon the splitter knows only wordfreq and the word lists below.

Every piece carries a confidence in [0, 1]: without a lexicon, the model's probability that the
decisions fixing its boundaries are right (given the declared count); with a lexicon, from the
score margin over the best alternative segmentation. Pieces below :data:`LOW_CONFIDENCE` should
be reported as doubtful.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

__all__ = ["LOW_CONFIDENCE", "Lexicon", "Piece", "split_run", "split_runs"]

#: Pieces whose confidence is below this are reported to the user as doubtful. The chunk
#: model's confidences are roughly calibrated probabilities; on the benchmark corpus without a
#: lexicon, 0.9 flags about 86% of the wrong pieces and 4% of the right ones.
LOW_CONFIDENCE = 0.9

#: Confidence cap for a cut at a position the word model would not consider, taken only to
#: meet a declared count.
_WIDE_CONFIDENCE = 0.3

#: Lexicon sources, most trusted first.
SOURCES = ("vocabulary", "page")
_TRUST = {"vocabulary": 2, "page": 1}

KNOWLEDGE = "knowledge"
SKILL = "skill"


# --------------------------------------------------------------------------------------------
# Hand-written English word lists (generic; not derived from ESCO's labels).

#: Common action verbs that open skill statements ("liaise with engineers").
_VERBS = frozenset(
    """
    accept access accommodate achieve acquire act adapt add address adhere adjust administer
    adopt advertise advise advocate align allocate analyse analyze anticipate apply appraise
    approve arrange assemble assess assign assist attach attend audit authorise balance bake
    be bind blend boil build buy calculate calibrate care carry carve catalogue change charge
    check choose classify clean clear close coach coat collaborate collect combine communicate
    compile complete comply compose conduct configure connect conserve consider consult
    contribute control convert convey cook cool coordinate copy correct counsel create cultivate
    cure cut deal debug decide decorate define delegate deliver demonstrate deploy design detect
    determine develop devise diagnose dig direct disassemble discuss dispatch dispense display
    dispose distribute document draft drain draw dress drill drive dry edit educate embrace
    employ empower enable encourage enforce engage enhance ensure enter establish estimate
    evaluate examine execute explain explore extract fabricate facilitate feed file fill filter
    finish fit fix follow forecast form formulate foster fasten gather generate give glaze grade
    greet grind grow guide handle harvest heat help hire identify illustrate implement improve
    inform initiate inspect install instruct insulate integrate interact interpret interview
    investigate issue join keep label lay lead learn liaise lift load locate lubricate maintain
    make manage manipulate manufacture map market match measure mediate meet mentor merge mill
    mitigate mix model modify monitor motivate mount move negotiate network observe obtain
    operate optimise order organise organize oversee pack package paint participate pass perform
    place plan plant polish position pour practise prepare present preserve press prevent price
    print process procure produce program promote protect provide prune publish purchase
    question raise read receive recognise recommend reconcile record recruit reduce refer refine
    register regulate reinforce remove render repair replace report represent research reserve
    resolve respect respond restore review revise rotate run sample sand schedule screen seal
    secure select sell separate serve service set sew shape share sharpen ship show sketch slice
    solder solve sort specify spray stack start steer sterilise stock store study supervise
    supply support survey sustain take teach tend test think tie trace track train transfer
    transform translate transport treat trim troubleshoot tune understand unload update upgrade
    use utilise validate verify visit wash wear weigh weld work wrap write
    """.split()
)

#: Words no label ends with.
_NOT_END = frozenset(
    """
    a an the and or nor of for to in on with by from at as into onto per via than its their
    your his her our other such including within between among across through about upon
    without during toward towards while when where which that this these those whose is are
    very more most non
    """.split()
)

#: Words no label starts with.
_NOT_START = frozenset(
    """
    and or nor of for to in on with by from at as into onto per via than its their your his
    her our whose which that is are
    """.split()
)

#: Word-forming prefixes that are also words ("micro", "bio"): they open compounds
#: ("microassembly"); labels do not end with them.
_PREFIXES = frozenset(
    """
    micro nano bio electro hydro thermo photo geo agro aero auto multi inter intra pre post sub
    super trans semi tele cyber eco neuro psycho socio opto petro macro mono poly anti counter
    co de re un mis out self cross mid neo pseudo quasi ultra infra para proto pan omni hyper
    hypo mega meta mini over under bi tri pro
    """.split()
)

#: Word-forming suffixes that are also words or frequent fragments ("ing", "ship"): they close
#: compounds ("dealership"); labels do not start with them.
_SUFFIXES = frozenset(
    """
    ing ings ed er ers es ly tion tions sion ment ments ness ity ities ship ships ism ist ists
    able ible al ial ic ics ive ous ful less ance ence ware wares wise ward wards like ology
    graphy scape ware stock flow way ways work works wear man men hood shore craft
    """.split()
)

_VERB_SUFFIX = re.compile(r"(?:ise|ize|ate|ify|en)$")
_ADJ_SUFFIX = re.compile(r"(?:al|ic|ive|ous|ful|able|ible|ary|less)$")


# --------------------------------------------------------------------------------------------
# The word model (wordfreq), cached.

_FREQ: Optional[dict] = None
_ZIPF: dict[str, float] = {}


def _freqs() -> dict:
    global _FREQ
    if _FREQ is None:
        from wordfreq import get_frequency_dict

        _FREQ = get_frequency_dict("en", wordlist="best")
    return _FREQ


def prepare() -> None:
    """Load the word model now, e.g. before forking workers, so that they share one copy."""
    _freqs()


def _zipf(word: str) -> float:
    """wordfreq's Zipf frequency of a lower-case word (0 when unknown); cached."""
    z = _ZIPF.get(word)
    if z is None:
        if word.isalpha():
            f = _freqs().get(word, 0.0)
            z = math.log10(f) + 9.0 if f > 0 else 0.0
        else:
            from wordfreq import zipf_frequency

            z = zipf_frequency(word, "en")
        if len(_ZIPF) > 2_000_000:
            _ZIPF.clear()
        _ZIPF[word] = z
    return z


# --------------------------------------------------------------------------------------------
# Features. A segmentation of a chunk into pieces scores
#   sum over pieces: word features + label-start features (when the piece starts a label)
#                    + label-end features (when it ends one) + a one-word-label feature
#   + sum over cuts: cut features (case change, digits, parenthesis at the boundary).


_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def _letters_shape(core: str) -> str:
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
    freq = _freqs()
    if lw.endswith("s") and len(lw) > 4:
        z = _zipf(lw[:-1]) or (_zipf(lw[:-2]) if lw.endswith("es") else 0.0)
        if z > 0:
            feats += [("w_unk_plural", 1.0), ("w_unk_plural_z", z)]
    for k in range(2, min(7, len(lw) - 3)):
        if lw[:k] in _PREFIXES:
            z = _zipf(lw[k:])
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
        z = _zipf(core.lower())
        shape = _letters_shape(core)
        punct = not core.isalnum()
        if z > 0:
            feats = [("w_known", 1.0), ("w_zipf", z), ("w_lowz", max(0.0, 3.0 - z))]
            if shape in ("acr", "mix", "digit"):
                feats.append(("w_known_" + shape, 1.0))
            if punct:
                feats.append(("w_known_punct", 1.0))
        elif shape == "junk":
            feats = [("w_junk", 1.0)]
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
    if lw in _NOT_START:
        feats.append(("S_func", 1.0))
    elif len(w) <= 2 and w.isalpha() and w.islower():
        feats.append(("S_short", 1.0))
    elif lw in _SUFFIXES:
        feats.append(("S_suffix", 1.0))
    if lw in _VERBS:
        shape = "verb"
    elif w[:1].isdigit():
        shape = "digit"
    elif w[:1].isupper():
        shape = "acr" if len(w) > 1 and w[1:2].isupper() else "cap"
    elif _VERB_SUFFIX.search(lw):
        shape = "verbish"
    else:
        shape = "other"
    feats.append(("S_%s_%s" % (k, shape), 1.0))
    return feats


def _e_feats(w: str, kind: Optional[str]) -> list:
    """Features of ``w`` as the last word of a label."""
    lw = w.lower()
    feats = []
    if lw in _NOT_END:
        feats.append(("E_func", 1.0))
    elif lw in _PREFIXES:
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
    elif _ADJ_SUFFIX.search(lw):
        shape = "adj"
    else:
        shape = "other"
    feats.append(("E_" + shape, 1.0))
    if lw in _VERBS:
        feats.append(("E_%s_verb" % _kind_key(kind), 1.0))
    return feats


def _cut_allowed(c: str, x: int) -> bool:
    p, n = c[x - 1], c[x]
    if not n.isalnum():
        return False
    return p.isalnum() or p in ")+#"


def _cut_feats(c: str, x: int) -> list:
    """Features of a label boundary between ``c[:x]`` and ``c[x:]``."""
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
            elif x - j >= 2 and _zipf(c[j:x].lower()) >= 1.5 and _prefix_known(c, x):
                t = "UU_acr_kk"  # MATLAB|SQL: two known acronyms
    elif p.islower() and n.islower():
        t = "ll"
    else:
        t = "other"
    return [("cut", 1.0), ("cut_" + t, 1.0)]


def _spans_known(c: str, j: int, x: int) -> bool:
    """Is some word of at least 3 letters that starts at ``j`` and ends after ``x`` known?"""
    for k in range(x + 1, min(len(c), j + 16) + 1):
        w = c[j:k]
        if not w.isalnum():
            break
        if k - j >= 3 and _zipf(w.lower()) >= 1.5:
            return True
    return False


def _prefix_known(c: str, x: int) -> bool:
    """Does ``c[x:]`` start with a known word of two or more letters and digits?"""
    for k in range(x + 2, min(len(c), x + 16) + 1):
        w = c[x:k]
        if not w.isalnum():
            break
        if _zipf(w.lower()) >= 1.5:
            return True
    return False


def _piece_feats(w: str, starts: bool, ends: bool, kind: Optional[str]) -> list:
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
_WEIGHTS: dict[str, float] = {
    "E_acr": 0.978, "E_adj": -0.648, "E_cap": 0.219, "E_digit": 0.479, "E_func": -6.001,
    "E_ing": 0.857, "E_knowledge_verb": -0.093, "E_other": -0.577, "E_paren": -0.0,
    "E_plural": 0.611, "E_prefix": -4.163, "E_short": -3.06, "E_skill_verb": 0.451,
    "E_sym": 0.746, "S": 1.459, "S_any_verb": 0.5, "S_func": -6.011, "S_knowledge_acr": 0.411,
    "S_knowledge_cap": 0.076, "S_knowledge_digit": 0.352, "S_knowledge_other": 0.265,
    "S_knowledge_verb": 0.718, "S_knowledge_verbish": 0.175, "S_short": -3.976,
    "S_skill_acr": -3.01, "S_skill_cap": -3.314, "S_skill_digit": -3.048,
    "S_skill_other": -1.703, "S_skill_verb": 2.591, "S_skill_verbish": 0.153,
    "S_suffix": -2.304, "cut": 0.959, "cut_UU_acr": -3.105, "cut_UU_acr_in": -5.574,
    "cut_UU_acr_kk": -0.923, "cut_UU_word": 0.646, "cut_Ud": -2.276, "cut_Ul_acr": 3.116,
    "cut_Ul_lone": -2.989, "cut_Ul_word": -3.702, "cut_dU": -0.146, "cut_dd": -4.979,
    "cut_dl": 3.115, "cut_lU_acr_acr": 1.269, "cut_lU_acr_word": 1.223,
    "cut_lU_cap_acr": -0.208, "cut_lU_cap_acr_known": -0.52, "cut_lU_cap_word": -0.454,
    "cut_lU_cap_word_known": -2.216, "cut_lU_low_acr": 3.813, "cut_lU_low_word": 4.216,
    "cut_ld": 1.648, "cut_ll": -1.065, "cut_paren": 12.0, "cut_sym": 4.285, "single_any": -2.0,
    "single_knowledge": -1.585, "single_skill": -1.603, "w_char_digit": -9.02,
    "w_char_other": -12.0, "w_char_upper": -6.817, "w_junk": -20.0, "w_known": -8.129,
    "w_known_acr": 2.243, "w_known_digit": 0.357, "w_known_mix": 2.41, "w_known_punct": -0.631,
    "w_lowz": -0.436, "w_unk_acr": -6.293, "w_unk_acr_len": -2.953, "w_unk_acr_long": -3.734,
    "w_unk_cap": -8.575, "w_unk_cap_len": -3.492, "w_unk_cap_long": -4.045,
    "w_unk_compound": 0.326, "w_unk_compound_z": -0.211, "w_unk_digit": -6.485,
    "w_unk_digit_len": -5.247, "w_unk_digit_long": -3.511, "w_unk_low": -10.125,
    "w_unk_low_len": -3.622, "w_unk_low_long": -5.137, "w_unk_mix": -7.242,
    "w_unk_mix_len": -3.71, "w_unk_mix_long": -5.11, "w_unk_plural": 4.569,
    "w_unk_plural_z": -0.475, "w_unk_prefixed": 3.8, "w_unk_prefixed_z": 0.248,
    "w_unk_punct": 0.577, "w_zipf": 0.589,
}

_PIECE_CACHE: dict[tuple, float] = {}
_CUT_CACHE: dict[tuple, float] = {}


def _dot(feats) -> float:
    w = _WEIGHTS
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


def _piece_score(w: str, starts: bool, ends: bool, kind: Optional[str]) -> float:
    """Score of ``w`` as one piece (the same as the dot product of _piece_feats)."""
    key = (w, starts, ends, kind)
    s = _PIECE_CACHE.get(key)
    if s is None:
        s = _part_score("w", w, None)
        if starts:
            s += _part_score("s", w, kind)
        if ends:
            s += _part_score("e", w, kind)
        if starts and ends:
            s += _WEIGHTS.get("single_" + _kind_key(kind), 0.0)
        if len(_PIECE_CACHE) > 2_000_000:
            _PIECE_CACHE.clear()
        _PIECE_CACHE[key] = s
    return s


def _cut_score(c: str, x: int) -> float:
    key = (c[max(0, x - 24) : x], c[x : x + 16])
    s = _CUT_CACHE.get(key)
    if s is None:
        s = _dot(_cut_feats(c, x))
        if len(_CUT_CACHE) > 1_000_000:
            _CUT_CACHE.clear()
        _CUT_CACHE[key] = s
    return s


def _set_weights(weights: dict[str, float]) -> None:
    """Replace the weights (used by the benchmark when fitting them); clears every cache."""
    _WEIGHTS.clear()
    _WEIGHTS.update(weights)
    _PIECE_CACHE.clear()
    _PART_CACHE.clear()
    _CUT_CACHE.clear()
    _CHUNK_CACHE.clear()
    _WFEATS.clear()


_GOOD: dict[str, bool] = {}
_GOOD_FREQ = 10 ** (2.0 - 9)  # wordfreq frequency of Zipf 2.0


def _good_word(w: str) -> bool:
    """Worth considering as a whole word at a label edge."""
    g = _GOOD.get(w)
    if g is None and w.isalpha() and w.islower():
        g = _GOOD[w] = len(w) >= 3 and _freqs().get(w, 0.0) >= _GOOD_FREQ
    if g is None:
        core = w.strip("()[]{},.;:")
        shape = _letters_shape(core) if len(core) >= 2 else ""
        if len(core) < 2:
            g = len(core) == 1 and core.isupper()
        elif shape in ("acr", "digit") or (shape == "cap" and len(core) >= 4):
            g = True
        elif len(core) < 3 and shape == "low":
            g = False
        else:
            g = _zipf(core.lower()) >= 2.0
        if len(_GOOD) > 2_000_000:
            _GOOD.clear()
        _GOOD[w] = g
    return g


# --------------------------------------------------------------------------------------------
# Public data types


@dataclass(frozen=True)
class Piece:
    """One label split off a run."""

    label: str  # exactly as in the run (original case)
    confidence: float  # 0..1, how sure this label's boundaries are
    method: str  # 'vocabulary', 'page', 'case', 'count', 'wordmodel'


def _norm(label: str) -> str:
    return " ".join(label.split()).lower()


@dataclass
class _Entry:
    label: str
    source: str
    skill_types: set


class Lexicon:
    """Known labels, each with where it came from, in order of trust: 'vocabulary' (official
    ESCO) > 'page' (labels seen in ESCO-layout pages of the same build)."""

    def __init__(self, labels: Iterable[str] = (), source: str = "vocabulary") -> None:
        self._entries: dict[str, _Entry] = {}
        # one-word labels, and multi-word labels indexed by their leading words
        self._singles: set[str] = set()
        self._lasts: dict[tuple[str, ...], set[str]] = {}
        self._heads: set[tuple[str, ...]] = set()
        self.update(labels, source)

    def add(self, label: str, source: str = "vocabulary", skill_type: Optional[str] = None) -> None:
        """Add a label (a more trusted source wins over a less trusted one)."""
        if source not in _TRUST:
            raise ValueError(f"unknown lexicon source {source!r} (expected one of {SOURCES})")
        key = _norm(label)
        if not key:
            return
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(" ".join(label.split()), source, set())
            words = key.split(" ")
            if len(words) == 1:
                self._singles.add(key)
            else:
                head = tuple(words[:-1])
                self._lasts.setdefault(head, set()).add(words[-1])
                for i in range(1, len(head) + 1):
                    self._heads.add(head[:i])
        elif _TRUST[source] > _TRUST[entry.source]:
            entry.source = source
            entry.label = " ".join(label.split())
        kind = _skill_type(skill_type)
        if kind:
            entry.skill_types.add(kind)

    def update(self, labels: Iterable[str], source: str = "vocabulary") -> None:
        for label in labels:
            self.add(label, source)

    def __contains__(self, label: object) -> bool:
        return isinstance(label, str) and _norm(label) in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def source(self, label: str) -> Optional[str]:
        """Where a label came from ('vocabulary' or 'page'), or None when unknown."""
        entry = self._entries.get(_norm(label))
        return entry.source if entry else None


def _skill_type(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    v = str(value).strip().lower()
    if v.startswith("knowledge"):
        return KNOWLEDGE
    if v.startswith("skill") or v.startswith("competence"):
        return SKILL
    return None


# --------------------------------------------------------------------------------------------
# The run as chunks


class _Run:
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
            for ch in m.group():
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


def _allowed_positions(c: str, depth: int) -> tuple[list[int], list[int]]:
    """Positions inside chunk ``c`` where a boundary may fall, and those where one must."""
    allowed, forced = [], []
    for x in range(1, len(c)):
        ch = c[x - 1]
        if ch == "(":
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0 and c[x].isalnum():
                forced.append(x)
        if depth == 0 and _cut_allowed(c, x):
            allowed.append(x)
    return allowed, forced


# --------------------------------------------------------------------------------------------
# The chunk model: every chunk's cut count and positions, scored alone; a declared count
# couples the chunks of the runs it covers.

_MAX_CUTS = 5
_MAX_CANDIDATES = 14
_CHUNK_CACHE: dict[tuple, "_ChunkOptions"] = {}


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


def _plausible_middle(w: str) -> bool:
    """Could ``w`` be a one-word label glued on both sides (R, Lisp, KDevelop, sexology)?"""
    g = _MIDDLE.get(w)
    if g is None:
        g = len(w) >= 7 or _good_word(w) or _letters_shape(w) == "mix"
        if len(_MIDDLE) > 1_000_000:
            _MIDDLE.clear()
        _MIDDLE[w] = g
    return g


def _multicut(c: str, cand: list, forced: list) -> bool:
    """May chunk ``c`` hold more than one boundary (a one-word label glued on both sides)?
    Decided from the chunk alone, so the fitted weights do not change the search space."""
    if forced or len(c) >= 20:
        return True
    strong = sum(1 for x in cand if not (c[x - 1].islower() and c[x].islower()))
    if strong >= 2 or (strong and len(c) >= 12):
        return True
    return not any(_good_word(c[:x]) and _good_word(c[x:]) for x in cand)


#: A chunk that is a word at least this frequent is taken as one word: glued words almost
#: never make a frequent word (data|set is the rare exception).
_ATOMIC_ZIPF = 2.5


_CAND_CACHE: dict[tuple, tuple] = {}


def _chunk_candidates(c: str, depth: int, wide: bool = False) -> tuple[list[int], list[int]]:
    """Positions where chunk ``c`` may be cut (worth scoring), and those where it must be.
    ``wide``: every position where a boundary is allowed (when the declared count cannot be met
    otherwise)."""
    if wide:  # (an unclosed parenthesis before the chunk no longer blocks it either)
        return _allowed_positions(c, 0)
    key = (c, depth)
    got = _CAND_CACHE.get(key)
    if got is None:
        got = _CAND_CACHE[key] = _find_candidates(c, depth)
        if len(_CAND_CACHE) > 500_000:
            _CAND_CACHE.clear()
    return got


def _find_candidates(c: str, depth: int) -> tuple[list[int], list[int]]:
    if c.isalpha() and _zipf(c.lower()) >= _ATOMIC_ZIPF:
        return [], []
    allowed, forced = _allowed_positions(c, depth)
    freq = _freqs()
    thr = _GOOD_FREQ
    good = _good_word

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
            return (10.0 if strong else 0.0) + _zipf(c[:x].lower()) + _zipf(c[x:].lower())

        cand.sort(key=rank, reverse=True)
        cand = cand[:_MAX_CANDIDATES]
    for x in forced:
        if x not in cand:
            cand.append(x)
    cand.sort()
    return cand, forced


def _chunk_options(c: str, kind: Optional[str], first: bool, last: bool, depth: int, wide: bool = False) -> _ChunkOptions:
    key = (c, kind, first, last, depth, wide)
    opts = _CHUNK_CACHE.get(key)
    if opts is not None:
        return opts
    opts = _ChunkOptions()
    cand, forced = _chunk_candidates(c, depth, wide)
    opts.candidates = cand
    if not cand:
        score = _piece_score(c, first, last, kind)
        opts.best[0] = (score, ())
        opts.logz[0] = score
        _CHUNK_CACHE[key] = opts
        return opts
    L = len(c)
    if not wide and not _multicut(c, cand, forced):
        # at most one cut: the whole chunk, or two words
        whole = _piece_score(c, first, last, kind)
        opts.best[0] = (whole, ())
        opts.logz[0] = whole
        z1 = -math.inf
        b1 = None
        for x in cand:
            t = _piece_score(c[:x], first, True, kind) + _piece_score(c[x:], True, last, kind) + _cut_score(c, x)
            z1 = _logaddexp(z1, t)
            if b1 is None or t > b1[0]:
                b1 = (t, (x,))
        opts.best[1] = b1
        opts.logz[1] = z1
        _CHUNK_CACHE[key] = opts
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
        cut = 0.0 if final else _cut_score(c, pos[b])
        bb = best[b]
        zb = zs[b]
        for a in range(b - 1, -1, -1):
            ba = best[a]
            if ba and (final or a == 0 or _plausible_middle(c[pos[a] : pos[b]])):
                ps = _piece_score(c[pos[a] : pos[b]], a > 0 or first, (not final) or last, kind) + cut
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
    if len(_CHUNK_CACHE) > 300_000:
        _CHUNK_CACHE.clear()
    _CHUNK_CACHE[key] = opts
    return opts


def _chunk_items(runs: list[_Run], wide: bool = False):
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


def _conf(margin: float) -> float:
    """Score margin (natural-log units) of the best path over the best alternative -> the
    probability of the best path among the two."""
    return _sigmoid(margin)


def _case_cut(c: str, x: int) -> bool:
    t = _cut_feats(c, x)[1][0]
    return t in ("cut_paren", "cut_sym", "cut_lU_low_word", "cut_lU_low_acr", "cut_Ul_acr", "cut_UU_word", "cut_dl")


def _solve_chunks(runs: list[_Run], target_cuts: Optional[int]) -> list[list[Piece]]:
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
                conf[t] = min(conf[t], _WIDE_CONFIDENCE)
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

    def __init__(self, run: _Run, lexicon: Lexicon, unknown: bool, wide: bool = False):
        self.run = run
        self.lexicon = lexicon
        self.unknown = unknown
        self.wide = wide
        chunks = run.chunks
        self._allowed: dict[int, set[int]] = {}
        self.forced: list[set[int]] = []
        self.cand: list[list[int]] = []
        for i, c in enumerate(chunks):
            forced = set(_allowed_positions(c, run.depth0[i])[1]) if ")" in c else set()
            self.forced.append(forced)
            if not unknown:
                self.cand.append(sorted(forced))
                continue
            cand = _chunk_candidates(c, run.depth0[i], wide)[0]
            if not wide and len(cand) > _NODES_PER_CHUNK:
                first, last = i == 0, i == len(chunks) - 1
                kind = run.kind

                def one_cut(x: int) -> float:
                    return _piece_score(c[:x], first, True, kind) + _piece_score(c[x:], True, last, kind) + _cut_score(c, x)

                cand = sorted(set(sorted(cand, key=one_cut, reverse=True)[:_NODES_PER_CHUNK]) | forced)
            self.cand.append(cand)
        self._mid: Optional[list[float]] = None

    def allowed(self, i: int) -> set[int]:
        got = self._allowed.get(i)
        if got is None:
            depth = 0 if self.wide else self.run.depth0[i]
            got = self._allowed[i] = set(_allowed_positions(self.run.chunks[i], depth)[0])
        return got

    @property
    def mid(self) -> list[float]:
        """Prefix sums of whole-chunk scores (chunks inside a label)."""
        if self._mid is None:
            self._mid = [0.0]
            kind = self.run.kind
            for c in self.run.chunks:
                self._mid.append(self._mid[-1] + _piece_score(c, False, False, kind))
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
            return _piece_score(chunks[i][x:y], True, True, kind)
        return (
            _piece_score(chunks[i][x:], True, False, kind)
            + self.mid[j]
            - self.mid[i + 1]
            + _piece_score(chunks[j][:y], False, True, kind)
        )

    def node_score(self, v) -> float:
        j, y = v
        c = self.run.chunks[j]
        if y == 0 or y == len(c):
            return 0.0
        return _cut_score(c, y)

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
        edges: dict = {}
        todo = sorted(nodes, reverse=True)
        seen = set()
        while todo:
            u = todo.pop()
            if u in seen or u == end:
                continue
            seen.add(u)
            lst = edges.setdefault(u, [])
            for v, key in self.lexicon_edges(u):
                if not self._forced_ok(u, v):
                    continue
                src = self.lexicon._entries[key].source
                lst.append((v, self.lex_score(u, v, key) + self.node_score(v), src))
                if v not in nodes:
                    nodes.add(v)
                    todo.append(v)
        order = sorted(nodes)
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
        for u in reversed(order):
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
        if on_path:
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
            conf = _conf(min(margins, default=40.0))
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


def _solve_spans(runs: list[_Run], lexicon: Lexicon, expected: Optional[int]) -> list[list[Piece]]:
    """Lexicon tiling first; runs the lexicon cannot tile (or not to the declared count) get
    unknown-label edges from the word model as well."""

    def solve(run: _Run, unknown: bool, wide: bool = False) -> _SpanSolution:
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


# --------------------------------------------------------------------------------------------
# API


def split_runs(
    runs: Sequence[tuple[str, Optional[str]]],
    *,
    lexicon: Optional[Lexicon] = None,
    expected_total: Optional[int] = None,
) -> list[list[Piece]]:
    """Split several runs jointly.

    ``runs``: (run text, skill type 'knowledge'|'skill'|None). ``expected_total``: the number of
    labels the page declares for all these runs together (a DestinAI page declares 'N total'
    and 'X essential · Y optional', so a caller passes the essential knowledge run and the
    essential skills run with X, and so on). Returns one list of pieces per run; the labels of
    a run's pieces concatenate to the run exactly. When the declared count cannot be met the
    closest segmentation is returned (the caller reports the mismatch).
    """
    parsed = [_Run(text, _skill_type(kind)) for text, kind in runs]
    live = [r for r in parsed if r.chunks]
    if expected_total is not None and expected_total > sum(len(r.text) for r in live):
        expected_total = None  # more labels than characters: no split can meet it; the caller reports the count
    solved: list[list[Piece]] = []
    if live:
        if lexicon is not None and len(lexicon):
            solved = _solve_spans(live, lexicon, expected_total)
        else:
            target = None if expected_total is None else max(0, expected_total - len(live))
            solved = _solve_chunks(live, target)
    by_run = {id(r): p for r, p in zip(live, solved)}
    out: list[list[Piece]] = []
    for r in parsed:
        if r.chunks:
            out.append(_doubt_cuts_inside_words(by_run[id(r)], lexicon))
        elif r.text:
            out.append([Piece(r.text, 0.0, "wordmodel")])  # whitespace only: kept, doubtful
        else:
            out.append([])
    return out


#: A cut that splits a common English word ('pack' | 'age') is doubtful whatever the count says.
_WORD_INSIDE_CUT_ZIPF = 1.5
_DOUBTFUL = 0.5


def _doubt_cuts_inside_words(pieces: list[Piece], lexicon: Optional[Lexicon]) -> list[Piece]:
    """Lower the confidence of both pieces around a cut that falls inside a common word.

    The declared count can push a segmentation to cut inside a word when labels are missing
    from the page; such pieces must be reported as doubtful, never pass as sure. Cuts between
    two labels the lexicon knows are trusted.
    """
    if len(pieces) < 2:
        return pieces
    out = list(pieces)
    for i in range(len(pieces) - 1):
        left, right = pieces[i].label, pieces[i + 1].label
        if lexicon is not None and left in lexicon and right in lexicon:
            continue
        tail, head = left.rsplit(" ", 1)[-1], right.split(" ", 1)[0]
        if not (tail and head and tail.isalpha() and head.isalpha() and tail.islower() and head.islower()):
            continue
        if _zipf(tail + head) >= _WORD_INSIDE_CUT_ZIPF:
            for j in (i, i + 1):
                if out[j].confidence > _DOUBTFUL:
                    out[j] = Piece(out[j].label, _DOUBTFUL, out[j].method)
    return out


def split_run(
    run: str,
    *,
    lexicon: Optional[Lexicon] = None,
    expected: Optional[int] = None,
    skill_type: Optional[str] = None,
) -> list[Piece]:
    """Split one run; ``expected`` is the number of labels it holds, when known."""
    return split_runs([(run, skill_type)], lexicon=lexicon, expected_total=expected)[0]
