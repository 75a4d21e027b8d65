"""Reads of neutrality claims for views, the API and the public verification pages.

Tenant pages start from `organisation_for` / `tenant_row_for`; the public
page finds a claim only by its unguessable token and only once issued. The
figures a claim is evaluated from are read from their own homes: the
footprint from the inventory's calculation (the strategy's emissions history
chooses it), the cancellations from the credits ledger.

It must never write, and never show a public visitor a draft, an unissued
evaluation or anything of another claim.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, F, QuerySet, Sum

from neutra.core.claims import (
    CancelledCredit,
    ClaimedRange,
    ClaimPeriod,
    ClaimState,
    FootprintFigures,
    Mitigation,
    Storage,
    portfolio_by_year,
)
from neutra.core.disclosures import (
    Disclosure,
    DisclosureInputs,
    Framework,
    build_disclosure,
    history_with_period,
)
from neutra.core.energy import ActivityAmount, EnergyUse, energy_use
from neutra.core.errors import InvalidInputError, NeutraError
from neutra.core.history import EmissionsHistory
from neutra.core.indicators import Denominator
from neutra.core.strategy import strategy_report
from neutra.core.targets import Target
from neutra.formats.footprint_json import footprint_from_json
from neutra.reports.climate_report import ClimateReport, ReportKind
from neutra.web.calculations.models import Calculation, EmissionLine
from neutra.web.claims.models import Claim, ClaimCredit, SigningKey
from neutra.web.errors import NotFoundError
from neutra.web.strategy.selectors import emissions_history
from neutra.web.tenancy.models import Consultancy, Organisation
from neutra.web.tenancy.selectors import tenant_row_for

__all__ = [
    "cancelled_credits",
    "claim_for",
    "claimed_ranges",
    "claims_of",
    "energy_of_calculation",
    "footprint_and_history",
    "public_claim",
    "public_keys",
    "report_inputs",
    "space_key",
]

PUBLIC_STATES = (ClaimState.ISSUED.value, ClaimState.WITHDRAWN.value)


def space_key(space: tuple[str, ...]) -> str:
    """A claim's serial space as stored: its parts joined by '|'."""
    return "|".join(space)


def claims_of(*, organisation: Organisation) -> QuerySet[Claim]:
    """The client's claims, newest first (pass an organisation from `organisation_for`)."""
    return Claim.objects.filter(organisation=organisation).defer("pdf", "certificate_pdf")


def claim_for(user: User, claim_id: object, *, now: datetime) -> Claim:
    """One claim the user may see; `NotFoundError` (404) otherwise, like a missing one."""
    return tenant_row_for(user, Claim.objects.all(), claim_id, now=now, what="claim")


def public_claim(token: object) -> Claim:
    """An issued (or withdrawn) claim by its token; anything else is not found."""
    text = str(token)
    found = (
        Claim.objects.filter(token=text, state__in=PUBLIC_STATES)
        .select_related("organisation", "signing_key")
        .first()
        if 16 <= len(text) <= 32
        else None
    )
    if found is None:
        raise NotFoundError("claim not found")
    return found


def public_keys() -> QuerySet[SigningKey]:
    """Every signing key's public half, newest first (rotated keys stay: old claims verify)."""
    return SigningKey.objects.only(
        "key_id", "public_pem", "created_at", "retired_at", "consultancy"
    )


def footprint_and_history(
    *, organisation: Organisation, period: ClaimPeriod
) -> tuple[FootprintFigures, EmissionsHistory, int]:
    """The footprint of the period's year (its newest calculated inventory), the history, the calculation id."""
    history, sources = emissions_history(organisation=organisation)
    source = next((s for s in sources if s.year == period.year), None)
    if source is None:
        raise NeutraError(
            f"{organisation} has no calculated inventory for {period.year}: calculate it first",
            field="period",
        )
    summary = Calculation.objects.filter(pk=source.calculation_id).values_list("summary", flat=True)
    try:
        figures = footprint_from_json(summary.get(), f"calculation {source.calculation_id}")
    except InvalidInputError as exc:  # a stored summary is ours: a bug, said plainly
        raise NeutraError(f"the calculation's summary cannot be read: {exc.message}") from None
    return figures, history, source.calculation_id


def energy_of_calculation(*, calculation_id: int) -> EnergyUse:
    """Energy of scopes 1 and 2 of a calculation (ESRS E1-5, SECR), from its stored lines.

    The database sums each kind of activity (quantity x inclusion share, the
    engine's own lines); `neutra.core.energy` converts the sums. Pass the id of
    a calculation already read through the tenancy selectors.
    """
    sums = (
        EmissionLine.objects.filter(calculation_id=calculation_id, scope__in=(1, 2))
        .values("activity", "factor", "unit", "scope")
        .annotate(amount=Sum(F("quantity") * F("inclusion_share")), rows=Count("id"))
        .order_by("activity", "factor", "unit", "scope")
    )
    return energy_use(
        ActivityAmount(r["activity"], r["factor"], r["unit"], r["scope"], r["amount"], r["rows"])
        for r in sums
    )


def cancelled_credits(*, organisation: Organisation) -> list[CancelledCredit]:
    """The client's cancelled units in the credits ledger, as core values."""
    from neutra.web.credits.selectors import blocks_of_organisation

    found = []
    for block in blocks_of_organisation(organisation=organisation).filter(state="cancelled"):
        try:
            period = ClaimPeriod.parse(block.for_period) if block.for_period else None
        except NeutraError:
            period = None  # counted nowhere, shown as naming no period
        project = block.project
        mitigation = {
            "reduction": Mitigation.REDUCTION,
            "removal": Mitigation.REMOVAL,
        }.get(project.reduction_or_removal, Mitigation.UNKNOWN)
        adjustment = {"applied": True, "not_applied": False}.get(project.corresponding_adjustment)
        found.append(
            CancelledCredit(
                client=organisation.name,
                for_period=period,
                cancelled_on=block.date,
                programme=block.programme,
                unit_type=block.unit_type,
                host_party=block.host_party,
                project_id=block.project_code,
                vintage=block.vintage,
                serial_start=block.serial_start,
                serial_end=block.serial_end,
                beneficiary=block.beneficiary,
                purpose=block.purpose,
                registry=block.account.registry.code,
                mitigation=mitigation,
                storage=Storage.NOT_APPLICABLE
                if mitigation is Mitigation.REDUCTION
                else Storage.UNKNOWN,
                corresponding_adjustment=adjustment,
                reference=block.reference,
            )
        )
    return found


def claimed_ranges(*, consultancy: Consultancy, excluding: Claim) -> list[ClaimedRange]:
    """Serials counted by the consultancy's issued claims other than `excluding`."""
    rows = ClaimCredit.objects.filter(
        claim__organisation__consultancy=consultancy, claim__state=ClaimState.ISSUED.value
    ).exclude(claim=excluding)
    return [
        ClaimedRange(
            f"{row.claim_id}", tuple(row.space_key.split("|")), row.serial_start, row.serial_end
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """What a client's reports and disclosures of one period are made from."""

    organisation_name: str
    period: ClaimPeriod
    footprint: FootprintFigures
    history: EmissionsHistory
    denominators: tuple[Denominator, ...]
    targets: tuple[Target, ...]
    credits: tuple[CancelledCredit, ...]
    calculation_id: int  # the footprint's calculation: its lines give the energy

    def climate_report(self, kind: str) -> ClimateReport:
        """The management or public report (strategy's functions for intensities and targets)."""
        history = history_with_period(self.history, self.footprint, self.period.year)
        strategy = strategy_report(history, denominators=self.denominators, targets=self.targets)
        return ClimateReport(
            kind=ReportKind(kind),
            client=self.organisation_name,
            period=self.period,
            footprint=self.footprint,
            history=history.years,
            intensities=strategy.intensities,
            targets=strategy.targets,
            credits=tuple(c for c in self.credits if c.for_period == self.period),
            portfolio=portfolio_by_year(self.credits),
        )

    def disclosure(self, framework: str) -> Disclosure:
        chosen = Framework(framework)
        footprint = self.footprint
        if chosen in (Framework.ESRS, Framework.SECR):  # only these need the energy
            footprint = replace(
                footprint, energy=energy_of_calculation(calculation_id=self.calculation_id)
            )
        return build_disclosure(
            chosen,
            DisclosureInputs(
                client=self.organisation_name,
                period=self.period,
                footprint=footprint,
                history=self.history,
                denominators=self.denominators,
                credits=self.credits,
                targets=self.targets,
            ),
        )


def report_inputs(*, organisation: Organisation, period: ClaimPeriod) -> ReportInputs:
    """The client's figures for the period's reports (pass an organisation from `organisation_for`)."""
    from neutra.web.strategy.selectors import (
        core_denominators,
        core_targets,
        denominators_of,
        targets_of,
    )

    footprint, history, calculation_id = footprint_and_history(
        organisation=organisation, period=period
    )
    return ReportInputs(
        organisation.name,
        period,
        footprint,
        history,
        tuple(core_denominators(denominators_of(organisation=organisation))),
        tuple(core_targets(targets_of(organisation=organisation))),
        tuple(cancelled_credits(organisation=organisation)),
        calculation_id,
    )
