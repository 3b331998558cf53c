"""Issue 14, items 4 and 5: special files, symlink loops, out-of-range times, deep JSON, odd file
names and Ctrl-C: each a documented error and exit code, never a hang or a traceback."""
from __future__ import annotations

import io
import os
import tarfile

import pytest
from click.testing import CliRunner

from conftest import DESTINAI_PAGE, ESCO_PAGE, SAMPLES
from esco_graph.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)


def _one_line_error(r, code: int, *words: str):
    assert r.exit_code == code, r.output
    assert r.stderr.startswith("Error: ") and "Traceback" not in r.output
    for word in words:
        assert word in r.stderr


def test_a_fifo_given_or_in_a_folder_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "page.txt"
    os.mkfifo(fifo)
    _one_line_error(run("parse", fifo), 1, "a FIFO")
    (tmp_path / ESCO_PAGE.name).write_bytes(ESCO_PAGE.read_bytes())
    r = run("build", tmp_path, "-o", tmp_path / "out.ttl", "--keep-going", "-q")
    assert r.exit_code == 1 and "a FIFO" in r.stderr and (tmp_path / "out.ttl").exists()


def test_a_glob_over_a_symlink_loop_ends(tmp_path, monkeypatch):
    """Three links back to their own folder: with the glob module the paths under '**' grow
    without end (minutes, memory growing); walked here, each real folder once, each file once."""
    (tmp_path / "pages" / "sub").mkdir(parents=True)
    (tmp_path / "pages" / ESCO_PAGE.name).write_bytes(ESCO_PAGE.read_bytes())
    (tmp_path / "pages" / "sub" / DESTINAI_PAGE.name).write_bytes(DESTINAI_PAGE.read_bytes())
    for name in ("a", "b", "c"):
        os.symlink(tmp_path / "pages", tmp_path / "pages" / "sub" / name)
    r = run("parse", "--list", f"{tmp_path}/pages/**/*.txt")
    assert r.exit_code == 0, r.output
    assert r.stdout.count('"label": "medical device engineering technician"') == 1
    assert r.stdout.count('"label": "microsystem engineering technician"') == 1
    monkeypatch.chdir(tmp_path)  # a relative pattern, and one without '**', still match as the glob module does
    for pattern in ("pages/**/*.txt", "pages/*.txt", "pages/s?b/[d]*.txt"):
        r = run("parse", "--list", pattern)
        assert r.exit_code == 0, (pattern, r.output)


def test_source_date_epoch_out_of_range_is_a_usage_error(tmp_path):
    for value in ("99999999999999999", "-5", "yesterday"):
        r = run("build", ESCO_PAGE, "-o", tmp_path / "out.ttl", env={"SOURCE_DATE_EPOCH": value})
        _one_line_error(r, 2, "SOURCE_DATE_EPOCH")
        assert not (tmp_path / "out.ttl").exists()


def test_a_tar_member_with_a_huge_mtime_is_read_without_a_date(tmp_path):
    archive = tmp_path / "crawl.tar"
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        data = DESTINAI_PAGE.read_bytes()
        info = tarfile.TarInfo("page.txt")
        info.size = len(data)
        info.mtime = 10**15  # far beyond year 9999
        tar.addfile(info, io.BytesIO(data))
    r = run("build", archive, "-o", tmp_path / "out.ttl", "-q")
    assert r.exit_code == 0, r.output


def test_deeply_nested_json_ld_is_one_error(tmp_path):
    deep = tmp_path / "deep.jsonld"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _one_line_error(run("load", deep, "--store", tmp_path / "kg"), 1, "deep.jsonld", "nested deeper")
    _one_line_error(run("validate", deep), 1, "deep.jsonld")


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path):
    odd = tmp_path / "new\nline.txt"
    odd.write_text("not a page", encoding="utf-8")
    r = run("parse", odd)
    _one_line_error(r, 1, "new\\nline.txt")
    assert r.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["load", "query"])
def test_ctrl_c_in_any_command_exits_130(command, tmp_path, monkeypatch):
    from esco_graph.store.embedded import EmbeddedStore

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    graph = tmp_path / "g.ttl"
    assert run("build", SAMPLES, "-o", graph, "--store", tmp_path / "kg", "-q").exit_code == 0
    monkeypatch.setattr(EmbeddedStore, "load_files" if command == "load" else "query", interrupted)
    args = ("load", graph) if command == "load" else ("query", "ASK {}")
    r = run(*args, "--store", tmp_path / "kg")
    assert r.exit_code == 130 and "interrupted" in r.stderr and "Aborted" not in r.output


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_member_with_dotdot_in_an_archive_is_reported(tmp_path, kind):
    """Regression (issue 14): '..' members were taken for hidden names and skipped silently."""
    import zipfile

    data = ESCO_PAGE.read_bytes()
    archive = tmp_path / f"crawl.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("../evil.txt", data)
            z.writestr("ok.txt", data)
    else:
        with tarfile.open(archive, "w") as tar:
            for name in ("../evil.txt", "ok.txt"):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    r = run("build", archive, "-o", tmp_path / "out.ttl", "--keep-going", "-q")
    assert r.exit_code == 1 and "../evil.txt" in r.stderr and "'..'" in r.stderr
    assert (tmp_path / "out.ttl").exists()


def test_a_zip_larger_than_a_page_reads_from_stdin_as_from_its_path(tmp_path):
    """Regression (issue 14): stdin was read up to the page cap (64 MiB), so a 73 MB zip piped in was
    "damaged" while the same file by path built. Now an archive on stdin is spooled whole first."""
    import subprocess
    import sys
    import zipfile

    from rdflib import Dataset
    from rdflib.compare import isomorphic

    from esco_graph.sources.pages import MAX_PAGE_BYTES

    archive = tmp_path / "crawl.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("a-page.txt", ESCO_PAGE.read_bytes())
        z.writestr("padding.bin", os.urandom(MAX_PAGE_BYTES + 9 * 1024 * 1024))  # not a page: skipped
    assert archive.stat().st_size > MAX_PAGE_BYTES
    by_path, by_stdin = tmp_path / "path.nq", tmp_path / "stdin.nq"
    assert run("build", archive, "-o", by_path, "-q").exit_code == 0
    with open(archive, "rb") as stream:
        done = subprocess.run([sys.executable, "-m", "esco_graph", "build", "-", "-o", str(by_stdin), "-q"],
                              stdin=stream, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    graphs = []
    for path in (by_path, by_stdin):
        dataset = Dataset()
        dataset.parse(path, format="nquads")
        graphs.append(dataset)
    # the IRIs differ only in the archive's base (its file IRI, or urn:esco-graph:stdin): compare the facts
    assert len(graphs[0]) == len(graphs[1]) > 0
    assert isomorphic(graphs[0].default_graph, graphs[1].default_graph)


def test_json_ld_with_an_invalid_iri_is_one_error_line(tmp_path):
    """Regression (fuzz/fuzz_rdf_files.py): `load` of JSON-LD holding an IRI rdflib keeps but RDF does
    not allow ('a[b') raised ValueError (a traceback), after one rdflib warning line a term."""
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{"@id": "http://example.org/a[b", "http://example.org/p": {"@id": "http://example.org/c^d"}}',
                   encoding="utf-8")
    r = run("load", bad, "--store", tmp_path / "kg")
    _one_line_error(r, 1, str(bad), "Invalid IRI")
    assert r.stderr.count("\n") == 1, r.stderr
    r = run("validate", bad)
    assert "does not look like a valid URI" not in r.stderr and "Traceback" not in r.output
