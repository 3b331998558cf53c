#!/usr/bin/env python
"""Time SHACL validation of an ESCO-scale graph: fastshacl vs pySHACL, same shapes, same graph.

    python bench/validate_speed.py                 # ~450k triples, fastshacl and pySHACL
    python bench/validate_speed.py --no-pyshacl    # fastshacl only
    python bench/validate_speed.py --occupations 300 --runs 5

The synthetic graph follows tests/fixtures/valid-small.ttl with new IRIs and ESCO's proportions
(3,039 occupations, about 13,900 skills, about 40 skill links per occupation, both directions,
NodeLiterals for every description, ISCO groups C# .. C####). fastshacl is timed from an
iterable of rdflib triples (what the build feeds it) and from an rdflib Graph; both engines must
agree on conformance and on the set of results, on the valid graph and on a copy with a few
injected faults.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rdflib import Graph, Literal, URIRef  # noqa: E402
from rdflib.namespace import XSD  # noqa: E402

from esco_graph.shacl import fast as fastshacl  # noqa: E402
from esco_graph.namespaces import (  # noqa: E402
    DCT, DIGITAL_SCHEME, ESCO, ISCO_GROUP, ISCO_NOTATION_TYPE, ISCO_SCHEME, OCCUPATION_SCHEME,
    RDF, REUSE_LEVEL, SKILL_SCHEME, SKILL_TYPE, SKOS,
)
from esco_graph.shacl import load_shapes, report_results  # noqa: E402
from esco_graph.shacl import validate as validate_graph  # noqa: E402

BASE = "http://example.org/esco-graph/"
REUSE = ["transversal", "cross-sector", "sector-specific", "occupation-specific"]


def synthetic_triples(n_occupations: int = 3039, n_skills: int | None = None,
                      links: int = 40, seed: int = 1) -> list:
    """ESCO-model triples (rdflib terms) in the pattern of the fixture, deterministic."""
    rnd = random.Random(seed)
    n_skills = n_skills if n_skills is not None else int(n_occupations * 4.6)
    en = "en"
    lang = Literal("en", datatype=XSD.language)
    t: list = []
    add = t.append

    def node_literal(owner: str, prop: str, text: str) -> URIRef:
        n = URIRef(f"{BASE}node/{owner}/{prop}")
        add((n, RDF.type, ESCO.NodeLiteral))
        add((n, ESCO.nodeLiteral, Literal(text)))
        add((n, ESCO.language, lang))
        return n

    isco_done: set = set()

    def isco(code: str) -> URIRef:
        g = URIRef(ISCO_GROUP + code)
        if code not in isco_done:
            isco_done.add(code)
            add((g, RDF.type, SKOS.Concept))
            add((g, SKOS.inScheme, URIRef(ISCO_SCHEME)))
            add((g, SKOS.prefLabel, Literal(f"ISCO group {code}", lang=en)))
            add((g, SKOS.notation, Literal(code)))
            add((g, SKOS.notation, Literal(code, datatype=URIRef(ISCO_NOTATION_TYPE))))
            if len(code) > 1:
                add((g, SKOS.broader, isco(code[:-1])))
        return g

    skills = [URIRef(f"{BASE}skill/s{i:05d}") for i in range(n_skills)]
    for i, s in enumerate(skills):
        add((s, RDF.type, SKOS.Concept))
        add((s, RDF.type, ESCO.MemberConcept))
        add((s, RDF.type, ESCO.Skill))
        add((s, SKOS.inScheme, URIRef(SKILL_SCHEME)))
        if i % 11 == 0:
            add((s, SKOS.inScheme, URIRef(DIGITAL_SCHEME)))
        add((s, SKOS.prefLabel, Literal(f"skill number {i}", lang=en)))
        add((s, ESCO.skillType, URIRef(SKILL_TYPE + ("knowledge" if i % 3 == 0 else "skill"))))
        if i % 7:
            add((s, ESCO.skillReuseLevel, URIRef(REUSE_LEVEL + REUSE[i % 4])))
        add((s, DCT.description, node_literal(f"skill/s{i:05d}", "description",
                                                f"What skill number {i} is about, in a sentence.")))
        if i % 50 == 0:
            add((s, SKOS.scopeNote, node_literal(f"skill/s{i:05d}", "scope-note",
                                                   f"Scope of skill {i}.")))
    for j in range(n_occupations):
        o = URIRef(f"{BASE}occupation/o{j:05d}")
        add((o, RDF.type, SKOS.Concept))
        add((o, RDF.type, ESCO.MemberConcept))
        add((o, RDF.type, ESCO.Occupation))
        add((o, SKOS.inScheme, URIRef(OCCUPATION_SCHEME)))
        add((o, SKOS.prefLabel, Literal(f"occupation number {j}", lang=en)))
        add((o, SKOS.altLabel, Literal(f"occupation {j} alias", lang=en)))
        add((o, DCT.description, node_literal(f"occupation/o{j:05d}", "description",
                                                f"Occupation {j} does things for a living.")))
        if j % 2 == 0:  # ESCO layout: code and ISCO group
            unit = f"{1 + j % 9}{j % 10}{(j // 10) % 10}{(j // 100) % 10}"
            add((o, SKOS.notation, Literal(f"{unit}.{1 + j % 5}")))
            g = isco(unit)
            add((o, ESCO.memberOfISCOGroup, g))
            add((o, SKOS.broader, g))
            for k in range(4, 0, -1):
                add((o, SKOS.broaderTransitive, URIRef(ISCO_GROUP + unit[:k])))
        for k, s in enumerate(rnd.sample(skills, links)):
            if k % 2:
                add((o, ESCO.relatedOptionalSkill, s))
                add((s, ESCO.isOptionalSkillFor, o))
            else:
                add((o, ESCO.relatedEssentialSkill, s))
                add((s, ESCO.isEssentialSkillFor, o))
    return t


def inject_faults(triples: list) -> list:
    """A copy with a few faults of different kinds."""
    out = list(triples)
    occ = URIRef(f"{BASE}occupation/o00003")
    skill = URIRef(f"{BASE}skill/s00004")
    out = [t for t in out if not (t[0] == occ and t[1] == SKOS.prefLabel)]
    out = [t for t in out if not (t[0] == skill and t[1] == ESCO.skillType)]
    out.append((URIRef(f"{BASE}skill/s00005"), ESCO.skillReuseLevel, URIRef(REUSE_LEVEL + "nonsense")))
    out.append((occ, ESCO.relatedEssentialSkill, URIRef(f"{BASE}occupation/o00004")))
    out.append((occ, DCT.description, Literal("a plain literal")))
    return out


def _keys(report_graph) -> set:
    return {(r["focus"], r["path_text"], r["component"], r["shape"], r["value"])
            for r in report_results(report_graph)}


def _time(fn, runs: int):
    """Median wall time, median CPU time of this process, last result."""
    walls, cpus = [], []
    result = None
    for _ in range(runs):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--occupations", type=int, default=3039)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-pyshacl", action="store_true", help="skip pySHACL (it takes minutes)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    triples = synthetic_triples(args.occupations)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = Graph()
    for t in triples:
        graph.add(t)
    t_graph = time.perf_counter() - t0
    shapes = load_shapes()
    t0 = time.perf_counter()
    cs = fastshacl.compile_shapes(shapes)
    t_compile = time.perf_counter() - t0
    print(f"graph: {len(graph):,} triples (generated {t_gen:.2f} s, rdflib Graph built {t_graph:.2f} s); "
          f"{len(cs.shapes)} shapes compiled in {t_compile * 1000:.0f} ms")

    def fast_from_triples():
        return fastshacl.validate(triples, shapes)

    def fast_from_graph():
        return fastshacl.validate(graph, shapes)

    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
          f"medians of {args.runs} runs, wall (CPU)")
    med, cpu, (conforms_f, report_f, _) = _time(fast_from_triples, args.runs)
    print(f"fastshacl, from triples : {med:6.2f} s ({cpu:.2f} s)  conforms={conforms_f}")
    med_i, cpu_i, idx = _time(lambda: fastshacl.index(triples), args.runs)
    med_r, cpu_r, _ = _time(lambda: cs.run(idx), args.runs)
    print(f"   index                : {med_i:6.2f} s ({cpu_i:.2f} s)")
    print(f"   checks               : {med_r:6.2f} s ({cpu_r:.2f} s)")
    med_g, cpu_g, _ = _time(fast_from_graph, args.runs)
    print(f"fastshacl, from Graph   : {med_g:6.2f} s ({cpu_g:.2f} s)")

    faulty = inject_faults(triples)
    c_bad, r_bad, text_bad = fastshacl.validate(faulty, shapes)
    print(f"faulty copy: fastshacl conforms={c_bad}, {len(text_bad.splitlines())} results")

    if not args.no_pyshacl:
        t0, c0 = time.perf_counter(), time.process_time()
        conforms_p, report_p, _ = validate_graph(graph, shapes, engine="pyshacl")
        t_py, c_py = time.perf_counter() - t0, time.process_time() - c0
        print(f"pySHACL (1 run)         : {t_py:6.2f} s ({c_py:.2f} s)  conforms={conforms_p}  "
              f"-> fastshacl from triples is {t_py / med:.0f}x faster")
        agree = conforms_p == conforms_f and _keys(report_p) == _keys(report_f)
        print(f"agree on the valid graph: {agree}")
        g_bad = Graph()
        for t in faulty:
            g_bad.add(t)
        t0 = time.perf_counter()
        cp_bad, rp_bad, _ = validate_graph(g_bad, shapes, engine="pyshacl")
        print(f"pySHACL on the faulty copy: {time.perf_counter() - t0:.2f} s; "
              f"agree: {cp_bad == c_bad and _keys(rp_bad) == _keys(r_bad)}")
        if not agree:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
