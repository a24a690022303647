"""Who may see and change a proposal."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.models import RoleKind
from grappe.people.rules import is_board, is_office, roles_of
from grappe.submissions.models import InvitationState, ProposalState
from grappe.submissions.queries import (
    call_is_closed,
    contact_organisation_ids,
    involved_organisation_ids,
    partner_organisation_ids,
)


@rules.predicate
def is_team_member(user: Any, proposal: Any) -> bool:
    person_id = roles_of(user).person_id
    if proposal is None or person_id is None:
        return False
    cached = getattr(proposal, "_team_person_ids", None)
    if cached is None:
        cached = set(
            proposal.team.filter(state=InvitationState.ACCEPTED)
            .exclude(person=None)
            .values_list("person_id", flat=True)
        )
        proposal._team_person_ids = cached
    return person_id in cached


@rules.predicate
def is_lead(user: Any, proposal: Any) -> bool:
    return proposal is not None and roles_of(user).person_id == proposal.lead_id


@rules.predicate
def is_editable(user: Any, proposal: Any) -> bool:
    return proposal is not None and proposal.state == ProposalState.DRAFT


@rules.predicate
def is_not_draft(user: Any, proposal: Any) -> bool:
    return proposal is not None and proposal.state != ProposalState.DRAFT


@rules.predicate
def is_institution_contact_for(user: Any, proposal: Any) -> bool:
    """Institution contact of an organisation involved (lead, team or partner), once submitted."""
    orgs = contact_organisation_ids(user, RoleKind.INSTITUTION_CONTACT)
    return bool(orgs) and bool(orgs & involved_organisation_ids(proposal))


@rules.predicate
def is_partner_contact_for(user: Any, proposal: Any) -> bool:
    """Contact of a company named as partner in the proposal, once submitted."""
    orgs = contact_organisation_ids(user, RoleKind.PARTNER_CONTACT)
    return bool(orgs) and bool(orgs & partner_organisation_ids(proposal))


@rules.predicate
def is_submitted_to_closed_call(user: Any, proposal: Any) -> bool:
    """Submitted, and its call's deadline has passed (or the office closed the call)."""
    return proposal is not None and proposal.state == ProposalState.SUBMITTED and call_is_closed(proposal.call)


@rules.predicate
def is_reader_for_review(user: Any, proposal: Any) -> bool:
    """Asked by name of the review app (which depends on this one): an assigned reviewer who
    confirmed having no conflict reads the proposal as submitted (``review.read_proposal``)."""
    return (
        proposal is not None
        and proposal.state != ProposalState.DRAFT
        and user.has_perm("review.read_proposal", proposal)
    )


# The board decides: it reads every submitted proposal of a closed call, never a draft.
is_board_reader = is_board & is_submitted_to_closed_call

rules.add_perm(
    "submissions.view_proposal",
    is_office
    | is_team_member
    | (is_not_draft & (is_institution_contact_for | is_partner_contact_for))
    | is_board_reader
    | is_reader_for_review,
)
# The whole proposal: budget, every partner's commitments, answers and files.
rules.add_perm(
    "submissions.view_proposal_full",
    is_office | is_team_member | (is_not_draft & is_institution_contact_for) | is_board_reader | is_reader_for_review,
)
# Who sees the team's invitations (pending addresses, declined ones): the team and the office.
rules.add_perm("submissions.view_invitations", is_office | is_team_member)
rules.add_perm("submissions.change_proposal", is_team_member & is_editable)
rules.add_perm("submissions.manage_team", is_lead & is_editable)
rules.add_perm("submissions.submit_proposal", is_lead & is_editable)
rules.add_perm("submissions.withdraw_proposal", is_lead)
rules.add_perm("submissions.reopen_proposal", is_lead)
rules.add_perm("submissions.override_eligibility", is_office)
rules.add_perm("submissions.list_call_proposals", is_office | is_board)
# Drafts are private to their team and the office: the board's list and exports leave them out.
rules.add_perm("submissions.list_call_drafts", is_office)
rules.add_perm("submissions.start_proposal", rules.is_authenticated)
