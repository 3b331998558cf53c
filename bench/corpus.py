"""Generate an ESCO-scale corpus of occupation pages, with the truth for each page.

    python bench/corpus.py --esco ../shared/esco-v1.2.0 --out bench/corpus [--copies 2] [--limit N] [--seed 0]

Every occupation of ESCO v1.2.0 (`occupations_en.csv`) becomes one page in the ESCO layout and one
page in the DestinAI layout. ESCO publishes no occupation-skill relation in these files, so each
occupation's skills are chosen here, deterministically from the seed and the occupation URI, from
`skills_en.derived.csv`: 15-60 skills, about 40% knowledge and 45% essential; of the draws, 15-35%
come from pools of labels that are hard for a label splitter (EscoData._build_hard_pools), 45% from
skills sharing a word with the occupation's label or description, the rest uniformly at random;
0-2 pairs of nested labels (Lisp / Common Lisp) are put in the same half-section.
Both layouts of one occupation carry exactly the same skills.

Output (OUT):
  esco/<slug>.txt, destinai/<slug>.txt   the pages (UTF-8, no final newline, like the real pages)
  truth.jsonl                            one line per page: {"path", "layout", "record", "iris"}
  manifest.json                          counts, seed, options, sha256 of the source files, hard cases

`record` is `esco_graph.model.Occupation.to_dict()` holding exactly what the page shows: for the
ESCO layout the label, description, codes, declared counts and every skill with type, reuse
level, description, digital marker and scope note, in page order; for the DestinAI layout the
label, description, declared counts and the skills with relation and type only, in page order.
`iris` (outside the record, because no page shows them) gives the official ESCO IRIs of the
occupation and of the record's skills, in record order, for benchmarks that reconcile.

Rendering rules beyond what the two real pages show (decided here, documented in DECISIONS):
see the module constant DECISIONS, also copied into manifest.json.

ESCO is (c) European Union, reused under Commission Decision 2011/833/EU: "This service uses the
ESCO classification of the European Commission."
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
import unicodedata
from bisect import bisect_left
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not
from esco_graph.model import ESSENTIAL, KNOWLEDGE, OPTIONAL, SKILL, DeclaredCounts, Occupation, Skill, SkillLink, Source  # noqa: E402
from esco_graph.parse.render import (  # noqa: E402
    DESTINAI_SECTIONS,
    ESCO_SECTIONS,
    clean_text,
    esco_page_order,
    render_destinai,
    render_esco,
)

GENERATOR = "esco-graph bench/corpus.py"
FORMAT_VERSION = 1

OCCUPATIONS_CSV = "occupations_en.csv"
SKILLS_CSV = "skills_en.derived.csv"
DIGITAL_CSV = "digitalSkillsCollection_en.csv"
TRANSVERSAL_CSV = "transversalSkillsCollection_en.csv"

DECISIONS = [
    "Descriptions: runs of ASCII whitespace (CSV line breaks included) collapse to one space and "
    "the ends are stripped, as a browser shows them; non-breaking spaces are kept.",
    "ESCO layout: 'Groups' = number of non-empty sections (the real page: 4 sections, 4 groups).",
    "ESCO layout: all four sections are always shown; counts read 'N competences', "
    "'1 competence', '0 competences' in section headers and buckets alike.",
    "ESCO layout: buckets in the order Occupation specific, Sector-specific, Cross-sector, "
    "Transversal; the Transversal bucket is shown only when it has items.",
    "ESCO layout: an item without description is label, blank, [digital], [Scope note, text], "
    "ESCO source.",
    "ESCO layout: items sorted by (label.casefold(), label).",
    "Both layouts: no final newline (as the real pages).",
    "DestinAI layout: summary = the description up to the first '.', '!' or '?' followed by "
    "whitespace and an upper-case letter or digit; the whole description when there is none.",
    "DestinAI layout: half-sections with no labels and sections with neither are omitted; label "
    "order within a half-section is shuffled per page (seed, page slug).",
    "Reuse level: the CSV's where given, otherwise a pseudo-random choice per skill "
    "(seed, skill URI): cross-sector 50%, sector-specific 30%, occupation-specific 20%.",
    "Scope notes: skills_en.derived.csv has none; 'CAD software' carries its real note (from the "
    "real ESCO page) and about 10% of digital/transversal skills with alt labels get a synthetic "
    "note 'Includes <up to 3 alt labels>.' (marked synthetic here; not ESCO data).",
    "--copies K: copy k>1 of an occupation is titled with one of its alt labels (not any "
    "occupation's preferred label, not used before), else '<label>, variant k'; same skills, "
    "same codes; its DestinAI order is shuffled anew.",
]

# Neighbours that are hard to split when run together (from the real DestinAI pages).
CURATED_PAIRS = (
    ("R", "JavaScript"),
    ("MOEM", "precision measuring instruments"),
    ("firmware", "CAD software"),
    ("Lisp", "Common Lisp"),
    ("Java (computer programming)", "JavaScript"),
    ("SAP R3", "ABAP"),
    ("SQL", "SQL Server"),
    ("R", "Ruby (computer programming)"),
    ("quality standards", "design drawings"),
)

# The one real scope note we have (shared/pages/esco-medical-device-engineering-technician.txt).
REAL_SCOPE_NOTES = {
    "CAD software": "CAD software should be differentiated from computer-aided design and drafting "
    "(CADD) software. CADD systems are CAD systems with additional drafting features. For "
    "example, CADD systems enable an engineer or architect to insert size annotations and other "
    "notes into a design.",
}

# ---------------------------------------------------------------- the ESCO data


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _split_alts(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"\n| \| ", text or "") if a.strip()]


def _unit(seed: int, *parts: str) -> float:
    """A stable pseudo-random number in [0, 1) for (seed, parts)."""
    digest = hashlib.blake2b("\x1f".join((str(seed),) + parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class EscoData:
    """The CSV rows the generator needs, with the derived pools."""

    STOP = frozenset(
        "and the for with from into that this their they them such other others which while "
        "also such as are use used using within when where work works working workers "
        "including include includes ensure based various different".split()
    )

    def __init__(self, esco_dir: Path, seed: int):
        self.dir = esco_dir
        self.seed = seed
        self.occupations = _read_csv(esco_dir / OCCUPATIONS_CSV)
        rows = _read_csv(esco_dir / SKILLS_CSV)
        digital_rows = _read_csv(esco_dir / DIGITAL_CSV)
        transversal_rows = _read_csv(esco_dir / TRANSVERSAL_CSV)
        digital = {r["conceptUri"]: r for r in digital_rows}
        alts = {r["conceptUri"]: _split_alts(r["altLabels"]) for r in digital_rows}
        for r in transversal_rows:
            alts.setdefault(r["conceptUri"], _split_alts(r["altLabels"]))
        self.reuse_sources = {"csv": 0, "pseudo-random": 0}
        self.synthetic_scope_notes = 0
        self.skills: list[dict] = []
        for r in rows:
            label = r["preferredLabel"].strip()
            typ = KNOWLEDGE if r["skillType"] == "knowledge" else SKILL
            uri = r["conceptUri"]
            level = r["reuseLevel"].strip()
            if level:
                self.reuse_sources["csv"] += 1
            else:
                self.reuse_sources["pseudo-random"] += 1
                u = _unit(seed, "reuse", uri)
                level = "cross-sector" if u < 0.5 else "sector-specific" if u < 0.8 else "occupation-specific"
            scope = REAL_SCOPE_NOTES.get(label)
            if scope is None and alts.get(uri) and _unit(seed, "scope", uri) < 0.10:
                scope = "Includes " + "; ".join(alts[uri][:3]) + "."
                self.synthetic_scope_notes += 1
            self.skills.append(
                {
                    "uri": uri,
                    "label": label,
                    "type": typ,
                    "reuse": level,
                    "description": clean_text(r["description"]) or None,
                    "digital": uri in digital,
                    "scope": scope,
                }
            )
        self._links: dict[tuple, SkillLink] = {}
        self.by_type = {
            t: [i for i, s in enumerate(self.skills) if s["type"] == t] for t in (KNOWLEDGE, SKILL)
        }
        self._build_hard_pools()
        self._build_word_index()

    # -- hard cases

    def _build_hard_pools(self) -> None:
        labels = [s["label"] for s in self.skills]
        index_of = {label: i for i, label in enumerate(labels)}
        fwd = sorted(labels)
        rev = sorted(label[::-1] for label in labels)
        pairs: set[tuple[int, int]] = set()
        for a in labels:
            for sorted_list, key, undo in ((fwd, a, lambda x: x), (rev, a[::-1], lambda x: x[::-1])):
                j = bisect_left(sorted_list, key)
                while j < len(sorted_list) and sorted_list[j].startswith(key):
                    other = undo(sorted_list[j])
                    if other != a:
                        pairs.add((index_of[a], index_of[other]))
                    j += 1
        self.nested_partners: dict[int, list[int]] = {}
        for a, b in sorted(pairs):
            self.nested_partners.setdefault(a, []).append(b)
        self.nested_heads = sorted(self.nested_partners)
        self.curated_pairs = [
            (index_of[a], index_of[b]) for a, b in CURATED_PAIRS if a in index_of and b in index_of
        ]
        nested = sorted({a for a, _ in pairs})

        def where(pred):
            return [i for i, label in enumerate(labels) if pred(label)]

        def all_caps(label):
            letters = [c for c in label if c.isalpha()]
            return bool(letters) and all(c.isupper() for c in letters)

        self.hard_pools = {
            # name: (weight, indices)
            "single letter": (0.1, where(lambda s: len(s) == 1)),
            "short (<= 4 chars)": (1.0, where(lambda s: len(s) <= 4)),
            "all capitals": (1.0, where(all_caps)),
            "acronym inside": (1.0, where(lambda s: bool(re.search(r"[A-Z]{2,}", s)) and not all_caps(s))),
            "ends with ')'": (1.0, where(lambda s: s.endswith(")"))),
            "digits": (1.0, where(lambda s: bool(re.search(r"\d", s)))),
            "starts upper-case": (1.0, where(lambda s: s[0].isupper())),
            "prefix/suffix of another label": (1.0, nested),
            "non-ASCII": (0.5, where(lambda s: any(ord(c) > 127 for c in s))),
            "symbols (#+./&-')": (1.0, where(lambda s: bool(re.search(r"[^\w\s()]", s)))),
        }
        self.hard_sets = {name: set(pool) for name, (_, pool) in self.hard_pools.items()}
        self.hard_by_type = {
            (name, t): [i for i in pool if self.skills[i]["type"] == t]
            for name, (_, pool) in self.hard_pools.items()
            for t in (KNOWLEDGE, SKILL)
        }
        self.hard_names = list(self.hard_pools)
        # a category's weight shrinks with its pool for that type, so that no label of a tiny pool
        # ('plan', 'sing', 'swim' are the only short skill labels) turns up on every third page
        self.hard_weights = {
            t: [self.hard_pools[h][0] * min(1.0, len(self.hard_by_type[h, t]) / 40) for h in self.hard_names]
            for t in (KNOWLEDGE, SKILL)
        }

    def link(self, relation: str, i: int, shown_only: bool = False) -> SkillLink:
        """The (shared, immutable) link to skill i: everything, or only what DestinAI shows."""
        key = (relation, i, shown_only)
        link = self._links.get(key)
        if link is None:
            s = self.skills[i]
            if shown_only:
                skill = Skill(label=s["label"], skill_type=s["type"])
            else:
                skill = Skill(
                    label=s["label"],
                    skill_type=s["type"],
                    reuse_level=s["reuse"],
                    description=s["description"],
                    scope_note=s["scope"],
                    digital=s["digital"],
                )
            link = self._links[key] = SkillLink(relation=relation, skill=skill)
        return link

    # -- related skills: shared content words

    @staticmethod
    def _words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z]{4,}", text.lower())}

    def _build_word_index(self) -> None:
        index: dict[str, list[int]] = {}
        for i, s in enumerate(self.skills):
            for w in sorted(self._words(s["label"]) - self.STOP):
                index.setdefault(w, []).append(i)
        self.word_index = {w: ids for w, ids in index.items() if len(ids) <= 400}

    def related(self, occ_row: dict) -> dict[str, list[int]]:
        """Skills sharing a content word with the occupation, by skill type."""
        words = self._words(occ_row["preferredLabel"] + " " + occ_row["description"]) - self.STOP
        found: set[int] = set()
        for w in words:
            found.update(self.word_index.get(w, ()))
        by_type: dict[str, list[int]] = {KNOWLEDGE: [], SKILL: []}
        for i in sorted(found):
            by_type[self.skills[i]["type"]].append(i)
        return by_type


# ---------------------------------------------------------------- choosing an occupation's skills


def choose_links(data: EscoData, occ_row: dict, seed: int) -> list[tuple[str, int]]:
    """(relation, skill index) pairs for one occupation, deterministic from (seed, URI)."""
    rng = random.Random(f"{seed}:skills:{occ_row['conceptUri']}")
    n = rng.randint(15, 60)
    shape = rng.random()
    k_share = 0.0 if shape < 0.02 else rng.uniform(0.28, 0.52)
    quota = {KNOWLEDGE: round(n * k_share)}
    quota[SKILL] = n - quota[KNOWLEDGE]
    chosen: list[int] = []
    seen_labels: set[str] = set()
    relation_of: dict[int, str] = {}
    essential_share = rng.uniform(0.33, 0.57)

    def take(i: int, relation: str | None = None) -> bool:
        key = data.skills[i]["label"].casefold()
        if key in seen_labels:
            return False
        seen_labels.add(key)
        chosen.append(i)
        relation_of[i] = relation or (ESSENTIAL if rng.random() < essential_share else OPTIONAL)
        quota[data.skills[i]["type"]] -= 1
        return True

    # a label and a longer label starting or ending with it, in the same half-section when the
    # types agree (Lisp / Common Lisp, R / RAGE ..., SQL / SQL Server)
    pairs = []
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        a = rng.choice(data.nested_heads)
        pairs.append((a, rng.choice(data.nested_partners[a])))
    # and now and then one of the known confusing neighbours (RJavaScript, MOEMprecision ...)
    if data.curated_pairs and rng.random() < 0.06:
        pairs.append(rng.choice(data.curated_pairs))
    for a, b in pairs:
        need = Counter((data.skills[a]["type"], data.skills[b]["type"]))
        if any(quota[t] < k for t, k in need.items()):
            continue
        relation = ESSENTIAL if rng.random() < essential_share else OPTIONAL
        if take(a, relation):
            take(b, relation)

    hard_names, hard_weights = data.hard_names, data.hard_weights
    related_by_type = data.related(occ_row)
    hard_share = rng.uniform(0.15, 0.35)
    for typ in (KNOWLEDGE, SKILL):
        attempts = 0
        while quota[typ] > 0 and attempts < 2000:
            attempts += 1
            u = rng.random()
            if u < hard_share:
                pool = data.hard_by_type[rng.choices(hard_names, hard_weights[typ])[0], typ]
            elif u < hard_share + 0.45:
                pool = related_by_type[typ]
            else:
                pool = data.by_type[typ]
            if not pool:
                continue
            take(rng.choice(pool))

    links = [(relation_of[i], i) for i in chosen]
    # sometimes leave one half-section empty (the DestinAI site then omits it)
    if shape > 0.94:
        typ = rng.choice((KNOWLEDGE, SKILL))
        rel, other = rng.choice(((ESSENTIAL, OPTIONAL), (OPTIONAL, ESSENTIAL)))
        links = [(other if (r == rel and data.skills[i]["type"] == typ) else r, i) for r, i in links]
    return links


# ---------------------------------------------------------------- building one occupation's pages


def slugify(label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")
    return slug[:90].rstrip("-") or "occupation"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def esco_record(label, occ_row, links_esco, location, sha256="") -> Occupation:
    essential = [x for x in links_esco if x.relation == ESSENTIAL]
    sections = {(r, t): len([x for x in links_esco if x.relation == r and x.skill.skill_type == t])
                for r, t, _ in ESCO_SECTIONS}
    return Occupation(
        label=label,
        source=Source(location=location, layout="esco", sha256=sha256),
        description=clean_text(occ_row["description"]) or None,
        esco_code=occ_row["code"] or None,
        isco_code=occ_row["iscoGroup"] or None,
        skills=tuple(links_esco),
        declared=DeclaredCounts(
            total=len(links_esco),
            essential=len(essential),
            optional=len(links_esco) - len(essential),
            essential_knowledge=sections[(ESSENTIAL, KNOWLEDGE)],
            essential_skill=sections[(ESSENTIAL, SKILL)],
            optional_knowledge=sections[(OPTIONAL, KNOWLEDGE)],
            optional_skill=sections[(OPTIONAL, SKILL)],
            groups=sum(1 for v in sections.values() if v),
        ),
    )


def build_pages(data: EscoData, occ_row: dict, links: list[tuple[str, int]], title: str,
                slug: str, seed: int):
    """[(relative path, page bytes, truth line dict)] for the two layouts of one occupation."""
    out = []
    full = [data.link(rel, i) for rel, i in links]
    uri_of = {data.skills[i]["label"]: data.skills[i]["uri"] for _, i in links}

    # ESCO layout
    path = f"esco/{slug}.txt"
    ordered = esco_page_order(full)
    record = esco_record(title, occ_row, ordered, path)
    page = render_esco(record).encode("utf-8")
    record = dataclasses.replace(record, source=dataclasses.replace(record.source, sha256=_sha256(page)))
    out.append((path, page, record, uri_of))

    # DestinAI layout: only what the page shows, labels shuffled within each half-section
    rng = random.Random(f"{seed}:destinai:{slug}")
    groups = []
    for typ, *_ in DESTINAI_SECTIONS:
        for rel in (ESSENTIAL, OPTIONAL):
            group = [
                data.link(rel, i, shown_only=True)
                for rel_i, i in links
                if rel_i == rel and data.skills[i]["type"] == typ
            ]
            group.sort(key=lambda x: x.skill.label)
            rng.shuffle(group)
            groups += group
    path = f"destinai/{slug}.txt"
    essential = sum(1 for x in groups if x.relation == ESSENTIAL)

    record = Occupation(
        label=title,
        source=Source(location=path, layout="destinai", sha256=""),
        description=clean_text(occ_row["description"]) or None,
        skills=tuple(groups),
        declared=DeclaredCounts(total=len(groups), essential=essential,
                                optional=len(groups) - essential),
    )
    page = render_destinai(record).encode("utf-8")
    record = dataclasses.replace(record, source=dataclasses.replace(record.source, sha256=_sha256(page)))
    out.append((path, page, record, uri_of))
    return out


def copy_titles(data: EscoData, copies: int, seed: int) -> list[list[str]]:
    """For each occupation, its `copies` titles: the preferred label, then alt labels."""
    taken = {r["preferredLabel"].strip().casefold() for r in data.occupations}
    result = []
    for row in data.occupations:
        label = row["preferredLabel"].strip()
        titles = [label]
        alts = _split_alts(row["altLabels"])
        random.Random(f"{seed}:alts:{row['conceptUri']}").shuffle(alts)
        for k in range(2, copies + 1):
            title = next((a for a in alts if a.casefold() not in taken), None)
            if title is None:
                title = f"{label}, variant {k}"
            taken.add(title.casefold())
            titles.append(title)
        result.append(titles)
    return result


# ---------------------------------------------------------------- the corpus


def generate(esco_dir: Path, out: Path, copies: int = 1, limit: int | None = None,
             seed: int = 0) -> dict:
    data = EscoData(esco_dir, seed)
    rows = data.occupations[:limit] if limit is not None else data.occupations
    titles = copy_titles(data, copies, seed)
    slugs_used: set[str] = set()

    def unique_slug(title: str) -> str:
        base = slugify(title)
        slug, k = base, 2
        while slug in slugs_used:
            slug, k = f"{base}-{k}", k + 1
        slugs_used.add(slug)
        return slug

    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "esco").mkdir(parents=True)
    (tmp / "destinai").mkdir()
    truth_lines = []
    hard_used: dict[str, dict[str, int]] = {name: {} for name in data.hard_pools}
    links_total = 0
    skills_used: set[int] = set()
    try:
        for row, occ_titles in zip(rows, titles):
            links = choose_links(data, row, seed)
            skills_used.update(i for _, i in links)
            for title in occ_titles:
                links_total += len(links)
                for _, i in links:
                    for name in data.hard_pools:
                        if i in data.hard_sets[name]:
                            label = data.skills[i]["label"]
                            hard_used[name][label] = hard_used[name].get(label, 0) + 1
                for path, page, record, uri_of in build_pages(
                    data, row, links, title, unique_slug(title), seed
                ):
                    (tmp / path).write_bytes(page)
                    if len(truth_lines) < 2 and json.dumps(record_dict(record)) != json.dumps(
                        record.to_dict()
                    ):  # guard the fast path against changes of the model
                        raise RuntimeError("record_dict() no longer equals Occupation.to_dict()")
                    truth_lines.append(
                        json.dumps(
                            {
                                "path": path,
                                "layout": record.source.layout,
                                "record": record_dict(record),
                                "iris": {
                                    "occupation": row["conceptUri"],
                                    "skills": [uri_of[x.skill.label] for x in record.skills],
                                },
                            },
                            ensure_ascii=False,
                        )
                    )
        (tmp / "truth.jsonl").write_text("\n".join(truth_lines) + "\n", encoding="utf-8")
        pages = len(truth_lines)
        manifest = {
            "generator": GENERATOR,
            "format_version": FORMAT_VERSION,
            "options": {"copies": copies, "limit": limit, "seed": seed},
            "counts": {
                "occupations": len(rows),
                "pages": pages,
                "esco_pages": pages // 2,
                "destinai_pages": pages // 2,
                "skill_links_per_layout": links_total,
                "distinct_skills": len(skills_used),
                "skills_in_csv": len(data.skills),
                "reuse_level_source_in_csv": data.reuse_sources,
                "synthetic_scope_notes_in_csv_pool": data.synthetic_scope_notes,
            },
            "sources": {
                name: _sha256_file(esco_dir / name)
                for name in (OCCUPATIONS_CSV, SKILLS_CSV, DIGITAL_CSV, TRANSVERSAL_CSV)
            },
            "hard_cases_used": {
                name: dict(sorted(used.items())) for name, used in hard_used.items()
            },
            "decisions": DECISIONS,
            "license": "ESCO is (c) European Union, reused under Commission Decision 2011/833/EU: "
            "This service uses the ESCO classification of the European Commission.",
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value):
    """dataclasses.asdict without its deep copies (every leaf here is immutable); JSON-equal."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    names = _FIELD_NAMES.get(type(value))
    if names is None and dataclasses.is_dataclass(value):
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_LINK_DICTS: dict[int, tuple[SkillLink, dict]] = {}


def record_dict(record: Occupation) -> dict:
    """`record.to_dict()`, fast: asdict's deep copies dominate the run time otherwise."""
    skills = []
    for link in record.skills:  # links are shared (EscoData.link): convert each once
        cached = _LINK_DICTS.get(id(link))
        if cached is None or cached[0] is not link:
            cached = _LINK_DICTS[id(link)] = (link, _plain(link))
        skills.append(cached[1])
    data = _plain(dataclasses.replace(record, skills=()))
    data["skills"] = skills
    return data


def _replace_dir(tmp: Path, out: Path) -> None:
    """Move the finished corpus into place; only ever replaces an earlier corpus."""
    if out.exists():
        manifest = out / "manifest.json"
        is_corpus = False
        if manifest.is_file():
            try:
                is_corpus = json.loads(manifest.read_text("utf-8")).get("generator") == GENERATOR
            except (ValueError, OSError):
                pass
        if not is_corpus and any(out.iterdir()):
            raise SystemExit(f"{out}: exists and is not a corpus made by this script; not replacing it")
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        tmp.rename(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--esco", required=True, type=Path, help="folder with the ESCO v1.2.0 CSV files")
    parser.add_argument("--out", required=True, type=Path, help="output folder (replaced if it holds a corpus)")
    parser.add_argument("--copies", type=int, default=1, help="pages per occupation and layout (default 1)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N occupations")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.copies < 1:
        parser.error("--copies must be at least 1")
    if args.limit is not None and args.limit < 0:
        parser.error("--limit must not be negative")
    for name in (OCCUPATIONS_CSV, SKILLS_CSV, DIGITAL_CSV, TRANSVERSAL_CSV):
        if not (args.esco / name).is_file():
            parser.error(f"{args.esco / name}: not found")
    start = time.perf_counter()
    manifest = generate(args.esco, args.out.resolve(), args.copies, args.limit, args.seed)
    counts = manifest["counts"]
    print(
        f"{args.out}: {counts['pages']} pages ({counts['occupations']} occupations x "
        f"{args.copies} x 2 layouts) in {time.perf_counter() - start:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
