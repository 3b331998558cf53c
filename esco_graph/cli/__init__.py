"""The esco-graph command line: parse options, call the library, turn its errors into click errors.

No logic a library user would need lives here: each command calls one library function
(``build_graph``, ``parse_pages``, ``validate_files``, ``Store.load_files``, ``Store.query`` ...).
One module per command group (``build``, ``store``), the shared options in ``options``, and one
error-to-exit-code mapping in ``errors`` (the README's table).
"""
from __future__ import annotations

import logging

import click

from .. import __version__
from .build import build, parse, validate
from .errors import EXIT_INTERRUPTED, CommandError
from .store import load, occupations, query, skills, store_group, update
from .views import diff, serve, show


class _Group(click.Group):
    """The command group: Ctrl-C anywhere in a command (not only inside the library calls) exits
    130 with one line, as the README's table says, instead of click's "Aborted!" and 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise CommandError("interrupted; an output being written was left as it was before",
                               EXIT_INTERRUPTED) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="esco-graph")
def cli():
    """Turn occupation-profile pages into an ESCO-model RDF knowledge graph."""
    # rdflib logs a warning on stderr for each odd IRI it reads ('<a[b>'); the command says what is
    # wrong in its one error line instead (the library leaves logging to its caller)
    logging.getLogger("rdflib").setLevel(logging.ERROR)


for command in (build, parse, validate, load, query, update, skills, occupations, store_group, diff, show, serve):
    cli.add_command(command)

__all__ = ["cli"]
