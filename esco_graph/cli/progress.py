"""Progress on stderr: bars with totals, rate and time left on a terminal (tqdm); one line a
stage with its count and seconds when stderr is a log (CI); nothing with -q."""
from __future__ import annotations

import sys
import time
from typing import Optional

import click

from ..pipeline import Progress


class StderrProgress(Progress):
    """The pipeline's :class:`~esco_graph.pipeline.Progress`, shown on stderr."""

    def __init__(self, quiet: bool = False, *, terminal: Optional[bool] = None):
        self.quiet = quiet
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._bar = None
        self._name: Optional[str] = None
        self._unit = "item"
        self._count = 0
        self._started = 0.0

    def stage(self, name: str, total: Optional[int] = None, unit: str = "item") -> None:
        self.done()
        self._name, self._unit, self._count, self._started = name, unit, 0, time.perf_counter()
        if self.quiet or not self.terminal:
            return
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=f"{name:<9}", unit=f" {unit}", file=sys.stderr, leave=False,
                         dynamic_ncols=True, mininterval=0.2)

    def advance(self, item: str = "") -> None:
        self._count += 1
        if self._bar is not None:
            self._bar.update(1)

    def abandon(self) -> None:
        """The work stopped on an error: take the bar away and say nothing of the stage."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._name = None

    def done(self) -> None:
        if self._name is None:
            return
        seconds = time.perf_counter() - self._started
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if not self.quiet:
            count = f"{self._count} {self._unit}{'' if self._count == 1 else 's'}, " if self._count else ""
            click.echo(f"{self._name}: {count}{seconds:.2f} s", err=True)
        self._name = None


__all__ = ["StderrProgress"]
