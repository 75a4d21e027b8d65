"""The instrument file: contractual instruments in kWh and t CO2e per kWh, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.scope2 import (
    GHGP_SCOPE2_2015,
    CertificateScheme,
    ConsumptionGroup,
    InstrumentType,
    allocate_market_based,
)
from neutra.formats.instrument_file import instrument_csv, read_instrument_rows, read_instruments

HEADER = "instrument_id,type,entity,region,year,quantity,unit,value,value_unit,gas"


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "instruments.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        read_instruments(path)
    return list(caught.value.problems)


def test_the_domain_worked_case_reads_and_gives_180_tonnes(tmp_path: Path) -> None:
    path = write(tmp_path, "GO-1,certificate,A,de,2024,600000,kWh,0,kg/kWh,CO2e")
    (certificate,) = read_instruments(path)
    assert certificate.type is InstrumentType.CERTIFICATE
    assert certificate.region == "DE"
    assert certificate.quantity_kwh == 600_000
    assert certificate.rate_t_co2e_per_kwh == 0.0
    consumption = ConsumptionGroup("A", "DE", 2024, 1_000_000, 200.0, 0.00045)
    result = allocate_market_based([consumption], [certificate], GHGP_SCOPE2_2015)
    assert result.market_t_co2e == pytest.approx(180.0, rel=1e-12)


def test_quantities_and_rates_are_converted_to_kwh_and_tonnes_per_kwh(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "P-1,contract,,US-CAMX,2024,2,GWh,0.25,t/MWh,CO2e",
        "S-1,supplier_rate,A,US,2024,100,MWh,900,lb/MWh,CO2",
        "G-1,certificate,A,FR,2024,3.6,GJ,50,g/kWh,co2e",
    )
    contract, supplier, certificate = read_instruments(path)
    assert contract.quantity_kwh == pytest.approx(2_000_000)
    assert contract.rate_t_co2e_per_kwh == pytest.approx(0.00025)
    assert contract.entity is None
    assert supplier.quantity_kwh == pytest.approx(100_000)
    assert supplier.rate_t_co2e_per_kwh == pytest.approx(900 * 0.45359237 / 1e6)
    assert certificate.quantity_kwh == pytest.approx(1000)
    assert certificate.rate_t_co2e_per_kwh == pytest.approx(50e-6)


def test_absent_quality_columns_read_as_none_and_empty_ones_as_empty(tmp_path: Path) -> None:
    (absent,) = read_instruments(write(tmp_path, "GO-1,certificate,A,DE,2024,1,kWh,0,kg/kWh,CO2e"))
    assert (absent.tracking_id, absent.cancelled_for, absent.vintage, absent.market) == (
        None,
        None,
        None,
        None,
    )
    header = HEADER + ",tracking_id,cancelled_for,vintage,market"
    empty, full = read_instruments(
        write(
            tmp_path,
            "GO-1,certificate,A,DE,2024,1,kWh,0,kg/kWh,CO2e,,,,",
            "GO-2,certificate,A,DE,2024,1,kWh,0,kg/kWh,CO2e,AIB-123,Client Ltd,2023,de",
            header=header,
        )
    )
    assert (empty.tracking_id, empty.cancelled_for, empty.vintage, empty.market) == (
        "",
        "",
        None,
        None,
    )
    assert (full.tracking_id, full.cancelled_for, full.vintage, full.market) == (
        "AIB-123",
        "Client Ltd",
        2023,
        "DE",
    )


def test_a_non_energy_unit_is_refused_naming_the_unit_and_its_dimension(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, "GO-1,certificate,A,DE,2024,5,t,0,kg/kWh,CO2e"))
    assert (problem.row, problem.column, problem.value) == (2, "unit", "t")
    assert problem.reason == "unit 't' is a mass, not an energy, e.g. kWh or MWh"


def test_every_problem_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "GO-1,EAC,A,DE,2024,1,kWh,0,kg/kWh,CO2e",  # a type name users know, not the file's word
        "GO-2,certificate,A,DE,twenty,1,kWh,0,kg/kWh,CO2e",  # bad year
        "GO-3,certificate,A,DE,2024,1_000,kWh,-1,kg/kWh,CH4",  # bad number, negative, gas
        "GO-1,certificate,A,DE,2024,1,kWh,0,kg,CO2e",  # duplicate id, rate not per energy
        "GO-5,certificate,A,DE,2024,1,parsecs-ish,0,kg/kWh,CO2e",  # unknown unit
    )
    problems = problems_of(path)
    assert [(p.row, p.column) for p in problems] == [
        (2, "type"),
        (3, "year"),
        (4, "quantity"),
        (4, "value"),
        (4, "gas"),
        (5, "value_unit"),
        (5, "instrument_id"),
        (6, "unit"),
    ]
    assert "write 'certificate'" in problems[0].reason
    assert "CO2e" in problems[4].reason


def test_missing_columns_are_named_on_the_header_row(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "GO-1,certificate", header="instrument_id,type"))
    assert {p.column for p in problems} == {
        "entity",
        "region",
        "year",
        "quantity",
        "unit",
        "value",
        "value_unit",
        "gas",
    }
    assert {p.row for p in problems} == {1}


def test_a_bad_vintage_is_reported(tmp_path: Path) -> None:
    header = HEADER + ",vintage"
    problems = problems_of(
        write(tmp_path, "GO-1,certificate,A,DE,2024,1,kWh,0,kg/kWh,CO2e,last year", header=header)
    )
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "vintage", "last year")]


def test_a_workbooks_first_sheet_reads_like_the_csv(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER.split(","), "tracking_id"])
    sheet.append(["GO-1", "certificate", "A", "DE", 2024, 600000, "kWh", 0, "kg/kWh", "CO2e", "T1"])
    path = tmp_path / "instruments.xlsx"
    book.save(path)
    csv_path = write(tmp_path, "GO-1,certificate,A,DE,2024,600000,kWh,0,kg/kWh,CO2e,T1",
                     header=HEADER + ",tracking_id")  # fmt: skip
    assert read_instruments(path) == read_instruments(csv_path)


def test_a_workbook_with_a_bad_row_names_the_sheet_row(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["GO-1", "eac", "A", "DE", 2024, 600000, "kWh", 0, "kg/kWh", "CO2e"])
    path = tmp_path / "instruments.xlsx"
    book.save(path)
    (problem,) = problems_of(path)
    assert (problem.row, problem.column, problem.value) == (2, "type", "eac")
    assert "for eac write 'certificate'" in problem.reason


def test_a_file_that_is_no_workbook_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "instruments.xlsx"
    path.write_bytes(b"not a zip")
    (problem,) = problems_of(path)
    assert "cannot read the file as a workbook" in problem.reason


def test_rows_written_back_as_csv_read_to_the_same_instruments(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "GO-1,certificate,A,de,2024,600000,kWh,0,kg/kWh,CO2e,,A,2024,",
        "PPA-1,contract,,DE,2024,1.5,GWh,12,g/kWh,co2,T-9,A,,de",
        header=HEADER + ",tracking_id,cancelled_for,vintage,market",
    )
    read = read_instrument_rows(path)
    assert read.quality_columns == {"tracking_id", "cancelled_for", "vintage", "market"}
    again = tmp_path / "again.csv"
    again.write_bytes(instrument_csv([r for _, r in read.rows], read.quality_columns))
    assert read_instruments(again) == read.instruments
    # An empty tracking_id stays empty (not tracked), not absent (not judged).
    assert read.instruments[0].tracking_id == ""
    without = read_instrument_rows(
        write(tmp_path, "GO-1,certificate,A,DE,2024,1,MWh,0,kg/kWh,CO2e")
    )
    assert without.instruments[0].tracking_id is None
    assert b"tracking_id" not in instrument_csv([r for _, r in without.rows], frozenset())


def test_a_certificate_named_by_its_scheme_is_a_certificate_whose_scheme_decides_its_market(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "G,GO,A,NO,2024,1,MWh,0,kg/kWh,CO2e",
        "R,rec,A,US-RFCE,2024,1,MWh,0,kg/kWh,CO2e",
        "I,I-REC,A,IN,2024,1,MWh,0,kg/kWh,CO2e",
        "C,certificate,A,DE,2024,1,MWh,0,kg/kWh,CO2e",
    )
    kinds = {i.instrument_id: (i.type, i.scheme) for i in read_instruments(path)}
    assert kinds == {
        "G": (InstrumentType.CERTIFICATE, CertificateScheme.GO),
        "R": (InstrumentType.CERTIFICATE, CertificateScheme.REC),
        "I": (InstrumentType.CERTIFICATE, CertificateScheme.I_REC),
        "C": (InstrumentType.CERTIFICATE, None),
    }


def test_years_numbers_and_sizes_outside_what_a_file_means_are_refused(tmp_path: Path) -> None:
    # Python's int() and float() take "٢٠٢٥" and "1_0"; 1e308 MWh was an infinite kWh.
    path = write(
        tmp_path,
        "GO-1,certificate,A,DE,٢٠٢٥,1,kWh,0,kg/kWh,CO2e",
        "GO-2,certificate,A,DE,-2025,1,kWh,0,kg/kWh,CO2e",
        "GO-3,certificate,A,DE,99999999999999999999999,1,kWh,0,kg/kWh,CO2e",
        "GO-4,certificate,A,DE,2024,1e308,MWh,0,kg/kWh,CO2e",
        "GO-5,certificate,A,DE,2024,1,MWh,1e308,Mt/kWh,CO2e",
        "GO-6,certificate,A,DE,2024,١,MWh,0,kg/kWh,CO2e",
    )
    assert [(p.row, p.column, p.reason) for p in problems_of(path)] == [
        (2, "year", "not a year from 1990 to 2100, e.g. 2024"),
        (3, "year", "not a year from 1990 to 2100, e.g. 2024"),
        (4, "year", "not a year from 1990 to 2100, e.g. 2024"),
        (5, "quantity", "too large: at most 1e+12 (check the unit)"),
        (6, "value", "too large: at most 1e+12 (check the unit)"),
        (7, "quantity", "not a number (write e.g. 600000 or 0.45, no separators)"),
    ]
