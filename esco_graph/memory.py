"""Memory sizes: the budget a user gives (``--memory-budget 1GiB``) and what the process holds now."""
from __future__ import annotations

import os
import re
from typing import Optional, Union

from .errors import OptionError

DEFAULT_MEMORY_BUDGET = 1 << 30  # 1 GiB

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1 << 10, "m": 1000 ** 2, "mb": 1000 ** 2, "mib": 1 << 20,
          "g": 1000 ** 3, "gb": 1000 ** 3, "gib": 1 << 30, "t": 1000 ** 4, "tb": 1000 ** 4, "tib": 1 << 40}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*\Z")


def parse_size(size: Union[int, str], option: str = "--memory-budget") -> int:
    """Bytes from a size: an integer, or a number with a unit (512MiB, 1GiB, 2G, 800MB; K, M, G, T
    are powers of 1000, KiB, MiB, GiB, TiB powers of 1024); an OptionError otherwise."""
    if isinstance(size, int) and not isinstance(size, bool):
        if size < 0:
            raise OptionError(f"a size cannot be negative: {size}", option)
        return size
    match = _SIZE.match(size) if isinstance(size, str) else None
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if unit is None:
        raise OptionError(f"{size!r} is not a size (e.g. 512MiB, 1GiB, 2G, or a number of bytes)", option)
    return int(float(match.group(1)) * unit)


def parse_budget(budget: Union[int, str, None], option: str = "--memory-budget") -> Optional[int]:
    """A memory budget: a size (:func:`parse_size`), or None / 'none' for no limit."""
    if budget is None or (isinstance(budget, str) and budget.strip().lower() == "none"):
        return None
    return parse_size(budget, option)


def resident_bytes() -> Optional[int]:
    """The memory this process holds now (its resident set), or None where the system does not
    say (this reads Linux's /proc)."""
    try:
        with open("/proc/self/statm", "rb") as stream:
            resident_pages = int(stream.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")
