"""Python's cycle collector, tuned for the length of one call. A build or a vocabulary load makes
millions of small objects and hardly any cycles, and at the default (a collection every 700
allocations) the collections took 5 of a build's 25 s on the bench corpus. This is the one place
the process-wide setting changes, and it is put back on the way out, also on an error."""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def fewer_collections(every: int = 100_000) -> Iterator[None]:
    """Collect the youngest generation every `every` allocations (never more often than the
    caller had it) while the block runs; cycles are still collected."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], every), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
