"""The office's reads over a call's proposals: filters, per-row totals, call totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from grappe.calls.models import Call
from grappe.submissions.models import BudgetLine, CoFunding, ContributionKind, Proposal, ProposalPartner, ProposalState

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _sum(queryset: QuerySet[Any], group: str) -> Coalesce:
    """A correlated ``SUM(amount)`` over ``queryset`` grouped by the outer proposal."""
    total = queryset.values(group).annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=DecimalField(max_digits=14, decimal_places=2)), ZERO)


def call_proposals(call: Call) -> QuerySet[Proposal]:
    """A call's proposals with their co-funding and budget totals, one query whatever the size."""
    cofunding = CoFunding.objects.filter(partner__proposal=OuterRef("pk"))
    lines = BudgetLine.objects.filter(proposal=OuterRef("pk"))
    return (
        Proposal.objects.filter(call=call)
        .select_related("lead", "lead_organisation")
        .annotate(
            cash=_sum(cofunding.filter(kind=ContributionKind.CASH), "partner__proposal"),
            in_kind=_sum(cofunding.filter(kind=ContributionKind.IN_KIND), "partner__proposal"),
            direct_costs=_sum(lines, "proposal"),
            partner_count=Coalesce(
                Subquery(
                    ProposalPartner.objects.filter(proposal=OuterRef("pk"))
                    .values("proposal")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
    )


def without_drafts(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """What readers other than the office list: proposals submitted (or withdrawn after submission)."""
    return queryset.exclude(state=ProposalState.DRAFT).exclude(submitted_at=None)


def filter_proposals(queryset: QuerySet[Proposal], data: dict[str, Any]) -> QuerySet[Proposal]:
    if data.get("state"):
        queryset = queryset.filter(state=data["state"])
    eligibility = data.get("eligibility")
    if eligibility == "yes":
        queryset = queryset.filter(Q(eligibility_override=True) | Q(eligibility_override__isnull=True, eligible=True))
    elif eligibility == "no":
        queryset = queryset.filter(Q(eligibility_override=False) | Q(eligibility_override__isnull=True, eligible=False))
    elif eligibility == "unknown":
        queryset = queryset.filter(eligibility_override__isnull=True, eligible__isnull=True)
    if data.get("organisation"):
        queryset = queryset.filter(lead_organisation=data["organisation"])
    if data.get("partner"):
        queryset = queryset.filter(partners__organisation=data["partner"])
    for term in (data.get("q") or "").split():
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(acronym__icontains=term)
            | Q(code__iexact=term)
            | Q(keywords__name__icontains=term)
        )
    return queryset.distinct()


def call_totals(queryset: QuerySet[Proposal]) -> dict[str, Any]:
    """Counts and money totals over the filtered proposals."""
    ids = queryset.values("pk")
    base = Proposal.objects.filter(pk__in=ids)
    totals = base.aggregate(
        count=Count("pk"),
        submitted=Count("pk", filter=Q(state="submitted")),
        drafts=Count("pk", filter=Q(state="draft")),
        requested=Coalesce(Sum("requested_amount"), ZERO),
    )
    money = CoFunding.objects.filter(partner__proposal__in=ids).aggregate(
        cash=Coalesce(Sum("amount", filter=Q(kind=ContributionKind.CASH)), ZERO),
        in_kind=Coalesce(Sum("amount", filter=Q(kind=ContributionKind.IN_KIND)), ZERO),
    )
    return {**totals, **money}
