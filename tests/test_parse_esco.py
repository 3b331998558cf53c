"""The ESCO layout parser on the real page and on broken variants of it."""
from __future__ import annotations

from collections import Counter

import pytest

from esco_graph import parse_page
from esco_graph.errors import DataQualityError, InputError
from esco_graph.model import ESSENTIAL, KNOWLEDGE, OPTIONAL, SKILL
from esco_graph.sources.pages import page_from_bytes


@pytest.fixture(scope="module")
def record():
    from conftest import ESCO_PAGE

    return parse_page(ESCO_PAGE)


def _page(text: str, name: str = "broken.txt"):
    return page_from_bytes(text.encode("utf-8"), name, iri="urn:test:" + name, retrieved=None)


def test_header_facts(record):
    assert record.label == "medical device engineering technician"
    assert record.esco_code == "3114.1.5"
    assert record.isco_code == "3114"
    assert record.description.startswith("Medical device engineering technicians collaborate with medical device engineers")
    assert record.description.endswith("medical equipment and facilities in hospitals.")
    assert record.source.layout == "esco"
    assert len(record.source.sha256) == 64


def test_all_79_relations_by_section(record):
    counts = Counter((link.relation, link.skill.skill_type) for link in record.skills)
    assert counts == {(ESSENTIAL, KNOWLEDGE): 10, (ESSENTIAL, SKILL): 24, (OPTIONAL, KNOWLEDGE): 16, (OPTIONAL, SKILL): 29}
    assert len({link.skill.label for link in record.skills}) == 79


def test_declared_counts(record):
    d = record.declared
    assert (d.total, d.essential, d.optional, d.groups) == (79, 34, 45, 4)
    assert (d.essential_knowledge, d.essential_skill, d.optional_knowledge, d.optional_skill) == (10, 24, 16, 29)


def test_reuse_levels_from_buckets(record):
    levels = {link.skill.label: link.skill.reuse_level for link in record.skills}
    assert levels["mechanical engineering"] == "sector-specific"
    assert levels["finish medical devices"] == "occupation-specific"
    assert levels["biomedical engineering"] == "cross-sector"
    assert Counter(levels.values()) == {"cross-sector": 72, "sector-specific": 6, "occupation-specific": 1}


def test_digital_markers_and_scope_note(record):
    digital = sorted(link.skill.label for link in record.skills if link.skill.digital)
    assert digital == sorted([
        "CAD software", "CAE software", "electronics", "firmware", "medical imaging technology",
        "perform ICT troubleshooting", "program firmware", "use CAM software",
    ])
    notes = {link.skill.label: link.skill.scope_note for link in record.skills if link.skill.scope_note}
    assert list(notes) == ["CAD software"]
    assert notes["CAD software"].startswith("CAD software should be differentiated from computer-aided design and drafting")
    cad = next(link.skill for link in record.skills if link.skill.label == "CAD software")
    assert cad.description == "The computer-aided design (CAD) software for creating, modifying, analysing or optimising a design."


def test_every_item_has_its_description(record):
    assert all(link.skill.description for link in record.skills)
    pneumatics = next(link.skill for link in record.skills if link.skill.label == "pneumatics")
    assert pneumatics.description == "The application of pressurised gas to produce mechanical motion."


def test_count_mismatch_is_a_data_quality_error(esco_page):
    text = esco_page.read_text(encoding="utf-8")
    broken = text.replace("Essential knowledge 10 competences", "Essential knowledge 11 competences")
    with pytest.raises(DataQualityError, match="declares 11 competences but lists 10"):
        parse_page(_page(broken))


def test_deleted_item_is_reported_not_dropped(esco_page):
    text = esco_page.read_text(encoding="utf-8")
    item = "pneumatics\n\nThe application of pressurised gas to produce mechanical motion.\n\nESCO source\n"
    assert item in text
    with pytest.raises(DataQualityError, match="declares 10 competences but lists 9"):
        parse_page(_page(text.replace(item, "")))


def test_truncated_page_is_reported(esco_page):
    text = esco_page.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="broken.txt"):
        parse_page(_page(text[: len(text) // 2]))


def test_transversal_bucket_is_read(esco_page):
    text = esco_page.read_text(encoding="utf-8")
    old = "Sector-specific\n\n1 competence\nmechanical engineering"
    assert old in text
    record = parse_page(_page(text.replace(old, "Transversal\n\n1 competence\nmechanical engineering")))
    levels = {link.skill.label: link.skill.reuse_level for link in record.skills}
    assert levels["mechanical engineering"] == "transversal"
