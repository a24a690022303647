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


@rules.predicate
def is_confirmed_reviewer_of(user: Any, proposal: Any) -> bool:
    """The reviewer of an active assignment on ``proposal`` who confirmed having no conflict
    (and confidentiality), and has no conflict recorded since. Cached on the proposal object."""
    person_id = roles_of(user).person_id
    if proposal is None or person_id is None:
        return False
    cache: dict[int, bool] = proposal.__dict__.setdefault("_grappe_readers", {})
    if person_id not in cache:
        from grappe.review.gates import blocked
        from grappe.review.models import Conflict, ReviewAssignment

        cache[person_id] = (
            blocked(person_id, proposal.call_id) is None
            and ReviewAssignment.objects.filter(
                reviewer_id=person_id, proposal=proposal, state=AssignmentState.ACTIVE, confirmed_at__isnull=False
            ).exists()
            and not Conflict.objects.filter(reviewer_id=person_id, proposal=proposal, waived=False).exists()
        )
    return cache[person_id]


@rules.predicate
def is_expert(user: Any) -> bool:
    """Invited to (or in) the pool of a call, not having declined: keeps a publication profile."""
    person_id = roles_of(user).person_id
    if person_id is None:
        return False
    cached = user.__dict__.get("_grappe_is_expert")
    if cached is None:
        from grappe.review.models import PoolMember, PoolState

        cached = PoolMember.objects.filter(person_id=person_id).exclude(state=PoolState.DECLINED).exists()
        user.__dict__["_grappe_is_expert"] = cached
    return cached


@rules.predicate
def is_own_import(user: Any, record: Any) -> bool:
    return record is not None and record.person_id == roles_of(user).person_id


rules.add_perm("review.manage_review", is_office)
# An expert imports publications into their own profile; the office into any expert's.
rules.add_perm("review.import_own_publications", is_expert)
rules.add_perm("review.view_publication_import", is_office | is_own_import)
# Asked by name by submissions.view_proposal(_full): the whole proposal as submitted.
rules.add_perm("review.read_proposal", is_confirmed_reviewer_of)
rules.add_perm("review.view_review_progress", is_office | is_board)
rules.add_perm("review.review_proposal", is_assigned_reviewer)
