"""Who sees and does what with partners, challenges and contact requests.

A partner contact (people.Role ``partner_contact``) acts for their organisation (and its
entities): its portal, public profile and challenges, and the contact requests of those
challenges. A researcher sees the requests addressed to them. The office sees everything; the
board reads the partner pages and the funnel.
"""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.models import Relationship
from grappe.people.rules import is_board, is_contact_of_organisation, is_office, roles_of


@rules.predicate
def is_partner_organisation(user: Any, organisation: Any) -> bool:
    return organisation is not None and organisation.relationship == Relationship.PARTNER


@rules.predicate
def is_challenge_owner(user: Any, challenge: Any) -> bool:
    return challenge is not None and is_contact_of_organisation(user, challenge.organisation)


@rules.predicate
def is_visible_challenge(user: Any, challenge: Any) -> bool:
    """Open challenges: public ones to everyone, members' ones to signed-in accounts."""
    if challenge is None or not challenge.is_open:
        return False
    return challenge.visibility == "public" or bool(getattr(user, "is_authenticated", False))


@rules.predicate
def is_addressed_researcher(user: Any, request: Any) -> bool:
    return request is not None and roles_of(user).person_id == request.researcher_id


@rules.predicate
def is_request_owner(user: Any, request: Any) -> bool:
    return request is not None and is_challenge_owner(user, request.challenge)


@rules.predicate
def awaits_researcher(user: Any, request: Any) -> bool:
    return request is not None and request.state == "pending" and request.side == "partner"


@rules.predicate
def awaits_partner(user: Any, request: Any) -> bool:
    return request is not None and request.state == "pending" and request.side == "researcher"


@rules.predicate
def is_contact_of_agreement_partner(user: Any, agreement: Any) -> bool:
    return agreement is not None and is_contact_of_organisation(user, agreement.profile.organisation)


@rules.predicate
def is_proposal_team(user: Any, proposal: Any) -> bool:
    return proposal is not None and user.has_perm("submissions.change_proposal", proposal)


@rules.predicate
def is_any_partner_contact(user: Any) -> bool:
    return any("partner_contact" in kinds for kinds in roles_of(user).by_org.values())


is_portal_user = is_partner_organisation & is_contact_of_organisation

rules.add_perm("partners.open_portal", is_any_partner_contact)
rules.add_perm("partners.list_partners", is_office | is_board)
rules.add_perm("partners.view_partner", (is_office | is_board) & is_partner_organisation)
rules.add_perm("partners.manage_partner", is_office & is_partner_organisation)
rules.add_perm("partners.view_funnel", is_office | is_board)
# The portal of a partner's contacts; the office may look at it too.
rules.add_perm("partners.use_portal", is_portal_user | (is_office & is_partner_organisation))
rules.add_perm("partners.edit_public_profile", is_portal_user | (is_office & is_partner_organisation))
rules.add_perm("partners.publish_challenge", is_portal_user)
rules.add_perm("partners.view_agreement_file", is_office | is_board | is_contact_of_agreement_partner)
# Challenges
rules.add_perm("partners.read_challenge", is_visible_challenge | is_challenge_owner | is_office | is_board)
rules.add_perm("partners.manage_challenge", is_challenge_owner | is_office)
rules.add_perm("partners.respond_to_challenge", is_visible_challenge & rules.is_authenticated & ~is_challenge_owner)
# Contact requests
rules.add_perm("partners.view_request", is_addressed_researcher | is_request_owner | is_office)
rules.add_perm(
    "partners.answer_request", (is_addressed_researcher & awaits_researcher) | (is_request_owner & awaits_partner)
)
# Matchmaking for researchers and applicants
rules.add_perm("partners.find_partners", is_proposal_team)
