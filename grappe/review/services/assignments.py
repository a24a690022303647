"""Assignments changed by hand, replacements, declines and confirmations."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.services import log_action
from grappe.people.models import Person
from grappe.review.models import (
    Affinity,
    AssignmentState,
    PoolMember,
    PoolState,
    ReviewAssignment,
)
from grappe.review.services.common import ReviewError, clean_reason
from grappe.review.services.conflicts import conflicted_pairs, is_conflicted
from grappe.submissions.models import Proposal


def reviewer_load(call: Call, person: Person) -> int:
    return ReviewAssignment.objects.filter(call=call, reviewer=person, state=AssignmentState.ACTIVE).count()


@transaction.atomic
def add_assignment(call: Call, *, reviewer: Person, proposal: Proposal, reason: str, actor: Any) -> ReviewAssignment:
    """Assign by hand, checked against conflicts and the expert's maximum load; logged with why."""
    reason = clean_reason(reason)
    if not reason.strip():
        raise ReviewError(_("Say why you change the assignment by hand."))
    member = PoolMember.objects.filter(call=call, person=reviewer, state=PoolState.ACCEPTED).first()
    if member is None:
        raise ReviewError(_("This expert has not accepted to review for this call."))
    if is_conflicted(reviewer.pk, proposal.pk):
        raise ReviewError(_("%(name)s has a conflict of interest with this proposal.") % {"name": reviewer.full_name})
    if reviewer_load(call, reviewer) >= member.max_load:
        raise ReviewError(
            _("%(name)s already has %(load)d proposals, their maximum.")
            % {"name": reviewer.full_name, "load": member.max_load}
        )
    assignment, created = ReviewAssignment.objects.get_or_create(
        reviewer=reviewer, proposal=proposal, defaults={"call": call, "reason": reason.strip()[:500]}
    )
    if not created:
        if assignment.state == AssignmentState.ACTIVE:
            raise ReviewError(_("This expert is already assigned to this proposal."))
        assignment.state = AssignmentState.ACTIVE
        assignment.reason = reason.strip()[:500]
        assignment.run = None  # assigned again by hand: no longer the engine's suggestion
        assignment.save(update_fields=["state", "reason", "run"])
    log_action(proposal, "review.assignment_added", actor=actor, data={"reviewer": reviewer.code, "reason": reason})
    return assignment


@transaction.atomic
def remove_assignment(assignment: ReviewAssignment, *, reason: str, actor: Any) -> None:
    reason = clean_reason(reason)
    if not reason.strip():
        raise ReviewError(_("Say why you change the assignment by hand."))
    assignment.state = AssignmentState.REMOVED
    assignment.reason = reason.strip()[:500]
    assignment.save(update_fields=["state", "reason"])
    log_action(
        assignment.proposal,
        "review.assignment_removed",
        actor=actor,
        data={"reviewer": assignment.reviewer.code, "reason": reason},
    )


def replacement_suggestions(assignment: ReviewAssignment, limit: int = 5) -> list[tuple[Person, float]]:
    """The best experts to replace a declined assignment: by affinity, without conflict, with room."""
    call = assignment.call
    busy = dict(
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    taken = set(ReviewAssignment.objects.filter(proposal=assignment.proposal).values_list("reviewer_id", flat=True))
    conflicts = {r for r, p in conflicted_pairs(call) if p == assignment.proposal_id}
    members = {m.person_id: m for m in PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED)}
    out = []
    for affinity in Affinity.objects.filter(proposal=assignment.proposal).select_related("reviewer").order_by("-score"):
        member = members.get(affinity.reviewer_id)
        if (
            member is None
            or affinity.reviewer_id in taken | conflicts
            or busy.get(affinity.reviewer_id, 0) >= member.max_load
        ):
            continue
        out.append((affinity.reviewer, affinity.score))
        if len(out) == limit:
            break
    return out


@transaction.atomic
def decline_assignment(assignment: ReviewAssignment, *, reason: str, actor: Any) -> None:
    reason = clean_reason(reason)
    if not reason.strip():
        raise ReviewError(_("Please say briefly why you decline."))
    assignment.state = AssignmentState.DECLINED
    assignment.reason = reason.strip()[:500]
    assignment.save(update_fields=["state", "reason"])
    log_action(assignment.proposal, "review.assignment_declined", actor=actor, data={"reason": reason})


@transaction.atomic
def confirm_assignment(assignment: ReviewAssignment, *, actor: Any) -> None:
    """The reviewer confirms they have no conflict and will keep the proposal confidential."""
    if assignment.confirmed_at is None:
        assignment.confirmed_at = timezone.now()
        assignment.save(update_fields=["confirmed_at"])
        log_action(assignment.proposal, "review.confidentiality_confirmed", actor=actor)
