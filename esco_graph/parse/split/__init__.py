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
and cuts (:data:`WEIGHTS`), and each chunk's scores are its segmentations' log-probabilities
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

from typing import Optional, Sequence

from ...model import skill_type_of
from . import chunks, features
from .chunks import Run, solve_chunks
from .lexicon import LOW_CONFIDENCE, Lexicon, Piece
from .spans import solve_spans
from .words import prepare, zipf

__all__ = ["LOW_CONFIDENCE", "Lexicon", "Piece", "prepare", "set_weights", "split_run", "split_runs"]



def set_weights(weights: dict[str, float]) -> None:
    """Replace the model's weights (``bench/split_accuracy.py --fit`` does); clears every cache."""
    features.set_weights(weights)
    chunks.CHUNK_CACHE.clear()


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
    parsed = [Run(text, skill_type_of(kind)) for text, kind in runs]
    live = [r for r in parsed if r.chunks]
    if expected_total is not None and expected_total > sum(len(r.text) for r in live):
        expected_total = None  # more labels than characters: no split can meet it; the caller reports the count
    solved: list[list[Piece]] = []
    if live:
        if lexicon is not None and len(lexicon):
            solved = solve_spans(live, lexicon, expected_total)
        else:
            target = None if expected_total is None else max(0, expected_total - len(live))
            solved = solve_chunks(live, target)
    by_run = {id(r): p for r, p in zip(live, solved)}
    out: list[list[Piece]] = []
    for r in parsed:
        if r.chunks:
            out.append(doubt_cuts_inside_words(by_run[id(r)], lexicon))
        elif r.text:
            out.append([Piece(r.text, 0.0, "wordmodel")])  # whitespace only: kept, doubtful
        else:
            out.append([])
    return out


#: A cut that splits a common English word ('pack' | 'age') is doubtful whatever the count says.
_WORD_INSIDE_CUT_ZIPF = 1.5
_DOUBTFUL = 0.5


def doubt_cuts_inside_words(pieces: list[Piece], lexicon: Optional[Lexicon]) -> list[Piece]:
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
        if zipf(tail + head) >= _WORD_INSIDE_CUT_ZIPF:
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
