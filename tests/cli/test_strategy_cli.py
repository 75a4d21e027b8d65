"""`neutra strategy` as a user runs it (in-process): the neutra.strategy/1 document and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neutra.cli.main import app

HISTORY = """year,scope1,scope2_location,scope2_market,scope3
2020,60000,45000,40000,100000
2021,58000,44000,38000,101000
2022,57000,42000,35000,103000
2023,56000,40000,30000,99000
"""
DENOMINATORS = """year,indicator,value,unit,source
2020,fte,1000,FTE,HR system
2023,fte,1250,FTE,HR system
2020,revenue,200000000,EUR,annual report
2023,revenue,250000000,EUR,annual report
2023,tonnes_produced,43000,t,ERP
"""
TARGETS = """target_id,kind,scopes,scope2,base_year,base_value,target_year,reduction,denominator,criteria
SBTI,absolute,1+2,market,2020,,2030,0.42,,sbti-near-term-1.5c
FTE,intensity,1+2+3,market,2020,,2030,0.5,fte,
"""
CHANGES = """year,kind,description,base_year_effect_t
2022,acquisition,Bought Beta GmbH,12000
2023,organic,A new production line,9000
"""

runner = CliRunner()


def write(folder: Path, **texts: str) -> dict[str, Path]:
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text)
    return paths


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_the_json_document_follows_the_strategy_schema(tmp_path: Path) -> None:
    p = write(
        tmp_path, history=HISTORY, denominators=DENOMINATORS, targets=TARGETS, changes=CHANGES
    )
    code, out, err = run(
        "strategy", "--history", p["history"], "--denominators", p["denominators"],
        "--targets", p["targets"], "--changes", p["changes"], "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["schema"] == "neutra.strategy/1"
    base = document["base_year"]
    assert list(base) == [
        "year",
        "as_reported_t",
        "restated_t",
        "recalculated",
        "cumulative_change",
        "reasons",
    ]
    assert base["year"] == 2020
    assert base["as_reported_t"] == 200_000.0  # S1 + S2 market + S3 of 2020
    assert base["restated_t"] == 212_000.0  # the acquisition is 6 %: recalculated
    assert base["recalculated"] is True
    assert base["cumulative_change"] == pytest.approx(0.06)
    assert len(base["reasons"]) == 1
    assert "Bought Beta GmbH" in base["reasons"][0]
    emissions = document["years"]["2023"]["emissions"]
    assert list(emissions) == [
        "scope1", "scope2_location", "scope2_market", "scope3",
        "scope1_2_location", "scope1_2_market", "total_location", "total_market",
    ]  # fmt: skip
    assert emissions["scope1_2_market"] == 86_000.0
    assert emissions["total_location"] == 195_000.0
    intensity = document["years"]["2023"]["intensity"]
    assert intensity["fte"]["scope1_2_market"] == pytest.approx(86_000 / 1_250)
    assert intensity["revenue"]["total_market"] == pytest.approx(185_000 / 250)  # per million EUR
    assert intensity["tonnes_produced"]["scope1"] == pytest.approx(56_000 / 43_000)
    sbti, fte = document["targets"]
    assert sbti["target_id"] == "SBTI"
    # The restated base of scopes 1+2: 100,000 t x 212,000 / 200,000 (the scope mix kept).
    assert sbti["path"]["2020"] == pytest.approx(106_000.0)
    assert sbti["path"]["2025"] == pytest.approx(106_000.0 * 0.79)
    assert list(sbti["path"]) == [str(y) for y in range(2020, 2031)]
    assert sbti["actual"]["2023"] == 86_000.0
    assert sbti["status"] == "on_track"
    assert sbti["criteria"]["name"] == "sbti-near-term-1.5c"
    assert sbti["criteria"]["met"] is True  # 4.2 %/yr; the FTE target covers all of scope 3
    assert fte["status"] == "on_track"


def test_the_worked_example_of_the_sbti_rate_from_a_file(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        history="year,scope1,scope2_location,scope2_market,scope3\n2020,70000,40000,30000,0\n",
        targets="target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,1+2,2020,2030,0.42\n",
    )
    code, out, err = run(
        "strategy", "--history", p["history"], "--targets", p["targets"], "--format", "json"
    )
    assert code == 0, err
    path = json.loads(out)["targets"][0]["path"]
    assert path["2025"] == pytest.approx(79_000.0)
    assert path["2030"] == pytest.approx(58_000.0)
    assert json.loads(out)["targets"][0]["status"] == "no_data"


def test_the_table_names_the_scopes_and_the_boundary_beside_the_figures(tmp_path: Path) -> None:
    p = write(tmp_path, history=HISTORY, denominators=DENOMINATORS, targets=TARGETS)
    code, out, err = run(
        "strategy",
        "--history",
        p["history"],
        "--denominators",
        p["denominators"],
        "--targets",
        p["targets"],
    )
    assert code == 0, err
    assert "scopes 1 + 2 (market-based)" in out
    assert "numerator and denominator both for" in out
    assert "on_track" in out
    assert "79,000" in out  # the SBTI target: 100,000 t in 2020 at 4.2 %/yr, 2025
    assert "not recalculated" in out


@pytest.mark.parametrize(
    ("name", "text", "row", "column"),
    [
        ("targets", "target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,1+2,2020,2018,0.42\n", 2, "target_year"),
        ("targets", "target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,1+2,2020,2030,42\n", 2, "reduction"),
        ("denominators", "year,indicator,value,unit,source\n2020,fte,-12,FTE,HR\n", 2, "value"),
        ("denominators", "year,indicator,value,unit,source\n2020,revenue,1000000,KES,AR\n2021,revenue,1000000,USD,AR\n", 2, "unit"),
        ("denominators", "year,indicator,value,unit,source\n2019,fte,100,FTE,HR\n", 2, "year"),
        ("targets", "target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,1+2,2018,2030,0.42\n", 2, "base_year"),
        ("changes", "year,kind,description,base_year_effect_t\n2022,merger,Merged,100\n", 2, "kind"),
        ("changes", "year,kind,description,base_year_effect_t\n2020,acquisition,In the base year,100\n", 2, "year"),
    ],
    ids=[
        "target-year-before-base-year", "reduction-over-100-percent", "negative-headcount",
        "currency-without-rate", "denominator-year-without-history", "target-base-year-without-history",
        "unknown-change-kind", "change-in-the-base-year",
    ],
)  # fmt: skip
def test_bad_input_is_listed_with_its_row_and_column_and_nothing_is_computed(
    tmp_path: Path, name: str, text: str, row: int, column: str
) -> None:
    p = write(tmp_path, history=HISTORY, **{name: text})
    code, out, err = run(
        "strategy", "--history", p["history"], f"--{name}", p[name], "--format", "json"
    )
    assert code == 2
    document = json.loads(out)
    assert document["schema"] == "neutra.errors/1"  # not a strategy document
    (problem,) = document["problems"]
    assert problem["file"] == str(p[name])
    assert (problem["row"], problem["column"]) == (row, column)
    assert problem["reason"]
    assert "problem" in err


def test_a_base_year_the_history_lacks_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, history=HISTORY)
    code, out, _ = run(
        "strategy", "--history", p["history"], "--base-year", "2015", "--format", "json"
    )
    assert code == 2
    (problem,) = json.loads(out)["problems"]
    assert problem["file"] == "--base-year"
    assert "no figures for 2015" in problem["reason"]


def test_every_problem_of_every_file_is_listed_at_once(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        history=HISTORY + "2024,abc,1,1,1\n2021,1,1,1,1\n",
        targets="target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,4,2020,2030,0.4\n",
    )
    code, out, _ = run(
        "strategy", "--history", p["history"], "--targets", p["targets"], "--format", "json"
    )
    assert code == 2
    found = {(Path(x["file"]).stem, x["row"], x["column"]) for x in json.loads(out)["problems"]}
    assert found == {("history", 6, "scope1"), ("history", 7, "year"), ("targets", 2, "scopes")}


def test_a_threshold_outside_0_to_1_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, history=HISTORY)
    code, _, err = run("strategy", "--history", p["history"], "--threshold", "5")
    assert code == 2
    assert "--threshold" in err


@pytest.mark.parametrize(
    ("option", "text"),
    [("--base-year", "٢٠٢٠"), ("--base-year", "2_020"), ("--base-year", "20200"),
     ("--base-year", "abc"), ("--threshold", "0.0_5"), ("--threshold", "٠.٠٥"),
     ("--threshold", "nan"), ("--threshold", "")],
)  # fmt: skip
def test_options_are_read_as_files_are_in_ascii_digits_and_listed_as_problems(
    tmp_path: Path, option: str, text: str
) -> None:
    # Python's int() and float() took "٢٠٢٠" and "0.0_5"; a file's reader refuses both.
    p = write(tmp_path, history=HISTORY)
    code, out, _ = run("strategy", "--history", p["history"], option, text, "--format", "json")
    assert code == 2
    (problem,) = json.loads(out)["problems"]
    assert (problem["file"], problem["value"]) == (option, text)


TOO_MANY_TONNES = "too large: an emission figure is at most 1e+15 t CO2e"
NOT_A_NUMBER = "give a number with '.' as decimal point and no thousands separators"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("history", f"year,scope1,scope2_location,scope2_market,scope3\n{'9' * 5000},1,1,1,1\n",
         [(2, "year", "9" * 80, "give a year such as 2024")]),
        ("targets", f"target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,1+2,2020,{'2' * 5000},0.4\n",
         [(2, "target_year", "2" * 80, "give a year such as 2024")]),
        ("history", "year,scope1,scope2_location,scope2_market,scope3\n2020,1e308,1,1,1e999\n",
         [(2, "scope1", "1e308", TOO_MANY_TONNES), (2, "scope3", "1e999", TOO_MANY_TONNES)]),
        ("changes", "year,kind,description,base_year_effect_t\n2022,acquisition,x,1e308\n2022,divestment,y,-1e16\n",
         [(2, "base_year_effect_t", "1e308", TOO_MANY_TONNES), (3, "base_year_effect_t", "-1e16", TOO_MANY_TONNES)]),
        ("history", "year,scope1,scope2_location,scope2_market,scope3\n٢٠٢٠,١,1_0,１,1\n",
         [(2, "year", "٢٠٢٠", "give a year such as 2024"), (2, "scope1", "١", NOT_A_NUMBER),
          (2, "scope2_location", "1_0", NOT_A_NUMBER), (2, "scope2_market", "１", NOT_A_NUMBER)]),
    ],
    ids=["year-of-5000-digits", "target-year-of-5000-digits", "emissions-beyond-the-bound",
         "changes-beyond-the-bound", "digits-of-other-scripts"],
)  # fmt: skip
def test_numbers_no_file_of_emissions_can_hold_are_problems_on_their_cells(
    tmp_path: Path, name: str, text: str, expected: list[tuple[int, str, str, str]]
) -> None:
    p = write(tmp_path, **{"history": HISTORY, name: text})
    code, out, err = run(
        "strategy", "--history", p["history"], f"--{name}", p[name], "--format", "json"
    )
    assert code == 2
    assert "Traceback" not in err
    found = [
        (x["file"], x["row"], x["column"], x["value"], x["reason"])
        for x in json.loads(out)["problems"]
    ]
    assert found == [(str(p[name]), *problem) for problem in expected]


def test_a_base_year_too_small_to_restate_names_its_row_of_the_history(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        history="year,scope1,scope2_location,scope2_market,scope3\n2020,1e-320,0,0,0\n2021,5,5,5,5\n",
        changes="year,kind,description,base_year_effect_t\n2021,acquisition,Bought Beta GmbH,12000\n",
    )
    code, out, err = run(
        "strategy", "--history", p["history"], "--changes", p["changes"], "--format", "json"
    )
    assert code == 2
    assert "Traceback" not in err
    assert json.loads(out)["problems"] == [
        {
            "file": str(p["history"]),
            "row": 2,
            "column": "year",
            "value": "2020",
            "reason": "2020's emissions as reported (1e-320 t CO2e) are too small to restate "
            "in proportion to the changes (+12,000.0 t CO2e)",
        }
    ]
