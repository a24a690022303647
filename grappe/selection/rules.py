"""Who may do what in selection."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_board, is_office, roles_of


@rules.predicate
def is_rapporteur(user: Any, proposal: Any) -> bool:
    consensus = getattr(proposal, "consensus", None) if proposal is not None else None
    return (
        consensus is not None
        and consensus.rapporteur_id is not None
        and (consensus.rapporteur_id == roles_of(user).person_id)
    )


rules.add_perm("selection.view_selection", is_office | is_board)
rules.add_perm("selection.run_portfolio", is_office)
rules.add_perm("selection.approve_consensus", is_office)
rules.add_perm("selection.draft_consensus", is_office | is_rapporteur)
# The board reads every consensus and the reviews beside it, read-only.
rules.add_perm("selection.view_consensus", is_office | is_board | is_rapporteur)
rules.add_perm("selection.decide", is_office | is_board)
