"""What the team reads on its proposal page once the decision letter is sent: the decision, the
amount, the panel's evaluation (approved consensus, never a reviewer's name) and what happens next."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grappe.selection.explain import combined_score, steps_for
from grappe.selection.models import ConsensusState, Decision, Outcome
from grappe.selection.services import criteria_of, weighted
from grappe.submissions.sections import register


def outcome_section(user: Any, proposal: Any) -> dict[str, Any] | None:
    if not user.has_perm("selection.view_outcome", proposal):
        return None
    decision = Decision.objects.get(proposal=proposal)
    consensus = getattr(proposal, "consensus", None)
    approved = consensus is not None and consensus.state == ConsensusState.APPROVED
    scores = consensus.scores if approved and consensus else {}
    criteria = criteria_of(proposal.call)
    combined = combined_score(proposal)
    return {
        "template": "selection/includes/outcome.html",
        "decision": decision,
        "outcomes": Outcome,
        "evaluation": [
            (c, Decimal(str(scores[str(c.pk)])) if str(c.pk) in scores else None, consensus.comments.get(str(c.pk), ""))
            for c in criteria
        ]
        if approved and consensus
        else [],
        "total": weighted(scores, criteria) if approved else None,
        "combined": combined,
        "steps": steps_for(proposal, combined),
        "applicant_comment": consensus.applicant_comment if approved and consensus else "",
    }


register(outcome_section)
