"""Splitting run-together DestinAI labels (esco_graph.parse.split)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esco_graph.parse.split import LOW_CONFIDENCE, Lexicon, Piece, split_run, split_runs

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DESTINAI_PAGE = SHARED / "pages" / "destinai-microsystem-engineering-technician.txt"
ESCO_PAGE = SHARED / "pages" / "esco-medical-device-engineering-technician.txt"
SKILLS_CSV = SHARED / "esco-v1.2.0" / "skills_en.derived.csv"

# The real page's truth: read off the runs (every label is an ESCO label).
ESSENTIAL_KNOWLEDGE = [
    "quality standards",
    "design drawings",
    "microelectromechanical systems",
    "microsystem test procedures",
    "microassembly",
]
OPTIONAL_KNOWLEDGE = [
    "precision mechanics",
    "MOEM",
    "precision measuring instruments",
    "surface-mount technology",
    "automatic control system",
    "firmware",
    "CAD software",
]
ESSENTIAL_SKILLS = [
    "liaise with engineers",
    "package microelectromechanical systems",
    "wear cleanroom suit",
    "read engineering drawings",
    "assist scientific research",
    "fasten components",
    "test microelectromechanical systems",
    "prepare production prototypes",
    "inspect quality of products",
    "meet deadlines",
    "assemble microelectromechanical systems",
    "set tolerances",
    "align components",
    "record test data",
    "adjust engineering designs",
    "read assembly drawings",
]
OPTIONAL_SKILLS = [
    "monitor machine operations",
    "operate precision measuring equipment",
    "use CAM software",
    "integrate new products in manufacturing",
    "apply technical communication skills",
    "operate precision machinery",
    "apply soldering techniques",
    "keep records of work progress",
    "program firmware",
    "maintain microelectromechanical systems",
    "write technical reports",
    "use precision tools",
    "resolve equipment malfunctions",
]


def labels(pieces: list[Piece]) -> list[str]:
    return [p.label for p in pieces]


# ------------------------------------------------------------------------------------------
# The real DestinAI page, in the three modes


def _destinai_runs(text: str):
    """{(relation, kind): run} and the declared essential/optional counts, read line by line."""
    lines = [line.strip() for line in text.splitlines()]
    runs, kind = {}, None
    essential = optional = None
    for i, line in enumerate(lines):
        if line == "Theoretical Knowledge":
            kind = "knowledge"
        elif line == "Practical Skills":
            kind = "skill"
        elif kind and (line.startswith("ESSENTIAL") or line.startswith("OPTIONAL")):
            runs[("essential" if line.startswith("ESSENTIAL") else "optional", kind)] = lines[i + 1]
        elif line in ("GLOBAL RESOURCE", "SKILLS OVERVIEW"):
            kind = None
        m = re.fullmatch(r"(\d+) essential\s*·\s*(\d+) optional", line)
        if m:
            essential, optional = int(m.group(1)), int(m.group(2))
    return runs, essential, optional


def _esco_page_labels(text: str) -> list[str]:
    """The item labels of an ESCO-layout page: the first line of each item."""
    headers = {"Occupation specific", "Sector-specific", "Cross-sector", "Transversal"}
    out, expect = [], False
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if re.fullmatch(r"\d+ competences?", line) or line == "ESCO source":
            expect = True
            continue
        if expect and line not in headers and not re.match(r"(Essential|Optional) (knowledge|skills)", line) \
                and line != "No competences in this bucket.":
            out.append(line)
        expect = False
    return out


def _split_real_page(lexicon):
    runs, essential, optional = _destinai_runs(DESTINAI_PAGE.read_text(encoding="utf-8"))
    ek, es = split_runs(
        [(runs[("essential", "knowledge")], "knowledge"), (runs[("essential", "skill")], "skill")],
        lexicon=lexicon,
        expected_total=essential,
    )
    ok, os_ = split_runs(
        [(runs[("optional", "knowledge")], "knowledge"), (runs[("optional", "skill")], "skill")],
        lexicon=lexicon,
        expected_total=optional,
    )
    return ek, es, ok, os_


needs_shared = pytest.mark.skipif(not DESTINAI_PAGE.exists(), reason="../shared is absent")


def _vocabulary_lexicon() -> Lexicon:
    import csv

    lex = Lexicon()
    with open(SKILLS_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lex.add(row["preferredLabel"], "vocabulary", row["skillType"])
    return lex


@needs_shared
@pytest.mark.parametrize("mode", ["vocabulary", "page", "none"])
def test_real_page_splits_exactly(mode):
    if mode == "vocabulary":
        if not SKILLS_CSV.exists():
            pytest.skip("ESCO CSV files absent")
        lexicon = _vocabulary_lexicon()
    elif mode == "page":
        lexicon = Lexicon(_esco_page_labels(ESCO_PAGE.read_text(encoding="utf-8")), source="page")
        assert "design drawings" in lexicon and "CAD software" in lexicon and len(lexicon) == 79
    else:
        lexicon = None
    ek, es, ok, os_ = _split_real_page(lexicon)
    assert labels(ek) == ESSENTIAL_KNOWLEDGE
    assert labels(es) == ESSENTIAL_SKILLS
    assert labels(ok) == OPTIONAL_KNOWLEDGE
    assert labels(os_) == OPTIONAL_SKILLS
    assert len(ek) + len(es) + len(ok) + len(os_) == 41
    for piece in ek + es + ok + os_:
        assert 0.0 <= piece.confidence <= 1.0
        if lexicon is not None and piece.label in lexicon:
            assert piece.method == mode and piece.confidence >= LOW_CONFIDENCE
        else:  # e.g. 'meet deadlines' is not in skills_en.derived.csv
            assert piece.method in ("wordmodel", "case", "count")


_TILED_ONE_WAY = (
    (["Lisp", "Common Lisp", "Haskell", "quality standards"], "HaskellCommon LispLispquality standards", None),
    (["SAS", "SAS language", "quality standards"], "SAS languageSASquality standards", 3),
    (["Java (computer programming)", "Haskell"], "Java (computer programming)Haskell", None),
    (["R", "JavaScript", "Haskell"], "HaskellRJavaScript", 3),
    (["Java", "JavaScript", "Script", "SAS"], "JavaScriptSAS", None),  # two tilings: scored
)


def test_a_run_tiled_one_way_splits_as_when_every_edge_is_scored(monkeypatch):
    """A run the lexicon tiles one way only is not scored (spans._paths): its pieces, confidences
    and methods are those the scored graph gives; a run tiled two ways is scored."""
    from esco_graph.parse.split import spans

    cases = [(split_run, run, Lexicon(words), expected) for words, run, expected in _TILED_ONE_WAY]
    shared = DESTINAI_PAGE.exists()
    if shared:
        page_lexicon = Lexicon(_esco_page_labels(ESCO_PAGE.read_text(encoding="utf-8")), source="page")

    def split_all():
        out = [split_run(run, lexicon=lexicon, expected=expected) for _, run, lexicon, expected in cases]
        return out + (list(_split_real_page(page_lexicon)) if shared else [])

    unscored = []
    paths = spans._paths
    monkeypatch.setattr(spans, "_paths", lambda *a: unscored.append(paths(*a)) or unscored[-1])
    fast = split_all()
    assert unscored.count(1) >= len(cases) - 1 and 2 in unscored  # the shortcut was taken, not always
    monkeypatch.setattr(spans, "_paths", lambda *a: 2)  # every graph scored
    assert split_all() == fast


# ------------------------------------------------------------------------------------------
# Hard cases, with small hand-made lexicons and without


def test_single_letter_label_before_camel_case_label():
    lex = Lexicon(["R", "JavaScript", "Haskell"])
    assert labels(split_run("HaskellRJavaScript", lexicon=lex, skill_type="knowledge")) == ["Haskell", "R", "JavaScript"]
    assert labels(split_run("RJavaScript", expected=2, skill_type="knowledge")) == ["R", "JavaScript"]


def test_camel_case_word_is_not_split():
    assert labels(split_run("JavaScriptdesign drawings", expected=2, skill_type="knowledge")) == [
        "JavaScript",
        "design drawings",
    ]


def test_label_ending_with_parenthesis():
    run = "Java (computer programming)liaise with engineers"
    assert labels(split_run(run, skill_type="skill")) == ["Java (computer programming)", "liaise with engineers"]
    lex = Lexicon(["Java (computer programming)", "Haskell"])
    assert labels(split_run("Java (computer programming)Haskell", lexicon=lex)) == [
        "Java (computer programming)",
        "Haskell",
    ]
    # no cut ever falls inside the parentheses
    run = "Java (computer programming)quality standards"
    assert labels(split_run(run, expected=2, skill_type="knowledge")) == ["Java (computer programming)", "quality standards"]


def test_label_that_is_a_suffix_of_another():
    lex = Lexicon(["Lisp", "Common Lisp", "Haskell", "quality standards"])
    assert labels(split_run("HaskellCommon LispLisp", lexicon=lex)) == ["Haskell", "Common Lisp", "Lisp"]
    assert labels(split_run("LispCommon Lispquality standards", lexicon=lex)) == ["Lisp", "Common Lisp", "quality standards"]


def test_prefix_ambiguity_is_resolved_by_the_count_and_the_word_model():
    lex = Lexicon(["Java", "JavaScript", "Script"])
    assert labels(split_run("JavaScript", lexicon=lex)) == ["JavaScript"]
    assert labels(split_run("JavaScript", lexicon=lex, expected=1)) == ["JavaScript"]
    assert labels(split_run("JavaScript", lexicon=lex, expected=2)) == ["Java", "Script"]
    lex = Lexicon(["SAS", "SAS language", "quality standards"])
    assert labels(split_run("SAS languageSASquality standards", lexicon=lex)) == ["SAS language", "SAS", "quality standards"]


@pytest.mark.parametrize("lexicon", [None, Lexicon(["ABAP", "quality standards", "design drawings"])])
def test_all_capital_label(lexicon):
    run = "quality standardsABAPdesign drawings"
    assert labels(split_run(run, lexicon=lexicon, expected=3, skill_type="knowledge")) == [
        "quality standards",
        "ABAP",
        "design drawings",
    ]


@pytest.mark.parametrize("lexicon", [None, Lexicon(["MOEM"], source="page")])
def test_acronym_glued_to_a_lower_case_word(lexicon):
    run = "precision mechanicsMOEMprecision measuring instruments"
    assert labels(split_run(run, lexicon=lexicon, expected=3, skill_type="knowledge")) == [
        "precision mechanics",
        "MOEM",
        "precision measuring instruments",
    ]


@pytest.mark.parametrize("lexicon", [None, Lexicon(["SAP R3"])])
def test_label_with_capitals_and_digits(lexicon):
    run = "quality standardsSAP R3design drawings"
    assert labels(split_run(run, lexicon=lexicon, expected=3, skill_type="knowledge")) == [
        "quality standards",
        "SAP R3",
        "design drawings",
    ]


def test_glued_lower_case_words():
    assert labels(split_run("quality standardsdesign drawings", skill_type="knowledge")) == [
        "quality standards",
        "design drawings",
    ]
    assert labels(split_run("firmwareCAD software", skill_type="knowledge")) == ["firmware", "CAD software"]


def test_lexicon_and_unknown_labels_mix():
    lex = Lexicon(["design drawings"], source="page")
    run = "quality standardsdesign drawingsmicroassembly"
    pieces = split_run(run, lexicon=lex, expected=3, skill_type="knowledge")
    assert labels(pieces) == ["quality standards", "design drawings", "microassembly"]
    assert pieces[1].method == "page"


def test_lexicon_basics():
    lex = Lexicon()
    assert len(lex) == 0 and "x" not in lex
    lex.add("Quality  Standards", source="page", skill_type="knowledge")
    lex.add("quality standards", source="vocabulary")
    lex.update(["design drawings", "design drawings"])
    assert len(lex) == 2
    assert "QUALITY standards" in lex and " quality\tstandards " in lex
    assert lex.source("quality standards") == "vocabulary"  # the more trusted source wins
    with pytest.raises(ValueError):
        lex.add("x", source="rumour")


def test_empty_and_whitespace_runs():
    assert split_runs([("", "skill"), ("  ", None)]) == [[], [Piece("  ", 0.0, "wordmodel")]]
    pieces = split_run(" quality standardsdesign drawings ", skill_type="knowledge")
    assert "".join(labels(pieces)) == " quality standardsdesign drawings "


def test_count_is_honoured_jointly_over_runs():
    runs = [("quality standardsdesign drawings", "knowledge"), ("liaise with engineersmeet deadlines", "skill")]
    for lexicon in (None, Lexicon(["quality standards"])):
        out = split_runs(runs, lexicon=lexicon, expected_total=4)
        assert [labels(p) for p in out] == [
            ["quality standards", "design drawings"],
            ["liaise with engineers", "meet deadlines"],
        ]
        out = split_runs(runs, lexicon=lexicon, expected_total=5)
        assert sum(len(p) for p in out) == 5
        out = split_runs(runs, lexicon=lexicon, expected_total=2)
        assert sum(len(p) for p in out) == 2


def test_unreachable_count_gives_the_closest_segmentation():
    pieces = split_run("quality standards", expected=7, skill_type="knowledge")
    assert "".join(labels(pieces)) == "quality standards"


def test_doubtful_split_is_flagged():
    # nothing tells where 'xqzvbwmklp' should be cut in two; the split must say so
    pieces = split_run("xqzvbwmklp", expected=2)
    assert len(pieces) == 2 and all(p.confidence < LOW_CONFIDENCE for p in pieces)


# ------------------------------------------------------------------------------------------
# Properties

_WORDS = [
    "quality", "standards", "design", "drawings", "manage", "systems", "operate", "precision",
    "tools", "R", "ABAP", "MOEM", "Java", "microassembly", "C++", "surface-mount", "e-commerce",
    "SA8000", "3D", "iOS", "of", "and", "ICT", "JavaScript", "Lisp", "Common",
]

_label = st.one_of(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join),
    st.sampled_from(["Java (computer programming)", "GIMP (graphics editor software)"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    run_labels=st.lists(_label, min_size=1, max_size=8),
    known=st.lists(st.booleans(), max_size=8),
    kind=st.sampled_from(["knowledge", "skill", None]),
    with_count=st.booleans(),
)
def test_pieces_concatenate_to_the_run(run_labels, known, kind, with_count):
    run = "".join(run_labels)
    lexicon = None
    if any(known):
        lexicon = Lexicon([lab for lab, k in zip(run_labels, known) if k], source="page")
    expected = len(run_labels) if with_count else None
    pieces = split_run(run, lexicon=lexicon, expected=expected, skill_type=kind)
    assert "".join(labels(pieces)) == run
    assert all(p.label for p in pieces)
    assert all(0.0 <= p.confidence <= 1.0 for p in pieces)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="abcXY( )-+#1", max_size=40), expected=st.one_of(st.none(), st.integers(0, 6)))
def test_any_text_survives(text, expected):
    pieces = split_run(text, expected=expected, lexicon=Lexicon(["ab", "X Y", "a"]))
    assert "".join(labels(pieces)) == text
    pieces = split_run(text, expected=expected)
    assert "".join(labels(pieces)) == text


@settings(max_examples=100, deadline=None)
@given(run_labels=st.lists(_label, min_size=1, max_size=8), kind=st.sampled_from(["knowledge", "skill"]))
def test_count_is_honoured_when_reachable(run_labels, kind):
    """With every label known, the declared count is always met, and met exactly."""
    run = "".join(run_labels)
    lexicon = Lexicon(run_labels)
    pieces = split_run(run, lexicon=lexicon, expected=len(run_labels), skill_type=kind)
    assert len(pieces) == len(run_labels)
    assert "".join(labels(pieces)) == run


def test_a_count_beyond_the_characters_does_not_run_away():
    """Regression: split_runs(expected_total=10**9) ran out of memory; now the count is ignored
    (no split can meet it) and the caller reports the mismatch."""
    from esco_graph.parse.split import split_runs

    pieces = split_runs([("quality standardsdesign drawings", "knowledge")], expected_total=10**9)
    assert "".join(p.label for p in pieces[0]) == "quality standardsdesign drawings"
    assert len(pieces[0]) < 10


def test_a_cut_inside_a_common_word_is_doubtful():
    """Regression: to meet a declared count the splitter cut 'package' into 'pack' + 'age ...'
    with a confidence above LOW_CONFIDENCE, so a made-up label passed unreported."""
    from esco_graph.parse.split import LOW_CONFIDENCE, Piece, doubt_cuts_inside_words

    pieces = [Piece("pack", 0.95, "count"), Piece("age microelectromechanical systems", 0.97, "count"),
              Piece("quality standards", 0.99, "wordmodel")]
    out = doubt_cuts_inside_words(pieces, None)
    assert [p.confidence < LOW_CONFIDENCE for p in out] == [True, True, False]
    assert [p.label for p in out] == [p.label for p in pieces]


def _tiling_by_every_end(chunk: str):
    """esco_tiling as first written: every end i, every start within 40 characters before it."""
    from esco_graph.parse.split.words import esco_words, zipf

    words, lc = esco_words(), chunk.lower()
    best = [None] * (len(lc) + 1)
    best[0] = (0, 0.0, -1)
    for i in range(1, len(lc) + 1):
        for j in range(max(0, i - 40), i):
            if best[j] is None or lc[j:i] not in words:
                continue
            word = lc[j:i]
            candidate = (best[j][0] + 1, best[j][1] - (zipf(word) if word.isalpha() else 0.0), j)
            if best[i] is None or candidate[:2] < best[i][:2]:
                best[i] = candidate
    if best[-1] is None:
        return None
    cuts, i = [], best[-1][2]
    while i > 0:
        cuts.append(i)
        i = best[i][2]
    return tuple(sorted(cuts))


_SOME_ESCO_WORDS = ["manage", "man", "age", "staff", "use", "software", "in", "ink", "king", "kin", "g", "c++",
                    "data", "database", "base", "ios", "tile", "tiles", "ties", "e", "a", "an", "and"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_SOME_ESCO_WORDS), min_size=1, max_size=8), st.sampled_from(["", "x", "Q", "-"]),
       st.booleans())
def test_esco_tiling_equals_the_tiling_by_every_end(words, noise, upper):
    """The tiling that extends words only while an ESCO word starts so finds the same cuts (ties
    included) as the one that tries every start before every end."""
    from esco_graph.parse.split.words import _TILINGS, esco_tiling

    chunk = "".join(words) + noise
    chunk = chunk.upper() if upper else chunk
    _TILINGS.pop(chunk, None)
    assert esco_tiling(chunk) == _tiling_by_every_end(chunk)
