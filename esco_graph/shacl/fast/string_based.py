"""SHACL 4.4, string-based constraint components: sh:minLength, sh:maxLength, sh:pattern, sh:languageIn, sh:uniqueLang."""
from __future__ import annotations

import re

from rdflib import BNode, Literal
from rdflib.namespace import SH

from .index import NO, UnsupportedShapesError, is_bnode
from .parameters import fail_each, int_param, literal_param, string


def min_length(cs, shape, p):
    n = int_param(cs, shape, p)
    return [(SH.MinLengthConstraintComponent, fail_each(
        lambda idx, v: n == 0 or (not is_bnode(v) and len(string(v)) >= n)))]


def max_length(cs, shape, p):
    n = int_param(cs, shape, p)
    return [(SH.MaxLengthConstraintComponent, fail_each(
        lambda idx, v: not is_bnode(v) and len(string(v)) <= n))]


def pattern(cs, shape, p):
    flags_vals = list(cs.sg.objects(shape.node, SH.flags))
    re_flags = 0
    if flags_vals:
        if len(flags_vals) > 1:
            raise UnsupportedShapesError(f"more than one sh:flags on {shape.node}")
        for f in str(flags_vals[0]).lower():
            if f == "i":
                re_flags |= re.I
            elif f == "m":
                re_flags |= re.M
            else:
                cs._refuse(f"the regular expression flag {f!r} (on {shape.node})")
    checks = []
    for pat in sorted(cs.sg.objects(shape.node, p), key=str):
        if not isinstance(pat, Literal):
            raise UnsupportedShapesError(f"sh:pattern of {shape.node} must be a literal")
        search = re.compile(str(pat), re_flags).search

        def check(idx, focus, values, search=search):
            fails = None
            for v in values:
                if type(v) is str:
                    if search(v) is not None:
                        continue
                elif not isinstance(v, BNode) and search(string(v)) is not None:
                    continue
                if fails is None:
                    fails = []
                fails.append((v, NO))
            return fails
        checks.append((SH.PatternConstraintComponent, check))
    return checks


def language_in(cs, shape, p):
    checks = []
    for lst in cs.sg.objects(shape.node, p):
        langs = set()
        for item in cs._list(lst):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise UnsupportedShapesError(f"sh:languageIn of {shape.node} must list strings")
            langs.add(str(item.value).lower())
        wildcard = "*" in langs

        def ok(idx, v, langs=langs, wildcard=wildcard):
            if type(v) is str or not isinstance(v, Literal):
                return False
            lang = v.language
            if not lang:
                return False
            if wildcard:
                return True
            lang = str(lang).lower()
            return lang in langs or lang.split("-")[0] in langs
        checks.append((SH.LanguageInConstraintComponent, fail_each(ok)))
    return checks


def unique_lang(cs, shape, p):
    if not shape.is_property:
        raise UnsupportedShapesError(f"sh:uniqueLang on node shape {shape.node}")
    if not bool(literal_param(cs, shape, p).value):
        return []

    def check(idx, focus, values):
        if len(values) < 2:
            return None
        seen = set()
        dups = set()
        for v in values:
            if type(v) is not str and isinstance(v, Literal):
                lang = v.language
                if lang:
                    lang = str(lang).lower()
                    if lang in seen:
                        dups.add(lang)
                    else:
                        seen.add(lang)
        return [(None, NO) for _ in dups]
    return [(SH.UniqueLangConstraintComponent, check)]
