"""A build's N-Triples lines, sorted and each once: in memory up to a budget, then on disk.

Every output is written from the lines in sorted order: deterministic output, and each
subject's lines together (a subject's text and the space after it start no other subject's line,
as an IRI ends with '>' and a blank node label with the space; test_writers checks it). A large
crawl's lines outgrow memory, so once the lines held pass the budget they go to temporary files
as sorted runs, read back merged: an external merge sort, giving the same lines in the same order
as sorting them in memory (test_lines compares the bytes).
"""
from __future__ import annotations

import heapq
import shutil
import tempfile
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence

from ..errors import OutputError
from ..memory import resident_bytes

#: what a held line costs besides its characters: the str object's header and a set slot (an
#: estimate; the budget is approximate by nature)
LINE_OVERHEAD = 80

MIN_RUN = 16 << 20  # the least bytes of lines a run holds (then the process's memory is read every 4 MiB)
FAN_IN = 64  # the most runs a collection keeps before merging them into one (open files stay few)

_GRAPH_MARK = "\x00"  # starts a named graph's header line in a run (no N-Triples line holds it)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """The items in lists of `size` (the last one shorter): what a stream writes at a time."""
    items = iter(items)
    while True:
        part = list(islice(items, size))
        if not part:
            return
        yield part


def _distinct(lines: Iterable[str]) -> Iterator[str]:
    """Sorted lines without their repeats."""
    last = None
    for line in lines:
        if line != last:
            yield line
            last = line


class Spill:
    """The memory budget the lines of one build share, and the temporary folder their runs go to
    (made at the first spill, removed by close()).

    ``budget``: the bytes the process may hold (its resident set, where the system says it, else
    the lines'); past it, every collection's lines go to disk, in runs of at least ``min_run``
    bytes (smaller ones would make thousands of files to merge). None holds everything in memory.
    A collection with ``fan_in`` runs merges them into one, so no merge opens more files than that
    (a union, twice that), however large the build.
    """

    def __init__(self, budget: Optional[int] = None, *, min_run: Optional[int] = None,
                 fan_in: Optional[int] = None, resident: Callable[[], Optional[int]] = resident_bytes):
        self.budget = budget
        self.min_run = MIN_RUN if min_run is None else min_run
        self.fan_in = max(2, FAN_IN if fan_in is None else fan_in)
        self.resident = resident
        self.held = 0  # bytes of lines held (an estimate)
        self.runs = 0  # how many runs were written (the build report shows it)
        self._unchecked = 0
        self._members: list = []
        self._folder: Optional[Path] = None

    def add(self, size: int) -> None:
        self.held += size
        if self.budget is None:
            return
        self._unchecked += size
        if self.held < self.min_run or self._unchecked < self.min_run // 4:  # the memory read now and then
            return
        self._unchecked = 0
        resident = self.resident()
        if (self.held if resident is None else resident) > self.budget:
            for member in self._members:
                member.spill()
            self.held = 0

    def new_run(self) -> Path:
        if self._folder is None:
            try:
                self._folder = Path(tempfile.mkdtemp(prefix="esco-graph-lines-"))
            except OSError as exc:
                raise OutputError(f"cannot make a folder for the lines past the memory budget in "
                                  f"{tempfile.gettempdir()}: {exc.strerror or exc}") from None
        self.runs += 1
        return self._folder / f"run-{self.runs}"

    def write_run(self, text_pieces: Iterable[str]) -> Path:
        """A new run file holding the pieces of text; a full disk is an OutputError naming it."""
        path = self.new_run()
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(text_pieces)
        except OSError as exc:
            raise OutputError(f"cannot write the lines past the memory budget to {path}: "
                              f"{exc.strerror or exc} (set TMPDIR to a folder with room)") from None
        return path

    def write_lines(self, lines: Iterable[str], batch: int = 50_000) -> tuple[Path, int]:
        """A new run file holding the lines, and how many."""
        count = 0

        def pieces() -> Iterator[str]:
            nonlocal count
            for part in batched(lines, batch):
                count += len(part)
                yield "\n".join(part) + "\n"

        return self.write_run(pieces()), count

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> "Spill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_run(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", newline="\n") as stream:
        for line in stream:
            yield line[:-1]


class SortedLines:
    """Distinct lines given back sorted (read it, as often as needed, once every line is added);
    past the shared budget, held as sorted runs on disk."""

    def __init__(self, spill: Spill):
        self._spill = spill
        spill._members.append(self)
        self._held: set[str] = set()
        self._runs: list[Path] = []
        self._sorted: Optional[list[str]] = None  # in memory: sorted once, for every reader
        self._count: Optional[int] = None  # on disk: the lines of the one merged run

    def update(self, lines: Sequence[str]) -> None:
        self._held.update(lines)
        self._spill.add(sum(map(len, lines)) + LINE_OVERHEAD * len(lines))

    def spill(self) -> None:
        runs = len(self._runs)
        if self._sorted:  # sorted in memory already (read before): written as it is
            self._runs.append(self._spill.write_lines(self._sorted)[0])
            self._sorted = None
        if self._held:
            self._runs.append(self._spill.write_lines(sorted(self._held))[0])
            self._held = set()
        if len(self._runs) != runs:
            self._count = None
        if len(self._runs) >= self._spill.fan_in:
            self._merge_runs()

    def _merge_runs(self) -> None:
        """The runs merged into one, each line once (and how many lines it holds)."""
        runs = self._runs
        merged, self._count = self._spill.write_lines(_distinct(heapq.merge(*map(_read_run, runs))))
        for run in runs:
            run.unlink(missing_ok=True)
        self._runs = [merged]

    def discard(self) -> None:
        """Drop the lines (and their runs): no reader wants them any more."""
        for run in self._runs:
            run.unlink(missing_ok=True)
        self._held, self._runs, self._sorted = set(), [], None

    @property
    def on_disk(self) -> bool:
        return bool(self._runs)

    def __iter__(self) -> Iterator[str]:
        if not self._runs:
            if self._sorted is None:
                self._sorted, self._held = sorted(self._held), set()
            return iter(self._sorted)
        self.spill()
        if self._count is None:  # the runs merged into one, once, for every reader
            self._merge_runs()
        return _read_run(self._runs[0])

    def __len__(self) -> int:
        if not self._runs:
            return len(self._sorted) if self._sorted is not None else len(self._held)
        iter(self)
        return self._count


def union(spill: Spill, first: SortedLines, second: SortedLines) -> SortedLines:
    """The lines of both, each once, sorted: in memory when both are; else merged to disk once,
    from the runs of both (neither is merged on its own for it)."""
    out = SortedLines(spill)
    if not first.on_disk and not second.on_disk:
        out._sorted = list(_distinct(heapq.merge(first, second)))
    else:
        first.spill()
        second.spill()
        run, out._count = spill.write_lines(_distinct(heapq.merge(*map(_read_run, first._runs + second._runs))))
        out._runs = [run]
    return out


class GraphLines:
    """Named graphs' lines: (graph IRI, its distinct lines sorted) in graph IRI order, each graph
    added whole once; past the shared budget, held as runs on disk (a header line per graph)."""

    def __init__(self, spill: Spill):
        self._spill = spill
        spill._members.append(self)
        self._held: dict[str, list[str]] = {}
        self._runs: list[Path] = []

    def add(self, iri: str, lines: Sequence[str]) -> None:
        self._held[iri] = sorted(set(lines))
        self._spill.add(len(iri) + sum(map(len, lines)) + LINE_OVERHEAD * (len(lines) + 1))

    def spill(self) -> None:
        if self._held:
            held, self._held = self._held, {}
            self._runs.append(self._spill.write_run(_graph_text(sorted(held.items()))))
        if len(self._runs) >= self._spill.fan_in:  # merged into one run
            runs = self._runs
            self._runs = [self._spill.write_run(_graph_text(heapq.merge(*map(_read_graphs, runs),
                                                                        key=itemgetter(0))))]
            for run in runs:
                run.unlink(missing_ok=True)

    def __iter__(self) -> Iterator[tuple[str, list[str]]]:
        held = sorted(self._held.items())
        if not self._runs:
            return iter(held)
        return heapq.merge(*map(_read_graphs, self._runs), held, key=itemgetter(0))


def _graph_text(graphs: Iterable[tuple[str, list[str]]]) -> Iterator[str]:
    """A run's text: a header line per graph, then its lines."""
    for iri, lines in graphs:
        yield _GRAPH_MARK + iri + "\n" + "".join(line + "\n" for line in lines)


def _read_graphs(path: Path) -> Iterator[tuple[str, list[str]]]:
    """A run's (graph IRI, its lines), in order."""
    iri, lines = None, []
    for line in _read_run(path):
        if line.startswith(_GRAPH_MARK):
            if iri is not None:
                yield iri, lines
            iri, lines = line[1:], []
        else:
            lines.append(line)
    if iri is not None:
        yield iri, lines
