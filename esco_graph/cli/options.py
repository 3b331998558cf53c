"""The options commands share: inputs, vocabulary, shapes, keep-going, quiet, and the store to use."""
from __future__ import annotations

import functools
from pathlib import Path

import click

from ..errors import EscoGraphError
from ..store import STORE_TYPES, Store, open_store
from .errors import CommandError, exit_code_of


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


def input_options(name: str, empty_ok=None):
    """The inputs of a command: INPUT... and --from-list, --refresh, --cache-dir, --timeout.

    The command receives an esco_graph.sources.Inputs under `name` (iterable as the names given),
    which carries the fetcher for URLs. No input is a usage error unless `empty_ok(options)` says
    the other options make it fine (build --vocabulary-facts all).
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            from ..sources import Inputs
            from ..sources.urls import Fetcher

            items, from_lists = kwargs.pop(name), kwargs.pop("from_lists")
            refresh, cache_dir, timeout = kwargs.pop("refresh"), kwargs.pop("cache_dir"), kwargs.pop("timeout")
            if not items and not from_lists and not (empty_ok and empty_ok(kwargs)):
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


def load_shapes_option(paths):
    if not paths:
        return None
    from ..shacl import load_shapes

    return load_shapes(paths)


def load_vocabulary_option(paths):
    if not paths:
        return None
    from ..vocabulary import Vocabulary

    return Vocabulary.load(paths)


_STORE_OPTION_NAMES = ("store_dir", "endpoint", "store_type", "query_path", "update_path", "gsp_path",
                       "row_cap", "timeout", "retries")


def store_options(f):
    """The options that pick a store: ``--store DIR`` or ``--endpoint URL`` and the remote settings.

    The decorated command receives them as keyword arguments; pass them on to
    :func:`open_store_from_options`."""
    options = [
        click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Embedded store folder, created on first use [default: $ESCO_GRAPH_STORE, else "
                          "$XDG_DATA_HOME/esco-graph/store or ~/.local/share/esco-graph/store]."),
        click.option("--endpoint", metavar="URL",
                     help="A SPARQL 1.1 store over HTTP instead (Oxigraph: http://HOST:7878, Fuseki: "
                          "http://HOST:3030/DATASET, GraphDB: http://HOST:7200/repositories/REPO, Virtuoso: "
                          "http://HOST:8890). Credentials: ESCO_GRAPH_USER and ESCO_GRAPH_PASSWORD, or ~/.netrc."),
        click.option("--store-type", type=click.Choice(STORE_TYPES), default="auto", show_default=True,
                     help="Which server --endpoint is (sets its query, update and Graph Store paths); "
                          "auto asks the server."),
        click.option("--query-path", metavar="PATH", help="Query endpoint path under --endpoint (or a full URL)."),
        click.option("--update-path", metavar="PATH", help="Update endpoint path under --endpoint (or a full URL)."),
        click.option("--gsp-path", metavar="PATH",
                     help="Graph Store Protocol path under --endpoint (or a full URL)."),
        click.option("--row-cap", type=click.IntRange(min=1), metavar="N",
                     help="The server's result row cap when it does not announce it (Virtuoso: ResultSetMaxRows; "
                          "default 10000 for virtuoso)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
                     help="Seconds to wait for the store to answer one request."),
        click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
                     help="Retries (with backoff) of connection failures and 5xx answers."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def open_store_from_options(store_dir=None, endpoint=None, store_type="auto", query_path=None, update_path=None,
                            gsp_path=None, row_cap=None, timeout=120.0, retries=3, *, create: bool = True,
                            **_ignored) -> Store:
    """Open the store the :func:`store_options` chose (``create=False``: an embedded store must
    exist already); library errors become click errors."""
    if store_dir is not None and endpoint is not None:
        raise click.UsageError("give either --store DIR or --endpoint URL, not both")
    if endpoint is None and any(v is not None for v in (query_path, update_path, gsp_path, row_cap)):
        raise click.UsageError("--query-path, --update-path, --gsp-path and --row-cap are for --endpoint")
    try:
        return open_store(store_dir, endpoint, store_type=store_type, query_path=query_path,
                          update_path=update_path, gsp_path=gsp_path, timeout=timeout, retries=retries,
                          row_cap=row_cap, create=create)
    except EscoGraphError as e:
        raise CommandError(str(e), exit_code_of(e)) from None


def pop_store_options(kwargs: dict) -> dict:
    return {k: kwargs.pop(k) for k in _STORE_OPTION_NAMES if k in kwargs}


# the exit codes documented in cli.py: 1 a bad input, 4 an output or store failed
EXIT_INPUT, EXIT_STORE = 1, 4
