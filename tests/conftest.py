"""Test helpers shared by every test module.

Tests that need something outside Python (PostgreSQL, Java for Spark, a
shared publisher file, Chromium) call `need(...)`: it skips with the reason on
a developer machine without it, and fails under NEUTRA_REQUIRE_ALL=1 (CI),
where everything must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def need(available: bool, reason: str) -> None:
    """Skip (or, in CI, fail) unless `available`."""
    if available:
        return
    if os.environ.get("NEUTRA_REQUIRE_ALL") == "1":
        pytest.fail(f"NEUTRA_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


def shared_file(relative: str) -> Path:
    """A publisher file of ../shared/data, or skip/fail if it is missing."""
    path = SHARED_DATA / relative
    need(path.is_file(), f"shared data file {relative} is missing")
    return path
