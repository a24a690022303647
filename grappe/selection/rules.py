"""Who may do what in selection."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_board, is_office, roles_of
from grappe.submissions.queries import call_is_closed
from grappe.submissions.rules import is_board_reader, is_team_member


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


@rules.predicate
def has_sent_letter(user: Any, proposal: Any) -> bool:
    """The letter of the proposal's current decision was sent (cached on the proposal object)."""
    if proposal is None:
        return False
    cached = proposal.__dict__.get("_grappe_letter_sent")
    if cached is None:
        from grappe.selection.models import Letter, LetterState

        decision = getattr(proposal, "decision", None)
        cached = (
            decision is not None
            and Letter.objects.filter(proposal=proposal, outcome=decision.outcome, state=LetterState.SENT).exists()
        )
        proposal.__dict__["_grappe_letter_sent"] = cached
    return cached


@rules.predicate
def is_closed_call(user: Any, call: Any) -> bool:
    """The call's deadline has passed (or the office closed it): the board may read its proposals."""
    return call is not None and call_is_closed(call)


# The board reads a call's selection (the ranking, the portfolio, the ledger, the export: titles,
# amounts, scores) once the call is closed, as it reads the proposals themselves
# (``submissions.rules.is_board_reader``); while the call is open, every selection page answers it
# 404. The object is the call.
board_reads_call = is_board & is_closed_call


@rules.predicate
def has_open_project(user: Any, proposal: Any) -> bool:
    """A funded project was opened from the proposal's award (cached on the proposal object): the
    team works in it, so the outcome is no secret, letter or not (a call of before Grappe sent none)."""
    if proposal is None:
        return False
    cached = proposal.__dict__.get("_grappe_project_open")
    if cached is None:
        from grappe.selection.models import Award

        cached = Award.objects.filter(proposal=proposal, project__isnull=False).exists()
        proposal.__dict__["_grappe_project_open"] = cached
    return cached


told_the_team = has_sent_letter | has_open_project

rules.add_perm("selection.view_selection", is_office | board_reads_call)
# The team reads its decision and evaluation on the proposal page once the letter is sent, or once
# a project is open from its award.
rules.add_perm("selection.view_outcome", (is_office | is_team_member) & told_the_team)
# The pages of one proposal follow the proposal page's rule for the board: a submitted proposal
# of a closed call (``is_board_reader``). The object is the proposal.
rules.add_perm("selection.view_evaluation_summary", is_office | is_board_reader | (is_team_member & told_the_team))
rules.add_perm("selection.run_portfolio", is_office)
rules.add_perm("selection.approve_consensus", is_office)
rules.add_perm("selection.draft_consensus", is_office | is_rapporteur)
# The board reads every consensus and the reviews beside it, read-only.
rules.add_perm("selection.view_consensus", is_office | is_board_reader | is_rapporteur)
rules.add_perm("selection.decide", is_office | is_board_reader)
