"""Who may do what with hearings, declarations and honoraria."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_office, roles_of
from grappe.submissions.rules import is_team_member


@rules.predicate
def is_team_of_hearing(user: Any, hearing: Any) -> bool:
    return hearing is not None and is_team_member(user, hearing.proposal)


@rules.predicate
def is_panel_of_hearing(user: Any, hearing: Any) -> bool:
    """On the hearing's panel, with no conflict of interest recorded since."""
    if hearing is None:
        return False
    from grappe.hearings.services import is_on_panel

    return is_on_panel(roles_of(user).person_id, hearing)


rules.add_perm("hearings.manage_hearings", is_office)
rules.add_perm("hearings.view_hearing", is_office | is_team_of_hearing | is_panel_of_hearing)
rules.add_perm("hearings.team_constraints", is_team_of_hearing)
rules.add_perm("hearings.score_hearing", is_panel_of_hearing)
