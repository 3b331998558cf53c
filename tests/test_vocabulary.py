"""The ESCO vocabulary: CSV files recognised by header, folders, zips, RDF dumps, lookups."""
from __future__ import annotations

import gzip
import pickle
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from esco_graph.errors import VocabularyError
from esco_graph.vocabulary import Concept, Vocabulary, normalize_label

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "vocab"
CSV = FIXTURES / "csv"
RDF = FIXTURES / "rdf"
SHARED_ESCO = Path(__file__).resolve().parents[1].parent / "shared" / "esco-v1.2.0"

E = "http://data.europa.eu/esco/"
CAD = E + "skill/a2b5dcf3-5b6a-453d-876c-cff540c0faf1"
SHOW_INITIATIVE = E + "skill/001115fb-569f-4ee6-8381-c6807ef2527f"
BLOCKCHAIN = E + "skill/afa14e38-5973-4cce-a077-f796c1ced2cc"
BLOCKCHAIN_COMPONENTS = E + "skill/14062e1c-6540-4cb6-b343-ad419e3d10ac"
MEDICAL_DEVICE = E + "occupation/30641348-f9f2-4fe5-ab8c-fe6ff9931a54"
ELECTRONICS = E + "occupation/27811419-407f-4868-a388-2f7df7aafd91"
ART_ADMINISTRATOR = E + "occupation/0bce6d52-a45e-4826-91ea-68976f1b9d1c"
DIGITAL_SCHEME = E + "concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"


def kinds_read(vocabulary: Vocabulary) -> dict[str, str]:
    return {Path(f["file"].split("!")[-1]).name: f["kind"] for f in vocabulary.stats["files_read"]}


# ---- each CSV kind, recognised by its header (the fixture names are not ESCO's) ----------


def test_occupations_csv():
    v = Vocabulary.load([CSV / "jobs-export.csv"])
    assert kinds_read(v) == {"jobs-export.csv": "ESCO occupations"}
    c = v.occupation_by_code("3114.1.5")
    assert c.iri == MEDICAL_DEVICE and c.kind == "occupation"
    assert c.label == "medical device engineering technician"
    assert c.isco_code == "3114"
    assert "BMET" in c.alt_labels and "biomedical equipment technician" in c.alt_labels
    assert c.description.startswith("Medical device engineering technicians collaborate")
    # no broader-relations file: the parent code's occupation, else the ISCO unit group
    assert c.broader == (ELECTRONICS,)
    assert v.occupation_by_code("3114.1").broader == (E + "isco/C3114",)
    assert len(v) == 5 and v.stats["counts"]["occupation"] == 5


def test_isco_groups_csv():
    v = Vocabulary.load([CSV / "groups-a.csv"])
    group = v.isco_group("3114")
    assert group.kind == "isco-group" and group.iri == E + "isco/C3114"
    assert group.label == "Electronics engineering technicians" and group.code == "3114"
    assert group.broader == (E + "isco/C311",)
    assert v.isco_group("C3114") is group and v.isco_group(E + "isco/C3114") is group
    assert v.isco_group("3").broader == ()
    assert v.isco_group("9999") is None


def test_official_skills_csv():
    v = Vocabulary.load([CSV / "kompetenzen.csv"])
    assert kinds_read(v) == {"kompetenzen.csv": "ESCO skills"}
    cad = v.skill("CAD software")
    assert cad.iri == CAD and cad.kind == "skill"
    assert cad.skill_type == "knowledge" and cad.reuse_level == "cross-sector"
    # newline-separated alt labels; the one equal to the preferred label is not repeated
    assert cad.alt_labels == ("CADD software", "computer assisted design",
                              "software computer assisted design and drafting software")
    assert v.skill("manage musical staff").skill_type == "skill"  # 'skill/competence'
    # the official file's inScheme names the digital collection
    assert v.skill("Common Lisp").digital is True
    assert v.skill("Lisp").digital is False


def test_derived_skills_csv_and_an_iri_given_twice():
    v = Vocabulary.load([CSV / "more-skills.csv"])
    assert kinds_read(v) == {"more-skills.csv": "ESCO skills"}
    assert v.stats["files_read"][0]["records"] == 3  # rows
    assert v.stats["counts"]["skill"] == 2  # concepts
    c = v.skill("interpret circuit diagrams")
    assert c is v.skill("circuit diagrams")
    assert c.label == "circuit diagrams" and c.alt_labels == ("interpret circuit diagrams",)
    assert c.skill_type == "knowledge"  # the type of the row whose label was kept
    assert any("several preferred labels" in note for note in v.stats["notes"])


def test_digital_collection_csv():
    v = Vocabulary.load([CSV / "dc.csv"])
    assert kinds_read(v) == {"dc.csv": "the ESCO digital skill collection"}
    r = v.skill("R")
    assert r.digital and r.skill_type == "knowledge" and r.reuse_level == "sector-specific"
    # ' | '-separated alt labels
    assert v.skill("Server-side JavaScript").label == "JavaScript"
    assert any("column order" in note for note in v.stats["notes"])


def test_transversal_collection_csv():
    v = Vocabulary.load([CSV / "tc.csv"])
    assert kinds_read(v) == {"tc.csv": "the ESCO transversal skill collection"}
    c = v.skill("show initiative")
    assert c.reuse_level == "transversal" and c.skill_type == "skill" and not c.digital
    assert v.skill("be a driving force") is c


def test_collection_named_by_its_file_name(tmp_path):
    # the digital collection's column order, but a name that says 'green': not digital
    green = tmp_path / "greenSkillsCollection_en.csv"
    shutil.copy(CSV / "dc.csv", green)
    v = Vocabulary.load([green])
    assert kinds_read(v) == {green.name: "the ESCO green skill collection"}
    assert not v.skill("R").digital


def test_broader_relations_csv():
    v = Vocabulary.load([CSV / "jobs-export.csv", CSV / "relations-occ.csv"])
    assert kinds_read(v)["relations-occ.csv"] == "ESCO occupation-pillar broader relations"
    art = v.by_iri(ART_ADMINISTRATOR)
    assert art.code == "2654.6"
    assert art.broader == (E + "isco/C2654", E + "occupation/cb93fd23-1f51-4495-867a-936c1967066b")
    assert v.occupation_by_code("3114.1.5").broader == (ELECTRONICS,)


def test_known_esco_csvs_not_indexed_are_skipped_with_a_note():
    v = Vocabulary.load([CSV / "sg.csv", CSV / "hier.csv", CSV / "osr.csv", CSV / "tc.csv"])
    skipped = {Path(s["file"]).name: s["reason"] for s in v.stats["files_skipped"]}
    assert skipped == {"osr.csv": "ESCO occupation-skill relations: not indexed"}
    assert v.stats["counts"]["skill"] == 1


def test_skill_groups_and_the_skills_hierarchy_are_read():
    """Issue 11: skill groups (with their schemes, status, dates) and the hierarchy's broader links."""
    v = Vocabulary.load([CSV / "sg.csv", CSV / "hier.csv"])
    read = {Path(f["file"]).name: (f["kind"], f["records"]) for f in v.stats["files_read"]}
    assert read == {"sg.csv": ("ESCO skill groups", 3), "hier.csv": ("the ESCO skills hierarchy", 3)}
    group = v.by_iri("http://data.europa.eu/esco/isced-f/000")
    assert group.kind == "skill-group" and group.status == "released" and group.code == "000"
    assert group.modified == "2023-07-13T15:16:44.968Z"
    assert set(group.schemes) == {"http://data.europa.eu/esco/concept-scheme/skills",
                                  "http://data.europa.eu/esco/concept-scheme/skills-hierarchy",
                                  "http://data.europa.eu/esco/concept-scheme/isced-f"}
    languages = v.by_iri("http://data.europa.eu/esco/skill/43f425aa-f45d-4bb4-a200-6f82fa211b66")
    assert languages.kind == "skill-group" and languages.label == "languages" and languages.code == "L1"
    assert languages.broader == ("http://data.europa.eu/esco/skill/e35a5936-091d-4e87-bafe-f264e55bd656",)
    assert languages.description.startswith("Ability to communicate")
    classical = v.by_iri("http://data.europa.eu/esco/skill/e434e71a-f068-44ed-8059-d1af9eb592d7")
    assert classical.scope_note.startswith("Excludes:")
    root = v.by_iri("http://data.europa.eu/esco/skill/e35a5936-091d-4e87-bafe-f264e55bd656")
    assert root.broader == () and root.code == "L"


# ---- merging ----------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, -1])
def test_digital_and_transversal_merge_whatever_the_file_order(order):
    files = [CSV / "kompetenzen.csv", CSV / "dc.csv", CSV / "tc.csv"][::order]
    v = Vocabulary.load(files)
    cad = v.skill("CAD software")
    assert cad.digital and cad.skill_type == "knowledge" and cad.reuse_level == "cross-sector"
    assert cad.description.startswith("The computer-aided design (CAD) software")
    js = v.skill("JavaScript")
    assert js.digital and "Mocha" in js.alt_labels
    # the reuse level the main file lacks comes from the transversal collection
    initiative = v.skill("show initiative")
    assert initiative.iri == SHOW_INITIATIVE and initiative.reuse_level == "transversal"
    assert "give impetus" in initiative.alt_labels
    assert not v.skill("Lisp").digital and not v.skill("Java (computer programming)").digital
    assert v.stats["digital_skills"] == 8
    assert len(v) == 12


# ---- lookups ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_vocab() -> Vocabulary:
    return Vocabulary.load([CSV])


def test_folder_reads_every_kind(fixture_vocab):
    v = fixture_vocab
    assert set(kinds_read(v)) == {"dc.csv", "groups-a.csv", "jobs-export.csv", "kompetenzen.csv",
                                  "more-skills.csv", "relations-occ.csv", "tc.csv", "sg.csv", "hier.csv"}
    assert v.stats["counts"] == {"occupation": 5, "skill": 14, "isco-group": 5, "skill-group": 6}
    assert len(v) == 30
    assert v.stats["load_seconds"] >= 0


def test_zip_reads_like_the_folder(fixture_vocab):
    v = Vocabulary.load([FIXTURES / "esco-csv.zip"])
    assert sorted(v, key=lambda c: c.iri) == sorted(fixture_vocab, key=lambda c: c.iri)
    assert all("esco-csv.zip!" in f["file"] for f in v.stats["files_read"])
    assert len(v.stats["files_skipped"]) == 1


def test_zip_with_any_name_and_in_a_folder(tmp_path):
    odd = tmp_path / "download.bin"
    shutil.copy(FIXTURES / "esco-csv.zip", odd)
    assert len(Vocabulary.load([odd])) == 30
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(FIXTURES / "esco-csv.zip", folder / "esco.zip")
    (folder / "README.txt").write_text("notes", encoding="utf-8")
    v = Vocabulary.load([folder])
    assert len(v) == 30
    assert {"file": str(folder / "README.txt"), "reason": "not a CSV or RDF file"} in v.stats["files_skipped"]


def test_alt_labels_and_pref_beats_alt(fixture_vocab):
    v = fixture_vocab
    assert v.skill("Java").label == "Java (computer programming)"
    assert v.skill("Haskell") is None
    # 'blockchain' is one skill's preferred label and another's alternative one
    assert v.skill("blockchain").iri == BLOCKCHAIN
    assert v.skill("blockchain concepts").iri == BLOCKCHAIN_COMPONENTS
    assert [c.iri for c in v.skills_by_label("blockchain")] == [BLOCKCHAIN, BLOCKCHAIN_COMPONENTS]
    # 'OCR' is an alternative label of two skills: the lowest IRI, every time
    ocr = v.skills_by_label("OCR")
    assert len(ocr) == 2 and v.skill("OCR") is ocr[0]
    assert ocr[0].iri < ocr[1].iri
    assert v.ambiguous_labels("skill")["ocr"] == tuple(c.iri for c in ocr)
    assert v.stats["labels"]["skill"] == {
        "preferred_shared": 0, "alternative_shared": 1, "alternative_shadowed": 1,
    }
    assert v.occupation_by_label("BMET").iri == MEDICAL_DEVICE
    assert v.occupation_by_label("Medical Device Engineering Technician").iri == MEDICAL_DEVICE


def test_hard_labels_are_distinct(fixture_vocab):
    v = fixture_vocab
    labels = ["R", "JavaScript", "Java (computer programming)", "Lisp", "Common Lisp"]
    iris = {v.skill(label).iri for label in labels}
    assert len(iris) == len(labels)
    assert v.skill("r").label == "R"


def test_case_and_whitespace_insensitive(fixture_vocab):
    v = fixture_vocab
    cad = v.skill("CAD software")
    for spelling in ["cad software", "  CAD   SOFTWARE ", "CAD\u00a0software", "CAD\u200b software",
                     "CAD\tsoftware\n", "ＣＡＤ software"]:
        assert v.skill(spelling) is cad, spelling
    assert v.skill("CADsoftware") is None
    # labels are stored without surrounding space or invisible characters
    lisp = v.skill("lisp 1.5")
    assert lisp.label == "Lisp" and lisp.alt_labels[0] == "LISP\u00a01.5"


def test_codes_and_parent_occupation(fixture_vocab):
    v = fixture_vocab
    assert v.parent_occupation("3114.1.5").iri == ELECTRONICS
    assert v.parent_occupation(" 3114.1.8 ").iri == ELECTRONICS
    assert v.parent_occupation("3114.1") is None  # its parent is the ISCO group
    assert v.parent_occupation("3114") is None
    assert v.parent_occupation("9999.9.9") is None
    assert v.occupation_by_code("0000.0") is None
    assert v.by_iri(MEDICAL_DEVICE).code == "3114.1.5"
    assert v.by_iri("http://example.org/nothing") is None
    assert MEDICAL_DEVICE in v


def test_skill_labels_feed_every_pref_and_alt_label(fixture_vocab):
    labels = list(fixture_vocab.skill_labels())
    assert ("CAD software", "knowledge") in labels
    assert ("CADD software", "knowledge") in labels  # alternative
    assert ("show initiative", "skill") in labels
    assert ("interpret circuit diagrams", "knowledge") in labels
    assert len(labels) == len(set(labels))
    assert labels == list(fixture_vocab.skill_labels())  # deterministic


def test_concepts_are_frozen_and_iterable(fixture_vocab):
    cad = fixture_vocab.skill("CAD software")
    with pytest.raises(Exception):
        cad.label = "x"  # type: ignore[misc]
    assert cad.labels[0] == "CAD software"
    assert [c.kind for c in fixture_vocab.isco_groups()] == ["isco-group"] * 5
    assert len(list(fixture_vocab.occupations())) == 5 and len(list(fixture_vocab.skills())) == 14


def test_pickles_for_worker_processes(fixture_vocab):
    copy = pickle.loads(pickle.dumps(fixture_vocab))
    assert copy.skill("cad software") == fixture_vocab.skill("CAD software")
    assert copy.stats == fixture_vocab.stats


def test_from_concepts():
    v = Vocabulary.from_concepts([
        Concept(iri="urn:s1", kind="skill", label="Python (computer programming)", alt_labels=("Python",),
                skill_type="knowledge"),
        Concept(iri="urn:o1", kind="occupation", label="software developer", code="2512.4", isco_code="2512"),
        Concept(iri="urn:o0", kind="occupation", label="software and applications developer", code="2512"),
    ])
    assert v.skill("python").iri == "urn:s1"
    assert v.occupation_by_code("2512.4").label == "software developer"
    assert v.stats["counts"] == {"occupation": 2, "skill": 1, "isco-group": 0, "skill-group": 0}


# ---- RDF dumps --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["esco-sample.ttl", "esco-sample.nt"])
def test_rdf_dump(name):
    v = Vocabulary.load([RDF / name])
    assert v.stats["files_read"] == [{"file": str(RDF / name), "kind": "ESCO RDF", "records": 6}]
    assert v.stats["counts"] == {"occupation": 2, "skill": 3, "isco-group": 1, "skill-group": 0}
    occ = v.occupation_by_code("3114.1.5")
    assert occ.iri == MEDICAL_DEVICE and occ.label == "medical device engineering technician"
    assert occ.alt_labels == ("biomedical equipment technician", "BMET")
    assert occ.isco_code == "3114" and occ.broader == (ELECTRONICS,)
    assert occ.description == "Medical device engineering technicians collaborate with medical device engineers."
    assert v.parent_occupation("3114.1.5").iri == ELECTRONICS
    group = v.isco_group("3114")
    assert group.label == "Electronics engineering technicians" and group.broader == (E + "isco/C311",)
    cad = v.skill("computer assisted design")
    assert cad.iri == CAD and cad.skill_type == "knowledge" and cad.reuse_level == "cross-sector"
    assert cad.digital and cad.description.startswith("The computer-aided design (CAD) software")
    initiative = v.skill("Show Initiative")
    assert initiative.skill_type == "skill" and initiative.reuse_level == "transversal"
    assert initiative.description.startswith("Be proactive")  # a blank-node NodeLiteral
    assert not initiative.digital and v.skill("R").digital
    # the skill group and the obsolete skill are left out
    assert v.skill("computer programming") is None
    assert v.skill("operate obsolete machinery") is None


def test_rdf_language_option():
    v = Vocabulary.load([RDF / "esco-sample.ttl"], language="de")
    occ = v.occupation_by_code("3114.1.5")
    assert occ.label == "Medizingerätetechniker/Medizingerätetechnikerin"
    assert occ.alt_labels == ("Medizintechniker",)
    assert occ.description == "Medizingerätetechniker arbeiten mit Medizingeräteingenieuren zusammen."
    assert v.skill("cad-software").iri == CAD
    assert v.skill("R") is None  # no German label
    assert v.stats["language"] == "de"


def test_rdf_in_any_order_gzipped_zipped_and_without_extension(tmp_path):
    lines = [line for line in (RDF / "esco-sample.nt").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    random.Random(7).shuffle(lines)
    expected = sorted(Vocabulary.load([RDF / "esco-sample.ttl"]), key=lambda c: c.iri)
    shuffled = tmp_path / "shuffled.nt"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert sorted(Vocabulary.load([shuffled]), key=lambda c: c.iri) == expected
    packed = tmp_path / "esco.nt.gz"
    packed.write_bytes(gzip.compress(shuffled.read_bytes()))
    assert sorted(Vocabulary.load([packed]), key=lambda c: c.iri) == expected
    archive = tmp_path / "rdf.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(RDF / "esco-sample.ttl", "esco_v1.2.0.ttl")
    assert sorted(Vocabulary.load([archive]), key=lambda c: c.iri) == expected
    no_extension = tmp_path / "dump"
    shutil.copy(RDF / "esco-sample.ttl", no_extension)
    assert sorted(Vocabulary.load([no_extension]), key=lambda c: c.iri) == expected


def test_rdf_and_csv_merge():
    v = Vocabulary.load([RDF / "esco-sample.ttl", CSV / "kompetenzen.csv", CSV / "dc.csv"])
    cad = v.skill("CAD software")
    assert cad.digital and cad.reuse_level == "cross-sector"
    assert "software computer assisted design and drafting software" in cad.alt_labels
    assert v.stats["counts"]["skill"] == 12


# ---- errors -----------------------------------------------------------------------------


def test_png_is_refused():
    with pytest.raises(VocabularyError, match=r"pixel\.png: a binary file"):
        Vocabulary.load([FIXTURES / "bad" / "pixel.png"])


def test_unrelated_csv_is_refused():
    with pytest.raises(VocabularyError, match=r"unrelated\.csv: not an ESCO vocabulary file: its header \(id, name, price\)"):
        Vocabulary.load([FIXTURES / "bad" / "unrelated.csv"])


def test_unrelated_csv_in_a_folder_is_refused(tmp_path):
    shutil.copy(CSV / "tc.csv", tmp_path)
    shutil.copy(FIXTURES / "bad" / "unrelated.csv", tmp_path)
    with pytest.raises(VocabularyError, match="unrelated.csv"):
        Vocabulary.load([tmp_path])


def test_a_png_in_a_folder_is_skipped(tmp_path):
    shutil.copy(CSV / "tc.csv", tmp_path)
    shutil.copy(FIXTURES / "bad" / "pixel.png", tmp_path)
    v = Vocabulary.load([tmp_path])
    assert v.stats["counts"]["skill"] == 1
    assert v.stats["files_skipped"] == [{"file": str(tmp_path / "pixel.png"), "reason": "not a CSV or RDF file"}]


def test_missing_path_empty_folder_and_broken_files(tmp_path):
    with pytest.raises(VocabularyError, match="no such file or folder"):
        Vocabulary.load([tmp_path / "nope"])
    with pytest.raises(VocabularyError, match="no ESCO vocabulary file found"):
        Vocabulary.load([tmp_path])
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<a> skos:prefLabel .\n")
    with pytest.raises(VocabularyError, match=r"broken\.ttl: not valid Turtle"):
        Vocabulary.load([broken])
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((CSV / "tc.csv").read_text(encoding="utf-8").replace("show", "sh\u00f6w").encode("latin-1"))
    with pytest.raises(VocabularyError, match=r"latin1\.csv: not UTF-8 text"):
        Vocabulary.load([latin1])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(VocabularyError, match=r"empty\.csv: empty"):
        Vocabulary.load([empty])
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(VocabularyError, match="bad.zip"):
        Vocabulary.load([bad_zip])


# ---- normalize_label --------------------------------------------------------------------


def test_normalize_label_examples():
    assert normalize_label("  CAD\u00a0Software ") == "cad software"
    assert normalize_label("CAD\u200bsoftware") == "cadsoftware"
    assert normalize_label("manage\n  staff\t") == "manage staff"
    assert normalize_label("Chef\u2019s knife") == normalize_label("chef's knife")
    assert normalize_label("co\u2010operate") == "co-operate"
    assert normalize_label("Straße") == normalize_label("STRASSE")
    assert normalize_label("") == ""


@given(st.text())
def test_normalize_label_is_idempotent_and_case_blind(text):
    key = normalize_label(text)
    assert normalize_label(key) == key
    assert key == key.strip() and "  " not in key
    assert normalize_label(text.upper()) == normalize_label(text.lower()) or not text.isascii()


# ---- the real ESCO v1.2.0 download (../shared), when present -----------------------------


@pytest.fixture(scope="module")
def esco() -> Vocabulary:
    if not SHARED_ESCO.is_dir():
        pytest.skip("../shared/esco-v1.2.0 is absent")
    return Vocabulary.load([SHARED_ESCO])


def test_esco_counts(esco):
    assert esco.stats["counts"] == {"occupation": 3039, "skill": 13424, "isco-group": 619, "skill-group": 640}
    rows = {Path(f["file"]).name: f["records"] for f in esco.stats["files_read"]}
    assert rows["skills_en.derived.csv"] == 13434  # 10 IRIs appear twice, with two labels
    assert rows["occupations_en.csv"] == 3039 and rows["ISCOGroups_en.csv"] == 619
    assert esco.stats["digital_skills"] == 1284
    assert len(esco) == 3039 + 13424 + 619 + 640
    skipped = {Path(s["file"]).name for s in esco.stats["files_skipped"]}
    assert skipped == set()


def test_esco_occupations(esco):
    occ = esco.occupation_by_code("3114.1.5")
    assert occ.label == "medical device engineering technician" and occ.iri == MEDICAL_DEVICE
    assert occ.isco_code == "3114" and occ.broader == (ELECTRONICS,)
    assert esco.parent_occupation("3114.1.5").label == "electronics engineering technician"
    assert esco.occupation_by_label("BMET") is occ
    assert esco.occupation_by_label("microsystem engineering technician").code == "3114.1.8"
    art = esco.by_iri(ART_ADMINISTRATOR)
    assert art.code == "2654.6" and len(art.broader) == 2
    # the trailing space of ESCO's 'cloud DevOps engineer ' is not kept
    assert esco.occupation_by_code("2512.7").label == "cloud DevOps engineer"


def test_esco_isco_groups(esco):
    group = esco.isco_group("3114")
    assert group.label == "Electronics engineering technicians" and group.broader == (E + "isco/C311",)
    assert esco.isco_group("0").label == "Armed forces occupations"


def test_esco_skills(esco):
    cad = esco.skill("CAD software")
    assert cad.iri == CAD and cad.skill_type == "knowledge" and cad.digital
    assert cad.reuse_level == "cross-sector"
    assert esco.skill("computer assisted design") is cad
    # 'CADD software' is CAD software's alternative label and another skill's preferred one
    assert [c.label for c in esco.skills_by_label("cadd software")] == ["CADD software", "CAD software"]
    initiative = esco.skill("show initiative")
    assert initiative.reuse_level == "transversal" and initiative.skill_type == "skill"
    assert esco.skill("manage musical staff").skill_type == "skill"
    assert esco.skill("Haskell techniques").label == "Haskell"
    assert esco.skill("blockchain").iri == BLOCKCHAIN
    labels = ["R", "JavaScript", "Java (computer programming)", "Lisp", "Common Lisp", "ABAP", "MOEM", "SAP R3"]
    found = [esco.skill(label) for label in labels]
    assert all(c is not None and c.skill_type == "knowledge" for c in found)
    assert len({c.iri for c in found}) == len(labels)
    assert esco.skill("Java").label == "Java (computer programming)"


def test_esco_ambiguity(esco):
    skill_labels = esco.stats["labels"]["skill"]
    assert skill_labels["preferred_shared"] == 0
    assert skill_labels["alternative_shared"] > 0 and skill_labels["alternative_shadowed"] > 0
    for key, iris in esco.ambiguous_labels("skill").items():
        assert esco.skill(key).iri == iris[0]
    labels = list(esco.skill_labels())
    assert len(labels) > 13424 and ("CAD software", "knowledge") in labels
