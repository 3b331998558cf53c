"""Output files: the one atomic writer (temporary file in the same folder, fsync, rename).

Every file esco-graph writes (graphs, reports, query results, the URL cache) goes through
:func:`atomic_output`, so a failed or killed run never leaves a partial file and never
replaces the previous good one.
"""
from __future__ import annotations

import contextlib
import errno
import os
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
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {folder} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{path}: the file is read-only")


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces `path` only when the block succeeds.

    The data goes to a temporary file in the same folder, is fsynced, then renamed over the
    target (and the folder fsynced); on any failure (or interruption) the temporary file is
    removed and the previous file at `path` is untouched. Where the file system allows it
    (Linux, O_TMPFILE) the temporary file has no name until it is complete, so even a process
    killed with SIGKILL leaves nothing behind; elsewhere a killed process may leave a hidden
    ``.NAME.*.tmp`` file, never a partial file at `path`.
    """
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp: Optional[str] = None
    try:
        fd, tmp = _open_temporary(folder, target.name)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
            if tmp is None:  # an unnamed O_TMPFILE file: give it a name next to the target, then rename
                tmp = _temporary_name(folder, target.name)
                _link_unnamed(handle.fileno(), tmp)
        os.replace(tmp, target)
        tmp = None
        _fsync_folder(folder)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                reason = "the disk is full"
            elif exc.errno == errno.EFBIG:
                reason = "the file is larger than the file system or the file size limit (ulimit -f) allows"
            else:
                reason = exc.strerror or str(exc)
            raise OutputError(f"{path}: {reason}; the previous file (if any) is unchanged") from None
        raise


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


__all__ = ["atomic_output", "check_output_path", "write_atomic"]
