"""The import contracts hold, and really fail when an app imports an app above it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(src: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("tenancy.models", "dashboards.selectors"),
        # A restatement's copies are the workflow's to orchestrate: inventories may not
        # reach up to the activities or instruments services (the contract has no exceptions).
        ("inventories.services", "activities.services"),
        ("inventories.services", "instruments.services"),
    ],
)
def test_a_web_app_importing_an_app_above_it_breaks_the_layers_contract(
    tmp_path: Path, importer: str, imported: str
):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "neutra", src / "neutra", ignore=shutil.ignore_patterns("data"))
    module = src / "neutra" / "web" / (importer.replace(".", "/") + ".py")
    upward = f"from neutra.web.{imported} import __name__ as _upward  # noqa: F401\n"
    module.write_text(module.read_text() + upward)
    done = _lint(src, tmp_path)
    assert done.returncode == 1, done.stdout
    assert "web apps are layered: an app imports only the apps below it BROKEN" in done.stdout
    assert f"neutra.web.{importer} -> neutra.web.{imported}" in done.stdout


def test_the_code_as_it_is_keeps_every_import_contract(tmp_path: Path):
    done = _lint(ROOT / "src", tmp_path)
    assert done.returncode == 0, done.stdout
    assert "BROKEN" not in done.stdout
