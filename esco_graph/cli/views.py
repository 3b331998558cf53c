"""The views: ``diff`` (what changed between two crawls), ``show`` (a picture of an occupation),
``serve`` (a SPARQL endpoint and query page over the embedded store).

Thin: parse options, call :mod:`esco_graph.views`; library errors become one-line click errors.
"""
from __future__ import annotations

import time

import click

from ..files import atomic_output, write_atomic
from ..views.diff import REPORT_FORMATS, changeset, render
from ..views.diff import diff as diff_graphs
from ..views.picture import PICTURE_FORMATS, picture_format
from ..views.picture import show as show_picture
from ..views.serve import serve as serve_store
from .errors import EXIT_OUTPUT, EXIT_USAGE, CommandError, library_errors
from .options import open_store_from_options, pop_store_options, store_options

__all__ = ["diff", "serve", "show"]


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
              help="The report on stdout: readable text, JSON, or CSV (a row per change).")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FILE",
              help="Also write the changes as a changeset a store can apply: SPARQL Update (.ru: DELETE DATA, "
                   "INSERT DATA) or RDF in the changeset vocabulary (.ttl .nt .nq .trig). Repeatable.")
@click.option("--language", default="en", show_default=True, help="Language of the labels compared and shown.")
@click.option("--store-type", type=click.Choice(["auto", "oxigraph", "fuseki", "graphdb", "virtuoso", "generic"]),
              default="auto", show_default=True, help="Which server an http(s) OLD or NEW is.")
@click.option("-q", "--quiet", is_flag=True, help="No report: only the exit code (and -o files).")
def diff(old, new, fmt, outputs, language, store_type, quiet):
    """What changed from OLD to NEW, per occupation.

    OLD and NEW are graphs in any RDF format esco-graph reads, embedded store folders, or SPARQL
    endpoint URLs. The skills added and removed (essential and optional apart), the relations
    that moved between essential and optional, the labels, descriptions, ESCO codes and ISCO
    groups that changed, the occupations that appeared or vanished.

    Exit code 0 when they are equal, 1 when they differ (as diff does); trouble (an unreadable
    graph, a store that is down) is 2 or more.

    \b
    esco-graph diff crawl-2025.trig crawl-2026.trig
    esco-graph diff ./kg-old ./kg-new --format csv > changes.csv
    esco-graph diff old.ttl new.ttl -o changes.ru -q; esco-graph update @changes.ru --store ./kg
    """
    changes = _compare(old, new, store_type, language)
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for output in outputs:
        _write(output, changes, created)
    if not quiet:
        click.echo(render(changes, fmt), nl=False)
    raise SystemExit(1 if changes else 0)


def _trouble(func):
    """Library errors as for every command, except that 1 means "they differ" here: trouble is 2 or more."""
    checked = library_errors(func)

    def wrapper(*args, **kwargs):
        try:
            return checked(*args, **kwargs)
        except CommandError as exc:
            if exc.exit_code == 1:
                raise CommandError(exc.message, EXIT_USAGE) from None
            raise

    return wrapper


@_trouble
def _compare(old, new, store_type, language):
    return diff_graphs(old, new, store_type=store_type, language=language)


@_trouble
def _write(output, changes, created):
    write_atomic(output, changeset(changes, output, created))


@click.command()
@click.argument("concept")
@click.option("--skill", is_flag=True, help="CONCEPT is a skill: draw the occupations that need it.")
@click.option("--graph", "graphs", multiple=True, type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Read the graph from this RDF file (repeatable) instead of a store.")
@store_options
@click.option("-o", "--output", metavar="FILE", default="-", show_default=True,
              help="Where to write the picture; its extension picks the format (.svg .png .dot .mmd).")
@click.option("--format", "fmt", type=click.Choice(PICTURE_FORMATS),
              help="svg or png (drawn by Graphviz), dot (Graphviz source) or mermaid (for Markdown) "
                   "[default: from -o, else mermaid on stdout].")
@click.option("--language", default="en", show_default=True, help="Language of the labels.")
@library_errors
def show(concept, skill, graphs, output, fmt, language, **store_kwargs):
    """Draw an occupation: its ISCO path and its skills, grouped and coloured.

    CONCEPT is an occupation's label (preferred or alternative, any case) or IRI; with --skill, a
    skill's. Essential and optional skills, knowledge and skills/competences apart, each skill
    coloured by its reuse level.

    \b
    esco-graph show "medical device engineering technician" --graph graph.ttl -o occupation.svg
    esco-graph show "CAD software" --skill --store ./kg -o cad.png
    esco-graph show "ICT system architect" --store ./kg --format mermaid > architect.mmd
    """
    fmt = picture_format(output, fmt)
    store_settings = pop_store_options(store_kwargs)
    store = None
    if not graphs:
        store = open_store_from_options(**store_settings, create=False)
    try:
        data = show_picture(concept, skill=skill, graphs=graphs, store=store, format=fmt, language=language)
    finally:
        if store is not None:
            store.close()
    with atomic_output(output) as stream:  # '-': stdout
        stream.write(data)


@click.command()
@click.option("--store", "store_dir", type=click.Path(file_okay=False), required=True, metavar="DIR",
              help="The embedded store folder to serve.")
@click.option("--bind", default="127.0.0.1:7878", show_default=True, metavar="HOST:PORT",
              help="Where to listen (0.0.0.0:7878 to let other machines in).")
@click.option("--read-write", is_flag=True,
              help="Also accept SPARQL updates and Graph Store writes (default: read-only; a read-only "
                   "server may run while other processes read the store).")
@click.option("--union-default-graph", is_flag=True,
              help="Queries without GRAPH see every graph (esco-graph's facts need not: they are in the default graph).")
@click.option("--timeout", type=click.FloatRange(min=1), metavar="SECONDS", help="Stop queries that run longer.")
@library_errors
def serve(store_dir, bind, read_write, union_default_graph, timeout):
    """Serve the embedded store: a SPARQL endpoint and a query page in the browser.

    Runs the Oxigraph server on the store: open http://HOST:PORT/ for the query page, or send
    SPARQL 1.1 Protocol requests to http://HOST:PORT/query. Ctrl-C stops it.

    \b
    esco-graph serve --store ./kg
    esco-graph serve --store ./kg --bind 127.0.0.1:8080
    """
    click.echo(f"Serving {store_dir} at http://{bind}/ (query page) and http://{bind}/query "
               f"({'read-write' if read_write else 'read-only'}); Ctrl-C stops it.", err=True)
    code = serve_store(store_dir, bind=bind, read_only=not read_write, union_default_graph=union_default_graph,
                       timeout=timeout)
    if code != 0:
        raise CommandError(f"the Oxigraph server stopped with exit code {code} (its message is above)", EXIT_OUTPUT)
    click.echo("Stopped.", err=True)
