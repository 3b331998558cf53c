"""Reading JSON-LD files without letting them reach out: no remote or file contexts are fetched.

A JSON-LD document can name its context by IRI (`"@context": "https://..."`, `"@import"`), and
a processor would then fetch it or read a local file. esco-graph fetches only URLs the user
names, so such documents are refused with a clear error; inline contexts (as esco-graph
writes them) are read as usual.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Union

from ..errors import InputError


def _external_context(node) -> str | None:
    """The first context reference in the document that a processor would load, if any."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    for context in value if isinstance(value, list) else [value]:
                        if isinstance(context, str):
                            return context
                        if isinstance(context, dict) and "@import" in context:
                            return str(context["@import"])
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def read_local_jsonld(path: Union[str, Path]) -> str:
    """The text of a JSON-LD file whose contexts are all inline; an InputError otherwise."""
    location = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(location, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(location, f"cannot read as UTF-8 JSON: {exc}") from None
    try:
        document = json.loads(text)
        reference = _external_context(document)
    except json.JSONDecodeError as exc:
        raise InputError(location, f"not JSON: {exc}") from None
    except RecursionError:
        raise InputError(location, "JSON nested deeper than Python's parser goes (no JSON-LD document nests so deep)") from None
    if reference is not None:
        raise InputError(
            location,
            f"its JSON-LD @context refers to {reference[:200]!r}, which esco-graph does not fetch or read; inline the context",
        )
    return text
