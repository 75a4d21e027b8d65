"""The demonstration consultancy's credits (called by `neutra demo`): projects, registries, a ledger.

Stock from three CDM projects and one Gold Standard project, CERs bought on
behalf of clients, cancellations for the demo years, and one legacy forward
from the CDM registry to the German national registry (2021, before the ITL
stopped) cancelled there. The ledger is `data/demo/credits.csv`, imported
through `ledger_import` like any user's file. It must never run outside the
demo loader, which refuses databases with real clients.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from django.contrib.auth.models import User

from neutra.formats.ledger_file import read_ledger
from neutra.web.credits.services import (
    account_create,
    ledger_import,
    project_create,
    registry_create,
)
from neutra.web.tenancy.models import Consultancy

PROJECTS = (
    ("CDM", "1234", "Bundled wind power project in Tamil Nadu", "IN", "wind", "ACM0002"),
    ("CDM", "2425", "Small hydroelectric plants in Santa Catarina", "BR", "hydro", "AMS-I.D."),
    (
        "CDM",
        "0773",
        "Landfill gas recovery and electricity generation",
        "CN",
        "landfill gas",
        "ACM0001",
    ),
    (
        "GS",
        "1247",
        "Efficient cookstoves for households in Kenya",
        "KE",
        "cookstoves",
        "GS TPDDTEC",
    ),
)
ACCOUNTS = (
    ("CDM", "NW-HOLDING", "Northwind holding account", "holding"),
    ("CDM", "CDM-VCA", "Voluntary cancellation account", "cancellation"),
    ("DE", "DE-NW-0042", "Northwind person holding account", "holding"),
    ("GS", "NW-GS-01", "Northwind Gold Standard account", "holding"),
)


def credits_demo(*, consultancy: Consultancy, by: User | None, say: Callable[[str], None]) -> None:
    for programme, number, title, host, kind, methodology in PROJECTS:
        project_create(consultancy=consultancy, programme=programme, project_id=number, title=title,
                       host_party=host, project_type=kind, methodology=methodology, by=by)  # fmt: skip
    registries = {}
    for code, number, label, kind in ACCOUNTS:
        if code not in registries:
            registries[code] = registry_create(consultancy=consultancy, code=code, by=by)
        account_create(registry=registries[code], number=number, label=label, kind=kind, by=by)
    with resources.as_file(resources.files("neutra.data") / "demo" / "credits.csv") as path:
        made = ledger_import(
            consultancy=consultancy, rows=read_ledger(path), source="credits.csv", by=by
        )
    say(f"Credits: {len(made)} ledger transactions (purchases, allocations, cancellations)")
