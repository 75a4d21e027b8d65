"""`neutra claim ...` as a user runs it: evaluate, keygen, issue a signed PDF, verify it offline."""

from __future__ import annotations

import json
import math
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from neutra.core.engine.result import SCOPE_KEYS
from neutra.core.rounding import format_tonnes
from tests.cli_run import neutra

LEDGER_HEADER = (
    "txn_id,date,action,programme,unit_type,host_party,project_id,vintage,serial_start,"
    "serial_end,registry,account,client,beneficiary,purpose,for_period,reference\n"
)


NEEDS_POPPLER = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("NEUTRA_REQUIRE_ALL"),
    reason="pdftotext and pdftoppm (poppler-utils) are not installed",
)


def ledger(path: Path, cancelled_for_acme: int) -> Path:
    """Acme buys 3,000 CERs and cancels `cancelled_for_acme` for 2024; other cancellations do not count."""
    end = 100000 + cancelled_for_acme
    path.write_text(
        LEDGER_HEADER
        + "P1,2025-01-10,purchase,CDM,CER,IN,1234,2012,100001,103000,CDM,HOLD-1,Acme,,,,C-1\n"
        + "P2,2025-01-11,purchase,GS,VER,KE,GS1247,2020,1,5000,GS,HOLD-1,Other plc,,,,C-2\n"
        + f"C1,2025-03-01,cancel,CDM,CER,IN,1234,2012,100001,{end},CDM,HOLD-1,Acme,Acme,Neutrality 2024,2024,ATT-1\n"
        + "C2,2025-04-02,cancel,GS,VER,KE,GS1247,2020,1,3000,GS,HOLD-1,Other plc,Other plc,Neutrality 2024,2024,ATT-2\n"
        + f"C3,2025-05-01,cancel,CDM,CER,IN,1234,2012,{end + 1},{end + 100},CDM,HOLD-1,Acme,Acme,Neutrality 2023,2023,ATT-3\n"
        + f"C4,2026-01-05,cancel,CDM,CER,IN,1234,2012,{end + 101},{end + 300},CDM,HOLD-1,Acme,Acme,Late,2024,ATT-4\n"
    )
    return path


@pytest.fixture(scope="module")
def footprint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """The bundled example organisation's footprint, as `neutra footprint --format json` writes it."""
    path = tmp_path_factory.mktemp("footprint") / "footprint.json"
    result = neutra("example", "--format", "json", "--output", path)
    assert result.returncode == 0, result.stderr
    return path, json.loads(path.read_text())["totals"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys") / "keys"
    result = neutra("claim", "keygen", "--output", folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def issued(
    tmp_path_factory: pytest.TempPathFactory, footprint: tuple[Path, dict[str, float]], keys: Path
) -> Path:
    folder = tmp_path_factory.mktemp("claim")
    path, totals = footprint
    needed = math.ceil(totals["total_market"])
    (folder / "plan.md").write_text("# Carbon neutrality management plan\nBaseline 2021 ...\n")
    result = neutra(
        "claim", "issue", "--footprint", path, "--ledger", ledger(folder / "l.csv", needed),
        "--client", "Acme", "--period", "2024", "--plan", folder / "plan.md",
        "--verification", "third-party", "--signatory", "Jane Doe", "--key", keys / "private.pem",
        "--output", folder / "claim.pdf",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder / "claim.pdf"


def test_evaluate_counts_only_the_clients_units_for_the_period_inside_the_window(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]]
) -> None:
    path, totals = footprint
    needed = math.ceil(totals["total_market"])
    result = neutra(
        "claim", "evaluate", "--footprint", path, "--ledger", ledger(tmp_path / "l.csv", needed - 10),
        "--client", "Acme", "--period", "2024", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    claim = json.loads(result.stdout)
    assert claim["schema"] == "neutra.claim/1"
    assert claim["residual_t"] == totals["total_market"]
    assert claim["required_units"] == needed
    assert claim["counted_units"] == needed - 10  # not Other plc's, not for 2023, not the late ones
    assert claim["shortfall_units"] == 10
    assert claim["met"] is False
    balance = next(rule for rule in claim["rules"] if rule["id"] == "residual_balanced")
    assert balance["met"] is False
    assert {"id", "met", "detail", "source"} <= set(balance)
    assert [c["quantity"] for c in claim["credits"]] == [needed - 10]
    assert all(c["client"] == "Acme" for c in claim["credits"] + claim["excluded"])


def test_evaluate_with_a_plan_and_enough_units_meets_every_rule(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]]
) -> None:
    path, totals = footprint
    (tmp_path / "plan.pdf").write_bytes(b"%PDF- a plan")
    result = neutra(
        "claim", "evaluate", "--footprint", path,
        "--ledger", ledger(tmp_path / "l.csv", math.ceil(totals["total_market"])),
        "--client", "Acme", "--period", "2024", "--plan", tmp_path / "plan.pdf", "--format", "json",
    )  # fmt: skip
    claim = json.loads(result.stdout)
    assert claim["met"] is True
    assert claim["complete"] is True
    assert claim["shortfall_units"] == 0
    assert claim["tier"] == "platinum"
    without_plan = neutra(
        "claim", "evaluate", "--footprint", path,
        "--ledger", ledger(tmp_path / "l.csv", math.ceil(totals["total_market"])),
        "--client", "Acme", "--period", "2024", "--format", "json",
    )  # fmt: skip
    claim = json.loads(without_plan.stdout)
    assert claim["met"] is True  # on the evidence given
    assert claim["complete"] is False
    plan_rule = next(r for r in claim["rules"] if r["id"] == "management_plan")
    assert plan_rule["met"] is None


def test_evaluate_lists_every_input_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "fp.json").write_text('{"totals": {"scope1": "lots"}}')
    result = neutra(
        "claim", "evaluate", "--footprint", tmp_path / "fp.json", "--ledger", tmp_path / "none.csv",
        "--client", "Acme", "--period", "24",
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for expected in ("--period", "totals.scope1", "not a number", "none.csv"):
        assert expected in result.stderr


def test_keygen_writes_a_private_key_only_its_owner_can_read_and_never_overwrites_it(
    keys: Path,
) -> None:
    mode = stat.S_IMODE((keys / "private.pem").stat().st_mode)
    assert mode == 0o600
    assert (keys / "public.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = neutra("claim", "keygen", "--output", keys)
    assert again.returncode == 2
    assert "exists" in again.stderr


def test_issue_refuses_a_claim_with_a_shortfall_listing_the_rules_not_met(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]], keys: Path
) -> None:
    path, totals = footprint
    (tmp_path / "plan.md").write_text("plan")
    result = neutra(
        "claim", "issue", "--footprint", path, "--ledger", ledger(tmp_path / "l.csv", 5),
        "--client", "Acme", "--period", "2024", "--plan", tmp_path / "plan.md",
        "--verification", "self", "--signatory", "Jane Doe", "--key", keys / "private.pem",
        "--output", tmp_path / "claim.pdf",
    )  # fmt: skip
    assert result.returncode == 2
    assert "residual_balanced" in result.stderr
    assert f"cancel {math.ceil(totals['total_market']) - 5:,} units more" in result.stderr
    assert not (tmp_path / "claim.pdf").exists()


def test_the_issued_claim_verifies_offline_with_the_public_key(issued: Path, keys: Path) -> None:
    result = neutra("claim", "verify", issued, "--key", keys / "public.pem")
    assert result.returncode == 0, result.stderr
    assert "Authentic" in result.stdout


@pytest.mark.parametrize("where", [0.3, 0.5, 0.62, 0.9])
def test_one_changed_byte_fails_verification(
    issued: Path, keys: Path, tmp_path: Path, where: float
) -> None:
    data = bytearray(issued.read_bytes())
    position = int(len(data) * where)
    data[position] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    result = neutra("claim", "verify", changed, "--key", keys / "public.pem")
    assert result.returncode == 1, (position, result.stdout, result.stderr)
    assert "Not authentic" in result.stderr


def test_another_key_fails_verification(issued: Path, tmp_path: Path) -> None:
    assert neutra("claim", "keygen", "--output", tmp_path / "other").returncode == 0
    result = neutra("claim", "verify", issued, "--key", tmp_path / "other" / "public.pem")
    assert result.returncode == 1
    assert "another key" in result.stderr


def test_a_garbage_file_or_key_is_bad_input(issued: Path, keys: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(os.urandom(4000))
    assert neutra("claim", "verify", garbage, "--key", keys / "public.pem").returncode == 2
    assert neutra("claim", "verify", issued, "--key", garbage).returncode == 2
    assert (
        neutra("claim", "verify", tmp_path / "nope.pdf", "--key", keys / "public.pem").returncode
        == 2
    )


@NEEDS_POPPLER
def test_the_pdf_states_the_footprints_figures_and_the_serial_numbers(
    issued: Path, footprint: tuple[Path, dict[str, float]]
) -> None:
    _, totals = footprint
    text = subprocess.run(
        ["pdftotext", "-layout", str(issued), "-"], capture_output=True, text=True, check=True
    ).stdout
    for key in (
        "scope1",
        "scope2_location",
        "scope2_market",
        "scope3",
        "total_location",
        "total_market",
    ):
        assert format_tonnes(totals[key]) in text, key
    needed = math.ceil(totals["total_market"])
    assert f"100001–{100000 + needed}" in text  # the serial numbers cancelled
    assert "1234" in text  # the project
    assert "Independently verified (third party)" in text
    assert "Jane Doe" in text
    assert "/verify/" in text


@NEEDS_POPPLER
def test_every_page_of_the_pdf_renders_as_an_image(issued: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(issued), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2  # the certificate, then the report
    assert all(page.read_bytes().startswith(b"\x89PNG") for page in pages)


def ready_to_issue(folder: Path, footprint: tuple[Path, dict[str, float]]) -> Path:
    """A ledger cancelling enough units for the footprint's residual (l.csv) and a plan
    (plan.md) in `folder`; the footprint's path."""
    path, totals = footprint
    ledger(folder / "l.csv", math.ceil(totals["total_market"]))
    (folder / "plan.md").write_text("plan")
    return path


def issue_claim(folder: Path, footprint: Path, keys: Path, output: str, *extra: str | Path):
    return neutra(
        "claim", "issue", "--footprint", footprint, "--ledger", folder / "l.csv",
        "--client", "Acme", "--period", "2024", "--plan", folder / "plan.md",
        "--verification", "self", "--signatory", "Jane Doe", "--key", keys / "private.pem",
        "--output", folder / output, *extra,
    )  # fmt: skip


def test_a_credit_used_in_one_claim_cannot_be_used_in_another_issued_later(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]], keys: Path
) -> None:
    path, totals = footprint
    needed = math.ceil(totals["total_market"])
    ledger(tmp_path / "l.csv", needed)
    (tmp_path / "plan.md").write_text("plan")
    first = issue_claim(tmp_path, path, keys, "first.pdf")
    assert first.returncode == 0, first.stderr
    register = tmp_path / "claims-register.csv"  # beside the ledger, by default
    recorded = register.read_text()
    rows = recorded.splitlines()
    assert rows[0].startswith("claim_id,client,period,")
    assert len(rows) == 2
    token = rows[1].split(",")[0]
    assert f",100001,{100000 + needed},{needed}," in rows[1]  # the serials the claim counts
    assert token in first.stderr

    second = issue_claim(tmp_path, path, keys, "second.pdf")
    assert second.returncode == 2
    assert "Traceback" not in second.stderr
    assert "credits_used_once" in second.stderr
    assert f"100001-{100000 + needed}" in second.stderr
    assert f"already counted by claim {token}" in second.stderr
    assert not (tmp_path / "second.pdf").exists()
    assert register.read_text() == recorded  # nothing recorded for the refused claim

    evaluated = neutra(
        "claim", "evaluate", "--footprint", path, "--ledger", tmp_path / "l.csv",
        "--client", "Acme", "--period", "2024", "--format", "json",
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    claim = json.loads(evaluated.stdout)
    used_once = next(rule for rule in claim["rules"] if rule["id"] == "credits_used_once")
    assert used_once["met"] is False
    assert used_once["shortfall_units"] == needed
    assert f"100001-{100000 + needed}: already counted by claim {token}" in used_once["detail"]
    assert claim["counted_units"] == 0


def test_a_withdrawn_claim_in_the_register_frees_its_serials(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]], keys: Path
) -> None:
    path = ready_to_issue(tmp_path, footprint)
    register = tmp_path / "claims.csv"
    assert issue_claim(tmp_path, path, keys, "a.pdf", "--register", register).returncode == 0
    assert not (tmp_path / "claims-register.csv").exists()  # the register given was used
    header, row = register.read_text().splitlines()
    register.write_text(f"{header}\n{row[: -len(',')]},2025-06-30\n")  # withdrawn_on, by hand
    again = issue_claim(tmp_path, path, keys, "b.pdf", "--register", register)
    assert again.returncode == 0, again.stderr
    assert len(register.read_text().splitlines()) == 3


def test_a_register_row_that_cannot_be_read_is_listed_with_its_row_and_column(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]]
) -> None:
    path, totals = footprint
    ledger(tmp_path / "l.csv", math.ceil(totals["total_market"]))
    (tmp_path / "claims-register.csv").write_text(
        "claim_id,client,period,programme,serial_start,serial_end\n"
        "abc,Acme,2024,CDM,100010,100001\n"
    )
    result = neutra(
        "claim", "evaluate", "--footprint", path, "--ledger", tmp_path / "l.csv",
        "--client", "Acme", "--period", "2024",
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for expected in ("claims-register.csv", "serial_end", "ends before serial_start 100010"):
        assert expected in result.stderr


def test_a_claim_whose_pdf_cannot_be_written_is_not_recorded(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]], keys: Path
) -> None:
    path = ready_to_issue(tmp_path, footprint)
    result = issue_claim(tmp_path, path, keys, "no-such-folder/claim.pdf")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no such folder" in " ".join(result.stderr.split())  # said before any work
    assert not (tmp_path / "claims-register.csv").exists()


def test_a_claim_through_a_symbolic_link_replaces_the_file_it_leads_to_and_keeps_the_link(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]], keys: Path
) -> None:
    path = ready_to_issue(tmp_path, footprint)
    (tmp_path / "claims").mkdir()
    real = tmp_path / "claims" / "acme-2024.pdf"
    real.write_bytes(b"an earlier draft")
    (tmp_path / "latest.pdf").symlink_to(real)
    result = issue_claim(tmp_path, path, keys, "latest.pdf")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "latest.pdf").is_symlink()  # as footprint, report and credits export do
    assert real.read_bytes().startswith(b"%PDF-")
    assert not list((tmp_path / "claims").glob(".*part"))  # no temporary file left


TOTALS = (
    '"totals": {"scope1": 1, "scope2_location": 1, "scope2_market": 1, "scope3": 1, '
    '"total_location": 3, "total_market": 3}'
)
TOO_MANY_TONNES = "too large: an emission figure is at most 1e+15 t CO2e"


def evaluate_problems(
    folder: Path, footprint_text: str, period: str = "2024"
) -> list[dict[str, object]]:
    """The problems `claim evaluate --format json` lists (exit 2, no traceback)."""
    (folder / "fp.json").write_text(footprint_text, encoding="utf-8")
    result = neutra(
        "claim", "evaluate", "--footprint", folder / "fp.json", "--ledger", ledger(folder / "l.csv", 10),
        "--client", "Acme", "--period", period, "--format", "json",
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    problems: list[dict[str, object]] = json.loads(result.stdout)["problems"]
    return problems


@pytest.mark.parametrize(
    ("text", "key", "value", "reason"),
    [
        ("{" + TOTALS.replace('"scope1": 1', '"scope1": ' + "9" * 5000) + "}",
         "totals.scope1", "9" * 80, TOO_MANY_TONNES),
        ("{" + TOTALS.replace('"total_market": 3', '"total_market": 1' + "0" * 400) + "}",
         "totals.total_market", "1" + "0" * 79, TOO_MANY_TONNES),
        ("{" + TOTALS + ', "by_entity": {"A": {"total_location": 1' + "0" * 400 + "}}}",
         "by_entity.A.total_location", "1" + "0" * 79, TOO_MANY_TONNES),
        ("{" + TOTALS + ', "scope3_categories": {"²": 1.0}}',
         "scope3_categories.²", "²", "a scope 3 category is 1 to 15"),
        ("{" + TOTALS + ', "lines": [{"unit": "kWh", "scope": 1, "quantity": 1' + "0" * 400 + "}]}",
         "lines[0].quantity", "1" + "0" * 79, "not as neutra footprint writes it"),
    ],
    ids=["integer-of-5000-digits", "integer-of-401-digits", "entity-of-401-digits",
         "category-in-superscript", "line-quantity-of-401-digits"],
)  # fmt: skip
def test_a_footprint_number_no_float_can_hold_is_a_problem_at_its_key(
    tmp_path: Path, text: str, key: str, value: str, reason: str
) -> None:
    file = str(tmp_path / "fp.json")
    assert evaluate_problems(tmp_path, text) == [
        {"file": file, "row": None, "column": key, "value": value, "reason": reason}
    ]


def test_footprint_totals_beyond_the_bound_are_refused_before_they_are_added(
    tmp_path: Path,
) -> None:
    text = '{"totals": {' + ", ".join(f'"{key}": 1e308' for key in SCOPE_KEYS) + "}}"
    problems = evaluate_problems(tmp_path, text)
    assert [(p["column"], p["value"], p["reason"]) for p in problems] == [
        (f"totals.{key}", "1e+308", TOO_MANY_TONNES) for key in SCOPE_KEYS
    ]


def test_a_footprint_nested_too_deep_names_the_line_and_column(tmp_path: Path) -> None:
    problems = evaluate_problems(tmp_path, '{"totals":\n  ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert problems == [
        {
            "file": str(tmp_path / "fp.json"),
            "row": None,
            "column": None,
            "value": None,
            "reason": "not JSON as neutra writes it (line 2, column 102: more than 100 arrays or "
            "objects inside each other); give the output of neutra footprint --format json",
        }
    ]


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("9999", "'9999' is too far ahead: a period ends in 2100 or earlier"),
        ("2024-01-01/9999-01-01", "'2024-01-01/9999-01-01' is too far ahead: a period ends in 2100 or earlier"),
        ("0001-01-01/9999-12-31",
         "'0001-01-01/9999-12-31' is before any GHG accounting: a period starts in 1990 or later"),
        ("２０٢٤", "'２０٢٤' is not a period: write a year (2024) or YYYY-MM-DD/YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_a_period_outside_1990_to_2100_or_in_other_digits_is_a_problem_on_period(
    tmp_path: Path, period: str, reason: str
) -> None:
    problems = evaluate_problems(tmp_path, "{" + TOTALS + "}", period)
    assert problems == [
        {"file": "--period", "row": None, "column": None, "value": period, "reason": reason}
    ]


@pytest.mark.parametrize("serial", ["9" * 5000, "١٠٠٠١٠"])
def test_a_register_serial_too_long_or_in_other_digits_is_a_problem_on_its_cell(
    tmp_path: Path, serial: str
) -> None:
    (tmp_path / "claims-register.csv").write_text(
        f"claim_id,client,period,programme,serial_start,serial_end\nabc,Acme,2024,CDM,100001,{serial}\n",
        encoding="utf-8",
    )
    problems = evaluate_problems(tmp_path, "{" + TOTALS + "}")
    assert problems == [
        {
            "file": str(tmp_path / "claims-register.csv"),
            "row": 2,
            "column": "serial_end",
            "value": serial,
            "reason": "a serial number is a whole number of at most 18 digits",
        }
    ]


def test_a_pas_2060_claim_for_a_period_after_its_withdrawal_is_not_met_and_says_why(
    tmp_path: Path, footprint: tuple[Path, dict[str, float]]
) -> None:
    path = ready_to_issue(tmp_path, footprint)

    def evaluate(standard: str, period: str) -> dict[str, Any]:
        result = neutra(
            "claim", "evaluate", "--footprint", path, "--ledger", tmp_path / "l.csv",
            "--client", "Acme", "--period", period, "--standard", standard,
            "--plan", tmp_path / "plan.md", "--format", "json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        claim: dict[str, Any] = json.loads(result.stdout)
        return claim

    legacy = evaluate("pas-2060", "2024")
    assert legacy["rule_set"] == "pas-2060:2014/2"
    assert legacy["met"] is True  # 2024 began before the withdrawal: a legacy claim
    assert legacy["tier_setting"] == "vcmi-claims-code-2023/1 (check)"
    in_force = evaluate("pas-2060", "2026")["rules"][0]
    assert in_force["id"] == "standard_in_force"
    assert in_force["met"] is False
    assert "withdrawn on 2025-11-30" in in_force["detail"]
    assert "check" in in_force["source"]
    assert "--standard iso-14068-1" in in_force["remedy"]
    iso = evaluate("iso-14068-1", "2026")
    assert iso["rule_set"] == "iso-14068-1:2023/2"
    assert (iso["rules"][0]["id"], iso["rules"][0]["met"]) == ("standard_in_force", True)
