"""The IRIs of the official ESCO model (README: The RDF model), in one place."""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, XSD

ESCO = Namespace("http://data.europa.eu/esco/model#")
ISO_THES = Namespace("http://purl.org/iso25964/skos-thes#")
DCT = DCTERMS
EG = Namespace("urn:esco-graph:vocab:")  # our own few terms (page layout, sha256)
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")

ESCO_DATA = "http://data.europa.eu/esco/"
OCCUPATION_SCHEME = "http://data.europa.eu/esco/concept-scheme/occupations"
SKILL_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
ISCO_SCHEME = "http://data.europa.eu/esco/concept-scheme/isco"
DIGITAL_SCHEME = "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"
ISCO_GROUP = "http://data.europa.eu/esco/isco/C"  # + code, e.g. C3114
ISCO_NOTATION_TYPE = "http://data.europa.eu/esco/Notation/ISCO08"
SKILL_TYPE = "http://data.europa.eu/esco/skill-type/"  # + knowledge | skill
REUSE_LEVEL = "http://data.europa.eu/esco/skill-reuse-level/"  # + transversal | cross-sector | ...
MEMBER_OCCUPATION_SCHEME = "http://data.europa.eu/esco/concept-scheme/member-occupations"
MEMBER_SKILL_SCHEME = "http://data.europa.eu/esco/concept-scheme/member-skills"
#: the preferred labels of ESCO's skill types and reuse levels, as ESCO's CSV files name them
SKILL_TYPE_LABELS = {"knowledge": "knowledge", "skill": "skill/competence"}

DEFAULT_BASE_IRI = "http://example.org/esco-graph/"

PREFIXES = {
    "esco": str(ESCO),
    "skos": str(SKOS),
    "dct": str(DCT),
    "iso-thes": str(ISO_THES),
    "skosxl": str(SKOSXL),
    "xsd": str(XSD),
    "prov": str(PROV),
    "rdf": str(RDF),
    "eg": str(EG),
}

__all__ = [
    "DCT", "DEFAULT_BASE_IRI", "DIGITAL_SCHEME", "EG", "ESCO", "ESCO_DATA", "ISCO_GROUP",
    "ISCO_NOTATION_TYPE", "ISCO_SCHEME", "ISO_THES", "OCCUPATION_SCHEME", "PREFIXES", "PROV",
    "MEMBER_OCCUPATION_SCHEME", "MEMBER_SKILL_SCHEME", "RDF", "REUSE_LEVEL", "SKILL_SCHEME", "SKILL_TYPE",
    "SKILL_TYPE_LABELS", "SKOS", "SKOSXL", "XSD",
]
