"""Who may do what in expert review."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_board, is_office, roles_of
from grappe.review.models import AssignmentState


@rules.predicate
def is_assigned_reviewer(user: Any, assignment: Any) -> bool:
    """The reviewer of an active assignment whose pair is not conflicted."""
    if assignment is None or assignment.reviewer_id != roles_of(user).person_id:
        return False
    if assignment.state != AssignmentState.ACTIVE:
        return False
    from grappe.review.services import is_conflicted

    return not is_conflicted(assignment.reviewer_id, assignment.proposal_id)


rules.add_perm("review.manage_review", is_office)
rules.add_perm("review.view_review_progress", is_office | is_board)
rules.add_perm("review.review_proposal", is_assigned_reviewer)
