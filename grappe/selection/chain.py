"""The chain of records behind each decision, for the board (issue 19): reviews → consensus →
ranking → portfolio suggestion → decision, each with who and when and a link to the record.
A constant number of queries for a whole ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grappe.review.models import Review, ReviewState
from grappe.selection import ranking_store
from grappe.selection.models import Decision

# What a decision needs selected for its chain.
RELATED = (
    "proposal__call",
    "proposal__consensus__approved_by__person",
    "proposal__consensus__rapporteur",
    "decided_by__person",
    "portfolio_run__created_by__person",
    "portfolio_run__adopted_by__person",
)


@dataclass
class ReviewsLink:
    count: int = 0
    reviewers: list[str] = field(default_factory=list)
    first: Any = None
    last: Any = None


@dataclass
class Chain:
    decision: Decision
    reviews: ReviewsLink
    rank: int | None
    ranked_on: int
    score: Any
    provisional: bool


def chains(call: Any, decisions: list[Decision]) -> list[Chain]:
    """One chain per decision, in the decisions' order. ``decisions`` come with
    ``proposal__consensus`` (and its approver), ``portfolio_run`` (with who adopted it) and
    ``decided_by`` selected: this adds one query for the reviews and one ranking read."""
    ids = [d.proposal_id for d in decisions]
    reviews: dict[int, ReviewsLink] = {pk: ReviewsLink() for pk in ids}
    for proposal_id, first, last, submitted_at in (
        Review.objects.filter(assignment__proposal_id__in=ids, state=ReviewState.SUBMITTED)
        .order_by("submitted_at", "pk")
        .values_list(
            "assignment__proposal_id",
            "assignment__reviewer__first_name",
            "assignment__reviewer__last_name",
            "submitted_at",
        )
    ):
        link = reviews[proposal_id]
        link.count += 1
        link.reviewers.append(f"{first} {last}".strip())
        link.first = link.first or submitted_at
        link.last = submitted_at
    ranked = {row.proposal.pk: row for row in ranking_store.ranking(call)} if decisions else {}
    out = []
    for decision in decisions:
        row = ranked.get(decision.proposal_id)
        out.append(
            Chain(
                decision=decision,
                reviews=reviews[decision.proposal_id],
                rank=row.rank if row else None,
                ranked_on=len(ranked),
                score=row.score if row else None,
                provisional=row.provisional if row else False,
            )
        )
    return out
