"""The build: inputs -> pages -> records -> reconciled records -> page graphs -> validated graph.

This is the library's main entry point (`build_graph`); the CLI only calls it and writes.
Pages whose layout splits run-together labels (DestinAI) are parsed after the others, so the
labels of ESCO-layout pages in the same build help split them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence, Union

from .errors import EscoGraphError, InputError, ValidationError
from .model import Occupation, Source
from .namespaces import DEFAULT_BASE_IRI
from .pages import Page, expand_inputs, read_file, read_page
from .parsers import ParseContext, detect_layout, parse_text, parsers
from .rdf import PageGraph, page_graphs, to_dataset, to_graph
from .reconcile import Reconciliation, reconcile
from .splitting import Lexicon


def page_source(page: Page, layout: str) -> Source:
    """The provenance of a page as the record carries it."""
    return Source(
        location=page.location,
        layout=layout,
        sha256=page.sha256,
        retrieved=page.retrieved,
        media_type=page.media_type,
        iri=page.iri,
    )


def page_text(page: Page) -> str:
    """The text the layout parsers read: HTML laid out as a browser would, text as it is."""
    if page.media_type == "text/html":
        from .html import html_to_text  # imported lazily: text pages need no HTML parser

        return html_to_text(page.text, page.location)
    return page.text


def parse_page(
    page: Union[Page, str, Path],
    *,
    lexicon: Optional[Lexicon] = None,
    vocabulary=None,
) -> Occupation:
    """Parse one page (a Page, or a file path) into an Occupation record."""
    if not isinstance(page, Page):
        page = read_file(page)
    if lexicon is None and vocabulary is not None:
        lexicon = lexicon_from(vocabulary)
    text = page_text(page)
    layout = detect_layout(text, page.location)
    return parse_text(text, page_source(page, layout), ParseContext(lexicon=lexicon), layout=layout)


def lexicon_from(vocabulary=None) -> Lexicon:
    """A splitting lexicon holding the vocabulary's skill labels (preferred and alternative)."""
    lexicon = Lexicon()
    if vocabulary is not None:
        for label, skill_type in vocabulary.skill_labels():
            lexicon.add(label, source="vocabulary", skill_type=skill_type)
    return lexicon


@dataclass
class ParseOutcome:
    """Records in input order, and the inputs that failed (with keep_going)."""

    records: list[Occupation]
    failures: list[InputError]


def parse_pages(
    inputs: Iterable[str],
    *,
    vocabulary=None,
    keep_going: bool = False,
    progress: Optional[Callable[[str], None]] = None,
) -> ParseOutcome:
    """Parse every page the inputs name. Without keep_going the first bad input raises."""
    failures: list[InputError] = []
    lexicon = lexicon_from(vocabulary)
    lexicon_layouts = {name for name, module in parsers().items() if getattr(module, "USES_LEXICON", False)}
    parsed: dict[int, Occupation] = {}
    deferred: list[tuple[int, Page, str, str]] = []

    def fail(error: InputError):
        if not keep_going:
            raise error
        failures.append(error)

    index = 0
    for item in expand_inputs(inputs):
        if isinstance(item, InputError):
            fail(item)
            continue
        index += 1
        try:
            page = read_page(item)
            text = page_text(page)
            layout = detect_layout(text, page.location)
            if layout in lexicon_layouts:
                deferred.append((index, page, text, layout))
                continue
            record = parse_text(text, page_source(page, layout), ParseContext(lexicon=lexicon), layout=layout)
        except InputError as error:
            fail(error)
            continue
        parsed[index] = record
        for link in record.skills:
            lexicon.add(link.skill.label, source="page", skill_type=link.skill.skill_type)
        if progress:
            progress(page.location)
    for index, page, text, layout in deferred:
        try:
            parsed[index] = parse_text(text, page_source(page, layout), ParseContext(lexicon=lexicon), layout=layout)
        except InputError as error:
            fail(error)
            continue
        if progress:
            progress(page.location)
    return ParseOutcome(records=[parsed[i] for i in sorted(parsed)], failures=failures)


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

    @property
    def records(self) -> list[Occupation]:
        return self.reconciliation.occupations

    def graph(self):
        """The merged graph as an rdflib Graph."""
        return to_graph(self.graphs)

    def dataset(self):
        """Every page's named graph as an rdflib Dataset."""
        return to_dataset(self.graphs)

    def triple_count(self) -> int:
        return len({t for g in self.graphs for t in g.triples})

    def summary(self) -> dict:
        """A JSON-ready account of the build (the --report file)."""
        low = [
            {"page": r.source.location, "label": l.skill.label, "relation": l.relation, "confidence": l.skill.confidence, "method": l.skill.split_method}
            for r in self.records
            for l in r.skills
            if l.skill.split_method and l.skill.confidence < _low_confidence()
        ]
        return {
            "pages": len(self.records),
            "layouts": _count(r.source.layout for r in self.records),
            "occupations": len({r.iri for r in self.records}),
            "skills": len({l.skill.iri for r in self.records for l in r.skills}),
            "triples": self.triple_count(),
            "failed": [{"input": e.location, "reason": e.reason} for e in self.failures],
            "low_confidence_splits": low,
            "unmatched": [{"kind": k, "label": l} for k, l in self.reconciliation.unmatched],
            "notes": [{"page": p, "note": n} for p, n in self.reconciliation.notes],
            "conforms": self.conforms,
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _low_confidence() -> float:
    from .splitting import LOW_CONFIDENCE

    return LOW_CONFIDENCE


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items()))


def build_graph(
    inputs: Iterable[str],
    *,
    vocabulary=None,
    base_iri: str = DEFAULT_BASE_IRI,
    language: str = "en",
    keep_going: bool = False,
    validate: bool = True,
    shapes=None,
    progress: Optional[Callable[[str], None]] = None,
) -> BuildResult:
    """Parse, reconcile, map and (by default) validate every page the inputs name.

    Raises InputError for a bad input (unless keep_going), EscoGraphError when no page could
    be read, ValidationError when the graph does not conform to the shapes.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    outcome = parse_pages(inputs, vocabulary=vocabulary, keep_going=keep_going, progress=progress)
    timings["parse"] = time.perf_counter() - started
    if not outcome.records:
        reasons = "; ".join(str(e) for e in outcome.failures) or "no inputs given"
        raise EscoGraphError(f"no occupation page could be read ({reasons})")

    started = time.perf_counter()
    reconciled = reconcile(outcome.records, vocabulary=vocabulary, base_iri=base_iri)
    timings["reconcile"] = time.perf_counter() - started

    started = time.perf_counter()
    graphs = page_graphs(reconciled, base_iri=base_iri, language=language)
    timings["map"] = time.perf_counter() - started

    result = BuildResult(graphs=graphs, reconciliation=reconciled, failures=outcome.failures, timings=timings)
    if validate:
        from .validate import validate as shacl_validate

        started = time.perf_counter()
        conforms, report_graph, report_text = shacl_validate(result.graph(), shapes)
        timings["validate"] = time.perf_counter() - started
        result.conforms, result.report_graph, result.report_text = conforms, report_graph, report_text
        if not conforms:
            raise ValidationError(report_text, report_graph)
    return result
