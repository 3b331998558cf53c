"""Known labels (the Lexicon), the pieces a split gives, and the confidence thresholds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from ...model import skill_type_of

#: Pieces whose confidence is below this are reported to the user as doubtful. The chunk
#: model's confidences are roughly calibrated probabilities; on the benchmark corpus without a
#: lexicon, 0.9 flags about 86% of the wrong pieces and 4% of the right ones.
LOW_CONFIDENCE = 0.9

#: Confidence cap for a cut at a position the word model would not consider, taken only to
#: meet a declared count.
WIDE_CONFIDENCE = 0.3

#: Lexicon sources, most trusted first.
SOURCES = ("vocabulary", "page")
_TRUST = {"vocabulary": 2, "page": 1}

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
        kind = skill_type_of(skill_type)
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
