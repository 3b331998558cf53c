"""IRIs: the base under which concepts with no official ESCO IRI get minted IRIs, and the minting.

The same label (or ESCO code) always gives the same IRI, in every page and every run, so two
pages about one occupation merge; every minted IRI is valid to every RDF writer.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import pyoxigraph

from .errors import OptionError
from .text import label_key, slug


class BaseIriError(OptionError):
    """The base IRI given is not an absolute IRI that minted IRIs can be made under."""


_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`\x00-\x20]')
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


def check_base_iri(base_iri: str) -> str:
    """The base IRI, ending in '/' or '#'; an error if it is not an absolute IRI."""
    if not _ABSOLUTE.match(base_iri or "") or _IRI_FORBIDDEN.search(base_iri) or base_iri.count("#") > 1:
        raise BaseIriError(f"the base IRI {base_iri!r} is not an absolute IRI (e.g. https://example.org/kg/)",
                           "--base-iri")
    base_iri = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"
    try:  # the IRIs minted under it must be valid IRIs to every RDF writer
        pyoxigraph.NamedNode(base_iri + "skill/x-0")
    except ValueError as exc:
        raise BaseIriError(f"the base IRI {base_iri!r} is not a valid IRI base ({exc})", "--base-iri") from None
    return base_iri


ESCO_IRI_BASE = "http://data.europa.eu/esco/"


def is_esco_iri(iri: str) -> bool:
    """Whether an IRI is one of ESCO's own (``http://data.europa.eu/esco/...``)."""
    return iri.startswith(ESCO_IRI_BASE)


@lru_cache(maxsize=65536)
def mint_iri(base_iri: str, kind: str, label: str) -> str:
    """A stable IRI for a concept with no official one: readable slug plus a hash of the label's identity."""
    key = label_key(label)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    readable = slug(label)
    return f"{base_iri}{kind}/{readable + '-' if readable else ''}{digest}"


__all__ = ["BaseIriError", "check_base_iri", "is_esco_iri", "mint_iri"]
