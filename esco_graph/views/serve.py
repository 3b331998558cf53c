"""A SPARQL endpoint and a query page in the browser over the embedded store: ``esco-graph serve``.

Runs the real Oxigraph server (the ``oxigraph`` package ships it, with YASGUI as its query page)
on the store's folder: ``/query`` (SPARQL 1.1 Protocol), ``/`` the query page. Read-only unless
asked otherwise, on 127.0.0.1 unless told otherwise. The facts of an esco-graph build sit in the
default graph, so queries need no union default graph (``union_default_graph`` turns it on for
stores that hold other data in named graphs).
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Optional

from ..errors import InputError, OptionError, StoreError


def oxigraph_server() -> str:
    """The ``oxigraph`` executable: beside this Python's (the package's wheel puts it there), or on PATH."""
    here = Path(sys.executable).with_name("oxigraph")
    if here.is_file():
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise StoreError("the Oxigraph server is not installed (pip install oxigraph): `serve` runs it")


def check_bind(bind: str) -> tuple[str, int]:
    """HOST:PORT, the port 0-65535."""
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise OptionError(f"--bind takes HOST:PORT (e.g. 127.0.0.1:7878), not {bind!r}", "--bind")
    return host.strip("[]"), int(port)


def server_command(store: str | Path, *, bind: str = "127.0.0.1:7878", read_only: bool = True,
                   union_default_graph: bool = False, timeout: Optional[float] = None) -> list[str]:
    """The command line of the Oxigraph server over an existing embedded store."""
    path = Path(store).expanduser()
    if not path.is_dir():
        raise InputError(str(path), "no store here (make one with `esco-graph load` or `build --store`)")
    check_bind(bind)
    command = [oxigraph_server(), "serve-read-only" if read_only else "serve", "--location", str(path),
               "--bind", bind]
    if union_default_graph:
        command.append("--union-default-graph")
    if timeout:
        command += ["--timeout-s", str(int(timeout))]
    return command


def serve(store: str | Path, *, bind: str = "127.0.0.1:7878", read_only: bool = True,
          union_default_graph: bool = False, timeout: Optional[float] = None) -> int:
    """Run the server until it stops or Ctrl-C (SIGINT) or SIGTERM arrives; then stop it cleanly.
    Returns 0 after a clean stop, else the server's exit code."""
    command = server_command(store, bind=bind, read_only=read_only, union_default_graph=union_default_graph,
                             timeout=timeout)
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)

    def stop(signum, frame):  # the child gets its own SIGTERM; we wait for it below
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
        return code
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = ["check_bind", "oxigraph_server", "serve", "server_command"]
