"""Test helpers shared by every test module.

Tests that need something outside Python (PostgreSQL, Java for Spark,
Chromium) call `need(...)`: it skips with the reason on
a developer machine without it, and fails under NEUTRA_REQUIRE_ALL=1 (CI),
where everything must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLISHERS = ROOT / "tests" / "data" / "publishers"  # publisher files; see SOURCES.md there


def need(available: bool, reason: str) -> None:
    """Skip (or, in CI, fail) unless `available`."""
    if available:
        return
    if os.environ.get("NEUTRA_REQUIRE_ALL") == "1":
        pytest.fail(f"NEUTRA_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


def publisher_file(relative: str) -> Path:
    """A publisher file kept in tests/data/publishers (never skipped: it is in the repository)."""
    path = PUBLISHERS / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not in tests/data/publishers (see SOURCES.md there)")
    return path
