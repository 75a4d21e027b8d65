"""The demonstration consultancy behind `neutra demo`: three clients, three years, every role.

It goes through the same services as the pages (uploads validated by the
core readers, calculations by the engine on the app database, the workflow
with its role rules), so the demo shows what a user would get, never a
shortcut. The data (src/neutra/data/demo/) is a yearly activity plan per
site; each year's rows are generated from it with seeded noise, so two runs
make the same figures.

Loading is idempotent: when the demonstration consultancy exists, only the
passwords are set again (they are printed once per run; nothing else is
touched). It must never run against a database holding real clients'
work: it refuses unless the demonstration consultancy is the only one.
"""

from __future__ import annotations

import csv
import io
import random
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from neutra.core.errors import NeutraError
from neutra.web.claims.demo import demo_claims
from neutra.web.credits.demo import credits_demo
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.services import inventory_create
from neutra.web.strategy.demo import strategy_demo_load
from neutra.web.tenancy.models import Consultancy, Entity, Organisation, Role
from neutra.web.tenancy.services import (
    consultancy_create,
    consultancy_membership_grant,
    entity_create,
    membership_grant,
    organisation_create,
)
from neutra.web.workflow.services import inventory_transition

__all__ = ["CONSULTANCY", "YEARS", "DemoError", "Login", "demo_load"]

CONSULTANCY = "Northwind Climate Partners"
YEARS = (2024, 2025, 2026)  # the last stays a draft; the others are locked
AUDITOR_DAYS = 90  # the demo auditor's access ends this many days from loading

Say = Callable[[str], None]


class DemoError(NeutraError, RuntimeError):
    """The demonstration cannot be loaded here (a database with other consultancies)."""


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str
    role: str  # the role's label
    organisation: str  # the client, or the consultancy for staff


def _rows(name: str) -> Iterator[dict[str, str]]:
    text = (resources.files("neutra.data") / "demo" / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    yield from csv.DictReader(lines)


def _password(fixed: str | None) -> str:
    return fixed or secrets.token_urlsafe(12)


def demo_load(
    *, say: Say = print, password: str | None = None, run_tasks: Callable[[], None]
) -> list[Login]:
    """Load (or refresh the passwords of) the demonstration; return the log-ins.

    `run_tasks` works through the queued background tasks (uploads, then
    calculations) and returns when none is left; `password` fixes every demo
    user's password (for automated tests), else each gets a random one.
    """
    others = Consultancy.objects.exclude(name=CONSULTANCY)
    if others.exists():
        raise DemoError(
            "this database holds other consultancies' work: run the demo with its own "
            "NEUTRA_HOME (or DATABASE_URL), never beside real data"
        )
    users = get_user_model()
    if Consultancy.objects.filter(name=CONSULTANCY).exists():
        say("The demonstration is loaded already: setting new passwords.")
        return [
            _with_password(users.objects.get(username=login.username), login, password)
            for login in _people()
        ]
    return _load(say=say, password=password, run_tasks=run_tasks)


def _with_password(user: User, login: Login, password: str | None) -> Login:
    chosen = _password(password)
    user.set_password(chosen)
    user.save(update_fields=["password"])
    return Login(login.username, chosen, login.role, login.organisation)


def _people() -> list[Login]:
    people = [
        Login("northwind-admin", "", Role("consultancy_admin").label, CONSULTANCY),
        Login("northwind-consultant", "", Role("consultant").label, CONSULTANCY),
    ]
    for org in _rows("organisations.csv"):
        for role in org["people"].split(";"):
            username = f"{org['slug']}-{role.replace('_', '-')}"
            people.append(Login(username, "", Role(role).label, org["organisation"]))
    return people


def _load(*, say: Say, password: str | None, run_tasks: Callable[[], None]) -> list[Login]:
    users = get_user_model()
    logins: list[Login] = []
    with transaction.atomic():
        consultancy = consultancy_create(name=CONSULTANCY, by=None)
        staff = {}
        for username, role in (
            ("northwind-admin", Role("consultancy_admin")),
            ("northwind-consultant", Role("consultant")),
        ):
            user = users.objects.create_user(username=username, email=f"{username}@example.com")
            consultancy_membership_grant(consultancy=consultancy, user=user, role=role, by=None)
            logins.append(
                _with_password(user, Login(username, "", role.label, CONSULTANCY), password)
            )
            staff[role] = user
        consultant = staff[Role("consultant")]
        organisations: dict[str, tuple[Organisation, dict[str, Any]]] = {}
        for org in _rows("organisations.csv"):
            organisation = organisation_create(
                consultancy=consultancy,
                name=org["organisation"],
                country=org["country"],
                by=consultant,
            )
            people = {}
            for role_name in org["people"].split(";"):
                role = Role(role_name)
                username = f"{org['slug']}-{role_name.replace('_', '-')}"
                user = users.objects.create_user(username=username, email=f"{username}@example.com")
                expires = (
                    timezone.now() + timedelta(days=AUDITOR_DAYS) if role is Role.AUDITOR else None
                )
                membership_grant(
                    organisation=organisation,
                    user=user,
                    role=role,
                    expires_at=expires,
                    by=consultant,
                )
                logins.append(
                    _with_password(
                        user, Login(username, "", role.label, organisation.name), password
                    )
                )
                people[role_name] = user
            organisations[organisation.name] = (
                organisation,
                {**people, "approach": org["approach"]},
            )
            say(f"Client {organisation.name} ({organisation.country}) with {len(people)} people")
        for row in _rows("entities.csv"):
            organisation = organisations[row["organisation"]][0]
            parent = (
                Entity.objects.get(organisation=organisation, name=row["parent"])
                if row["parent"]
                else None
            )
            entity_create(
                organisation=organisation,
                name=row["entity"],
                parent=parent,
                equity_share=float(row["equity_share"]),
                financial_control=row["financial_control"],
                operational_control=row["operational_control"],
                by=consultant,
            )
    plan = list(_rows("activities.csv"))
    inventories = _upload_years(organisations, plan, consultant, say)
    run_tasks()
    _record_instruments(inventories, organisations, say)
    _calculate(inventories, consultant, say)
    run_tasks()
    _close_years(inventories, organisations, consultant, say)
    strategy_demo_load(organisations, consultant, say)
    credits_demo(consultancy=consultancy, by=consultant, say=say)
    demo_claims(consultancy=consultancy, consultant=consultant, say=say)
    return logins


def _upload_years(
    organisations: dict[str, tuple[Organisation, dict[str, Any]]],
    plan: list[dict[str, str]],
    consultant: User,
    say: Say,
) -> list[Inventory]:
    from neutra.web.activities.services import upload_accept

    inventories = []
    for name, (organisation, people) in organisations.items():
        uploader = people.get("contributor") or people["client_admin"]
        for year in YEARS:
            inventory = inventory_create(
                organisation=organisation, year=year, approach=people["approach"], by=consultant
            )
            content = _activity_file(name, year, [r for r in plan if r["organisation"] == name])
            file_name = f"{name.split()[0].lower()}-activities-{year}.csv"
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / file_name
                path.write_text(content, encoding="utf-8")
                upload_accept(
                    inventory=inventory,
                    by=uploader,
                    file_name=file_name,
                    stream_or_path=path,
                    size=path.stat().st_size,
                )
            inventories.append(inventory)
            say(f"  {name} {year}: {content.count(chr(10)) - 1} activity rows uploaded")
    return inventories


def _record_instruments(
    inventories: list[Inventory],
    organisations: dict[str, tuple[Organisation, dict[str, Any]]],
    say: Say,
) -> None:
    """Each year's instruments of data/demo/instruments.csv, added as a client admin would."""
    from neutra.web.instruments.services import instrument_add

    plan = list(_rows("instruments.csv"))
    for inventory in inventories:
        name = inventory.organisation.name
        rows = [r for r in plan if r["organisation"] == name]
        for row in rows:
            cells = {k: v.replace("{year}", str(inventory.year)) for k, v in row.items()}
            del cells["organisation"]
            instrument_add(
                inventory=inventory, by=organisations[name][1]["client_admin"], cells=cells
            )
        if rows:
            say(f"  {name} {inventory.year}: {len(rows)} guarantee(s) of origin recorded")


def _activity_file(organisation: str, year: int, plan: list[dict[str, str]]) -> str:
    """One year's activity rows from the yearly plan, spread over periods with seeded noise."""
    noise = random.Random(f"{organisation}/{year}")  # the same figures on every run
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "entity",
            "year",
            "activity",
            "quantity",
            "unit",
            "region",
            "scope",
            "category",
            "description",
        ]
    )
    number = 0
    for line in plan:
        yearly = float(line["quantity_2025"]) * (1 + float(line["trend_per_year"])) ** (2025 - year)
        periods = int(line["periods"])
        for period in range(1, periods + 1):
            number += 1
            amount = yearly / periods * noise.uniform(0.85, 1.15)
            label = f"{year}-{period:02d}" if periods == 12 else f"{year} Q{period}"
            writer.writerow(
                [
                    f"{year}-{number:04d}",
                    line["entity"],
                    year,
                    line["activity"],
                    f"{amount:.2f}",
                    line["unit"],
                    line["region"],
                    line["scope"],
                    line["category"],
                    f"{line['description']} ({label})",
                ]
            )
    return out.getvalue()


def _calculate(inventories: list[Inventory], consultant: User, say: Say) -> None:
    from neutra.web.calculations.services import calculation_start

    for inventory in inventories:
        calculation_start(inventory=inventory, by=consultant)
    say(f"Calculating {len(inventories)} inventories")


def _close_years(
    inventories: list[Inventory],
    organisations: dict[str, tuple[Organisation, dict[str, Any]]],
    consultant: User,
    say: Say,
) -> None:
    for inventory in inventories:
        if inventory.year == YEARS[-1]:
            continue
        people = organisations[inventory.organisation.name][1]
        inventory_transition(inventory=inventory, to="submitted", by=people["client_admin"])
        inventory_transition(inventory=inventory, to="reviewed", by=consultant)
        inventory_transition(inventory=inventory, to="locked", by=consultant)
    say(
        f"Years {', '.join(str(y) for y in YEARS[:-1])} reviewed and locked; {YEARS[-1]} is a draft"
    )
