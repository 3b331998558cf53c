"""The esco-graph command line: parse options, call the library, turn its errors into click errors.

No logic a library user would need lives here. Exit codes: 0 success; 1 a bad input (with
--keep-going: some inputs failed, the rest were written); 2 usage; 3 the graph does not
conform to the SHACL shapes; 4 an output or store could not be written.
"""
from __future__ import annotations

import functools
import json
import sys
import time

import click

from .. import __version__
from ..errors import EscoGraphError, OutputError, StoreError, ValidationError
from ..namespaces import DEFAULT_BASE_IRI

EXIT_INPUT, EXIT_VALIDATION, EXIT_OUTPUT = 1, 3, 4


class CommandError(click.ClickException):
    """A library error as one line on stderr, with the documented exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def library_errors(func):
    """Turn esco-graph's typed errors into one clear line and its exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            raise CommandError("the graph does not conform to the SHACL shapes:\n" + exc.report_text, EXIT_VALIDATION) from None
        except (OutputError, StoreError) as exc:
            raise CommandError(str(exc), EXIT_OUTPUT) from None
        except EscoGraphError as exc:
            raise CommandError(str(exc), EXIT_INPUT) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted; an output being written was left as it was before", 130) from None

    return wrapper


# --- shared options ----------------------------------------------------------------------------


def vocabulary_option(func):
    return click.option(
        "--vocabulary",
        "vocabulary_paths",
        multiple=True,
        type=click.Path(exists=True),
        help="ESCO CSV files, a folder or zip of them, or an ESCO RDF dump (repeatable): official IRIs and exact label splitting.",
    )(func)


def keep_going_option(func):
    return click.option(
        "-k", "--keep-going", is_flag=True, help="Report bad inputs and go on with the others (exit code 1 if any failed)."
    )(func)


def quiet_option(func):
    return click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")(func)


def shapes_option(func):
    return click.option(
        "--shapes", "shapes_paths", multiple=True, type=click.Path(exists=True),
        help="SHACL shapes files or folders to use instead of the bundled shapes/ (repeatable).",
    )(func)


def input_options(name: str):
    """The inputs of a command: INPUT... and --from-list, --refresh, --cache-dir, --timeout.

    The command receives an esco_graph.sources.Inputs under `name` (iterable as the names given),
    which carries the fetcher for URLs.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            from ..sources.urls import Fetcher
            from ..sources import Inputs

            items, from_lists = kwargs.pop(name), kwargs.pop("from_lists")
            refresh, cache_dir, timeout = kwargs.pop("refresh"), kwargs.pop("cache_dir"), kwargs.pop("timeout")
            if not items and not from_lists:
                raise click.UsageError(f"give at least one {name.upper()} or --from-list FILE")
            fetcher = Fetcher(cache_dir, refresh=refresh, timeout=timeout)
            kwargs[name] = Inputs(items=tuple(items), from_lists=tuple(from_lists), fetcher=fetcher)
            return func(*args, **kwargs)

        for decorator in reversed(
            [
                click.argument(name, nargs=-1),
                click.option(
                    "--from-list", "from_lists", multiple=True, metavar="FILE",
                    help="Read more inputs from FILE, one path or URL a line ('#' comments and blank lines skipped; '-' for stdin). Repeatable.",
                ),
                click.option("--refresh", is_flag=True, help="Fetch URLs anew, ignoring the cache (the new answers are cached)."),
                click.option(
                    "--cache-dir", type=click.Path(file_okay=False), default=None,
                    help="Where fetched pages are cached [default: $XDG_CACHE_HOME/esco-graph/http or ~/.cache/esco-graph/http].",
                ),
                click.option(
                    "--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
                    help="Seconds to wait for a server's answer, each attempt (failed fetches are retried twice) [default: 30].",
                ),
            ]
        ):
            wrapper = decorator(wrapper)
        return wrapper

    return decorate


def _load_shapes(paths):
    if not paths:
        return None
    from ..shacl import load_shapes

    return load_shapes(paths)


def _load_vocabulary(paths):
    if not paths:
        return None
    from ..vocabulary import Vocabulary

    return Vocabulary.load(paths)


class _Progress:
    """A one-line page counter on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.count = 0

    def __call__(self, location: str) -> None:
        self.count += 1
        if self.enabled and (self.count % 25 == 0 or self.count < 25):
            click.echo(f"\rparsed {self.count} pages", err=True, nl=False)

    def done(self) -> None:
        if self.enabled and self.count:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="esco-graph")
def cli():
    """Turn occupation-profile pages into an ESCO-model RDF knowledge graph."""


@cli.command()
@input_options("inputs")
@click.option("-o", "--output", "outputs", multiple=True, help="Output file (repeatable); format from the extension: .ttl .jsonld .nt .nq .trig; '-' for stdout.")
@click.option("--format", "fmt", help="Output format for every -o, overriding the extension: turtle, jsonld, ntriples, nquads, trig (or a MIME type).")
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True, help="Base for the IRIs minted for concepts with no official ESCO IRI.")
@click.option("--language", default="en", show_default=True, help="Language tag of labels and descriptions.")
@vocabulary_option
@keep_going_option
@click.option("--validate/--no-validate", default=True, show_default=True, help="Check the graph against the SHACL shapes before writing.")
@shapes_option
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the build report (failures, low-confidence splits, unmatched labels) as JSON.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes for parsing (0: every core).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False), help="Also load every page's named graph into this embedded store (created on first use).")
@click.option("--endpoint", metavar="URL", help="Also load every page's named graph into this SPARQL 1.1 store (Graph Store Protocol).")
@click.option("--store-type", type=click.Choice(["auto", "oxigraph", "fuseki", "graphdb", "virtuoso", "generic"]), default="auto", show_default=True, help="Which server --endpoint is.")
@quiet_option
@library_errors
def build(inputs, outputs, fmt, base_iri, language, vocabulary_paths, keep_going, validate, shapes_paths, report_path, jobs,
          store_dir, endpoint, store_type, quiet):
    """Build the graph from pages and write it.

    INPUTS are page files (text or HTML), folders, globs ('pages/*.html'), '-' for stdin,
    http(s) URLs (fetched politely and cached) and zip/tar archives of pages
    ('crawl.zip', or one member: 'crawl.zip!pages/a.html').

    Every -o is written from one build, atomically: a failed build leaves any previous
    output untouched.
    """
    from ..pipeline import build_graph
    from ..files import check_output_path
    from ..graph.writers import Rendered, write_all, writer_for_path

    if not outputs and store_dir is None and endpoint is None:
        raise click.UsageError("give at least one -o OUTPUT, or --store DIR / --endpoint URL")
    from ..reconcile import check_base_iri

    check_base_iri(base_iri)  # before any work
    for path in outputs:
        writer_for_path(path, fmt)
        check_output_path(path)
    if report_path:
        check_output_path(report_path)
    store = None
    if store_dir is not None or endpoint is not None:  # a store that is down fails before any work
        from .store import open_store_from_options

        store = open_store_from_options(store_dir=store_dir, endpoint=endpoint, store_type=store_type)
    vocabulary = _load_vocabulary(vocabulary_paths)
    progress = _Progress(not quiet)
    try:
        result = build_graph(
            inputs, vocabulary=vocabulary, base_iri=base_iri, language=language,
            keep_going=keep_going, validate=validate, progress=progress, shapes=_load_shapes(shapes_paths), jobs=jobs,
        )
    finally:
        progress.done()
    rendered = Rendered(result.graphs)
    write_all(rendered, outputs, fmt, timings=result.timings)
    if store is not None:
        with store:
            started = time.perf_counter()
            loaded = store.load_graphs(rendered.page_ntriples())
            result.timings["load " + store.location] = time.perf_counter() - started
        if not loaded.ok:
            raise CommandError(loaded.summary(), EXIT_OUTPUT)
        if not quiet:
            click.echo(loaded.summary(), err=True)
    summary = result.summary()
    if report_path:
        from ..files import atomic_output

        with atomic_output(report_path) as stream:
            stream.write(json.dumps(summary, indent=1, ensure_ascii=False).encode("utf-8") + b"\n")
    _print_summary(summary, outputs, quiet)
    if result.failures:
        raise CommandError(f"{len(result.failures)} input(s) failed; the others were written", EXIT_INPUT)


def _print_summary(summary: dict, outputs, quiet: bool) -> None:
    for failure in summary["failed"]:
        click.echo(f"error: {failure['input']}: {failure['reason']}", err=True)
    if quiet:
        return
    layouts = ", ".join(f"{n} {layout}" for layout, n in summary["layouts"].items())
    click.echo(
        f"{summary['pages']} pages ({layouts}): {summary['occupations']} occupations, {summary['skills']} skills, "
        f"{summary['triples']} triples -> {', '.join(o for o in outputs if o != '-') or 'stdout'}",
        err=True,
    )
    low = summary["low_confidence_splits"]
    for item in low[:20]:
        click.echo(f"low-confidence split: {item['page']}: {item['label']!r} ({item['confidence']:.2f})", err=True)
    if len(low) > 20:
        click.echo(f"... and {len(low) - 20} more low-confidence splits (see --report)", err=True)
    if summary["unmatched"]:
        click.echo(f"{len(summary['unmatched'])} labels not in the vocabulary kept minted IRIs (see --report)", err=True)


@cli.command()
@input_options("pages")
@vocabulary_option
@keep_going_option
@library_errors
def parse(pages, vocabulary_paths, keep_going):
    """Print the neutral record of each page as JSON (one object, or a list for several pages)."""
    from ..pipeline import parse_pages

    outcome = parse_pages(pages, vocabulary=_load_vocabulary(vocabulary_paths), keep_going=keep_going)
    records = [record.to_dict() for record in outcome.records]
    click.echo(json.dumps(records[0] if len(records) == 1 and len(pages) == 1 else records, indent=1, ensure_ascii=False))
    for failure in outcome.failures:
        click.echo(f"error: {failure}", err=True)
    if outcome.failures:
        raise CommandError(f"{len(outcome.failures)} input(s) failed", EXIT_INPUT)


@cli.command()
@click.argument("graphs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@shapes_option
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the SHACL report graph (Turtle).")
@quiet_option
@library_errors
def validate(graphs, shapes_paths, report_path, quiet):
    """Check RDF files against the SHACL shapes; exit 3 with a readable report when they do not conform."""
    from ..files import atomic_output, check_output_path
    from ..shacl import validate_files

    if report_path:
        check_output_path(report_path)
    conforms, report_graph, text = validate_files(list(graphs), _load_shapes(shapes_paths))
    if report_path:
        with atomic_output(report_path) as stream:
            stream.write(report_graph.serialize(format="turtle").encode("utf-8"))
    if not conforms:
        raise CommandError(f"{', '.join(graphs)} does not conform to the SHACL shapes:\n{text}", EXIT_VALIDATION)
    if not quiet:
        click.echo(f"{', '.join(graphs)}: conforms", err=True)


from .store import load, occupations, query, skills  # noqa: E402  (store commands, cli_store.py)

cli.add_command(load)
cli.add_command(query)
cli.add_command(skills)
cli.add_command(occupations)
