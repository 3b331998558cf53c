"""Shared fixtures: the bundled sample pages, and ../shared when it is there."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SHARED = ROOT.parent / "shared"
ESCO_PAGE = SAMPLES / "esco-medical-device-engineering-technician.txt"
DESTINAI_PAGE = SAMPLES / "destinai-microsystem-engineering-technician.txt"


@pytest.fixture
def shared() -> Path:
    """../shared (design, real pages, ESCO v1.2.0 data); skips when absent, as in a user's clone."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture
def esco_data(shared) -> Path:
    path = shared / "esco-v1.2.0"
    if not path.is_dir():
        pytest.skip("../shared/esco-v1.2.0 is absent")
    return path


@pytest.fixture
def esco_page() -> Path:
    return ESCO_PAGE


@pytest.fixture
def destinai_page() -> Path:
    return DESTINAI_PAGE


def require_tool(name: str) -> str:
    """The path of an external tool; skip when absent, but fail in CI (ESCO_GRAPH_REQUIRE_TOOLS=1)."""
    import os
    import shutil

    path = shutil.which(name)
    if path is None:
        if os.environ.get("ESCO_GRAPH_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} is required here (ESCO_GRAPH_REQUIRE_TOOLS=1) but not installed")
        pytest.skip(f"{name} is not installed")
    return path
