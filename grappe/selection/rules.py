"""Who may do what in selection."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_board, is_office, roles_of


def reviews_it(person_id: int | None, proposal_id: int) -> bool:
    """The person still reviews the proposal: an active assignment and no conflict (a declared
    conflict removes the assignment; a computed one not waived forbids it)."""
    from grappe.review.models import AssignmentState, ReviewAssignment
    from grappe.review.services import is_conflicted

    return (
        person_id is not None
        and ReviewAssignment.objects.filter(
            reviewer_id=person_id, proposal_id=proposal_id, state=AssignmentState.ACTIVE
        ).exists()
        and not is_conflicted(person_id, proposal_id)
    )


def submitted_own_review(person_id: int | None, proposal_id: int) -> bool:
    """The person's own review of the proposal is submitted (before that, a rapporteur sees neither
    the other reviews nor any reviewer's scores)."""
    from grappe.review.models import AssignmentState, Review, ReviewState

    return Review.objects.filter(
        assignment__reviewer_id=person_id,
        assignment__proposal_id=proposal_id,
        assignment__state=AssignmentState.ACTIVE,
        state=ReviewState.SUBMITTED,
    ).exists()


@rules.predicate
def is_rapporteur(user: Any, proposal: Any) -> bool:
    """The reviewer the office chose as the proposal's rapporteur, as long as they still review it."""
    consensus = getattr(proposal, "consensus", None) if proposal is not None else None
    person_id = roles_of(user).person_id
    return (
        consensus is not None
        and consensus.rapporteur_id is not None
        and consensus.rapporteur_id == person_id
        and reviews_it(person_id, proposal.pk)
    )


rules.add_perm("selection.view_selection", is_office | is_board)
rules.add_perm("selection.run_portfolio", is_office)
rules.add_perm("selection.approve_consensus", is_office)
rules.add_perm("selection.draft_consensus", is_office | is_rapporteur)
rules.add_perm("selection.decide", is_office | is_board)
