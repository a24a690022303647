"""Who may do what with call stages, rebuttals and redress."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_board, is_office, roles_of
from grappe.selection.rules import reviews_it
from grappe.submissions.rules import is_lead, is_team_member


@rules.predicate
def reviews_proposal(user: Any, proposal: Any) -> bool:
    """An assigned reviewer of the proposal (the rapporteur is one), without a conflict."""
    return proposal is not None and reviews_it(roles_of(user).person_id, proposal.pk)


# The office runs the stages; the board reads them.
rules.add_perm("stages.view_stages", is_office | is_board)
rules.add_perm("stages.manage_stages", is_office)
# The team answers its reviews and requests redress; the office examines requests.
rules.add_perm("stages.rebut", is_team_member)
rules.add_perm("stages.request_redress", is_team_member)
rules.add_perm("stages.examine_redress", is_office)
# The lead, who may withdraw a proposal, declines the invitation to stage 2 for the team.
rules.add_perm("stages.decline_invitation", is_lead)
# The answer to the reviews: the office, the board, and the proposal's reviewers and rapporteur.
rules.add_perm("stages.read_rebuttal", is_office | is_board | reviews_proposal)
