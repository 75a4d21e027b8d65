"""A missing optional part (Spark, the PostgreSQL driver) is a clear message naming how to install it.

`python3 dev.py run` installs Neutra without its extras. These tests run the
command in a fresh Python where the extra's package cannot be imported, as in
that environment, and expect the install command instead of a traceback.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from neutra.extras import Extra, MissingExtraError, require
from tests.conftest import ROOT

EXAMPLE = ROOT / "src" / "neutra" / "data" / "examples" / "acme"


def _without(modules: list[str], args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """`neutra ARGS` in a new Python where `modules` cannot be imported."""
    blocked = "".join(f"sys.modules[{m!r}] = None; " for m in modules)
    code = f"import sys; {blocked}from neutra.cli.main import main; main({args!r})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_footprint_on_spark_without_pyspark_says_how_to_install_it(tmp_path: Path) -> None:
    code, output = _without(
        ["pyspark"],
        ["footprint", str(EXAMPLE / "activities.csv"), "--engine", "spark"],
        {"NEUTRA_HOME": str(tmp_path)},
    )
    assert code == 2
    assert "--engine spark needs PySpark, which is not installed" in output
    assert "python3 dev.py install spark" in output
    assert "neutra[spark]" in output
    assert "Traceback" not in output
    assert "ModuleNotFoundError" not in output


def test_a_postgres_database_url_without_the_driver_says_how_to_install_it(
    tmp_path: Path,
) -> None:
    code, output = _without(
        ["psycopg", "psycopg2"],
        ["serve"],
        {
            "NEUTRA_HOME": str(tmp_path),
            "SECRET_KEY": "k" * 50,
            "DATABASE_URL": "postgres://neutra:hunter2@127.0.0.1:5432/neutra",
        },
    )
    assert code == 2
    assert "Cannot start" in output
    assert "needs the psycopg driver, which is not installed" in output
    assert "python3 dev.py install postgres" in output
    assert "neutra[postgres]" in output
    assert "Error loading psycopg" not in output
    assert "Traceback" not in output
    assert "hunter2" not in output


def test_the_install_hints_name_the_extras_pyproject_declares() -> None:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    assert set(dev.declared_extras()) == {extra.value for extra in Extra}


def test_an_installed_extra_is_not_refused() -> None:
    # The test environment has every extra (dev.py test installs them all).
    for extra in Extra:
        require(extra)
    error = MissingExtraError(Extra.SPARK)
    assert isinstance(error, ImportError)
    assert error.extra["extra"] is Extra.SPARK
