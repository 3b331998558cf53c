"""The one mapping from library errors to one line on stderr and the documented exit code.

| code | meaning |
|---|---|
| 0 | success |
| 1 | a bad input (unreadable, empty, binary, not an occupation page, counts that contradict the page, a query that is not valid SPARQL); with --keep-going: some inputs failed, the others were written |
| 2 | usage error (an unknown option or format, a bad --language or --base-iri, a query of the wrong kind) |
| 3 | the graph does not conform to the SHACL shapes; nothing was written |
| 4 | an output or store could not be written (missing folder, read-only, disk full, store down) |
| 130 | interrupted (Ctrl-C) |

`diff` is the exception, as `diff` itself is: 0 the graphs are equal, 1 they differ, 2 or more trouble
(a bad input is 2 there, the other codes as above).
"""
from __future__ import annotations

import functools
import io
import os
import sys

import click

from ..errors import (
    EscoGraphError,
    OptionError,
    OutputError,
    QueryError,
    StoreError,
    ValidationError,
)

EXIT_INPUT, EXIT_USAGE, EXIT_VALIDATION, EXIT_OUTPUT, EXIT_INTERRUPTED = 1, 2, 3, 4, 130


class CommandError(click.ClickException):
    """A library error as one line on stderr, with the documented exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT):
        super().__init__(one_line_message(message))
        self.exit_code = exit_code


def one_line_message(message: str) -> str:
    """A message stays one line whatever it quotes (a file name holding a newline or a control
    character): those are shown escaped. A SHACL report (several lines on purpose) is kept."""
    head, sep, rest = message.partition("\n")
    if head.endswith("does not conform to the SHACL shapes:") and sep:
        return message
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in message)


def exit_code_of(exc: EscoGraphError) -> int:
    """The documented exit code of a library error."""
    if isinstance(exc, ValidationError):
        return EXIT_VALIDATION
    if isinstance(exc, QueryError):
        return EXIT_INPUT
    if isinstance(exc, (OutputError, StoreError)):
        return EXIT_OUTPUT
    if isinstance(exc, OptionError):
        return EXIT_USAGE
    return EXIT_INPUT


def library_errors(func):
    """Turn esco-graph's typed errors into one clear line and its exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            raise CommandError("the graph does not conform to the SHACL shapes:\n" + exc.report_text,
                               EXIT_VALIDATION) from None
        except OptionError as exc:
            message = f"{exc.option}: {exc}" if exc.option else str(exc)
            raise CommandError(message, EXIT_USAGE) from None
        except EscoGraphError as exc:
            raise CommandError(str(exc), exit_code_of(exc)) from None
        except BrokenPipeError:
            _quiet_stdout()  # the reader went away (`| head`): not an error, as for cat
            raise SystemExit(0) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted; an output being written was left as it was before",
                               EXIT_INTERRUPTED) from None

    return wrapper


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush meets no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file descriptor (a test runner's stream)


__all__ = ["CommandError", "EXIT_INPUT", "EXIT_INTERRUPTED", "EXIT_OUTPUT", "EXIT_USAGE", "EXIT_VALIDATION",
           "exit_code_of", "library_errors"]
