"""The chain of records behind each decision, for the board (issue 19): reviews → consensus →
ranking → portfolio suggestion → decision, each with who and when and a link to the record.
A constant number of queries for a whole ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from grappe.core.models import AuditLog
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
    # The audit log's "consensus approved" entry, for a consensus approved before its approver
    # was kept on it (or approved by the demo seed): who and when, as the log recorded them.
    consensus_log: AuditLog | None = None
    score_note: str = ""  # how a hearing's score combined with the written one, when it counted

    @property
    def imported(self) -> bool:
        """A decision with no evaluation record behind it in Grappe (no review, consensus, ranking
        or portfolio run): taken before Grappe kept reviews, and entered as history."""
        decision = self.decision
        return (
            self.reviews.count == 0
            and _consensus(decision) is None
            and decision.portfolio_run_id is None
            and decision.ranking_run_id is None
        )


def _consensus(decision: Decision) -> Any:
    try:
        return decision.proposal.consensus
    except ObjectDoesNotExist:
        return None


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
    unsigned = [
        str(d.proposal_id)
        for d in decisions
        if (c := _consensus(d)) is not None and c.state == "approved" and c.approved_by_id is None
    ]
    logged: dict[str, AuditLog] = {}
    if unsigned:
        for entry in (
            AuditLog.objects.filter(
                action="selection.consensus_approved",
                content_type__app_label="submissions",
                content_type__model="proposal",
                object_id__in=unsigned,
            )
            .select_related("actor__person")
            .order_by("timestamp", "pk")
        ):
            logged[entry.object_id] = entry  # the latest approval wins
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
                consensus_log=logged.get(str(decision.proposal_id)),
                score_note=row.score_note if row else "",
            )
        )
    return out
