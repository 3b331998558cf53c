"""Faults (issue 6, part 4): kills, interrupts, a full disk, unwritable folders, --keep-going.

* `python -m esco_graph build` runs as a subprocess on 1,200 pages (about 3 s of writing) and is
  killed with SIGKILL, or interrupted with SIGINT, at several moments: while parsing, the moment
  it starts writing, in the middle of the first output, between outputs, during the last one.
  Afterwards every output path holds either the previous file byte for byte or the complete new
  file (byte-identical to an uninterrupted run), and the folder holds nothing else: the writer's
  temporary file has no name until it is complete (O_TMPFILE), so even SIGKILL leaves none.
* The disk fills: a 512 KiB tmpfs (skipped when mounting is not permitted), and a file size limit
  (`ulimit -f`, SIGXFSZ ignored): exit 4, one line naming the output, the previous file intact.
* An output in a missing folder, a read-only folder (a read-only bind mount: root may write to a
  chmod-555 folder, so that proves nothing here), a folder where the file should be: exit 4,
  before any work (the first input is a bad page, which would give exit 1 if read first).
* --keep-going with one bad page among 999 good ones: the 999 are in the output, the bad one is
  named, exit 1.
"""
from __future__ import annotations

import contextlib
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ESCO_PAGE, ROOT
from test_hostile import assert_one_error_line, build_outputs, check_outputs, run_cli, small_esco_page

OUTPUTS = ("nt", "ttl", "jsonld")


def _corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = ESCO_PAGE.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"esco-{i:05d}.txt").write_text(
            text.replace("\nmedical device engineering technician\n", f"\nmedical device engineering technician {i}\n", 1),
            encoding="utf-8")
        os.utime(folder / f"esco-{i:05d}.txt", (1_700_000_000, 1_700_000_000))
    return folder


def _command(corpus: Path, out: Path) -> list[str]:
    args = [sys.executable, "-m", "esco_graph", "build", str(corpus), "-q", "--jobs", "1"]
    for ext in OUTPUTS:
        args += ["-o", str(out / f"graph.{ext}")]
    return args


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    return env


@pytest.fixture(scope="module")
def big_run(tmp_path_factory):
    """A corpus of 1,200 pages and the outputs of one uninterrupted run (the reference)."""
    root = tmp_path_factory.mktemp("faults")
    corpus = _corpus(root / "corpus", 1200)
    ref = root / "ref"
    ref.mkdir()
    started = time.monotonic()
    done = subprocess.run(_command(corpus, ref), env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    reference = {ext: (ref / f"graph.{ext}").read_bytes() for ext in OUTPUTS}
    assert all(len(v) > 1_000_000 for v in reference.values())
    return corpus, reference, time.monotonic() - started


def _open_output_fds(pid: int, folder: Path) -> list[str]:
    """What the process has open in the output folder (an O_TMPFILE file shows as '#N (deleted)')."""
    found = []
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith(str(folder) + "/"):
                    found.append(target)
    return found


def _wait_for(proc, predicate, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _check_after_fault(out: Path, previous: dict, reference: dict) -> dict:
    """Each output is the previous file or the complete new one; nothing else is in the folder."""
    state = {}
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"graph.{ext}" for ext in OUTPUTS), f"left behind: {names}"
    for ext in OUTPUTS:
        data = (out / f"graph.{ext}").read_bytes()
        if data == previous[ext]:
            state[ext] = "previous"
        else:
            assert data == reference[ext], f"graph.{ext} is neither the previous file nor a complete output ({len(data)} bytes)"
            state[ext] = "new"
    return state


MOMENTS = {
    "while parsing": lambda pid, out, t0: time.monotonic() - t0 > 1.0,
    "writing starts": lambda pid, out, t0: bool(_open_output_fds(pid, out)),
    "mid first output": lambda pid, out, t0: _size_of_open(pid, out) > 20_000_000,
    # every output is written aside and all are renamed together at the end (issue 14): the last
    # output is being written once the open files hold more than all the others' sizes
    "mid last output": lambda pid, out, t0: _total_open(pid, out) > _EARLIER_OUTPUTS[0] > 0,
}
_EARLIER_OUTPUTS = [0]  # the bytes of every output but the last, set from the reference run


def _open_sizes(pid: int, out: Path) -> list[int]:
    """The sizes of the files the process has open in `out`."""
    sizes = []
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(out) + "/"):
                    sizes.append(os.stat(f"/proc/{pid}/fd/{fd}").st_size)
    return sizes


def _total_open(pid: int, out: Path) -> int:
    """The bytes of all the files the process has open in `out`."""
    return sum(_open_sizes(pid, out))


def _size_of_open(pid: int, out: Path) -> int:
    """The size of the file the process is writing in `out` (0 when none)."""
    return max(_open_sizes(pid, out), default=0)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the build writes")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_killed_or_interrupted_build_loses_nothing(tmp_path, big_run, sig, moment):
    corpus, reference, _ = big_run
    _EARLIER_OUTPUTS[0] = sum(len(data) for ext, data in reference.items() if ext != OUTPUTS[-1])
    out = tmp_path / "out"
    out.mkdir()
    previous = {ext: f"previous {ext} output, a good one\n".encode() for ext in OUTPUTS}
    for ext, data in previous.items():
        (out / f"graph.{ext}").write_bytes(data)
    proc = subprocess.Popen(_command(corpus, out), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    try:
        reached = _wait_for(proc, lambda: MOMENTS[moment](proc.pid, out, t0))
        if not reached:
            pytest.fail(f"the build ended before '{moment}' (exit {proc.returncode})")
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = stderr.decode("utf-8", "replace")
    state = _check_after_fault(out, previous, reference)
    assert len(set(state.values())) == 1, state  # all the previous files, or all the new ones
    if sig == signal.SIGINT:
        if proc.returncode == 0:  # the signal came as the last rename finished
            assert all(v == "new" for v in state.values())
        else:
            assert proc.returncode == 130, (proc.returncode, stderr)
            lines = [l for l in stderr.splitlines() if l.strip()]
            assert len(lines) == 1 and "interrupted" in lines[0] and "Traceback" not in stderr, stderr
    else:
        assert proc.returncode == -signal.SIGKILL
    print(f"\n{sig.name} at '{moment}': {state}")


# --- the disk fills ------------------------------------------------------------------------------

def _mount_tmpfs(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "size=512k,mode=0777"):
        pytest.skip("mounting a tmpfs is not permitted here")
    yield disk
    _umount(disk)


def _pages(folder: Path, n: int) -> Path:
    rng = random.Random(n)
    pool = [f"skill{k} alpha{k}" for k in range(200)]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"page-{i:04d}.txt").write_text(small_esco_page(i, rng, pool), encoding="utf-8")
    return folder


def test_disk_full_tmpfs(tmp_path, small_disk):
    pages = _pages(tmp_path / "pages", 150)  # about 1 MB of N-Triples, on a 512 KiB disk
    previous = b"previous good output\n" * 5000  # 105 KB
    target = small_disk / "graph.nt"
    target.write_bytes(previous)
    result = run_cli("build", pages, "-o", target, "-q")
    line = assert_one_error_line(result, str(target), exit_code=4)
    assert "disk is full" in line
    assert target.read_bytes() == previous
    assert sorted(p.name for p in small_disk.iterdir()) == ["graph.nt"]
    # and with room again, the same command works
    target.unlink()
    result = run_cli("build", ESCO_PAGE, "-o", target, "-q")
    assert result.exit_code == 0
    check_outputs({"nt": target})


def test_a_tar_bomb_in_a_full_temporary_folder_is_exit_4(tmp_path, small_disk):
    """Regression (issue 14): the temporary folder filling while a tar is unpacked was called "a damaged
    archive" (exit 1, the input blamed); it is the machine's trouble, exit 4, naming the folder."""
    import io
    import tarfile

    data = ESCO_PAGE.read_bytes()  # 17 KB; 60 of them are 1 MB, on a 512 KiB temporary folder
    archive = tmp_path / "crawl.tar"
    with tarfile.open(archive, "w") as tar:
        for i in range(60):
            info = tarfile.TarInfo(f"page-{i:03d}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = tmp_path / "graph.ttl"
    done = subprocess.run([sys.executable, "-m", "esco_graph", "build", str(archive), "-o", str(out), "-q",
                           "--keep-going"], env={**_env(), "TMPDIR": str(small_disk)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 4, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(archive) in lines[0] and "disk is full" in lines[0] and str(small_disk) in lines[0], lines[0]
    assert not out.exists()
    assert list(small_disk.iterdir()) == []  # the unpacked members are gone


def _limited(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


@pytest.mark.parametrize("ext", OUTPUTS)
def test_file_size_limit(tmp_path, ext):
    """`ulimit -f` (RLIMIT_FSIZE) below the output's size, SIGXFSZ ignored: EFBIG on write."""
    pages = _pages(tmp_path / "pages", 60)
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"graph.{ext}"
    previous = b"previous good output\n"
    target.write_bytes(previous)
    done = subprocess.run([sys.executable, "-m", "esco_graph", "build", str(pages), "-o", str(target), "-q"], env=_env(),
                          capture_output=True, text=True, preexec_fn=_limited(64 * 1024), timeout=300)
    assert done.returncode == 4, done.stderr
    lines = [l for l in done.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and str(target) in lines[0] and "file size limit" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == previous
    assert sorted(p.name for p in out.iterdir()) == [target.name]


# --- outputs that cannot be written ---------------------------------------------------------------

@pytest.fixture
def bad_page(tmp_path) -> Path:
    page = tmp_path / "bad-page.txt"
    page.write_text("not an occupation page\n")
    return page


def _fails_before_work(result, output: Path, reason: str) -> None:
    """Exit 4 naming the output, and not a word about the bad page listed first (never read)."""
    line = assert_one_error_line(result, str(output), exit_code=4)
    assert reason in line, line
    assert "bad-page" not in result.output


def test_output_in_a_missing_folder(tmp_path, bad_page):
    output = tmp_path / "missing" / "deeper" / "graph.ttl"
    _fails_before_work(run_cli("build", bad_page, ESCO_PAGE, "-o", output), output, "does not exist")
    assert not (tmp_path / "missing").exists()


def test_output_is_a_folder(tmp_path, bad_page):
    output = tmp_path / "graph.ttl"
    output.mkdir()
    _fails_before_work(run_cli("build", bad_page, ESCO_PAGE, "-o", output), output, "folder")


def test_second_output_unwritable_means_no_output_at_all(tmp_path, bad_page):
    good = tmp_path / "graph.ttl"
    output = tmp_path / "missing" / "graph.nt"
    _fails_before_work(run_cli("build", bad_page, ESCO_PAGE, "-o", good, "-o", output), output, "does not exist")
    assert not good.exists()


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder on a read-only bind mount (root may write to a chmod-555 folder, not to a ro mount)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "graph.ttl").write_bytes(b"previous good output\n")
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("a read-only bind mount is not permitted here")
    done = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
    try:
        probe = folder / ".probe"
        try:
            probe.write_bytes(b"")
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip("the read-only bind mount is writable here")
        yield folder
    finally:
        _umount(folder)


def test_output_in_a_read_only_folder(read_only_folder, bad_page):
    output = read_only_folder / "graph.ttl"
    _fails_before_work(run_cli("build", bad_page, ESCO_PAGE, "-o", output), output, "not writable")
    assert output.read_bytes() == b"previous good output\n"
    new = read_only_folder / "new.jsonld"
    _fails_before_work(run_cli("build", bad_page, ESCO_PAGE, "-o", new), new, "not writable")


def test_query_output_in_a_read_only_folder(tmp_path, read_only_folder):
    """Issue 14: `query -o` into a read-only folder is exit 4 in one line; the previous file is kept."""
    store = tmp_path / "kg"
    assert run_cli("build", ESCO_PAGE, "--store", store, "-q").exit_code == 0
    occupations = "WHERE { ?s a <http://data.europa.eu/esco/model#Occupation> }"
    for query, output in [(f"CONSTRUCT {{ ?s a <urn:x> }} {occupations}", read_only_folder / "graph.ttl"),
                          (f"SELECT ?s {occupations}", read_only_folder / "rows.csv")]:
        line = assert_one_error_line(run_cli("query", query, "--store", store, "-o", output), str(output), exit_code=4)
        assert "Read-only" in line or "not writable" in line, line
    assert (read_only_folder / "graph.ttl").read_bytes() == b"previous good output\n"


def test_atomic_output_in_a_read_only_folder_is_an_output_error(read_only_folder):
    """Past the CLI's check (a library user calling write() directly): an OutputError, not an OSError."""
    from esco_graph.errors import OutputError
    from esco_graph.files import atomic_output

    with pytest.raises(OutputError, match="graph.nt"):
        with atomic_output(str(read_only_folder / "graph.nt")) as stream:
            stream.write(b"x")


# --- the writer's temporary file -----------------------------------------------------------------

def test_atomic_output_leaves_no_named_file_while_writing(tmp_path):
    """While the block runs, the folder shows only the previous file (the new one has no name)."""
    from esco_graph.files import atomic_output

    target = tmp_path / "graph.ttl"
    target.write_bytes(b"previous\n")
    with atomic_output(str(target)) as stream:
        stream.write(b"new content\n")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"] or sys.platform != "linux"
        assert target.read_bytes() == b"previous\n"
    assert target.read_bytes() == b"new content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_atomic_output_keeps_the_previous_file_mode(tmp_path):
    from esco_graph.files import atomic_output

    target = tmp_path / "graph.ttl"
    target.write_bytes(b"previous\n")
    target.chmod(0o640)
    with atomic_output(str(target)) as stream:
        stream.write(b"new\n")
    assert target.stat().st_mode & 0o777 == 0o640


def test_atomic_output_without_o_tmpfile(tmp_path, monkeypatch):
    """Where O_TMPFILE is missing, a named hidden temporary file is used and removed on failure."""
    from esco_graph import files

    monkeypatch.delattr(files.os, "O_TMPFILE", raising=False)
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"previous\n")
    with pytest.raises(RuntimeError):
        with files.atomic_output(str(target)) as stream:
            stream.write(b"partial")
            assert any(p.name.startswith(".graph.ttl.") for p in tmp_path.iterdir())
            raise RuntimeError("boom")
    assert target.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]
    with files.atomic_output(str(target)) as stream:
        stream.write(b"new\n")
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


# --- --keep-going ---------------------------------------------------------------------------------

def test_keep_going_one_bad_page_among_999(tmp_path):
    pages = _pages(tmp_path / "pages", 1000)
    bad = pages / "page-0500.txt"
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text[: len(text) // 2], encoding="utf-8")  # cut in the middle
    outputs = build_outputs(tmp_path / "out", ("ttl", "jsonld", "nq"))
    result = run_cli("build", pages, "--keep-going", "-q", *[x for p in outputs.values() for x in ("-o", p)])
    assert result.exit_code == 1, result.output
    assert str(bad) in result.stderr
    assert "Traceback" not in result.output
    assert sum(1 for l in result.stderr.splitlines() if str(pages) in l) == 1  # only the bad page is named
    triples = check_outputs(outputs)
    labels = {str(o) for s, p, o in triples if str(p).endswith("#prefLabel") and str(o).startswith("occupation number")}
    assert len(labels) == 999
    assert "occupation number 500" not in labels


def test_a_full_disk_on_the_second_output_leaves_both_previous_files(tmp_path, small_disk):
    """Regression (issue 14): with two -o, a full disk on the second used to leave the first
    replaced by the new build and the second the old one; now all outputs change together or none."""
    pages = _pages(tmp_path / "pages", 150)
    first, second = tmp_path / "graph.ttl", small_disk / "graph.nt"
    first.write_bytes(b"previous first\n")
    second.write_bytes(b"previous second\n" * 5000)
    result = run_cli("build", pages, "-o", first, "-o", second, "-q")
    line = assert_one_error_line(result, str(second), exit_code=4)
    assert "disk is full" in line
    assert first.read_bytes() == b"previous first\n" and second.read_bytes() == b"previous second\n" * 5000
    assert sorted(p.name for p in small_disk.iterdir()) == ["graph.nt"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["graph.ttl"]


def test_outputs_to_a_device_and_through_a_symlink_are_written_in_place(tmp_path):
    """Regression (issue 14): `-o /dev/null` (a device) is written into, never replaced by a
    regular file; `-o link.ttl` writes the link's target and keeps the link."""
    r = run_cli("build", ESCO_PAGE, "-o", "/dev/null", "--format", "ntriples", "-q")
    assert r.exit_code == 0 and Path("/dev/null").is_char_device()
    real = tmp_path / "real.ttl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.ttl"
    link.symlink_to(real)
    assert run_cli("build", ESCO_PAGE, "-o", link, "-q").exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("@prefix")
