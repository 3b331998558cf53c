"""HTML pages: laid out as a browser shows them, label lists kept apart, ESCO links used as IRIs.

The fixtures in fixtures/html/ were written from the text dumps in data/samples (see
fixtures/html/make_fixtures.py), so a page's HTML and its text must give the same graph, except
for the official IRIs only the HTML carries.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, SKOS

from esco_graph.pipeline import parse_page, parse_pages
from esco_graph.cli import cli
from esco_graph.errors import InputError
from esco_graph.parse.html import apply_links, esco_iri, html_to_text, layout_html
from esco_graph.sources.pages import page_from_bytes, read_file
from esco_graph.parse import detect_layout
from esco_graph.graph.mapping import page_graphs, to_graph
from esco_graph.reconcile import reconcile
from conftest import DESTINAI_PAGE, ESCO_PAGE

HTML = Path(__file__).parent / "fixtures" / "html"
ESCO_HTML = HTML / "esco-medical-device-engineering-technician.html"
DESTINAI_HTML = HTML / "destinai-microsystem-engineering-technician.html"
DESTINAI_RUN_HTML = HTML / "destinai-microsystem-engineering-technician-runtogether.html"
NOT_OCCUPATION_HTML = HTML / "not-an-occupation.html"
BASE = "http://example.org/esco-graph/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/30641348-f9f2-4fe5-ab8c-fe6ff9931a54"
DESTINAI_OCCUPATION = "http://data.europa.eu/esco/occupation/26e1add0-da3f-4ed6-aa91-791cb550146f"


def text_of(html: str) -> str:
    return html_to_text(html, "test.html")


# --- layout ----------------------------------------------------------------------------------------


def test_blocks_paragraphs_and_breaks():
    html = "<body><h1>Title</h1><div>one<br>two</div><p>para</p><p>next <b>bold</b>\n   text</p><ul><li>a</li><li>b</li></ul></body>"
    assert text_of(html) == "Title\none\ntwo\n\npara\n\nnext bold text\n\na\nb\n"


def test_dropped_and_hidden_elements():
    html = (
        "<html><head><title>T</title><style>p{}</style><script>var x = 'Essential knowledge 1 competence';</script></head>"
        "<body><p>shown</p><script>document.write('no')</script><noscript>enable JS</noscript>"
        "<template><p>template</p></template><div hidden>hidden attr</div><span aria-hidden=\"true\">icon</span>"
        "<div style=\"color: red; display : none !important\">css hidden</div><div style=\"visibility:hidden\">invisible</div>"
        "<svg><title>svg title</title></svg><!-- a comment --><p>also shown</p></body></html>"
    )
    assert text_of(html) == "shown\n\nalso shown\n"


def test_entities_decoded_and_nbsp_kept():
    assert text_of("<p>R&amp;D &lt;tag&gt; caf&eacute; &#8599; &#x2014; a&nbsp; b</p>") == "R&D <tag> café ↗ — a\u00a0 b\n"


def test_pre_and_tables():
    html = "<pre>  line one\n\n  line two</pre><table><tr><th>a</th><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
    assert text_of(html) == "line one\n\nline two\na\tb\nc\td\n"


def test_white_space_between_blocks_lays_out_as_nothing():
    assert text_of("<div>\n  <p>a</p>\n  \n  <p>b</p>\n</div>") == "a\n\nb\n"


def test_label_lists_one_label_a_line():
    html = '<div class="chips"><a class="chip" href="/s/1">quality standards</a><a class="chip" href="/s/2">design drawings</a></div>'
    assert text_of(html) == "quality standards\ndesign drawings\n"
    spans = '<div><span class="chip">R</span> <span class="chip">JavaScript</span></div>'
    assert text_of(spans) == "R\nJavaScript\n"


def test_elements_of_different_classes_run_together_as_in_a_browser():
    html = '<h3><span class="tag">ESSENTIAL</span><span class="hint">Theoretical knowledge required</span></h3>'
    assert text_of(html) == "ESSENTIALTheoretical knowledge required\n"
    inline = "<p>The <em>quick</em> <em>brown</em> fox</p>"  # text between: not a list
    assert text_of(inline) == "The quick brown fox\n"


def test_site_footer_dropped_article_footer_kept():
    html = "<body><main><article><p>item</p><footer>ESCO source</footer></article></main><footer><p>© site</p></footer></body>"
    assert text_of(html) == "item\n\nESCO source\n"


def test_deep_nesting_does_not_recurse():
    html = "<div>" * 5000 + "deep" + "</div>" * 5000
    assert text_of(html) == "deep\n"


# --- ESCO links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "href, expected",
    [
        ("https://esco.ec.europa.eu/en/classification/skill?uri=http://data.europa.eu/esco/skill/d9b6af48-e906-4a2a-94d9-557023740180",
         ("skill", "http://data.europa.eu/esco/skill/d9b6af48-e906-4a2a-94d9-557023740180")),
        ("https://esco.ec.europa.eu/en/classification/occupation?uri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Foccupation%2F30641348-F9F2-4fe5-ab8c-fe6ff9931a54&lang=en",
         ("occupation", ESCO_OCCUPATION)),
        ("https://data.europa.eu/esco/occupation/30641348-f9f2-4fe5-ab8c-fe6ff9931a54", ("occupation", ESCO_OCCUPATION)),
        ("/classification/skill?uri=http://data.europa.eu/esco/skill/d9b6af48-e906-4a2a-94d9-557023740180",
         ("skill", "http://data.europa.eu/esco/skill/d9b6af48-e906-4a2a-94d9-557023740180")),
        # DestinAI's own UUIDs are not ESCO's
        ("https://destinai.example/careers/26e1add0-da3f-4ed6-aa91-791cb550146f", None),
        ("/skills/6a0d35a5-7e86-4a24-a5a0-7f1f4e2b4a11", None),
        ("https://destinai.example/occupation?id=26e1add0-da3f-4ed6-aa91-791cb550146f", None),
        ("http://data.europa.eu/esco/isco/C3114", None),
        ("http://data.europa.eu/esco/skill/not-a-uuid", None),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_esco_iri(href, expected):
    assert esco_iri(href) == expected


def test_generic_links_take_the_label_of_their_item():
    html = (
        '<ul><li><h4>first skill</h4><p>about it</p><div><a href="http://data.europa.eu/esco/skill/11111111-1111-1111-1111-111111111111">ESCO source</a></div></li>'
        '<li><h4><a href="?uri=http://data.europa.eu/esco/skill/22222222-2222-2222-2222-222222222222">second skill</a></h4></li></ul>'
    )
    links = {(l.text, l.context, l.iri[-4:]) for l in layout_html(html).links}
    assert ("ESCO source", "first skill", "1111") in links
    assert ("second skill", "second skill", "2222") in {(l.text, l.text, l.iri[-4:]) for l in layout_html(html).links}


# --- the fixtures -----------------------------------------------------------------------------------


def strip_iris(record):
    """The record without the IRIs only an HTML page can give."""
    return replace(
        record,
        iri=None,
        skills=tuple(replace(link, skill=replace(link.skill, iri=None)) for link in record.skills),
    )


def graph_of(*records) -> Graph:
    return to_graph(page_graphs(reconcile(list(records), base_iri=BASE), base_iri=BASE, provenance=False))


def test_layout_detection_works_on_html_and_text():
    assert detect_layout(text_of(ESCO_HTML.read_text())) == "esco"
    assert detect_layout(text_of(DESTINAI_HTML.read_text())) == "destinai"
    assert detect_layout(text_of(DESTINAI_RUN_HTML.read_text())) == "destinai"
    assert read_file(ESCO_HTML).media_type == "text/html"
    with pytest.raises(InputError, match="not-an-occupation.html: not an occupation page"):
        parse_page(NOT_OCCUPATION_HTML)


def test_esco_html_gives_the_graph_of_its_text_plus_official_iris():
    html, text = parse_page(ESCO_HTML), parse_page(ESCO_PAGE)
    assert html.source.media_type == "text/html" and text.source.media_type == "text/plain"
    assert isomorphic(graph_of(strip_iris(html)), graph_of(text))
    assert strip_iris(html).skills == text.skills  # digital badges, scope notes, reuse levels: all there
    assert html.iri == ESCO_OCCUPATION  # from <link rel=canonical> and the code line's ESCO source link
    assert all(link.skill.iri and link.skill.iri.startswith("http://data.europa.eu/esco/skill/") for link in html.skills)
    assert len({link.skill.iri for link in html.skills}) == 79
    biomedical = next(l.skill for l in html.skills if l.skill.label == "biomedical engineering")
    assert biomedical.iri == "http://data.europa.eu/esco/skill/d9b6af48-e906-4a2a-94d9-557023740180"
    # in the optional sections only the items' "ESCO source" links name the skill
    cad = next(l.skill for l in html.skills if l.skill.label == "CAD software")
    assert cad.digital and cad.scope_note.startswith("CAD software should be differentiated")
    assert cad.iri.startswith("http://data.europa.eu/esco/skill/")


def test_esco_html_graph_uses_the_official_iris():
    html = parse_page(ESCO_HTML)
    graph = graph_of(html)
    occupation = URIRef(ESCO_OCCUPATION)
    assert (occupation, SKOS.prefLabel, Literal("medical device engineering technician", lang="en")) in graph
    assert (occupation, SKOS.notation, Literal("3114.1.5")) in graph
    minted = {str(s) for s in graph.subjects() if str(s).startswith(BASE + "skill/") or str(s).startswith(BASE + "occupation/")}
    assert minted == set()


def test_destinai_labels_in_separate_elements_come_out_split_exactly():
    html, text = parse_page(DESTINAI_HTML), parse_page(DESTINAI_PAGE)
    assert [(l.relation, l.skill.skill_type, l.skill.label) for l in html.skills] == [
        (l.relation, l.skill.skill_type, l.skill.label) for l in text.skills
    ]
    assert {(l.skill.confidence, l.skill.split_method) for l in html.skills} == {(1.0, "markup")}
    assert html.notes == ()
    assert html.iri == DESTINAI_OCCUPATION  # the "View on Official Portal" link
    assert isomorphic(graph_of(strip_iris(html)), graph_of(text))


def test_destinai_uuids_never_become_esco_iris():
    html = parse_page(DESTINAI_HTML)
    assert all(link.skill.iri is None for link in html.skills)  # chips link to DestinAI's own pages
    source = DESTINAI_HTML.read_text()
    assert 'href="/skills/' in source and "destinai.example/careers/" in source
    graph = graph_of(html)
    destinai_ids = {part.split('"')[0] for part in source.split("/skills/")[1:]} | {
        part.split('"')[0] for part in source.split("/careers/")[1:]
    }
    for term in graph.all_nodes():
        assert not any(uuid and uuid in str(term) for uuid in destinai_ids), term


def test_destinai_labels_in_one_text_node_are_split_as_from_text():
    html, text = parse_page(DESTINAI_RUN_HTML), parse_page(DESTINAI_PAGE)
    assert [(l.relation, l.skill.label, l.skill.confidence, l.skill.split_method) for l in html.skills] == [
        (l.relation, l.skill.label, l.skill.confidence, l.skill.split_method) for l in text.skills
    ]
    assert "markup" not in {l.skill.split_method for l in html.skills}
    assert isomorphic(graph_of(strip_iris(html)), graph_of(text))


def test_mixed_markup_and_run_together_halves_share_the_declared_count():
    page = DESTINAI_PAGE.read_text()
    run = "quality standardsdesign drawingsmicroelectromechanical systemsmicrosystem test proceduresmicroassembly"
    split = "\n".join(["quality standards", "design drawings", "microelectromechanical systems", "microsystem test procedures", "microassembly"])
    assert run in page
    record = parse_page(page_from_bytes(page.replace(run, split).encode(), "mixed.txt", iri="file:///mixed.txt", retrieved=None))
    methods = [(l.skill.label, l.skill.split_method) for l in record.skills if l.relation == "essential"]
    assert methods[:5] == [(label, "markup") for label in split.split("\n")]
    assert all(method != "markup" for _, method in methods[5:])
    assert len(record.skills) == 41


def test_one_run_together_line_is_split_as_before():
    original = parse_page(DESTINAI_PAGE)
    assert "markup" not in {l.skill.split_method for l in original.skills}
    assert len(original.skills) == 41


def test_html_and_text_in_one_build_share_labels():
    outcome = parse_pages([str(ESCO_HTML), str(DESTINAI_RUN_HTML)])
    assert [r.source.layout for r in outcome.records] == ["esco", "destinai"]
    assert outcome.records[1].iri == DESTINAI_OCCUPATION


def test_conflicting_links_for_one_label_give_no_iri_and_a_note():
    html = ESCO_HTML.read_text().replace(
        '<a href="https://esco.ec.europa.eu/en/classification/skill?uri=http://data.europa.eu/esco/skill/d9b6af48-e906-4a2a-94d9-557023740180">biomedical engineering</a>',
        '<a href="http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000">biomedical engineering</a>',
    )
    page = page_from_bytes(html.encode(), "conflict.html", iri="file:///conflict.html", retrieved=None)
    record = parse_page(page)
    biomedical = next(l.skill for l in record.skills if l.skill.label == "biomedical engineering")
    assert biomedical.iri is None
    assert any("biomedical engineering" in note and "several ESCO skills" in note for note in record.notes)


def test_chips_linking_to_esco_each_get_their_own_iri():
    """Labels that are themselves ESCO links: each its own IRI (the list's first label is no item title)."""
    import re
    import uuid

    def esco_link(match):
        label = match.group(2)
        iri = f"http://data.europa.eu/esco/skill/{uuid.uuid5(uuid.NAMESPACE_URL, label)}"
        return f'<a class="chip" href="https://esco.ec.europa.eu/en/classification/skill?uri={iri}">{label}</a>'

    html = re.sub(r'<a class="chip" href="(/skills/[^"]+)">([^<]+)</a>', esco_link, DESTINAI_HTML.read_text())
    page = page_from_bytes(html.encode(), "linked.html", iri="file:///linked.html", retrieved=None)
    record = parse_page(page)
    knowledge = [l.skill for l in record.skills if l.skill.skill_type == "knowledge"]
    assert len(knowledge) == 12 and record.notes == ()
    for skill in knowledge:
        assert skill.iri == f"http://data.europa.eu/esco/skill/{uuid.uuid5(uuid.NAMESPACE_URL, skill.label)}"
    assert all(l.skill.iri is None for l in record.skills if l.skill.skill_type == "skill")  # <span> chips: no links


def test_apply_links_keeps_iris_a_record_already_has():
    record = parse_page(ESCO_HTML)
    again = apply_links(replace(record, iri="http://example.org/mine"), layout_html(ESCO_HTML.read_text()))
    assert again.iri == "http://example.org/mine"


def test_cli_build_of_html_records_provenance(tmp_path):
    out = tmp_path / "graph.nq"
    result = CliRunner().invoke(cli, ["build", str(ESCO_HTML), str(DESTINAI_HTML), "-o", str(out), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    ds = Dataset()
    ds.parse(out, format="nquads")
    derived = {str(o) for _, _, o, _ in ds.quads((None, PROV.wasDerivedFrom, None, None))}
    assert derived == {ESCO_HTML.resolve().as_uri(), DESTINAI_HTML.resolve().as_uri()}
    formats = {str(o) for _, _, o, _ in ds.quads((None, DCTERMS.format, None, None))}
    assert formats == {"text/html"}
