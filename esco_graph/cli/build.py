"""The build commands: ``build`` (pages to a graph, files and stores), ``parse`` (pages to records), ``validate``."""
from __future__ import annotations

import json

import click

from ..namespaces import DEFAULT_BASE_IRI
from .errors import (
    EXIT_INPUT,
    EXIT_VALIDATION,
    CommandError,
    library_errors,
)
from .options import (
    input_options,
    keep_going_option,
    load_shapes_option,
    load_vocabulary_option,
    open_store_from_options,
    quiet_option,
    shapes_option,
    vocabulary_option,
)
from .progress import StderrProgress


@click.command()
@input_options("inputs", empty_ok=lambda options: options.get("vocabulary_facts") == "all" and options.get("vocabulary_paths"))
@click.option("-o", "--output", "outputs", multiple=True, help="Output file (repeatable); format from the extension: .ttl .jsonld .nt .nq .trig; '-' for stdout.")
@click.option("--format", "fmt", help="Output format for every -o, overriding the extension: turtle, jsonld, ntriples, nquads, trig (or a MIME type).")
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True, help="Base for the IRIs minted for concepts with no official ESCO IRI.")
@click.option("--language", default="en", show_default=True, help="Language tag of labels and descriptions.")
@vocabulary_option
@click.option("--vocabulary-facts", type=click.Choice(["none", "linked", "all"]), default="linked", show_default=True,
              help="With --vocabulary, what of it goes into the graph: none; linked: every fact about the "
                   "occupations and skills in the graph and what they point at (broader concepts, ISCO and "
                   "skill groups, schemes); all: the whole vocabulary (then INPUTS may be empty).")
@keep_going_option
@click.option("--validate/--no-validate", default=True, show_default=True, help="Check the graph against the SHACL shapes before writing.")
@shapes_option
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the build report (failures, low-confidence splits, unmatched labels) as JSON.")
@click.option("--source-root", type=click.Path(file_okay=False), metavar="DIR",
              help="Name the pages below DIR by their path relative to it (<base-iri>source/<path>) instead of "
                   "their absolute file: URI; with SOURCE_DATE_EPOCH, the same pages give byte-identical "
                   "graphs wherever they sit.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes for parsing, and whether validation runs beside the writing (0: every core; 1: one process).")
@click.option("--shard", metavar="K/N", help="Build only the K-th of N slices of the pages (by a stable hash of each page's "
                                             "IRI; use with --vocabulary and --source-root): the N outputs loaded into one "
                                             "store are the whole build.")
@click.option("--memory-budget", default="1GiB", show_default=True, metavar="SIZE",
              help="Once the build holds this much memory, keep the output lines in sorted runs on disk (in "
                   "TMPDIR) instead: the same outputs in less memory (512MiB, 2GiB, 4G, bytes; none: no limit).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False), help="Also load every page's named graph into this embedded store (created on first use).")
@click.option("--endpoint", metavar="URL", help="Also load every page's named graph into this SPARQL 1.1 store (Graph Store Protocol).")
@click.option("--store-type", type=click.Choice(["auto", "oxigraph", "fuseki", "graphdb", "virtuoso", "generic"]), default="auto", show_default=True, help="Which server --endpoint is.")
@quiet_option
@library_errors
def build(inputs, outputs, fmt, base_iri, language, vocabulary_paths, vocabulary_facts, keep_going, validate, shapes_paths, report_path,
          source_root, jobs, shard, memory_budget,
          store_dir, endpoint, store_type, quiet):
    """Build the graph from pages and write it.

    INPUTS are page files (text or HTML), folders, globs ('pages/*.html'), '-' for stdin,
    http(s) URLs (fetched politely and cached) and zip/tar archives of pages
    ('crawl.zip', or one member: 'crawl.zip!pages/a.html').

    Every -o is written from one build, atomically: a failed build leaves any previous
    output untouched.
    """
    from ..pipeline import build_graph, check_build
    from ..sources import parse_shard

    if not outputs and store_dir is None and endpoint is None:
        raise click.UsageError("give at least one -o OUTPUT, or --store DIR / --endpoint URL")
    check_build(outputs=outputs, format=fmt, report=report_path, base_iri=base_iri, language=language,
                memory_budget=memory_budget)  # before any work
    slice_ = parse_shard(shard) if shard is not None else None
    store = None
    if store_dir is not None or endpoint is not None:  # a store that is down fails before any work
        store = open_store_from_options(store_dir=store_dir, endpoint=endpoint, store_type=store_type)
    vocabulary = load_vocabulary_option(vocabulary_paths)
    progress = StderrProgress(quiet)
    try:
        result = build_graph(
            inputs, outputs=outputs, format=fmt, store=store, report=report_path, vocabulary=vocabulary,
            base_iri=base_iri, language=language, keep_going=keep_going, validate=validate, progress=progress,
            shapes=load_shapes_option(shapes_paths), jobs=jobs, source_root=source_root,
            vocabulary_facts=vocabulary_facts, shard=slice_, memory_budget=memory_budget,
        )
    except BaseException:
        progress.abandon()
        raise
    finally:
        if store is not None:
            store.close()
    progress.done()
    if result.load_report is not None and not quiet:
        click.echo(result.load_report.summary(), err=True)
    destinations = [("stdout" if o == "-" else o) for o in outputs] + ([f"store {store.location}"] if store else [])
    _print_summary(result.summary(), destinations, quiet)
    if result.failures:
        raise CommandError(f"{len(result.failures)} input(s) failed; the others were written", EXIT_INPUT)


def plural(n: int, word: str) -> str:
    """'1 page', '2 pages'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _print_summary(summary: dict, destinations: list[str], quiet: bool) -> None:
    for failure in summary["failed"]:
        click.echo(f"Error: {failure['input']}: {failure['reason']}", err=True)
    if quiet:
        return
    layouts = ", ".join(f"{n} {layout}" for layout, n in summary["layouts"].items())
    graph = summary["graph"]
    pages = (f"{plural(summary['pages'], 'page')} ({layouts}): {plural(summary['occupations'], 'occupation')}, "
             f"{plural(summary['skills'], 'skill')}" if summary["pages"] else "no page")
    if (graph["occupations"], graph["skills"]) != (summary["occupations"], summary["skills"]):
        pages += (f"; with the vocabulary's facts the graph has {plural(graph['occupations'], 'occupation')}, "
                  f"{plural(graph['skills'], 'skill')}")
    click.echo(f"{pages}, {plural(summary['triples'], 'triple')} -> {', '.join(destinations)}", err=True)
    for item in summary["partial_pages"][:20]:
        click.echo(f"partial page: {item['page']} lists {item['listed']} of {item['declared']} skills "
                   f"(the site hid {item['hidden']}); built with what it shows", err=True)
    if len(summary["partial_pages"]) > 20:
        click.echo(f"... and {plural(len(summary['partial_pages']) - 20, 'more partial page')} (see --report)", err=True)
    low = summary["low_confidence_splits"]
    for item in low[:20]:
        click.echo(f"low-confidence split: {item['page']}: {item['label']!r} ({item['confidence']:.2f})", err=True)
    if len(low) > 20:
        click.echo(f"... and {len(low) - 20} more low-confidence splits (see --report)", err=True)
    notes = [n for n in summary["notes"] if not n["note"].startswith("low-confidence split")]
    for item in notes[:20]:
        click.echo(f"Note: {item['page']}: {item['note']}", err=True)
    if len(notes) > 20:
        click.echo(f"... and {plural(len(notes) - 20, 'more note')} (see --report)", err=True)
    for item in summary["non_esco_iris"][:20]:
        click.echo(f"Note: the vocabulary gives {item['label']!r} the IRI <{item['vocabulary_iri']}>, which is not "
                   "ESCO's: minted one under --base-iri instead", err=True)
    if summary["alt_label_matches"]:
        click.echo(f"{len(summary['alt_label_matches'])} labels matched only an ESCO alternative label and took "
                   "its concept (see --report)", err=True)
    if summary["unmatched"]:
        click.echo(f"{len(summary['unmatched'])} labels not in the vocabulary kept minted IRIs (see --report)", err=True)


@click.command()
@input_options("pages")
@vocabulary_option
@keep_going_option
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True,
              help="With --vocabulary: base of the IRIs minted for labels the vocabulary does not hold.")
@click.option("--list", "as_list", is_flag=True,
              help="Always print a JSON list (by default one page named alone prints one object).")
@library_errors
def parse(pages, vocabulary_paths, keep_going, base_iri, as_list):
    """Print the neutral record of each page as JSON: one object for one page, else a list.

    With --vocabulary the records are reconciled as `build` does (official IRIs, ESCO and ISCO
    codes, skill types and reuse levels), the labels kept as the page shows them."""
    from ..pipeline import parse_pages
    from ..reconcile import reconcile

    vocabulary = load_vocabulary_option(vocabulary_paths)
    outcome = parse_pages(pages, vocabulary=vocabulary, keep_going=keep_going)
    records = outcome.records
    if vocabulary is not None and records:
        records = reconcile(records, vocabulary=vocabulary, base_iri=base_iri, page_labels=True).occupations
    dicts = [record.to_dict() for record in records]
    one = len(dicts) == 1 and len(pages) == 1 and not as_list
    click.echo(json.dumps(dicts[0] if one else dicts, indent=1, ensure_ascii=False))
    for failure in outcome.failures:
        click.echo(f"Error: {failure}", err=True)
    if outcome.failures:
        raise CommandError(f"{plural(len(outcome.failures), 'input')} failed", EXIT_INPUT)


@click.command()
@click.argument("graphs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@shapes_option
@click.option("--format", "rdf_format", metavar="FORMAT",
              help="RDF syntax of the files (turtle, ntriples, nquads, trig, jsonld); needed for '-' (stdin). "
                   "[default: from each file's extension]")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the SHACL report graph (Turtle).")
@quiet_option
@library_errors
def validate(graphs, shapes_paths, rdf_format, report_path, quiet):
    """Check RDF files ('-' for stdin) against the SHACL shapes; exit 3 with a readable report when they do not conform."""
    from ..files import atomic_output, check_output_path
    from ..shacl import validate_files

    if report_path:
        check_output_path(report_path)
    conforms, report_graph, text = validate_files(list(graphs), load_shapes_option(shapes_paths), format=rdf_format)
    if report_path:
        with atomic_output(report_path) as stream:
            stream.write(report_graph.serialize(format="turtle").encode("utf-8"))
    if not conforms:
        raise CommandError(f"{', '.join(graphs)} does not conform to the SHACL shapes:\n{text}", EXIT_VALIDATION)
    if not quiet:
        click.echo(f"{', '.join(graphs)}: conforms", err=True)
