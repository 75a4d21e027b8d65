"""`neutra factors list|show|search` show the starter library beside the stored sets."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from neutra.cli import main
from neutra.cli.main import app
from neutra.formats.starter import starter_library


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, list(args), env={"NEUTRA_HOME": str(home), "COLUMNS": "250"}, catch_exceptions=False
    )
    return result.exit_code, result.output


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(main.out, "width", 400)  # one table row per factor, unwrapped
    return tmp_path / "home"


def test_on_a_fresh_home_factors_list_shows_the_starter_sets_marked_as_such(fresh_home):
    code, output = run(fresh_home, "factors", "list")
    assert code == 0
    for factor_set in starter_library():
        line = next(line for line in output.splitlines() if f" {factor_set.name} " in line)
        assert factor_set.version in line
        assert "starter" in line
    assert "the starter library above is used by default" in output


def test_factors_show_shows_a_starter_set_by_name_or_name_at_version(fresh_home):
    desnz = {s.name: s for s in starter_library()}["desnz-2025"]
    for reference in ("desnz-2025", desnz.label):
        code, output = run(fresh_home, "factors", "show", reference)
        assert code == 0, output
        assert f"desnz-2025 (starter library) version {desnz.version}" in output
        assert "1_100_1004_6" in output
    code, output = run(fresh_home, "factors", "show", "no-such-set")
    assert code == 2


def test_factors_search_finds_starter_factors_with_their_description_and_activity(fresh_home):
    code, output = run(fresh_home, "factors", "search", "natural gas")
    assert code == 0
    assert "desnz-2025:1_100_1004_6" in output
    assert "fuel.natural_gas" in output
    assert "Fuels > Gaseous fuels > Natural gas; per kWh (Gross CV)" in output
    assert "(starter)" in output
    assert "No factor of the stored" not in output
