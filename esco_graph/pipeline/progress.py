"""What a long build says as it goes: the pipeline's side of progress (the command line draws it)."""
from __future__ import annotations

from typing import Callable, Optional


class Progress:
    """What a long build says as it goes, stage by stage; this one says nothing.

    The pipeline calls ``stage(name, total, unit)`` when a stage starts (``total`` None when it
    is not known in advance), ``advance(item)`` for each item done and ``done()`` when the stage
    ends. The command line's reporter draws bars on a terminal and one line a stage in logs."""

    def stage(self, name: str, total: Optional[int] = None, unit: str = "item") -> None:
        pass

    def advance(self, item: str = "") -> None:
        pass

    def done(self) -> None:
        pass


class _PerPage(Progress):
    """A plain function called with each parsed page's location (the earlier progress API)."""

    def __init__(self, callback: Callable[[str], None]):
        self.callback = callback

    def advance(self, item: str = "") -> None:
        if item:
            self.callback(item)


def as_progress(progress) -> Progress:
    if progress is None:
        return Progress()
    return progress if isinstance(progress, Progress) else _PerPage(progress)
