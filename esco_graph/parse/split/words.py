"""Hand-written English word lists and the word model (wordfreq), cached."""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Optional

# --------------------------------------------------------------------------------------------
# Hand-written English word lists (generic; not derived from ESCO's labels).

#: Common action verbs that open skill statements ("liaise with engineers").
VERBS = frozenset(
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
NOT_END = frozenset(
    """
    a an the and or nor of for to in on with by from at as into onto per via than its their
    your his her our other such including within between among across through about upon
    without during toward towards while when where which that this these those whose is are
    very more most non
    """.split()
)

#: Words no label starts with.
NOT_START = frozenset(
    """
    and or nor of for to in on with by from at as into onto per via than its their your his
    her our whose which that is are
    """.split()
)

#: Word-forming prefixes that are also words ("micro", "bio"): they open compounds
#: ("microassembly"); labels do not end with them.
PREFIXES = frozenset(
    """
    micro nano bio electro hydro thermo photo geo agro aero auto multi inter intra pre post sub
    super trans semi tele cyber eco neuro psycho socio opto petro macro mono poly anti counter
    co de re un mis out self cross mid neo pseudo quasi ultra infra para proto pan omni hyper
    hypo mega meta mini over under bi tri pro
    """.split()
)

#: Word-forming suffixes that are also words or frequent fragments ("ing", "ship"): they close
#: compounds ("dealership"); labels do not start with them.
SUFFIXES = frozenset(
    """
    ing ings ed er ers es ly tion tions sion ment ments ness ity ities ship ships ism ist ists
    able ible al ial ic ics ive ous ful less ance ence ware wares wise ward wards like ology
    graphy scape ware stock flow way ways work works wear man men hood shore craft
    """.split()
)

VERB_SUFFIX = re.compile(r"(?:ise|ize|ate|ify|en)$")
ADJ_SUFFIX = re.compile(r"(?:al|ic|ive|ous|ful|able|ible|ary|less)$")


# --------------------------------------------------------------------------------------------
# The word model (wordfreq), cached.

_FREQ: Optional[dict] = None
_ZIPF: dict[str, float] = {}


def freqs() -> dict:
    global _FREQ
    if _FREQ is None:
        from wordfreq import get_frequency_dict

        _FREQ = get_frequency_dict("en", wordlist="best")
    return _FREQ


def prepare() -> None:
    """Load the word model and the ESCO words now, e.g. before forking workers, so that they share one copy."""
    freqs()
    _esco_prefixes()


#: no word of wordfreq's list is longer; a longer "word" (a prefix of a long chunk with no spaces)
#: is unknown without asking wordfreq, whose tokenizer costs time linear in it (so a 18,000-character
#: chunk's prefixes cost its square: 51 s on a fuzzed page)
MAX_WORD_CHARS = 60


def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of a lower-case word (0 when unknown); cached."""
    if len(word) > MAX_WORD_CHARS:
        return 0.0
    z = _ZIPF.get(word)
    if z is None:
        if word.isalpha():
            f = freqs().get(word, 0.0)
            z = math.log10(f) + 9.0 if f > 0 else 0.0
        else:
            from wordfreq import zipf_frequency

            z = zipf_frequency(word, "en")
        if len(_ZIPF) > 2_000_000:
            _ZIPF.clear()
        _ZIPF[word] = z
    return z


# --------------------------------------------------------------------------------------------
# The ESCO word list (esco_words.txt, written by scripts/esco_words.py): every word of every ESCO
# label. A space-free chunk that is a sequence of ESCO words has its label boundaries where those
# words meet (labels have spaces between their words), never inside one.

ESCO_WORDS_FILE = Path(__file__).with_name("esco_words.txt")
_ESCO_WORDS: Optional[frozenset] = None
_ESCO_PREFIXES: Optional[dict[str, Optional[float]]] = None
_TILINGS: dict[str, Optional[tuple[int, ...]]] = {}
_LONGEST = 40  # no ESCO word is longer (the longest is 34 characters)


def esco_words() -> frozenset:
    """The lower-cased words of the ESCO labels, loaded once."""
    global _ESCO_WORDS
    if _ESCO_WORDS is None:
        lines = ESCO_WORDS_FILE.read_text(encoding="utf-8").split("\n")
        _ESCO_WORDS = frozenset(line for line in lines if line and not line.startswith("# "))
    return _ESCO_WORDS


def _esco_prefixes() -> dict[str, Optional[float]]:
    """Every prefix of every ESCO word: a word's cost in a tiling (minus its Zipf frequency, 0 for
    a word with digits or signs), None for a prefix that is no word. A tiling stops extending a
    word as soon as no ESCO word starts so."""
    global _ESCO_PREFIXES
    if _ESCO_PREFIXES is None:
        words = esco_words()
        prefixes: dict[str, Optional[float]] = {word[:k]: None for word in words for k in range(1, len(word))}
        prefixes.update((word, -zipf(word) if word.isalpha() else 0.0) for word in words)
        _ESCO_PREFIXES = prefixes
    return _ESCO_PREFIXES


def esco_tiling(chunk: str) -> Optional[tuple[int, ...]]:
    """Where the ESCO words of ``chunk`` meet, for the tiling of the whole chunk by the fewest
    ESCO words (ties: the more frequent words, then the earlier boundary); ``()`` for a chunk that
    is one ESCO word, None when no sequence of ESCO words spells it. Cached."""
    got = _TILINGS.get(chunk, False)
    if got is not False:
        return got
    prefixes = _esco_prefixes()
    lc = chunk.lower()
    n = len(lc)
    best: list[Optional[tuple[int, float, int]]] = [None] * (n + 1)  # (tiles, -frequency, previous boundary)
    best[0] = (0, 0.0, -1)
    # from each reachable boundary j, in order, the ESCO words starting there: a boundary hears
    # its candidates by rising j, as a loop over its own j's would
    for j in range(n):
        reached = best[j]
        if reached is None:
            continue
        tiles, cost = reached[0] + 1, reached[1]
        stop = j + _LONGEST + 1
        for i in range(j + 1, stop if stop <= n else n + 1):
            word_cost = prefixes.get(lc[j:i], False)
            if word_cost is False:
                break
            if word_cost is not None:
                candidate = (tiles, cost + word_cost, j)
                current = best[i]
                if current is None or candidate[:2] < current[:2]:
                    best[i] = candidate
    if best[n] is None:
        result = None
    else:
        cuts = []
        i = best[n][2]
        while i > 0:
            cuts.append(i)
            i = best[i][2]
        result = tuple(sorted(cuts))
    if len(_TILINGS) > 500_000:
        _TILINGS.clear()
    _TILINGS[chunk] = result
    return result
