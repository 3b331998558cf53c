"""Output files: the one atomic writer (temporary file in the same folder, fsync, rename).

Every file esco-graph writes (graphs, reports, query results, the URL cache) goes through
:func:`atomic_output`, so a failed or killed run never leaves a partial file and never
replaces the previous good one.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, Optional

from .errors import OutputError


def check_output_path(path: str) -> None:
    """Fail before any work when an output cannot be written: missing or read-only folder, a folder in the way."""
    if path == "-":
        return
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if _written_through(target):
        return
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {folder} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{path}: the file is read-only")


def written_directly(path: str) -> bool:
    """Whether an output is written as it goes, with no file to replace at the end (standard
    output, a device, a FIFO): what is written there cannot be taken back."""
    return path == "-" or _written_through(Path(os.path.realpath(path)))


def _written_through(path: Path) -> bool:
    """A device, FIFO or socket (e.g. ``/dev/stdout``, ``/dev/null``): written into as it is,
    never replaced by a regular file (which, run as root, would clobber the device node)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _Staged:
    """One output being written: a temporary file beside its target, or the target itself when it
    is a device; :meth:`finish` makes it durable, :meth:`commit` puts it in place, :meth:`abort`
    leaves the previous file as it was. A symbolic link is written through: its target is
    replaced, the link stays."""

    def __init__(self, path: str):
        self.path = path
        target = Path(path)
        if target.is_symlink():
            target = Path(os.path.realpath(target))
        self.target = target
        self.folder = target.parent if str(target.parent) else Path(".")
        self.tmp: Optional[str] = None
        self.direct = _written_through(target)
        try:
            if self.direct:
                self.handle = open(target, "wb")  # noqa: SIM115 (closed in finish/abort)
            else:
                fd, self.tmp = _open_temporary(self.folder, target.name)
                self.handle = os.fdopen(fd, "wb")
        except OSError as exc:
            raise output_error(path, exc) from None

    def finish(self) -> None:
        handle = self.handle
        handle.flush()
        if not self.direct:
            target = self.target
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
            if self.tmp is None:  # an unnamed O_TMPFILE file: give it a name next to the target
                self.tmp = _temporary_name(self.folder, target.name)
                _link_unnamed(handle.fileno(), self.tmp)
        handle.close()

    def commit(self) -> None:
        if not self.direct:
            os.replace(self.tmp, self.target)
            self.tmp = None
            _fsync_folder(self.folder)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            self.tmp = None


def write_failure(exc: OSError) -> str:
    """Why a write failed, in words (a full disk, a file size limit, else the system's own)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno == errno.EFBIG:
        return "the file is larger than the file system or the file size limit (ulimit -f) allows"
    return exc.strerror or str(exc)


def output_error(path: str, exc: OSError) -> OutputError:
    """The one-line error for an output that could not be written."""
    return OutputError(f"{path}: {write_failure(exc)}; the previous file (if any) is unchanged")


def scratch_error(item: str, exc: OSError) -> OutputError:
    """The error for a private temporary file (an archive's members, a spooled stdin) that could not be
    written: the machine's fault, not the input's, so an output error (exit 4), naming the folder."""
    return OutputError(f"{item}: cannot be unpacked into the temporary folder {tempfile.gettempdir()} "
                       f"({write_failure(exc)}; TMPDIR names another)")


@contextlib.contextmanager
def atomic_outputs(paths: "list[str]") -> Iterator[list[BinaryIO]]:
    """Binary streams whose contents replace their paths together: every output is written and
    made durable first, then all are renamed into place; a failure anywhere (a full disk on the
    last one) leaves every previous file as it was. '-' is standard output.

    The data goes to temporary files in the targets' folders (unnamed until complete where Linux
    allows it, O_TMPFILE: a process killed with SIGKILL leaves nothing behind; elsewhere a killed
    process may leave a hidden ``.NAME.*.tmp`` file, never a partial file at a path). Devices and
    FIFOs (``/dev/stdout``) are written into as they are; symbolic links are written through."""
    staged: list[_Staged] = []
    current = paths[0] if paths else "?"  # the output an OSError is about
    try:
        streams = []
        for path in paths:
            if path == "-":
                streams.append(sys.stdout.buffer)
            else:
                current = path
                staged.append(_Staged(path))
                streams.append(staged[-1].handle)
        current = paths[0] if paths else "?"
        yield streams
        for item in staged:
            current = item.path
            item.finish()
        for item in staged:
            current = item.path
            item.commit()
        if "-" in paths:
            sys.stdout.flush()
    except BaseException as exc:
        for item in staged:
            item.abort()
        if isinstance(exc, OSError) and not isinstance(exc, (OutputError, BrokenPipeError)):
            raise output_error(current, exc) from None
        raise


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces `path` only when the block succeeds (see
    :func:`atomic_outputs`); on any failure or interruption the previous file is untouched."""
    with atomic_outputs([path]) as streams:
        yield streams[0]


def _temporary_name(folder: Path, name: str) -> str:
    return str(folder / f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def _link_unnamed(fd: int, path: str) -> None:
    """Give the unnamed (O_TMPFILE) file open as `fd` the name `path`.

    linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N; os.link uses linkat only when given a folder
    fd (plain link() would try to link the /proc symlink itself and fail with EXDEV).
    """
    folder = os.open(os.path.dirname(path) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(path), dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _open_temporary(folder: Path, name: str) -> tuple[int, Optional[str]]:
    """(fd, None) for an unnamed O_TMPFILE file in `folder`, else (fd, path) of a named one."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o600), None
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOTSUP):
                raise
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=str(folder))
    return fd, tmp


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: "str | Path", data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    with atomic_output(str(path)) as stream:
        stream.write(data)


__all__ = ["atomic_output", "atomic_outputs", "check_output_path", "output_error", "write_atomic"]
