"""Inputs as users have them: globs, --from-list, stdin, zip and tar archives, file: URLs; provenance."""
from __future__ import annotations

import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DESTINAI_PAGE, ESCO_PAGE
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, XSD

from esco_graph.cli import cli
from esco_graph.errors import InputError
from esco_graph.namespaces import EG
from esco_graph.pipeline import parse_page
from esco_graph.sources import Inputs, archives, iter_pages, read_list

HTML = Path(__file__).parent / "fixtures" / "html"
ESCO_HTML = HTML / "esco-medical-device-engineering-technician.html"
DESTINAI_HTML = HTML / "destinai-microsystem-engineering-technician.html"
NOT_OCCUPATION = HTML / "not-an-occupation.html"
WHEN = (2026, 3, 4, 5, 6, 8)  # a member's time in the archives below


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def pages(*items, **kwargs):
    return list(iter_pages(Inputs(items=tuple(str(i) for i in items), **kwargs)))


@pytest.fixture
def folder(tmp_path):
    """pages/ with an ESCO HTML page, a DestinAI text page, a non-page and a hidden file."""
    root = tmp_path / "pages"
    (root / "sub").mkdir(parents=True)
    shutil.copy(ESCO_HTML, root / "b-esco.html")
    shutil.copy(DESTINAI_PAGE, root / "sub" / "a-destinai.txt")
    (root / "notes.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n\x00\x00\x01")
    (root / ".hidden.html").write_text("x")
    return root


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=WHEN)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def make_tar(path: Path, members: dict[str, bytes], mode: str = "w:gz", links: dict[str, str] = {}) -> Path:
    with tarfile.open(path, mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_772_600_768
            archive.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return path


CRAWL = {
    "crawl/esco.html": ESCO_HTML.read_bytes(),
    "crawl/destinai.txt": DESTINAI_PAGE.read_bytes(),
    "crawl/images/logo.png": b"\x89PNG\r\n\x1a\n",
    "__MACOSX/crawl/._esco.html": b"junk",
    "crawl/.DS_Store": b"junk",
}


# --- files, folders, globs -------------------------------------------------------------------------


def test_folder_walk_is_sorted_and_skips_non_pages(folder):
    found = pages(folder)
    assert [Path(p.location).name for p in found] == ["b-esco.html", "a-destinai.txt"]  # files, then sub/


def test_glob_expanded_here_and_sorted(folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    assert [p.location for p in pages("pages/**/*.txt")] == ["pages/sub/a-destinai.txt"]
    assert [p.location for p in pages("pages/*.html")] == ["pages/b-esco.html"]
    # a file a pattern names is read whatever its suffix, as if named (the PDF is refused, by name)
    found = pages("pages/**/*.*")
    assert [Path(r.location).name for r in found] == ["b-esco.html", "notes.pdf", "a-destinai.txt"]
    assert isinstance(found[1], InputError) and "PDF" in found[1].reason
    [error] = pages("pages/*.xml")
    assert isinstance(error, InputError) and error.location == "pages/*.xml" and "no file matches" in error.reason


def test_glob_through_the_cli(folder, tmp_path):
    out = tmp_path / "out.ttl"
    result = run("build", f"{folder}/*.html", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000


def test_same_page_named_twice_is_read_once(folder):
    page = folder / "b-esco.html"
    assert len(pages(page, page, folder / ".." / "pages" / "b-esco.html")) == 1


def test_missing_input_names_it():
    [error] = pages("no/such/page.html")
    assert str(error) == "no/such/page.html: no such file or folder"


def test_file_url(folder):
    [page] = pages((folder / "b-esco.html").as_uri())
    assert page.media_type == "text/html" and page.iri == (folder / "b-esco.html").as_uri()


def test_other_url_schemes_refused():
    [error] = pages("ftp://example.org/page.html")
    assert "ftp: URLs are not read" in str(error)


# --- --from-list -----------------------------------------------------------------------------------


def test_read_list_skips_comments_and_blank_lines(tmp_path):
    listing = tmp_path / "inputs.txt"
    listing.write_text("# my pages\n\n  pages/a.html  \n# https://skipped.example/\nhttps://example.org/b\n\n")
    assert read_list(str(listing)) == ["pages/a.html", "https://example.org/b"]


def test_list_errors(tmp_path):
    with pytest.raises(InputError, match="no such list file"):
        read_list(str(tmp_path / "missing.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    with pytest.raises(InputError, match="names no inputs"):
        read_list(str(empty))


def test_from_list_through_the_cli(folder, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# two pages\n{folder / 'b-esco.html'}\n\n{ESCO_PAGE}\n")
    result = run("parse", "--from-list", listing)
    assert result.exit_code == 0, result.output
    assert '"media_type": "text/html"' in result.stdout and '"media_type": "text/plain"' in result.stdout


def test_from_list_with_a_bad_entry_names_the_entry(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{ESCO_PAGE}\nmissing-page.html\n")
    out = tmp_path / "out.ttl"
    result = run("build", "--from-list", listing, "-o", out, "--keep-going", "-q")
    assert result.exit_code == 1
    assert "Error: missing-page.html: no such file or folder" in result.output
    assert out.exists()
    result = run("build", "--from-list", tmp_path / "nope.txt", "-o", out)
    assert result.exit_code == 1 and "nope.txt: no such list file" in result.output
    assert "Traceback" not in result.output


def test_no_inputs_at_all_is_a_usage_error(tmp_path):
    result = run("build", "-o", tmp_path / "out.ttl")
    assert result.exit_code == 2
    assert "INPUTS or --from-list" in result.output


# --- stdin -----------------------------------------------------------------------------------------


def test_stdin_html_page():
    result = run("parse", "-", input=ESCO_HTML.read_bytes())
    assert result.exit_code == 0, result.output
    assert '"location": "-"' in result.stdout and '"media_type": "text/html"' in result.stdout
    assert '"iri": "http://data.europa.eu/esco/occupation/30641348-f9f2-4fe5-ab8c-fe6ff9931a54"' in result.stdout


def test_stdin_named_twice():
    found = pages("-", "-", stdin=io.BytesIO(ESCO_PAGE.read_bytes()))
    assert found[0].location == "-"
    assert isinstance(found[1], InputError) and "named twice" in found[1].reason


def test_stdin_zip():
    data = io.BytesIO()
    make_zip(data, {"a.html": ESCO_HTML.read_bytes()})
    [page] = pages("-", stdin=io.BytesIO(data.getvalue()))
    assert page.location == "-!a.html" and page.iri == "jar:urn:esco-graph:stdin!/a.html"


# --- archives --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tar", "tar.xz"])
def test_archive_members_read_in_place(tmp_path, kind):
    path = tmp_path / f"crawl.{kind}"
    if kind == "zip":
        make_zip(path, CRAWL)
    else:
        make_tar(path, CRAWL, mode={"tar.gz": "w:gz", "tar": "w", "tar.xz": "w:xz"}[kind])
    before = set(tmp_path.iterdir())
    found = pages(path)
    assert [p.location for p in found] == [f"{path}!crawl/destinai.txt", f"{path}!crawl/esco.html"]
    assert found[1].iri == f"jar:{path.resolve().as_uri()}!/crawl/esco.html"
    assert found[1].media_type == "text/html"
    assert found[1].retrieved == "2026-03-04T05:06:08Z"
    assert set(tmp_path.iterdir()) == before  # nothing extracted next to the archive


def test_one_member_by_name(tmp_path):
    path = make_zip(tmp_path / "crawl.zip", CRAWL)
    [page] = pages(f"{path}!crawl/esco.html")
    assert page.location == f"{path}!crawl/esco.html"
    [error] = pages(f"{path}!crawl/missing.html")
    assert isinstance(error, InputError) and error.location == f"{path}!crawl/missing.html"
    assert parse_page(f"{path}!crawl/esco.html").source.location == f"{path}!crawl/esco.html"


def test_path_traversal_names_are_refused_not_extracted(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    zpath = make_zip(work / "evil.zip", {"../evil.html": b"<p>x</p>", "/abs/evil.html": b"<p>y</p>", "ok/esco.html": ESCO_HTML.read_bytes()})
    tpath = make_tar(work / "evil.tar.gz", {"../../evil.html": b"<p>x</p>", "ok/esco.html": ESCO_HTML.read_bytes()},
                     links={"ok/link.html": "/etc/passwd"})
    for path in (zpath, tpath):
        found = pages(path)
        errors = [r for r in found if isinstance(r, InputError)]
        good = [r for r in found if not isinstance(r, InputError)]
        assert [p.location for p in good] == [f"{path}!ok/esco.html"]
        assert errors and all("unsafe member name" in e.reason or "link" in e.reason for e in errors)
        assert all(e.location.startswith(f"{path}!") for e in errors)
    assert sorted(p.name for p in tmp_path.rglob("*evil.html")) == []
    assert sorted(p.name for p in work.iterdir()) == ["evil.tar.gz", "evil.zip"]


def test_zip_bomb_members_refused_without_inflating(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_PAGE_BYTES", 100_000)
    path = tmp_path / "bomb.zip"
    make_zip(path, {"bomb.html": b"<p>" + b"A" * 50_000_000 + b"</p>", "esco.html": ESCO_HTML.read_bytes()})
    assert path.stat().st_size < 200_000
    found = pages(path)
    assert isinstance(found[0], InputError) and found[0].location == f"{path}!bomb.html"
    assert "larger than any occupation page" in found[0].reason
    assert found[1].location == f"{path}!esco.html"


def test_tar_bomb_members_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_PAGE_BYTES", 100_000)
    path = make_tar(tmp_path / "bomb.tar.gz", {"bomb.html": b"A" * 5_000_000, "esco.html": ESCO_HTML.read_bytes()})
    found = pages(path)
    assert isinstance(found[0], InputError) and "larger than any occupation page" in found[0].reason


def test_too_many_pages_in_one_archive(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_ARCHIVE_PAGES", 2)
    path = make_zip(tmp_path / "many.zip", {f"p{i}.txt": ESCO_PAGE.read_bytes() for i in range(4)})
    found = pages(path)
    assert [type(r).__name__ for r in found] == ["Page", "Page", "InputError"]
    assert "more than 2 pages" in found[2].reason


def test_damaged_and_empty_archives(tmp_path):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    [error] = pages(broken)
    assert isinstance(error, InputError) and "damaged zip" in error.reason
    empty = make_zip(tmp_path / "empty.zip", {"img.png": b"x"})
    [error] = pages(empty)
    assert "holds no pages" in error.reason


def test_archive_through_the_cli_with_provenance(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    path = make_zip(tmp_path / "crawl.zip", {k: v for k, v in CRAWL.items() if "destinai" not in k})
    out = tmp_path / "graph.trig"
    result = run("build", path, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    ds = Dataset()
    ds.parse(out, format="trig")
    member = URIRef(f"jar:{path.resolve().as_uri()}!/crawl/esco.html")
    graphs = list(ds.quads((None, PROV.wasDerivedFrom, member, None)))
    assert len(graphs) == 1
    graph = graphs[0][0]
    assert (graph, PROV.generatedAtTime, Literal("2026-03-04T05:06:08Z", datatype=XSD.dateTime)) in ds.graph(graphs[0][3])
    import hashlib

    sha = hashlib.sha256(CRAWL["crawl/esco.html"]).hexdigest()
    assert list(ds.quads((member, EG.sha256, Literal(sha), None)))
    assert list(ds.quads((member, DCTERMS.format, Literal("text/html"), None)))


def test_bad_member_is_one_line_naming_archive_and_member(tmp_path):
    path = make_zip(tmp_path / "crawl.zip", {"pages/a.html": NOT_OCCUPATION.read_bytes()})
    result = run("build", path, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 1
    assert f"{path}!pages/a.html: not an occupation page" in result.output
    assert "Traceback" not in result.output

