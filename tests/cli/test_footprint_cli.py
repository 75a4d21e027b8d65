"""The `neutra` command as a user runs it: exit codes, outputs, factor store.

In this process (`tests.cli_run.neutra`, the installed script's entry point),
and a few through the installed script itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from neutra.formats.starter import starter_library
from tests.cli_run import installed_neutra, neutra

ACME = Path(__file__).resolve().parents[2] / "src" / "neutra" / "data" / "examples" / "acme"
FACTORS = """factor_id,activity,gas,value,unit,gwp_set,scope,category
gas,fuel.natural_gas,CO2e,0.2,kg/kWh,AR5,1,
flight,travel.air,CO2e,0.15,kg/passenger_km,AR5,3,6
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "id,year,activity,quantity,unit\n"
        "a,2024,fuel.natural_gas,1000,kWh\n"
        "b,2024,travel.air,2000,passenger_km\n"
        "c,2024,fuel.natural_gas,-100,kWh\n"
    )
    factors = tmp_path / "factors.csv"
    factors.write_text(FACTORS)
    return activities, factors


def test_json_output_follows_the_footprint_schema(files: tuple[Path, Path]) -> None:
    activities, factors = files
    done = neutra("footprint", activities, "--factors", factors, "--gwp", "AR5", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == [
        "schema", "gwp_set", "unit", "totals", "scope3_categories", "by_gas",
        "biogenic_co2_t", "by_entity", "flags", "lines", "provenance",
    ]  # fmt: skip
    assert document["schema"] == "neutra.footprint/1"
    assert document["unit"] == "t CO2e"
    assert document["totals"]["scope1"] == pytest.approx(0.18)  # (1000 - 100) kWh x 0.2 kg
    assert document["scope3_categories"]["6"] == pytest.approx(0.3)
    assert list(document["scope3_categories"]) == [str(n) for n in range(1, 16)]
    assert document["totals"]["total_location"] == pytest.approx(0.48)
    assert document["flags"] == [
        {
            "row": "c",
            "flag": "negative_quantity",
            "detail": "negative quantity -100 kWh (a correction)",
        }
    ]
    assert document["lines"] == []
    assert set(document["provenance"]) >= {"engine", "inputs", "factor_sets", "hash"}


def test_the_inputs_are_recorded_with_the_sha256_of_their_bytes(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    # The command starts hashing each file before its imports, and validation runs while
    # the hashes finish: the provenance holds each file's SHA-256 all the same.
    activities, factors = files
    parquet = tmp_path / "more.parquet"
    pq.write_table(
        pa.table({"year": [2024], "activity": ["fuel.natural_gas"], "quantity": [10.0],
                  "unit": ["kWh"]}),
        parquet,
    )  # fmt: skip
    done = neutra("footprint", activities, parquet, "--factors", factors, "--format", "json")
    assert done.returncode == 0, done.stderr
    inputs = json.loads(done.stdout)["provenance"]["inputs"]
    assert inputs == {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in (activities, parquet)
    }


def test_lines_are_included_only_when_asked(files: tuple[Path, Path]) -> None:
    activities, factors = files
    done = neutra("footprint", activities, "--factors", factors, "--format", "json", "--lines")
    lines = json.loads(done.stdout)["lines"]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert lines[0]["factor"] == "factors:gas"


def test_unknown_columns_pass_through_to_the_lines(tmp_path: Path) -> None:
    # DESIGN §3.1: a column the contract does not know is kept, and comes out with its row;
    # one named like a line's own column comes out as "<name>_input".
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "id,year,activity,quantity,unit,cost_centre,flags\n"
        "a,2024,fuel.natural_gas,1000,kWh,=SUM(A1),site note\n"
        "b,2024,travel.air,2000,passenger_km,CC-7,\n"
    )
    factors = tmp_path / "factors.csv"
    factors.write_text(FACTORS)
    done = neutra("footprint", activities, "--factors", factors, "--format", "json", "--lines")
    lines = json.loads(done.stdout)["lines"]
    assert [(x["cost_centre"], x["flags_input"]) for x in lines] == [
        ("=SUM(A1)", "site note"),
        ("CC-7", None),
    ]
    assert list(lines[0])[-2:] == ["cost_centre", "flags_input"]
    done = neutra("footprint", activities, "--factors", factors, "--format", "csv", "--lines")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    # In CSV behind the formula guard, as every text cell.
    assert [(r["cost_centre"], r["flags_input"]) for r in rows] == [
        ("'=SUM(A1)", "site note"),
        ("CC-7", ""),
    ]


def test_unknown_columns_named_like_the_engines_own_change_nothing(tmp_path: Path) -> None:
    # The engine joins its own small tables (k_unit, factor_ref, c_scale, gas_CO2,
    # m_rate, ...) to the rows: a file's column of the same name stays the file's.
    names = ["k_unit", "k_activity", "k_year", "factor_ref", "c_scale", "gas_CO2", "m_rate",
             "p_flags", "s_entity", "inclusion_share"]  # fmt: skip
    plain = tmp_path / "plain.csv"
    plain.write_text("id,year,activity,quantity,unit\na,2024,fuel.natural_gas,1000,kWh\n")
    named = tmp_path / "named.csv"
    named.write_text(
        f"id,year,activity,quantity,unit,{','.join(names)}\n"
        f"a,2024,fuel.natural_gas,1000,kWh,{','.join(f'v{i}' for i in range(len(names)))}\n"
    )
    factors = tmp_path / "factors.csv"
    factors.write_text(FACTORS)
    documents = []
    for path in (plain, named):
        done = neutra("footprint", path, "--factors", factors, "--format", "json", "--lines")
        assert done.returncode == 0, done.stderr
        documents.append(json.loads(done.stdout))
    assert documents[1]["totals"] == documents[0]["totals"]
    (line,) = documents[1]["lines"]
    assert line["emissions_t_co2e"] == pytest.approx(0.2)
    assert line["factor"] == "factors:gas"
    given = [*names[:-1], "inclusion_share_input"]
    assert {k: line[k] for k in given} == {k: f"v{i}" for i, k in enumerate(given)}
    assert line["inclusion_share"] == 1.0


def test_a_column_named_like_neutras_working_columns_is_refused(tmp_path: Path) -> None:
    # Names starting with "_" are Neutra's own (_source, _row, _key, __neutra_err__scope):
    # a file's would stand in for them (a scope of 7 passed as valid, totals of 0).
    factors = tmp_path / "factors.csv"
    factors.write_text(FACTORS)
    reason = "a column name starting with '_' is reserved for Neutra's own columns: rename it"
    for name, value in (
        ("__neutra_err__scope", ""),
        ("_source", "x"),
        ("_Row", "1"),
        ("_key", "0"),
    ):
        path = tmp_path / "a.csv"
        path.write_text(
            f"id,year,activity,quantity,unit,scope,{name}\n"
            f"a,2024,fuel.natural_gas,5,kWh,7,{value}\n"
        )
        done = neutra("footprint", path, "--factors", factors, "--format", "json")
        assert done.returncode == 2, (name, done.stdout)
        canonical = name.lower() if name.lower() in ("_source", "_row") else name
        problems = [
            (p["row"], p["column"], p["reason"]) for p in json.loads(done.stdout)["problems"]
        ]
        assert (1, canonical, reason) in problems
        table = {"year": [2024], "activity": ["fuel.natural_gas"], "quantity": [5.0],
                 "unit": ["kWh"], name: [value]}  # fmt: skip
        pq.write_table(pa.table(table), tmp_path / "a.parquet")
        done = neutra("footprint", tmp_path / "a.parquet", "--factors", factors, "--format", "json")
        assert done.returncode == 2, (name, done.stdout)
        assert [p["reason"] for p in json.loads(done.stdout)["problems"]] == [reason]


def test_a_file_with_mistakes_lists_every_mistake_and_exits_2(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    _, factors = files
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,year,activity,quantity,unit\n"
        "a,2024,fuel.natural_gas,1,000,kWh\n"  # a thousands separator shifts the row
        "b,20x4,fuel.natural_gas,12,kWh\n"
        "c,2024,fuel.natural_gas,abc,kWh\n"
        "d,2024,fuel.natural_gas,5,furlongs_per_fortnight_squared\n"
    )
    done = neutra("footprint", bad, "--factors", factors, "--format", "json")
    assert done.returncode == 2
    problems = json.loads(done.stdout)["problems"]
    assert len(problems) >= 3
    assert {p["row"] for p in problems} >= {3, 4, 5}
    assert "Traceback" not in done.stderr


def test_a_missing_file_is_a_clear_error_not_a_traceback(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    _, factors = files
    done = neutra("footprint", tmp_path / "nope.csv", "--factors", factors)
    assert done.returncode == 2
    assert "nope.csv" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_factor_set_is_a_clear_error(files: tuple[Path, Path], tmp_path: Path) -> None:
    activities, _ = files
    done = neutra("footprint", activities, "--factors", "no-such-set", home=tmp_path / "home")
    assert done.returncode == 2
    assert "no-such-set" in done.stderr


def test_csv_output_has_one_row_per_figure(files: tuple[Path, Path]) -> None:
    activities, factors = files
    done = neutra("footprint", activities, "--factors", factors, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    totals = {r["key"]: float(r["value"]) for r in rows if r["section"] == "totals"}
    assert totals["scope3"] == pytest.approx(0.3)


def test_xlsx_output_needs_a_file_and_holds_the_summary(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    assert neutra("footprint", activities, "--factors", factors, "--format", "xlsx").returncode == 2
    target = tmp_path / "out.xlsx"
    done = neutra(
        "footprint", activities, "--factors", factors, "--format", "xlsx", "--output", target
    )
    assert done.returncode == 0, done.stderr
    book = CalamineWorkbook.from_path(str(target))
    assert book.sheet_names[:5] == ["Summary", "Scope 3", "Gases", "Entities", "Flags"]
    summary = {r[0]: r[1] for r in book.get_sheet_by_name("Summary").to_python()[1:]}
    assert summary["total_location"] == pytest.approx(0.48)


def test_the_table_shows_both_scope_2_figures_and_the_flags(files: tuple[Path, Path]) -> None:
    activities, factors = files
    done = neutra("footprint", activities, "--factors", factors)
    assert done.returncode == 0, done.stderr
    assert "Scope 2, market-based" in done.stdout
    assert "negative_quantity" in done.stdout


def test_more_lines_than_an_xlsx_sheet_holds_are_refused_before_a_byte_is_written(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neutra.formats import workbook

    monkeypatch.setattr(workbook, "SHEET_ROWS", 2)  # 1,048,575; the 3 lines here
    activities, factors = files
    out = tmp_path / "out.xlsx"
    done = neutra(
        "footprint",
        activities,
        "--factors",
        factors,
        "--format",
        "xlsx",
        "--output",
        out,
        "--lines",
    )
    assert done.returncode == 2
    assert "an XLSX sheet holds 2 rows and this footprint has 3 lines" in done.stderr
    assert not out.exists()


def test_the_table_shows_the_first_lines_and_counts_the_rest(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from neutra.cli import render

    monkeypatch.setattr(render, "MAX_LINES_SHOWN", 2)  # 1,000; the 3 lines here
    activities, factors = files
    done = neutra("footprint", activities, "--factors", factors, "--lines")
    assert done.returncode == 0, done.stderr
    assert "... 1 more lines (all of them with --format csv or json)" in done.stdout


def test_the_output_never_replaces_an_input_a_device_or_a_pipe(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    before = activities.read_bytes(), factors.read_bytes()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    for output, reason in (
        (activities, "is one of the files this command reads: give another name"),
        (factors, "is one of the files this command reads: give another name"),
        (fifo, "is not a regular file (a device, a pipe): give a file name"),
        (Path("/dev/null"), "is not a regular file (a device, a pipe): give a file name"),
        (loop, "is a symbolic link that leads nowhere"),
    ):
        done = neutra("footprint", activities, "--factors", factors, "--output", output)
        assert done.returncode == 2, output
        assert reason in " ".join(done.stderr.split())
    assert (activities.read_bytes(), factors.read_bytes()) == before
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert Path("/dev/null").is_char_device()


def test_an_output_through_a_symbolic_link_replaces_the_file_and_keeps_the_link(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "footprint.csv"
    real.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    done = neutra(
        "footprint", activities, "--factors", factors, "--format", "csv", "--output", link
    )
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert link.resolve() == real.resolve()
    assert real.read_text().startswith("section,key,metric,value")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["footprint.csv"]


def test_an_output_that_cannot_be_written_is_said_before_anything_is_computed(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    for output, reason in (
        (tmp_path / "nowhere" / "out.csv", f"no such folder: {tmp_path / 'nowhere'}"),
        (tmp_path, "is a folder: give a file name"),
    ):
        done = neutra("footprint", activities, "--factors", factors, "--output", output)
        assert done.returncode == 2
        assert reason in " ".join(done.stderr.split())  # (the table may wrap it)
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_failed_write_leaves_no_half_written_file_and_the_old_one_untouched(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neutra.formats import footprint_output

    activities, factors = files
    out = tmp_path / "footprint.json"
    out.write_text("the footprint of last year\n")

    def disk_full(result: object, handle: io.TextIOBase) -> None:
        handle.write('{\n  "schema": "neutra.footprint/1",')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(footprint_output, "write_json", disk_full)
    done = neutra(
        "footprint", activities, "--factors", factors, "--format", "json", "--output", out
    )
    assert done.returncode == 2
    assert "cannot write the file: No space left on device" in done.stdout  # the JSON problems
    assert out.read_text() == "the footprint of last year\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["activities.csv", "factors.csv", "footprint.json"]
    )


def test_approach_without_entities_is_refused(files: tuple[Path, Path]) -> None:
    activities, factors = files
    done = neutra("footprint", activities, "--factors", factors, "--approach", "equity")
    assert done.returncode == 2
    assert "--entities" in done.stderr


def test_imported_factor_sets_are_versioned_and_reimport_is_a_no_op(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    home = tmp_path / "home"
    first = neutra("factors", "import", "csv", factors, "--name", "mine", home=home)
    assert first.returncode == 0, first.stderr
    assert "Imported mine" in first.stdout
    again = neutra("factors", "import", "csv", factors, "--name", "mine", home=home)
    assert "Already imported" in again.stdout
    listing = neutra("factors", "list", home=home)
    assert listing.stdout.count("mine") == 1
    shown = neutra("factors", "show", "mine", home=home)
    assert "fuel.natural_gas" in shown.stdout
    by_name = neutra("footprint", activities, "--factors", "mine", "--format", "json", home=home)
    assert json.loads(by_name.stdout)["provenance"]["factor_sets"][0]["name"] == "mine"
    found = neutra("factors", "search", "natural gas", home=home)
    assert "fuel.natural_gas" in found.stdout


def test_a_bad_factor_file_is_refused_with_its_rows(tmp_path: Path) -> None:
    factors = tmp_path / "f.csv"
    factors.write_text(
        "factor_id,gas,value,unit\nx,CO2,abc,kg/kWh\ny,XYZ,1,kg/kWh\nz,CO2e,1,kg/kWh\n"
    )
    done = neutra("factors", "import", "csv", factors, home=tmp_path / "home")
    assert done.returncode == 2
    for text in ("abc", "XYZ", "gwp_set"):
        assert text in done.stderr


def test_the_example_organisation_runs_offline() -> None:
    done = neutra("example", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    # The starter library's DESNZ 2025 factors, Acme UK: 250,000 kWh gas x 0.18296
    # + 12,000 L diesel x 2.57082 + 20 t pellets x 55.19389 + 2.5 kg R410A x 1924 kg/kg = 82.5037178 t
    assert document["by_entity"]["Acme UK Ltd"]["scope1"] == pytest.approx(82.5037178)
    assert [s["name"] for s in document["provenance"]["factor_sets"]] == [
        "desnz-2025", "desnz-2024", "egrid", "owid-ember", "useeio-1.3",
    ]  # fmt: skip
    # Biogenic CO2 memo: 20 t pellets x 1.67718 t (99_104_1045_15) and the biofuel share of
    # 12,000 L forecourt diesel x 0.14 kg (99_604_1011_8), as DESNZ publishes them.
    assert document["biogenic_co2_t"] == pytest.approx(20 * 1.67718 + 12000 * 0.14 / 1000)
    # Northwind JV is not operated by the group: 0% under operational control.
    assert document["by_entity"]["Northwind JV"]["total_location"] == 0
    # Acme US: 200 MWh covered by a zero-emission REC; 100 MWh at the CAMX 2024 residual mix.
    residual_kg_per_mwh = 228.168660972225 + 13.7604908083273e-3 * 28 + 1.83473210777697e-3 * 265
    assert document["by_entity"]["Acme US Inc"]["scope2_market"] == pytest.approx(
        0.1 * residual_kg_per_mwh
    )


def test_a_changed_factor_file_is_a_new_version_and_diff_lists_what_changed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    factors = tmp_path / "f.csv"
    factors.write_text(FACTORS)
    assert neutra("factors", "import", "csv", factors, "--name", "mine", home=home).returncode == 0
    first = json.loads(
        neutra("factors", "diff", "mine", "mine", "--format", "json", home=home).stdout
    )
    old_version = first["old"]["version"]
    factors.write_text(
        FACTORS.replace("0.15,kg/passenger_km", "0.16,kg/passenger_km")
        + "rail,travel.rail,CO2e,0.035,kg/passenger_km,AR5,3,6\n"
    )
    assert neutra("factors", "import", "csv", factors, "--name", "mine", home=home).returncode == 0
    diff = neutra("factors", "diff", f"mine@{old_version}", "mine", "--format", "json", home=home)
    document = json.loads(diff.stdout)
    assert [f["factor_id"] for f in document["added"]] == ["rail"]
    assert document["removed"] == []
    assert [c["new"]["factor_id"] for c in document["changed"]] == ["flight"]
    assert document["unchanged"] == 1
    table = neutra("factors", "diff", f"mine@{old_version}", "mine", home=home)
    assert "1 added, 0 removed, 1 changed, 1 unchanged" in table.stdout
    # The old version stays available, so past results can be recomputed.
    assert neutra("factors", "show", f"mine@{old_version}", home=home).returncode == 0


def test_a_starter_set_is_taken_by_name_as_the_web_pins_it(tmp_path: Path) -> None:
    activities = tmp_path / "gas.csv"
    activities.write_text(
        "id,year,activity,quantity,unit,region\na,2025,fuel.natural_gas,900,kWh,GB\n"
    )
    home = tmp_path / "home"
    by_name = neutra(
        "footprint", activities, "--factors", "desnz-2025", "--format", "json", home=home
    )
    assert by_name.returncode == 0, by_name.stderr
    desnz = {s.name: s for s in starter_library()}["desnz-2025"]
    pinned = neutra(
        "footprint", activities, "--factors", f"desnz-2025@{desnz.version}", "--format", "json",
        home=home,
    )  # fmt: skip
    assert pinned.returncode == 0, pinned.stderr
    (used,) = json.loads(by_name.stdout)["provenance"]["factor_sets"]
    assert (used["name"], used["version"]) == ("desnz-2025", desnz.version)
    assert json.loads(pinned.stdout)["totals"] == json.loads(by_name.stdout)["totals"]
    # 900 kWh of natural gas at DESNZ 2025's gross CV figure, 0.18296 kg CO2e/kWh
    assert json.loads(by_name.stdout)["totals"]["scope1"] == pytest.approx(900 * 0.18296e-3)


def test_a_set_at_a_version_no_one_has_is_refused_naming_it(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, _ = files
    done = neutra(
        "footprint", activities, "--factors", "desnz-2025@ffffffffffffffff", home=tmp_path / "h"
    )
    assert done.returncode == 2
    assert "desnz-2025@ffffffffffffffff" in done.stderr


def test_the_starter_sets_are_shown_by_name(tmp_path: Path) -> None:
    done = neutra("factors", "show", "egrid", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert "electricity.grid" in done.stdout


def test_the_installed_script_computes_a_footprint(files: tuple[Path, Path]) -> None:
    activities, factors = files
    done = installed_neutra("footprint", activities, "--factors", factors, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["total_location"] == pytest.approx(0.48)


def test_the_installed_script_reports_a_bad_setting_as_exit_2_without_a_traceback() -> None:
    done = installed_neutra("factors", "list", env={"NEUTRA_HOME": ""})
    assert done.returncode == 2
    assert "NEUTRA_HOME is set but empty" in done.stderr
    assert "Traceback" not in done.stderr


def test_python_dash_m_neutra_is_the_same_command() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "neutra", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert "footprint" in done.stdout


def test_past_a_thousand_problems_the_rest_are_counted_not_listed(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    _, factors = files
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,year,activity,quantity,unit\n"
        + "".join(f"r{i},2024,fuel.natural_gas,abc,kWh\n" for i in range(1003))
    )
    done = neutra("footprint", bad, "--factors", factors, "--format", "json")
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert (len(document["problems"]), document["omitted"]) == (1000, 3)
    assert "1003 problems: nothing was computed" in done.stderr
    assert "and 3 more problems not listed" in done.stderr


def test_json_output_shows_a_spinner_while_it_reads_the_flags_and_writes_its_file(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    import neutra.cli.main as cli

    activities, factors = files
    screen = io.StringIO()  # a terminal's standard error, as Rich draws on it
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=120))
    out = tmp_path / "out.json"
    done = neutra(
        "footprint", activities, "--factors", factors, "--format", "json", "--output", out
    )
    assert done.returncode == 0, done.stderr
    drawn = screen.getvalue()
    assert "Calculating the footprint of 1 file(s)" in drawn
    assert "Reading the 1 flagged row(s)" in drawn  # the negative quantity
    assert f"Writing {out}" in drawn
    assert json.loads(out.read_text())["flags"][0]["flag"] == "negative_quantity"
    # To the screen, no spinner while the document is written beside it.
    screen.truncate(0)
    screen.seek(0)
    done = neutra("footprint", activities, "--factors", factors, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Reading the 1 flagged row(s)" in screen.getvalue()
    assert "Writing" not in screen.getvalue()
    assert json.loads(done.stdout)["totals"]["total_location"] == pytest.approx(0.48)


def test_a_file_name_that_is_not_utf8_is_said_not_a_traceback(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    name = os.fsdecode(b"bad\xffname.csv")  # as Linux hands Python such a name: "\udcff"
    (tmp_path / name).write_bytes(activities.read_bytes())
    for args in (
        ("footprint", tmp_path / name, "--factors", factors),
        ("footprint", activities, "--factors", tmp_path / name, "--format", "json"),
    ):
        done = neutra(*args)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert "is not UTF-8 text: rename the file, or give the name in UTF-8" in " ".join(
            done.stderr.split()
        )
        assert done.stdout == ""


def test_an_input_that_is_no_regular_file_is_named_for_what_it_is(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    activities, factors = files
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # read, it would block for ever
    loop = tmp_path / "loop.csv"
    loop.symlink_to(tmp_path / "loop2.csv")
    (tmp_path / "loop2.csv").symlink_to(loop)
    cases = (
        (fifo, "this is not a regular file (a device, a pipe): give a file"),
        (loop, "this is a symbolic link that leads nowhere"),
        (tmp_path, "this is a directory, not a file"),
        (tmp_path / "none.csv", "the file does not exist"),
    )
    for path, reason in cases:
        for args in (
            ("footprint", path, "--factors", factors, "--format", "json"),
            ("footprint", activities, "--factors", path, "--format", "json"),
        ):
            done = neutra(*args)
            assert done.returncode == 2, args
            problems = json.loads(done.stdout)["problems"]
            assert [(p["file"], p["reason"]) for p in problems] == [(str(path), reason)], args
