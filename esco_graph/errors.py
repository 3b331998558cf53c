"""Typed errors: every failure a user can cause names the input and the reason.

The CLI turns each of these into one line on stderr (never a traceback); library users can
catch the specific class they care about.
"""
from __future__ import annotations


class EscoGraphError(Exception):
    """Base class of every error esco-graph raises on purpose."""


class InputError(EscoGraphError):
    """A page (or other input) cannot be read or is not an occupation page."""

    def __init__(self, location: str, reason: str):
        self.location = location
        self.reason = reason
        super().__init__(f"{location}: {reason}")

    def __reduce__(self):  # as it crosses from a worker process: rebuilt from both its arguments
        return type(self), (self.location, self.reason)


class DataQualityError(InputError):
    """A page was read, but what it shows contradicts what it declares (e.g. its counts)."""


class ValidationError(EscoGraphError):
    """The graph does not conform to the SHACL shapes."""

    def __init__(self, report_text: str, report_graph=None):
        self.report_text = report_text
        self.report_graph = report_graph
        super().__init__(report_text)

    def __reduce__(self):
        return type(self), (self.report_text, self.report_graph)


class OutputError(EscoGraphError):
    """An output cannot be written (missing folder, read-only, disk full, unknown format)."""


class StoreError(EscoGraphError):
    """A triple store refused or failed a load or query."""


class OptionError(EscoGraphError):
    """An argument that cannot work whatever the input: an unknown format, a malformed language
    tag or base IRI, a query of the wrong kind for the call (the command line's usage error).
    ``option`` names the command-line option it comes from, when one does."""

    def __init__(self, message: str, option: str | None = None):
        self.option = option
        super().__init__(message)

    def __reduce__(self):
        return type(self), (str(self), self.option)


class QueryError(StoreError):
    """A SPARQL query or update that is not valid SPARQL, or that the store rejected as such."""


class VocabularyError(EscoGraphError):
    """An ESCO vocabulary file cannot be read or is of no known kind."""
