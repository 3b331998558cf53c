"""bench/corpus.py: the ESCO-scale page corpus generator.

Checked without the project's parsers: the pages are read back here with strict line walkers
that know the generator's format, and the renderers are checked against the two real pages.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from esco_graph.parse import render

from esco_graph.model import ESSENTIAL, KNOWLEDGE, OPTIONAL, SKILL, Occupation, Skill, SkillLink, Source

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ESCO_DIR = SHARED / "esco-v1.2.0"
PAGES = SHARED / "pages"
SCRIPT = ROOT / "bench" / "corpus.py"

pytestmark = pytest.mark.skipif(
    not (ESCO_DIR / "occupations_en.csv").is_file(), reason="../shared/esco-v1.2.0 is absent"
)


def _load_corpus_module():
    spec = importlib.util.spec_from_file_location("bench_corpus", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_module()


def run(out: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--esco", str(ESCO_DIR), "--out", str(out), *args],
        check=True,
        capture_output=True,
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_truth(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "truth.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "c"
    run(out, "--limit", "20")
    return out


# ------------------------------------------------------------------ strict walkers (test only)

BUCKETS = {
    "Occupation specific": "occupation-specific",
    "Sector-specific": "sector-specific",
    "Cross-sector": "cross-sector",
    "Transversal": "transversal",
}
SECTION = re.compile(r"^(Essential|Optional) (knowledge|skills and competences) (\d+) competences?$")
COUNT = re.compile(r"^(\d+) competences?$")


def walk_esco(text: str) -> dict:
    """Everything an ESCO-layout page in the generator's format shows, asserting its shape."""
    lines = text.split("\n")
    assert lines[:3] == ["Skip to content", "ESCO occupation", ""]
    assert lines[4:7] == ["", "Back to ESCO occupations", ""]
    code_line = re.fullmatch(r"(\S+) ISCO (\d+) ESCO source", lines[9])
    assert code_line and lines[8] == ""
    assert lines[10:19:2] == ["Competences", "Groups", "Essential", "Optional", ""]
    assert lines[19:21] == ["Competences and skills", ""]
    relations = re.fullmatch(r"(\d+) ESCO relations", lines[21])
    page = {
        "label": lines[3],
        "description": lines[7],
        "esco_code": code_line[1],
        "isco_code": code_line[2],
        "competences": int(lines[11]),
        "groups": int(lines[13]),
        "essential": int(lines[15]),
        "optional": int(lines[17]),
        "relations": int(relations[1]),
        "sections": [],
        "skills": [],
    }
    i = 22
    while i < len(lines):
        m = SECTION.match(lines[i])
        assert m, (i, lines[i])
        relation = ESSENTIAL if m[1] == "Essential" else OPTIONAL
        skill_type = KNOWLEDGE if m[2] == "knowledge" else SKILL
        declared, found = int(m[3]), 0
        i += 1
        bucket_names = []
        while i < len(lines) and not SECTION.match(lines[i]):
            assert lines[i] == "" and lines[i + 2] == "", (i, lines[i : i + 3])
            bucket, level = lines[i + 1], BUCKETS[lines[i + 1]]
            bucket_names.append(bucket)
            n = int(COUNT.match(lines[i + 3])[1])
            i += 4
            if n == 0:
                assert lines[i : i + 2] == ["", "No competences in this bucket."]
                i += 2
            labels = []
            for _ in range(n):
                label = lines[i]
                assert lines[i + 1] == ""
                i += 2
                description = None
                if lines[i] not in ("digital", "Scope note", "ESCO source"):
                    description = lines[i]
                    assert lines[i + 1] == ""
                    i += 2
                digital = lines[i] == "digital"
                i += digital
                scope = None
                if lines[i] == "Scope note":
                    scope = lines[i + 1]
                    i += 2
                assert lines[i] == "ESCO source", (i, lines[i])
                i += 1
                labels.append(label)
                page["skills"].append(
                    SkillLink(relation, Skill(label, skill_type, level, description, scope, digital))
                )
            assert labels == sorted(labels, key=lambda s: (s.casefold(), s))
            found += n
        assert bucket_names[:3] == ["Occupation specific", "Sector-specific", "Cross-sector"]
        page["sections"].append((relation, skill_type, declared))
        assert found == declared
    return page


def walk_destinai(text: str) -> dict:
    lines = text.split("\n")
    assert lines[:10] == render.DESTINAI_NAV + [""] + render.DESTINAI_FOOTER + render.DESTINAI_NAV + [
        "\u2190 Back to directory"
    ]
    assert lines[10:12] == ["\u00a7 OCCUPATION \u00b7 GLOBAL STANDARDS", ""]
    assert lines[13] == lines[15] == lines[18] == lines[20] == ""
    assert lines[16:18] == ["View on Official Portal \u2197", "Description"]
    page = {"label": lines[12], "summary": lines[14], "description": lines[19], "runs": []}
    assert page["description"].startswith(page["summary"])
    i = 21
    heads = {
        "Theoretical Knowledge": (KNOWLEDGE, "ESSENTIALTheoretical knowledge required",
                                  "OPTIONALAdjacent knowledge that strengthens fit"),
        "Practical Skills": (SKILL, "ESSENTIALApplied skills & competences", "OPTIONALOptional competences"),
    }
    while lines[i] in heads:
        skill_type, head_e, head_o = heads[lines[i]]
        i += 1
        for relation, head in ((ESSENTIAL, head_e), (OPTIONAL, head_o)):
            if lines[i] == head:
                assert lines[i + 1]
                page["runs"].append((relation, skill_type, lines[i + 1]))
                i += 2
    tail = lines[i:]
    assert tail[:6] == ["", "GLOBAL RESOURCE", "", "View official definition \u2197", "", "SKILLS OVERVIEW"]
    page["total"] = int(re.fullmatch(r"(\d+) total", tail[7])[1])
    e, o = re.fullmatch(r"(\d+) essential \u00b7 (\d+) optional", tail[8]).groups()
    page["essential"], page["optional"] = int(e), int(o)
    assert tail[9:] == ["", "Data Source: Unified Global Standards (ISCED, ISCO, O*NET, ESCO)", ""] + render.DESTINAI_FOOTER
    return page


# ------------------------------------------------------------------ the renderers vs the real pages


def test_esco_renderer_reproduces_the_real_page_byte_for_byte():
    path = PAGES / "esco-medical-device-engineering-technician.txt"
    text = path.read_text("utf-8")
    page = walk_esco(text)
    record = Occupation(
        label=page["label"],
        source=Source(location=path.name, layout="esco", sha256=""),
        description=page["description"],
        esco_code=page["esco_code"],
        isco_code=page["isco_code"],
        skills=tuple(page["skills"]),
    )
    assert len(record.skills) == 79 and page["groups"] == 4
    assert render.render_esco(record) == text
    # the page order the generator uses for truth is the rendered order
    assert render.esco_page_order(list(reversed(record.skills))) == list(record.skills)


REAL_DESTINAI_RUNS = [
    (ESSENTIAL, KNOWLEDGE, ["quality standards", "design drawings", "microelectromechanical systems",
                            "microsystem test procedures", "microassembly"]),
    (OPTIONAL, KNOWLEDGE, ["precision mechanics", "MOEM", "precision measuring instruments",
                           "surface-mount technology", "automatic control system", "firmware", "CAD software"]),
    (ESSENTIAL, SKILL, ["liaise with engineers", "package microelectromechanical systems", "wear cleanroom suit",
                        "read engineering drawings", "assist scientific research", "fasten components",
                        "test microelectromechanical systems", "prepare production prototypes",
                        "inspect quality of products", "meet deadlines", "assemble microelectromechanical systems",
                        "set tolerances", "align components", "record test data", "adjust engineering designs",
                        "read assembly drawings"]),
    (OPTIONAL, SKILL, ["monitor machine operations", "operate precision measuring equipment", "use CAM software",
                       "integrate new products in manufacturing", "apply technical communication skills",
                       "operate precision machinery", "apply soldering techniques", "keep records of work progress",
                       "program firmware", "maintain microelectromechanical systems", "write technical reports",
                       "use precision tools", "resolve equipment malfunctions"]),
]


def test_destinai_renderer_reproduces_the_real_page_byte_for_byte():
    path = PAGES / "destinai-microsystem-engineering-technician.txt"
    text = path.read_text("utf-8")
    page = walk_destinai(text)
    links = tuple(
        SkillLink(relation, Skill(label, skill_type))
        for relation, skill_type, labels in REAL_DESTINAI_RUNS
        for label in labels
    )
    record = Occupation(
        label=page["label"],
        source=Source(location=path.name, layout="destinai", sha256=""),
        description=page["description"],
        skills=links,
    )
    assert [run for *_, run in page["runs"]] == ["".join(labels) for *_, labels in REAL_DESTINAI_RUNS]
    assert render.first_sentence(page["description"]) == page["summary"]
    assert render.render_destinai(record) == text


def test_destinai_renderer_omits_empty_half_sections_and_sections():
    record = Occupation(
        label="x",
        source=Source(location="x", layout="destinai", sha256=""),
        description="One. Two.",
        skills=(SkillLink(OPTIONAL, Skill("R", KNOWLEDGE)), SkillLink(OPTIONAL, Skill("Java (computer programming)", KNOWLEDGE))),
    )
    text = render.render_destinai(record)
    page = walk_destinai(text)
    assert page["runs"] == [(OPTIONAL, KNOWLEDGE, "RJava (computer programming)")]
    assert "Practical Skills" not in text and "ESSENTIAL" not in text
    assert (page["total"], page["essential"], page["optional"]) == (2, 0, 2)


def test_esco_renderer_transversal_bucket_and_singulars():
    record = Occupation(
        label="x",
        source=Source(location="x", layout="esco", sha256=""),
        description="d",
        esco_code="1.1",
        isco_code="1111",
        skills=(SkillLink(ESSENTIAL, Skill("show initiative", SKILL, "transversal", None)),),
    )
    page = walk_esco(render.render_esco(record))
    assert page["groups"] == 1
    assert page["sections"] == [(ESSENTIAL, KNOWLEDGE, 0), (ESSENTIAL, SKILL, 1), (OPTIONAL, KNOWLEDGE, 0), (OPTIONAL, SKILL, 0)]
    assert "Essential skills and competences 1 competence\n" in render.render_esco(record)
    assert page["skills"][0].skill.reuse_level == "transversal"


# ------------------------------------------------------------------ the generated corpus


def test_deterministic(small, tmp_path):
    again = tmp_path / "again"
    run(again, "--limit", "20")
    assert tree_bytes(small) == tree_bytes(again)
    other_seed = tmp_path / "seed1"
    run(other_seed, "--limit", "20", "--seed", "1")
    assert tree_bytes(other_seed)["truth.jsonl"] != tree_bytes(small)["truth.jsonl"]


def test_layout_and_truth_files(small):
    truth = read_truth(small)
    assert len(truth) == 40
    assert Counter(t["layout"] for t in truth) == {"esco": 20, "destinai": 20}
    assert sorted(p.relative_to(small).as_posix() for p in small.rglob("*.txt")) == sorted(t["path"] for t in truth)
    manifest = json.loads((small / "manifest.json").read_text("utf-8"))
    assert manifest["counts"]["pages"] == 40 and manifest["options"]["limit"] == 20
    for t in truth:
        data = (small / t["path"]).read_bytes()
        record = Occupation.from_dict(t["record"])
        assert record.source.location == t["path"]
        assert record.source.layout == t["layout"]
        assert record.source.sha256 == hashlib.sha256(data).hexdigest()
        assert not data.endswith(b"\n")
        assert 15 <= len(record.skills) <= 60
        assert len({x.skill.label.casefold() for x in record.skills}) == len(record.skills)
        assert len(t["iris"]["skills"]) == len(record.skills)


def test_esco_pages_match_truth(small):
    for t in read_truth(small):
        if t["layout"] != "esco":
            continue
        record = Occupation.from_dict(t["record"])
        page = walk_esco((small / t["path"]).read_text("utf-8"))
        d = record.declared
        assert page["label"] == record.label and page["description"] == record.description
        assert (page["esco_code"], page["isco_code"]) == (record.esco_code, record.isco_code)
        assert page["competences"] == page["relations"] == d.total == len(record.skills)
        assert page["essential"] == d.essential == len(record.links(ESSENTIAL))
        assert page["optional"] == d.optional == len(record.links(OPTIONAL))
        assert page["groups"] == d.groups == sum(1 for *_, n in page["sections"] if n)
        assert [n for *_, n in page["sections"]] == [
            d.essential_knowledge, d.essential_skill, d.optional_knowledge, d.optional_skill
        ]
        assert [(x.relation, x.skill) for x in page["skills"]] == [(x.relation, x.skill) for x in record.skills]


def test_destinai_pages_match_truth(small):
    for t in read_truth(small):
        if t["layout"] != "destinai":
            continue
        record = Occupation.from_dict(t["record"])
        page = walk_destinai((small / t["path"]).read_text("utf-8"))
        assert page["label"] == record.label and page["description"] == record.description
        assert (page["total"], page["essential"], page["optional"]) == (
            record.declared.total, record.declared.essential, record.declared.optional)
        assert page["total"] == len(record.skills)
        assert page["essential"] == len(record.links(ESSENTIAL))
        for relation, skill_type, run_text in page["runs"]:
            assert run_text == "".join(x.skill.label for x in record.links(relation, skill_type))
        assert "".join(r for *_, r in page["runs"]) == "".join(x.skill.label for x in record.skills)
        # only what the layout shows
        assert record.esco_code is None and record.isco_code is None
        for x in record.skills:
            assert x.skill == Skill(x.skill.label, x.skill.skill_type)


def test_both_layouts_carry_the_same_skills(small):
    by_label: dict[str, dict[str, set]] = {}
    for t in read_truth(small):
        record = Occupation.from_dict(t["record"])
        by_label.setdefault(record.label, {})[t["layout"]] = {
            (x.relation, x.skill.skill_type, x.skill.label) for x in record.skills
        }
    assert len(by_label) == 20
    for layouts in by_label.values():
        assert layouts["esco"] == layouts["destinai"]


def test_skill_mix_and_hard_cases(small):
    links = [x for t in read_truth(small) if t["layout"] == "esco"
             for x in Occupation.from_dict(t["record"]).skills]
    knowledge = sum(x.skill.skill_type == KNOWLEDGE for x in links) / len(links)
    essential = sum(x.relation == ESSENTIAL for x in links) / len(links)
    assert 0.3 < knowledge < 0.5 and 0.35 < essential < 0.55
    manifest = json.loads((small / "manifest.json").read_text("utf-8"))
    used = manifest["hard_cases_used"]
    assert sum(len(v) for v in used.values()) > 20
    assert used["all capitals"] and used["prefix/suffix of another label"]


def test_copies(tmp_path):
    out = tmp_path / "c2"
    run(out, "--limit", "5", "--copies", "2")
    truth = read_truth(out)
    assert len(truth) == 20
    esco = [Occupation.from_dict(t["record"]) for t in truth if t["layout"] == "esco"]
    for first, second in zip(esco[0::2], esco[1::2]):
        assert first.label != second.label
        assert first.esco_code == second.esco_code
        assert first.skills == second.skills
    assert len({t["path"] for t in truth}) == 20


def test_refuses_to_replace_a_foreign_folder(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--esco", str(ESCO_DIR), "--out", str(out), "--limit", "1"],
        capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert (out / "keep.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["precious"]
