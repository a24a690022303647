"""What the team reads on its proposal page once the decision letter is sent (or a project is open
from its award): the decision, the amount, the panel's evaluation (approved consensus, never a
reviewer's name) and what happens next, or the project."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from grappe.selection.explain import combined_score, steps_for
from grappe.selection.models import Award, ConsensusState, Decision, Outcome
from grappe.selection.services import criteria_of, weighted
from grappe.submissions.sections import register


def outcome_section(user: Any, proposal: Any) -> dict[str, Any] | None:
    if not user.has_perm("selection.view_outcome", proposal):
        return None
    decision = Decision.objects.get(proposal=proposal)
    award = Award.objects.filter(proposal=proposal, project__isnull=False).select_related("project").first()
    project = award.project if award else None
    consensus = getattr(proposal, "consensus", None)
    approved = consensus is not None and consensus.state == ConsensusState.APPROVED
    scores = consensus.scores if approved and consensus else {}
    criteria = criteria_of(proposal.call)
    combined = combined_score(proposal)
    return {
        "template": "selection/includes/outcome.html",
        "decision": decision,
        "outcomes": Outcome,
        # The funded project opened from the award, and which of its pages the reader may open.
        "project": project,
        "project_page": _project_page(user, project),
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


def _project_page(user: Any, project: Any) -> str:
    if project is None:
        return ""
    if user.has_perm("projects.view_project", project):
        return reverse("projects:detail", args=[project.code])
    return reverse("projects:public", args=[project.code]) if project.is_public else ""


register(outcome_section)
