"""The store commands: ``load``, ``query``, ``update``, ``skills``, ``occupations``, ``store info|graphs|clear``.

Thin: parse options, call :mod:`esco_graph.store` / :mod:`esco_graph.store.queries`; library
errors become one-line click errors through :mod:`esco_graph.cli.errors`.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from ..store import (
    LoadReport,
    QueryResult,
    Store,
)
from ..store.queries import occupations_for_skill, skills_of_occupation
from .errors import EXIT_INPUT, EXIT_OUTPUT, CommandError, library_errors
from .options import (
    open_store_from_options,
    pop_store_options,
    quiet_option,
    store_options,
)
from .progress import StderrProgress

__all__ = ["load", "occupations", "query", "skills", "store_group", "update"]

def _result_options(f):
    f = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the result to this file, in the format --format or its extension says "
                          "(SELECT/ASK: .csv .tsv .json .xml .txt; CONSTRUCT/DESCRIBE: .ttl .nt .nq .trig .jsonld .rdf).")(f)
    f = quiet_option(f)
    f = click.option("--format", "fmt", metavar="FORMAT",
                     help="SELECT/ASK: table, csv, tsv, json, xml [default: table]; CONSTRUCT/DESCRIBE: an RDF "
                          "syntax (turtle, ntriples, nquads, trig, jsonld, rdfxml; json means JSON-LD) "
                          "[default: turtle]. A format of the other kind is a usage error.")(f)
    return f


def _emit(result: QueryResult, fmt: str | None, output: Path | None, quiet: bool = False) -> None:
    for w in result.warnings:
        click.echo(f"Warning: {w}", err=True)
    if output is not None:
        result.write(output, fmt)
        if quiet:
            return
        if result.kind == "graph":
            click.echo(f"Wrote {len(result.triples)} triples to {output}.", err=True)
        elif result.kind == "select":
            click.echo(f"Wrote {len(result.rows)} rows to {output}.", err=True)
        return
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    click.echo(result.serialize(fmt, width=width), nl=False)


def _report(report: LoadReport, store: Store, verbose: bool, quiet: bool = False) -> None:
    for w in report.warnings:
        click.echo(f"Warning: {w}", err=True)
    if report.graphs_failed:
        for g in report.graphs_loaded:
            click.echo(f"  loaded      {g}", err=True)
    for g, reason in report.graphs_failed:
        click.echo(f"  NOT LOADED  {g}: {reason}", err=True)
    if report.inputs_failed and not report.graphs_failed:
        if report.graphs_loaded:
            click.echo(f"Loaded into {store.location}: {report.summary()}.", err=True)
        if len(report.inputs_failed) == 1:
            f, reason = report.inputs_failed[0]
            raise CommandError(f"{f}: {reason}", EXIT_INPUT)
        for f, reason in report.inputs_failed:
            click.echo(f"  NOT READ    {f}: {reason}", err=True)
        raise CommandError(f"{len(report.inputs_failed)} files could not be read; nothing of them was loaded",
                           EXIT_INPUT)
    for f, reason in report.inputs_failed:
        click.echo(f"  NOT READ    {f}: {reason}", err=True)
    if report.graphs_failed:
        raise CommandError(
            f"{len(report.graphs_failed)} of {len(report.graphs_failed) + len(report.graphs_loaded)} graphs did not "
            f"land in {store.location} ({report.summary()}); each graph either landed whole or not at all: "
            "run the same load again to finish it", EXIT_OUTPUT)
    if not quiet:
        click.echo(f"Loaded into {store.location}: {report.summary()}.", err=True)


@click.command()
@click.argument("graphs", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--graph", "graph_iri", metavar="IRI",
              help="Load the default-graph triples of the files (all of a .ttl/.nt file) into this named "
                   "graph, replacing it. Without it they are added to the default graph.")
@click.option("--format", "rdf_format", metavar="FORMAT",
              help="RDF format of the files (ttl, nt, nq, trig, jsonld, n3, rdf) [default: from the extension].")
@click.option("--bulk", is_flag=True,
              help="Embedded store: use the bulk loader, a few times faster for big files but not "
                   "transactional (an interrupted load leaves graphs part-loaded until loaded again).")
@click.option("-v", "--verbose", is_flag=True, help="List every graph loaded.")
@quiet_option
@store_options
@library_errors
def load(graphs, graph_iri, rdf_format, bulk, verbose, quiet, **kwargs):
    """Load RDF files into a triple store.

    Each named graph in a file (TriG, N-Quads, JSON-LD) replaces the store's graph of that name, so
    loading the same file again changes nothing; default-graph triples are added to the default
    graph (set semantics). A graph lands whole or not at all; what did not land is listed, with a
    non-zero exit.

    \b
    esco-graph load graph.trig --store ./kg
    esco-graph load graph.nq --endpoint http://127.0.0.1:7878
    esco-graph load esco.ttl --graph http://example.org/esco --endpoint http://127.0.0.1:8890 --store-type virtuoso
    """
    store = open_store_from_options(**pop_store_options(kwargs))
    progress = StderrProgress(quiet)

    def loaded(label, ok):
        progress.advance(label)
        if verbose:
            click.echo(f"  {'loaded' if ok else 'FAILED'}  {label}", err=True)

    try:
        if bulk and _is_remote(store):
            raise click.UsageError("--bulk is for the embedded store (--store)")
        progress.stage("load", None, "graph")
        report = store.load_files(graphs, rdf_format, graph=graph_iri, on_graph=loaded, bulk=bulk)
    except BaseException:
        progress.abandon()
        raise
    finally:
        store.close()
    if report.graphs_failed or report.inputs_failed:
        progress.abandon()  # the report below says what landed and what did not
    else:
        progress.done()
    _report(report, store, verbose, quiet)


def _is_remote(store: Store) -> bool:
    return store.kind != "embedded"


def _read_query(text: str) -> str:
    if text == "@-":
        return sys.stdin.read()
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise CommandError(f"{path}: cannot read the query file: {e.strerror or e}", EXIT_INPUT) from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: the query file is not UTF-8 text", EXIT_INPUT) from None
    return text


@click.command()
@click.argument("sparql", metavar="QUERY|@FILE.rq")
@_result_options
@store_options
@library_errors
def query(sparql, fmt, output, quiet, **kwargs):
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) on a triple store.

    QUERY is the query text, or @FILE to read it from a file (@- for stdin). The default graph is
    the union of all graphs; the prefixes esco:, skos:, dct:, iso-thes:, xsd:, prov:, rdf: need no
    declaration.

    \b
    esco-graph query 'SELECT ?o ?l WHERE { ?o a esco:Occupation ; skos:prefLabel ?l }' --store ./kg
    esco-graph query @skills.rq --store ./kg --format json
    esco-graph query 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }' --endpoint http://127.0.0.1:7878 -o out.ttl
    """
    text = _read_query(sparql)
    store = open_store_from_options(**pop_store_options(kwargs), create=False)
    try:
        result = store.query(text)
    finally:
        store.close()
    _emit(result, fmt, output, quiet)


@click.command()
@click.argument("occupation")
@click.option("--lang", default="en", show_default=True, help="Language of the labels shown.")
@_result_options
@store_options
@library_errors
def skills(occupation, lang, fmt, output, quiet, **kwargs):
    """The essential and optional skills of an OCCUPATION (its label, any case, or its IRI)."""
    _ask(skills_of_occupation, occupation, lang, fmt, output, quiet, kwargs,
         "no occupation labelled or named {value!r} with skills in {location}")


@click.command()
@click.argument("skill")
@click.option("--lang", default="en", show_default=True, help="Language of the labels shown.")
@_result_options
@store_options
@library_errors
def occupations(skill, lang, fmt, output, quiet, **kwargs):
    """The occupations that need a SKILL (its label, any case, or its IRI), essential or optional."""
    _ask(occupations_for_skill, skill, lang, fmt, output, quiet, kwargs,
         "no occupation needs a skill labelled or named {value!r} in {location}")


def _ask(question, value: str, lang: str, fmt, output, quiet: bool, kwargs: dict, nothing: str) -> None:
    """One of the store.queries questions about a concept, answered on the chosen store."""
    store = open_store_from_options(**pop_store_options(kwargs), create=False)
    try:
        result = question(store, value, lang=lang)
    finally:
        store.close()
    if not result.rows:
        raise CommandError(nothing.format(value=value, location=store.location), EXIT_INPUT)
    _emit(result, fmt, output, quiet)



@click.command()
@click.argument("sparql", metavar="UPDATE|@FILE.ru")
@quiet_option
@store_options
@library_errors
def update(sparql, quiet, **kwargs):
    """Run a SPARQL 1.1 Update (INSERT DATA, DELETE WHERE, DROP GRAPH ...) on a triple store.

    UPDATE is the update text, or @FILE to read it from a file (@- for stdin).

    \b
    esco-graph update 'DROP GRAPH <http://example.org/esco-graph/graph/old-page-0123456789ab>' --store ./kg
    esco-graph update @fix-labels.ru --endpoint http://127.0.0.1:7878
    """
    text = _read_query(sparql)
    store = open_store_from_options(**pop_store_options(kwargs), create=False)
    try:
        store.update(text)
    finally:
        store.close()
    if not quiet:
        click.echo(f"Updated {store.location}.", err=True)


@click.group("store")
def store_group():
    """What a triple store holds: info, graphs, clear."""


@store_group.command("info")
@store_options
@library_errors
def store_info(**kwargs):
    """Graphs, triples, pages, occupations and skills in the store, and when it last changed."""
    from ..store.admin import info

    store = open_store_from_options(**pop_store_options(kwargs), create=False)
    try:
        found = info(store)
    finally:
        store.close()
    click.echo("\n".join(found.lines()))


@store_group.command("graphs")
@_result_options
@store_options
@library_errors
def store_graphs(fmt, output, quiet, **kwargs):
    """Every named graph in the store with its number of triples."""
    from ..store.admin import graphs

    store = open_store_from_options(**pop_store_options(kwargs), create=False)
    try:
        result = graphs(store)
    finally:
        store.close()
    _emit(result, fmt, output, quiet)


@store_group.command("clear")
@click.option("--all", "everything", is_flag=True,
              help="Remote stores: every graph and the default graph (SPARQL CLEAR ALL), not only the graphs "
                   "esco-graph loaded. On Virtuoso that includes its own system graphs: do not.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@quiet_option
@store_options
@library_errors
def store_clear(everything, yes, quiet, **kwargs):
    """Remove what esco-graph loaded from the store (the embedded store: everything)."""
    from ..store.admin import clear

    store = open_store_from_options(**pop_store_options(kwargs), create=False)
    try:
        if not yes:
            click.confirm(f"Remove {'everything' if everything else 'the loaded graphs'} from {store.location}?",
                          abort=True, err=True)
        n = clear(store, everything=everything)
    finally:
        store.close()
    if not quiet:
        click.echo(f"Cleared {store.location} ({n} graph{'s' if n != 1 else ''} removed).", err=True)
