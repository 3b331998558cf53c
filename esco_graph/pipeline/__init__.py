"""The build: inputs -> pages -> records -> reconciled records -> page graphs -> validated graph.

This is the library's main entry point (`build_graph`); the CLI only calls it and writes.
`parsing` is its first stage (pages to records, in worker processes when there are many),
`progress` what a long build says as it goes.
"""
from __future__ import annotations

import json
import multiprocessing
import operator
import pickle
import re
import signal
import time
from dataclasses import dataclass, field
from itertools import repeat
from typing import Iterable, Optional, Sequence, Union

from ..collector import fewer_collections
from ..errors import EscoGraphError, InputError, OptionError, StoreError, ValidationError
from ..files import atomic_output, check_output_path, written_directly
from ..graph.lines import batched
from ..graph.mapping import PageGraph, default_triples, part_triples, page_graphs, to_dataset, to_graph
from ..graph.vocabulary import check_fact_mode, vocabulary_graph
from ..graph.writers import Rendered, write_all, writer_for_path
from ..iris import check_base_iri
from ..memory import DEFAULT_MEMORY_BUDGET, parse_budget, resident_bytes
from ..model import Occupation
from ..namespaces import DEFAULT_BASE_IRI, ESCO, RDF
from ..reconcile import Reconciliation, reconcile
from ..text import source_date
from .parsing import (  # noqa: F401 (the library's parse API, here since the start)
    ParseOutcome,
    SharedSkills,
    effective_jobs,
    lexicon_from,
    packed,
    parse_page,
    parse_pages,
    uses_pool,
)
from .progress import Progress, as_progress  # noqa: F401


def _validate_graphs(graphs: Sequence[PageGraph], shapes, languages) -> tuple:
    """(conforms, report graph, report text, seconds) of the page graphs."""
    from ..shacl import validate as shacl_validate

    started = time.perf_counter()
    triples = part_triples(graphs)  # streamed into validation's index, never held as a list
    conforms, report_graph, report_text = shacl_validate(triples, shapes, languages=languages)
    return conforms, report_graph, report_text, time.perf_counter() - started


_VALIDATED: Optional[tuple] = None  # (page graphs, shapes, languages), set in the parent just while it forks the validator


def _validator(connection) -> None:
    """The forked validator: validates what it inherited (copy-on-write, nothing sent to it), sends
    the verdict (or the error) and ends, so its memory is given back while the build still writes.
    Ctrl-C is the parent's to handle: it stops this process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            verdict = ("verdict", _validate_graphs(*_VALIDATED))
        except Exception as error:  # sent to the parent, which raises it where validation would have
            verdict = ("error", error)
        try:
            connection.send(verdict)
        except (pickle.PicklingError, TypeError, AttributeError):
            connection.send(("error", EscoGraphError(f"validation failed: {verdict[1]}")))
    finally:
        connection.close()


def _validates_aside(outputs: Sequence[str], jobs: Optional[int], graphs: int, budget: Optional[int]) -> bool:
    """Whether a build validates in a forked process while it renders and writes: with a second
    core, many pages, outputs that can wait to replace their files (not standard output) and room
    in the memory budget: the validator's own memory (copies of the pages it touches, its index)
    comes to about two thirds of what the build holds when mapping ends, and rendering the lines
    more than doubles that, so it runs aside only while the build holds at most a quarter of the
    budget (the bench corpus: 215 MiB held, both processes' peak 614 MiB; at 2x, 300 MiB held, the
    peak 1,015 MiB had it run aside: too near the default 1 GiB)."""
    if not outputs or any(map(written_directly, outputs)) or not uses_pool(jobs, graphs):
        return False
    held = resident_bytes()
    return budget is None or (held is not None and 4 * held <= budget)


class _Validation:
    """A build's SHACL validation: here and now, or (``aside``) in a forked process while this one
    renders and writes, the outputs replacing their files only once it conforms (so both cores of
    a 2-core machine work). :meth:`check` gives the verdict, once: a ValidationError, or the
    result's fields filled in."""

    def __init__(self, result: BuildResult, shapes, languages, progress: Progress, aside: bool):
        global _VALIDATED
        self.result, self.progress = result, progress
        self._process = self._connection = None
        self._checked = self._received = False
        self._inputs = (result.graphs, shapes, languages)
        if aside:
            context = multiprocessing.get_context("fork")
            self._connection, sending = context.Pipe(duplex=False)
            self._process = context.Process(target=_validator, args=(sending,), daemon=True)
            _VALIDATED = self._inputs
            try:
                self._process.start()
            finally:
                _VALIDATED = None
            sending.close()  # the child's end: the parent then sees EOF if the child dies

    def _verdict(self) -> tuple:
        if self._process is None:
            return _validate_graphs(*self._inputs)
        try:
            kind, verdict = self._connection.recv()
            self._received = True
        except EOFError:
            raise EscoGraphError("the validation worker died (killed, or out of memory); "
                                 "the build stopped and wrote nothing") from None
        if kind == "error":
            raise verdict
        return verdict

    def check(self) -> None:
        if self._checked:
            return
        self._checked = True
        self.progress.stage("validate", len(self.result.graphs), "page")
        try:
            conforms, report_graph, report_text, seconds = self._verdict()
        finally:
            self.close()
        self.progress.done()
        result = self.result
        result.timings["validate"] = seconds
        result.conforms, result.report_graph, result.report_text = conforms, report_graph, report_text
        if not conforms:
            raise ValidationError(report_text, report_graph)

    def close(self) -> None:
        if self._process is not None:
            self._connection.close()
            if not self._received:
                self._process.kill()  # the build stopped before it had the verdict (an error, Ctrl-C)
            self._process.join()
            self._process = None


@dataclass
class BuildResult:
    """What a build made: the page graphs, how they were reconciled, what failed, how long each stage took."""

    graphs: list[PageGraph]
    reconciliation: Reconciliation
    failures: list[InputError] = field(default_factory=list)
    conforms: Optional[bool] = None
    report_graph: object = None
    report_text: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    load_report: object = None  # the store's LoadReport, when the build loaded a store
    spilled_runs: int = 0  # runs of output lines written to disk past the memory budget
    _counted: dict = field(default_factory=dict, repr=False)  # the counts, made once (a pass over every triple)

    @property
    def records(self) -> list[Occupation]:
        return self.reconciliation.occupations

    def graph(self):
        """The merged graph as an rdflib Graph."""
        return to_graph(self.graphs)

    def dataset(self):
        """The dataset as TriG carries it: the facts in the default graph, each page's provenance in its named graph."""
        return to_dataset(self.graphs)

    def triple_count(self) -> int:
        if "triples" not in self._counted:
            self._counted["triples"] = len(set(part_triples(self.graphs)))
        return self._counted["triples"]

    def graph_counts(self) -> dict:
        """What COUNT queries on the built graph give (no GRAPH clause): concepts by class, links,
        facts in the default graph."""
        if "graph" in self._counted:
            return self._counted["graph"]  # counted from the rendered lines when the build wrote a report
        facts = default_triples(self.graphs)
        typed: dict[str, set] = {"occupations": set(), "skills": set()}
        links = {"essential": 0, "optional": 0}
        classes = {str(ESCO.Occupation): "occupations", str(ESCO.Skill): "skills"}
        predicates = {str(ESCO.relatedEssentialSkill): "essential", str(ESCO.relatedOptionalSkill): "optional"}
        rdf_type = str(RDF.type)
        for s, p, o in facts:
            p = str(p)
            if p == rdf_type:
                name = classes.get(str(o))
                if name:
                    typed[name].add(s)
            elif p in predicates:
                links[predicates[p]] += 1
        counted = self._counted["graph"] = {
            "occupations": len(typed["occupations"]), "skills": len(typed["skills"]),
            "essential_links": links["essential"], "optional_links": links["optional"],
            "default_graph_triples": len(facts)}
        return counted

    def summary(self) -> dict:
        """A JSON-ready account of the build (the --report file)."""
        threshold = _low_confidence()
        low = [
            {"page": r.source.location, "label": l.skill.label, "relation": l.relation, "confidence": l.skill.confidence, "method": l.skill.split_method}
            for r in self.records
            for l in r.skills
            if l.skill.split_method and l.skill.confidence < threshold
        ]
        return {
            "pages": len(self.records),
            "layouts": _count(r.source.layout for r in self.records),
            "occupations": len({r.iri for r in self.records}),
            "skills": len({l.skill.iri for r in self.records for l in r.skills}),
            "triples": self.triple_count(),
            "graph": self.graph_counts(),
            "failed": [{"input": e.location, "reason": e.reason} for e in self.failures],
            "low_confidence_splits": low,
            "partial_pages": [
                {"page": r.source.location, "declared": r.skills_declared(), "listed": len(r.skills),
                 "hidden": r.declared.hidden}
                for r in self.records if r.partial
            ],
            "unmatched": [{"kind": k, "label": l} for k, l in self.reconciliation.unmatched],
            "alt_label_matches": [{"kind": k, "label": l, "esco_label": e, "iri": i}
                                  for k, l, e, i in self.reconciliation.alt_label_matches],
            "non_esco_iris": [{"kind": k, "label": l, "vocabulary_iri": i}
                              for k, l, i in self.reconciliation.non_esco_iris],
            "notes": [{"page": p, "note": n} for p, n in self.reconciliation.notes],
            "conforms": self.conforms,
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
            "spilled_runs": self.spilled_runs,
            "load": None if self.load_report is None else {
                "graphs_loaded": list(self.load_report.graphs_loaded),
                "graphs_failed": [{"graph": g, "reason": r} for g, r in self.load_report.graphs_failed],
                "triples": self.load_report.triples},
        }


#: graph_counts' concepts (what their lines end with) and links (their predicate) in N-Triples
_TYPED_LINES = {"occupations": f" <{RDF.type}> <{ESCO.Occupation}>", "skills": f" <{RDF.type}> <{ESCO.Skill}>"}
_LINK_LINES = {"essential_links": f"<{ESCO.relatedEssentialSkill}> ", "optional_links": f"<{ESCO.relatedOptionalSkill}> "}


def counts_of_lines(lines: Iterable[str]) -> dict:
    """BuildResult.graph_counts from the default graph's distinct lines (each fact once, as the
    triples are counted), for a report without a second pass over every triple; each count is a
    pass in C over a batch of lines. A line ending with ' <rdf:type> <esco:Skill>' is that triple
    (no literal ends with '> <...>'), and a link's predicate starts right after the subject's space."""
    counted = dict.fromkeys([*_TYPED_LINES, *_LINK_LINES, "default_graph_triples"], 0)
    for batch in batched(lines, 100_000):
        counted["default_graph_triples"] += len(batch)
        for name, ending in _TYPED_LINES.items():
            counted[name] += sum(map(str.endswith, batch, repeat(ending)))
        predicates = list(map(operator.add, map(str.find, batch, repeat(" ")), repeat(1)))
        for name, predicate in _LINK_LINES.items():
            counted[name] += sum(map(str.startswith, batch, repeat(predicate), predicates))
    return counted


def _write_and_load(result: BuildResult, rendered: Rendered, outputs: Sequence[str], format: Optional[str],
                    store, progress: Progress, count: bool = False,
                    validation: Optional["_Validation"] = None) -> None:
    """Render the graphs' lines, write every output and load the store, timing each (``count``:
    and the graph's counts for the report, from the same lines). With ``validation`` still under
    way, the outputs replace their files and the store loads only once the graph conforms."""
    timings, graphs = result.timings, result.graphs
    started = time.perf_counter()
    rendered.render()  # every term's text once, for every writer and the store
    timings["render"] = time.perf_counter() - started
    check = None if validation is None else validation.check
    if outputs:
        progress.stage("write", len(outputs), "file")
        write_all(rendered, outputs, format, timings=timings, on_written=progress.advance, before_commit=check)
        progress.done()
        result._counted["triples"] = rendered.distinct_count()  # no second pass over every triple
    if store is not None:
        if check is not None:
            check()
        started = time.perf_counter()
        progress.stage("load", len(graphs) + 1, "graph")  # the default graph, then each source's
        result.load_report = store.load_graphs(rendered.page_ntriples(),
                                               on_graph=lambda label, ok: progress.advance(label),
                                               replacing=[str(g.iri) for g in graphs])
        progress.done()
        timings["load " + store.location] = time.perf_counter() - started
    if count:
        result._counted["graph"] = counts_of_lines(rendered.default_lines())
    result.spilled_runs = rendered.spill.runs  # counted last: the writers' first reads merge runs, writing more


def _low_confidence() -> float:
    from ..parse.split import LOW_CONFIDENCE

    return LOW_CONFIDENCE


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items()))


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")


def check_language(language: str) -> str:
    """The language tag of labels and descriptions; an OptionError unless it is a BCP 47 tag."""
    if not isinstance(language, str) or not _LANGUAGE_TAG.match(language):
        raise OptionError(f"the language {language!r} is not a BCP 47 language tag (e.g. en, de, pt-BR)",
                          "--language")
    return language


def check_build(*, outputs: Sequence[str] = (), format: Optional[str] = None, report: Optional[str] = None,
                base_iri: str = DEFAULT_BASE_IRI, language: str = "en",
                memory_budget: Union[int, str, None] = DEFAULT_MEMORY_BUDGET) -> str:
    """Refuse, before any work, a build that could not be written: an unknown format, a missing or
    read-only output folder, a bad base IRI, language tag or memory budget, stdout named twice.
    Returns the base IRI as minting uses it."""
    base_iri = check_base_iri(base_iri)
    parse_budget(memory_budget)
    check_language(language)
    source_date()  # a SOURCE_DATE_EPOCH no calendar holds is refused now, not after the parse
    if list(outputs).count("-") > 1:
        raise OptionError("standard output ('-') is named more than once")
    for destination in outputs:
        writer_for_path(destination, format)
        check_output_path(destination)
    if report:
        check_output_path(report)
    return base_iri


@fewer_collections()
def build_graph(
    inputs: Iterable[str],
    *,
    outputs: Sequence[str] = (),
    format: Optional[str] = None,
    store=None,
    report: Optional[str] = None,
    vocabulary=None,
    base_iri: str = DEFAULT_BASE_IRI,
    language: str = "en",
    keep_going: bool = False,
    validate: bool = True,
    shapes=None,
    progress=None,
    jobs: Optional[int] = None,
    source_root: Optional[str] = None,
    vocabulary_facts: str = "linked",
    shard: Optional[tuple[int, int]] = None,
    memory_budget: Union[int, str, None] = DEFAULT_MEMORY_BUDGET,
) -> BuildResult:
    """Everything ``esco-graph build`` does: parse, reconcile, map and (by default) validate
    every page the inputs name, then write every output (atomically, '-' for stdout), load
    every page's named graph into ``store`` (an open :class:`esco_graph.store.Store`) and write
    the JSON ``report``.

    ``shard=(K, N)`` builds only the K-th of N slices of the pages (:func:`parse_pages`): the N
    slices' outputs, loaded into one store, are the single build's dataset when the vocabulary (not
    the other pages) names the concepts, that is with ``vocabulary`` given. A slice with no pages
    is an empty graph, not an error.

    ``memory_budget`` (bytes, or a size such as '512MiB'; None or 'none': no limit): once the
    process holds this much, the output lines go to sorted runs in a temporary folder (TMPDIR)
    instead of memory; the outputs are the same bytes either way. Only the output lines spill: the
    parsed records, the mapped graphs and validation's index stay in memory (docs/architecture.md).

    Outputs and the report path are checked before any work. Raises InputError for a bad input
    (unless keep_going), EscoGraphError when no page could be read, ValidationError when the
    graph does not conform to the shapes (nothing is written then), StoreError when a graph
    did not load (the outputs and the report, which lists every graph, are written).
    """
    base_iri = check_build(outputs=outputs, format=format, report=report, base_iri=base_iri, language=language,
                           memory_budget=memory_budget)
    check_fact_mode(vocabulary_facts)
    budget = parse_budget(memory_budget)
    progress = as_progress(progress)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    outcome = parse_pages(inputs, vocabulary=vocabulary, keep_going=keep_going, progress=progress, jobs=jobs,
                          source_root=source_root, base_iri=base_iri, shard=shard)
    timings["parse"] = time.perf_counter() - started
    timings["split_cpu"] = outcome.split_cpu
    timings["parse_cpu"] = outcome.cpu
    whole_vocabulary = vocabulary is not None and vocabulary_facts == "all"
    if not outcome.records and (outcome.failures or not (whole_vocabulary or shard)):
        reasons = "; ".join(str(e) for e in outcome.failures) or "no inputs given"
        raise EscoGraphError(f"no occupation page could be read ({reasons})")

    started = time.perf_counter()
    progress.stage("reconcile", len(outcome.records), "page")
    reconciled = reconcile(outcome.records, vocabulary=vocabulary, base_iri=base_iri)
    progress.done()
    timings["reconcile"] = time.perf_counter() - started

    started = time.perf_counter()
    progress.stage("map", len(reconciled.occupations), "page")
    graphs = page_graphs(reconciled, base_iri=base_iri, language=language)
    facts = vocabulary_graph(vocabulary, reconciled, mode=vocabulary_facts, base_iri=base_iri, language=language,
                             shard=shard)
    if facts is not None:
        graphs.append(facts)
    progress.done()
    timings["map"] = time.perf_counter() - started

    result = BuildResult(graphs=graphs, reconciliation=reconciled, failures=outcome.failures, timings=timings)
    # the bundled shapes accept the build's label language; the user's own shapes are taken as they are
    languages = [language] if shapes is None else None
    aside = validate and _validates_aside(outputs, jobs, len(graphs), budget)
    validation = _Validation(result, shapes, languages, progress, aside=aside) if validate else None
    try:
        if validation is not None and not aside:
            validation.check()
        if outputs or store is not None:
            with Rendered(graphs, memory_budget=budget) as rendered:
                _write_and_load(result, rendered, outputs, format, store, progress, count=bool(report),
                                validation=validation)
        if validation is not None:
            validation.check()
    finally:
        if validation is not None:
            validation.close()
    if report:  # written also when the load failed: it names the graphs that landed and those that did not
        with atomic_output(report) as stream:
            stream.write(json.dumps(result.summary(), indent=1, ensure_ascii=False).encode("utf-8") + b"\n")
    if result.load_report is not None and not result.load_report.ok:
        failed = result.load_report.graphs_failed
        named = "; ".join(f"{label}: {reason}" for label, reason in failed[:3]) + ("; ..." if len(failed) > 3 else "")
        raise StoreError(f"{result.load_report.summary()} ({named})" + (f"; every graph is listed in {report}" if report else ""))
    return result
