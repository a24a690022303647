"""Budget arithmetic: direct costs, flat overheads, totals, co-funding. Decimal throughout."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from grappe.core.money import money
from grappe.submissions.models import BudgetLine, CoFunding, ContributionKind, Proposal


@dataclass
class BudgetSummary:
    direct: Decimal = Decimal("0")
    overhead_rate: Decimal = Decimal("0")
    by_year: dict[int, Decimal] = field(default_factory=dict)
    by_category: dict[int, Decimal] = field(default_factory=dict)
    by_organisation: dict[int, Decimal] = field(default_factory=dict)
    cash: Decimal = Decimal("0")
    in_kind: Decimal = Decimal("0")
    cofunding_by_partner: dict[int, dict[str, Decimal]] = field(default_factory=dict)

    @property
    def overhead(self) -> Decimal:
        return money(self.direct * self.overhead_rate)

    @property
    def total(self) -> Decimal:
        """What the budget asks the cluster for: direct costs plus flat overheads."""
        return self.direct + self.overhead

    @property
    def cofunding(self) -> Decimal:
        return self.cash + self.in_kind

    def cofunding_ratio(self, requested: Decimal) -> Decimal | None:
        """Co-funding as a share of the amount requested (None when nothing is requested)."""
        if requested <= 0:
            return None
        return self.cofunding / requested


def proposal_years(proposal: Proposal) -> list[int]:
    """The years of the budget and co-funding grids, from the call: a project starts when the call
    closes and lasts at most the call's longest duration. Years the programme does not cover are
    left out (unless none is left), and years already holding amounts are always kept.
    """
    call = proposal.call
    start = timezone.localtime(call.closes_at).year
    end = start + -(-call.max_duration // 12)
    years = set(range(start, end + 1))
    covered = years & set(call.programme.years)
    kept = set(BudgetLine.objects.filter(proposal=proposal).values_list("year", flat=True).distinct())
    kept |= set(CoFunding.objects.filter(partner__proposal=proposal).values_list("year", flat=True).distinct())
    return sorted((covered or years) | kept)


def summarise(
    proposal: Proposal, *, lines: list[BudgetLine] | None = None, commitments: list[CoFunding] | None = None
) -> BudgetSummary:
    """Totals of a proposal's budget table and co-funding, in two queries (or none if given)."""
    if lines is None:
        lines = list(proposal.budget_lines.all())
    if commitments is None:
        commitments = list(CoFunding.objects.filter(partner__proposal=proposal))
    summary = BudgetSummary(overhead_rate=proposal.call.programme.overhead_rate)
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    by_category: dict[int, Decimal] = defaultdict(Decimal)
    by_org: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        summary.direct += line.amount
        by_year[line.year] += line.amount
        by_category[line.category_id] += line.amount
        by_org[line.organisation_id] += line.amount
    partner: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"cash": Decimal("0"), "in_kind": Decimal("0")})
    for c in commitments:
        partner[c.partner_id][c.kind] += c.amount
        if c.kind == ContributionKind.CASH:
            summary.cash += c.amount
        else:
            summary.in_kind += c.amount
    summary.by_year, summary.by_category, summary.by_organisation = dict(by_year), dict(by_category), dict(by_org)
    summary.cofunding_by_partner = dict(partner)
    return summary
