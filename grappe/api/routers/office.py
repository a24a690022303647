"""The office's (and the board's) views of a call: its proposals, review assignments, ranking and
decisions, with the permissions of the matching office pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from grappe.api.common import ERRORS, cleaned
from grappe.api.pagination import page
from grappe.api.priming import prime_proposals
from grappe.api.routers.directory import PageQuery
from grappe.api.routers.proposals import proposal_out
from grappe.api.schemas import AssignmentPage, DecisionPage, ProposalPage, RankingOut, money
from grappe.calls.models import Call
from grappe.core.access import get_for_user_or_404
from grappe.review.models import ReviewAssignment
from grappe.selection import ranking_store
from grappe.selection.models import Decision
from grappe.submissions.forms import ProposalFilterForm
from grappe.submissions.queries_office import call_proposals, filter_proposals, without_drafts

router = Router(tags=["office"])


class CallProposalFilters(PageQuery):
    q: str = ""
    state: str = ""
    eligibility: str = ""
    organisation: str = ""
    partner: str = ""


def _call(request: HttpRequest, code: str, perm: str) -> Call:
    return get_for_user_or_404(request.user, Call.objects.select_related("programme"), perm, code=code)


@router.get("/calls/{code}/proposals", response={200: ProposalPage, **ERRORS})
def call_proposal_list(request: HttpRequest, code: str, filters: Query[CallProposalFilters]) -> Any:
    """A call's proposals with the filters of the office's proposals page (the board: no drafts)."""
    user = request.user
    call = _call(request, code, "submissions.list_call_proposals")
    data = cleaned(ProposalFilterForm(filters.dict(exclude={"cursor", "limit"})))
    proposals = call_proposals(call).select_related("call").prefetch_related("keywords")
    if not user.has_perm("submissions.list_call_drafts"):
        proposals = without_drafts(proposals)
    proposals = filter_proposals(proposals, data)
    return page(
        proposals,
        cursor=filters.cursor,
        limit=filters.limit,
        item=lambda p: proposal_out(p, user),
        prepare=lambda rows: prime_proposals(user, rows),
    )


def assignment_out(assignment: ReviewAssignment) -> dict[str, Any]:
    review = getattr(assignment, "review", None)
    return {
        "id": assignment.pk,
        "reviewer": assignment.reviewer.code,
        "reviewer_name": assignment.reviewer.full_name,
        "proposal": assignment.proposal.code,
        "state": assignment.state,
        "confirmed": assignment.confirmed_at is not None,
        "review_state": review.state if review else None,
        "submitted_at": review.submitted_at if review else None,
    }


@router.get("/calls/{code}/assignments", response={200: AssignmentPage, **ERRORS})
def call_assignments(request: HttpRequest, code: str, filters: Query[PageQuery]) -> Any:
    """Every review assignment of the call with its review's state (the office's assignments page)."""
    call = _call(request, code, "review.view_review_progress")
    assignments = ReviewAssignment.objects.filter(call=call).select_related("reviewer", "proposal", "review")
    return page(assignments, cursor=filters.cursor, limit=filters.limit, item=assignment_out)


@router.get("/calls/{code}/ranking", response={200: RankingOut, **ERRORS})
def call_ranking(request: HttpRequest, code: str) -> Any:
    """The call's ranking as the ranking page shows it (the stored ranking, recomputed only when
    something it reads has changed); every row at once, in rank order."""
    call = _call(request, code, "selection.view_selection")
    version = ranking_store.version(call)
    rows = ranking_store.ranking(call, version)
    return {
        "call": call.code,
        "version": version,
        "rows": [
            {
                "rank": row.rank,
                "proposal": row.proposal.code,
                "title": row.proposal.title,
                "score": None if row.score is None else str(row.score),
                "provisional": row.provisional,
                "passes": row.passes,
                "recommendation": str(row.recommendation),
                "recommended_amount": money(row.recommended_amount),
                "decision": row.decision.outcome if row.decision else None,
            }
            for row in rows
        ],
    }


def decision_out(decision: Decision) -> dict[str, Any]:
    return {
        "proposal": decision.proposal.code,
        "outcome": decision.outcome,
        "amount": money(decision.amount),
        "reserve_rank": decision.reserve_rank,
        "recommended": decision.recommended,
        "recommended_amount": money(decision.recommended_amount),
        "justification": decision.justification,
        "decided_at": decision.decided_at,
        "version": decision.version,
    }


@router.get("/calls/{code}/decisions", response={200: DecisionPage, **ERRORS})
def call_decisions(request: HttpRequest, code: str, filters: Query[PageQuery]) -> Any:
    """The decisions recorded on the call's proposals (the office and the board)."""
    call = _call(request, code, "selection.view_selection")
    decisions = Decision.objects.filter(proposal__call=call).select_related("proposal")
    return page(decisions, cursor=filters.cursor, limit=filters.limit, item=decision_out)
