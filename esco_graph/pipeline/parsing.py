"""A build's first stage: the pages the inputs name, parsed into records.

Two passes. The first reads every page; past a build's first pages, worker processes lay them
out, tell their layout and parse those whose layout needs no lexicon (ESCO's) while this process
reads on. The second splits the pages whose layout runs labels together (DestinAI's), in worker
processes forked once every page has taught the lexicon, so the labels of ESCO-layout pages in the
same build help split them.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from .. import parse
from ..errors import EscoGraphError, InputError
from ..iris import check_base_iri
from ..model import Occupation, Skill, SkillLink, Source, skill_fields
from ..namespaces import DEFAULT_BASE_IRI
from ..parse import (
    LaidOut,
    ParseContext,
    detect_layout,
    lay_out,
    page_lines,
    page_source,
    parse_text,
    parsers,
    with_links,
)
from ..parse.split import Lexicon
from ..sources.pages import Page, rooted
from .progress import as_progress


def parse_page(
    page: Union[Page, str, Path],
    *,
    lexicon: Optional[Lexicon] = None,
    vocabulary=None,
) -> Occupation:
    """Parse one page (a Page, or a file path, URL or 'archive.zip!member') into an Occupation record."""
    if not isinstance(page, Page):
        from ..sources import read_one

        page = read_one(str(page))
    if lexicon is None and vocabulary is not None:
        lexicon = lexicon_from(vocabulary)
    return parse.parse_page(page, ParseContext(lexicon=lexicon))


def lexicon_from(vocabulary=None) -> Lexicon:
    """A splitting lexicon holding the vocabulary's skill labels (preferred and alternative)."""
    lexicon = Lexicon()
    if vocabulary is not None:
        for label, skill_type in vocabulary.skill_labels():
            lexicon.add(label, source="vocabulary", skill_type=skill_type)
    return lexicon


class SharedSkills:
    """One object for equal skill links of many pages (a skill's label, description and scope note,
    the same on every page that lists it), so a crawl holds each skill's text once rather than once
    a page; reconcile then meets each skill by identity. Skills are compared by their fields' tuple
    (`model.skill_fields`)."""

    def __init__(self):
        self._skills: dict[tuple, Skill] = {}
        self._links: dict[tuple, SkillLink] = {}  # (relation, id of a kept skill) -> its link

    def _kept(self, relation: str, fields: tuple) -> SkillLink:
        """The kept link of the relation to the skill with these fields."""
        skill = self._skills.get(fields)
        if skill is None:
            skill = self._skills[fields] = Skill(*fields)
        key = (relation, id(skill))
        shared = self._links.get(key)
        if shared is None:
            shared = self._links[key] = SkillLink(relation, skill)
        return shared

    def unpacked(self, packed: tuple) -> Occupation:
        """A record a worker sent back packed (:func:`packed`), its skill links shared with the records before it."""
        record, links = packed
        return replace(record, skills=tuple([self._kept(relation, fields) for relation, fields in links]))


def packed(record: Occupation) -> tuple:
    """A record as a worker sends it back: (the record without its links, each link as (relation, the
    skill's fields)). Tuples of strings unpickle about ten times faster than the dataclasses (the
    DestinAI pages of the bench corpus: 0.07 s against 0.6-0.77 s, in the parent, while the workers
    work), and the parent looks every skill up by its fields anyway (:class:`SharedSkills`)."""
    return replace(record, skills=()), tuple([(link.relation, skill_fields(link.skill)) for link in record.skills])


@dataclass
class ParseOutcome:
    """Records in input order, and the inputs that failed (with keep_going)."""

    records: list[Occupation]
    failures: list[InputError]
    split_cpu: float = 0.0  # CPU seconds (all workers) parsing pages that split run-together labels
    cpu: float = 0.0  # CPU seconds of the whole parse: this process and the workers


def parse_pages(
    inputs: Iterable[str],
    *,
    vocabulary=None,
    keep_going: bool = False,
    progress: Optional[Callable[[str], None]] = None,
    jobs: Optional[int] = None,
    source_root: Optional[str] = None,
    base_iri: str = DEFAULT_BASE_IRI,
    shard: Optional[tuple[int, int]] = None,
) -> ParseOutcome:
    """Parse every page the inputs name. Without keep_going the first bad input raises.
    ``source_root``: name the files below it relative to it (see :func:`sources.pages.rooted`).
    ``shard``: (K, N): only the pages (and failed inputs) of the K-th of N slices (see
    :func:`sources.in_shard`); a page's slice follows its IRI, so with ``source_root`` it is the
    same wherever the pages sit.
    ``progress``: a :class:`Progress` (or a function called with each page's location)."""
    progress = as_progress(progress)
    if source_root is not None:
        base_iri = check_base_iri(base_iri)  # once: every page below the root is named under it
    failures: list[InputError] = []
    lexicon = lexicon_from(vocabulary)
    parsed: dict[int, Occupation] = {}
    shared = SharedSkills()
    taught: set[int] = set()  # ids of the (shared, so held) skills whose labels the lexicon has
    deferred: list[tuple[int, str, Source, LaidOut, str]] = []  # (index, location, source, laid out page, layout)

    def fail(error: InputError):
        if not keep_going:
            raise error
        failures.append(error)

    from ..sources import (
        in_shard,
        iter_pages,  # files, folders, globs, '-', URLs, archives, --from-list
    )

    index = 0
    cpu_started = time.process_time()
    pool_cpu = 0.0  # CPU seconds of the workers reading pages in the first pass
    pages_aside = _PagesAside(jobs)  # the pages of a large build after its first few: read in worker processes

    def take_in(index: int, location: str, kind: str, made) -> None:
        """What :func:`_read_page` made of a page, here or in a worker: a record teaches the lexicon."""
        if kind == "error":
            fail(made)
            return
        if kind == "deferred":
            deferred.append((index, location, *made))
            return
        parsed[index] = record = shared.unpacked(made)
        for link in record.skills:
            skill = link.skill
            if id(skill) not in taught:  # a skill shared with an earlier page: the lexicon has it
                taught.add(id(skill))
                lexicon.add(skill.label, source="page", skill_type=skill.skill_type)
        progress.advance(location)

    def settle(wait: bool = False) -> None:
        """Take in what the workers made of the pages, in input order (``wait``: of every page sent)."""
        nonlocal pool_cpu
        for index, location, (kind, made, cpu) in pages_aside.results(wait):
            pool_cpu += cpu
            take_in(index, location, kind, made)

    def fail_in_order(error: InputError) -> None:
        settle(wait=True)  # the pages before it first: the first bad input is the one raised
        fail(error)

    progress.stage("parse", None, "page")
    with pages_aside:
        for item in iter_pages(inputs):
            if isinstance(item, InputError):
                if shard is None or in_shard(item.location, shard):
                    fail_in_order(item)
                continue
            page = item if source_root is None else rooted(item, source_root, base_iri)
            if shard is not None and not in_shard(page.iri, shard):
                continue
            index += 1
            if pages_aside.take(index, page):
                settle()
            else:  # a page before any went to the workers (or a build without them): nothing waits before it
                take_in(index, page.location, *_read_page(page)[:2])
        settle(wait=True)
    progress.done()
    split_cpu = 0.0
    if deferred:
        progress.stage("split", len(deferred), "page")
    for (index, location, _, _, _), (outcome, cpu) in zip(deferred, _parse_deferred(deferred, lexicon, jobs)):
        split_cpu += cpu
        if isinstance(outcome, InputError):
            fail(outcome)
            continue
        parsed[index] = shared.unpacked(outcome)
        progress.advance(location)
    if deferred:
        progress.done()
    cpu = time.process_time() - cpu_started + pool_cpu + (split_cpu if uses_pool(jobs, len(deferred)) else 0.0)
    return ParseOutcome(records=[parsed[i] for i in sorted(parsed)], failures=failures, split_cpu=split_cpu, cpu=cpu)


_WORKER_LEXICON: Optional[Lexicon] = None  # set in the parent before forking the pool
POOL_PAGES = 64  # the fewest pages worth worker processes (fewer are done in the build's own)


class _PagesAside:
    """The pages of a large build after its first few, laid out, told apart and (unless their
    layout needs the whole build's lexicon, DestinAI's) parsed in worker processes while this one
    reads the next ones (the first pages are done here: a small build starts no process). Batches
    of pages go out, at most a few batches ahead; what the workers make of them comes back in
    input order, records packed (:func:`packed`)."""

    FIRST = POOL_PAGES  # pages done here before the workers start
    BATCH = 32  # pages a worker takes at a time
    AHEAD = 4  # batches out per worker

    def __init__(self, jobs: Optional[int]):
        self.jobs = effective_jobs(jobs)
        self.usable = _can_fork_workers(jobs)
        self.seen = 0
        self._pool = None
        self._batch: list[tuple[int, Page]] = []
        self._out: deque = deque()  # (the batch's [(index, location)], its future), in input order

    def take(self, index: int, page: Page) -> bool:
        """Whether the page goes to the workers."""
        self.seen += 1
        if not self.usable or self.seen <= self.FIRST:
            return False
        self._batch.append((index, page))
        if len(self._batch) >= self.BATCH:
            self._send()
        return True

    def _send(self) -> None:
        if not self._batch:
            return
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))
        batch, self._batch = self._batch, []
        future = self._pool.submit(_read_pages, [page for _, page in batch])
        self._out.append(([(index, page.location) for index, page in batch], future))

    def results(self, wait: bool) -> Iterator[tuple[int, str, tuple]]:
        """(index, location, what the worker made of it: see :func:`_read_page`) of the pages back
        from the workers, in input order: those done, and while too many batches are out, the
        oldest; ``wait``: every page sent."""
        if wait:
            self._send()
        from concurrent.futures.process import BrokenProcessPool

        out = self._out
        while out and (wait or len(out) > self.AHEAD * self.jobs or out[0][1].done()):
            pages, future = out.popleft()
            try:
                made = future.result()
            except BrokenProcessPool:
                raise _worker_died([location for batch, _ in [(pages, None), *out] for _, location in batch]) from None
            for (index, location), outcome in zip(pages, made):
                yield index, location, outcome

    def __enter__(self) -> "_PagesAside":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _lexicon_layouts() -> set[str]:
    """The layouts whose parser splits labels with the whole build's lexicon (parsed last)."""
    return {name for name, module in parsers().items() if getattr(module, "USES_LEXICON", False)}


def _read_page(page: Page) -> tuple:
    """What a page is, in a worker or here, as (kind, what, CPU seconds): ("record", the record,
    packed) for a layout that needs no lexicon; ("deferred", (its Source, the laid out page, its
    layout)) for one that does (split once every page has taught the lexicon); ("error", the
    InputError)."""
    started = time.process_time()
    try:
        laid = lay_out(page)
        lines = page_lines(laid.text)
        layout = detect_layout(lines, page.location)
        if layout in _lexicon_layouts():
            kind, made = "deferred", (page_source(page, layout), laid, layout)
        else:
            record = parse_text(laid.text, page_source(page, layout), ParseContext(), layout=layout, lines=lines)
            kind, made = "record", packed(with_links(record, laid))
    except InputError as error:
        kind, made = "error", error
    return kind, made, time.process_time() - started


def _read_pages(pages: list[Page]) -> list[tuple]:
    """A worker's batch of pages (see :func:`_read_page`)."""
    return [_read_page(page) for page in pages]


def _worker_died(locations: list[str]) -> EscoGraphError:
    shown = ", ".join(locations[:5]) + (f" and {len(locations) - 5} more" if len(locations) > 5 else "")
    return EscoGraphError(f"a parse worker died (killed, or out of memory) while parsing {shown}; "
                          "the build stopped and wrote nothing")


def _parse_deferred_one(item):
    """(the record, packed, or the InputError; CPU seconds) of one (source, laid out page, layout): what
    a worker receives and sends back is only what it needs (not the page's bytes)."""
    source, laid, layout = item
    started = time.process_time()
    try:
        record = parse_text(laid.text, source, ParseContext(lexicon=_WORKER_LEXICON), layout=layout)
        outcome = packed(with_links(record, laid))
    except InputError as error:
        outcome = error
    return outcome, time.process_time() - started


def _parse_deferred(deferred: list, lexicon: Lexicon, jobs: Optional[int]):
    """Parse the pages that needed the full lexicon, in worker processes when there are many.

    The label splitter dominates the parse, and each page is independent once the lexicon is
    complete; forked workers share the lexicon copy-on-write instead of receiving a copy.
    """
    global _WORKER_LEXICON
    _WORKER_LEXICON = lexicon
    items = [(source, laid, layout) for _, _, source, laid, layout in deferred]
    if not uses_pool(jobs, len(deferred)):
        yield from map(_parse_deferred_one, items)
        return
    jobs = effective_jobs(jobs)
    from ..parse.split import prepare

    prepare()
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    # a pool that notices a worker's death (killed, out of memory): multiprocessing.Pool would wait forever
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        try:
            for result in pool.map(_parse_deferred_one, items, chunksize=32):
                done += 1
                yield result
        except BrokenProcessPool:
            raise _worker_died([location for _, location, _, _, _ in deferred[done:]]) from None


def uses_pool(jobs: Optional[int], pages: int) -> bool:
    """Whether so many pages (or page graphs) go to worker processes."""
    return pages >= POOL_PAGES and _can_fork_workers(jobs)


def _can_fork_workers(jobs: Optional[int]) -> bool:
    """Whether --jobs asks for more than one process and this system forks them."""
    return effective_jobs(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods()


def effective_jobs(jobs: Optional[int]) -> int:
    """--jobs: None or 0 means every core this process may use."""
    if jobs and jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
