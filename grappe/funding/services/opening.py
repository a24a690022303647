"""Every write about the money of projects: carrying the budget over, statements, pledges, payments.

Functions are atomic, take the acting user as ``actor=`` and leave one audit entry per change.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from grappe.core.services import log_action
from grappe.funding.models import PlannedBudget, Pledge
from grappe.projects import services as projects
from grappe.projects.models import Project
from grappe.selection.models import Award
from grappe.submissions.models import BudgetLine, CoFunding


@transaction.atomic
def open_project_from_award(award: Award, opening: projects.Opening, *, actor: Any) -> Project:
    """Open the project (``projects.services.open_project``) and carry the proposal's budget table
    and co-funding pledges over, in one transaction: no retyping, nothing half-opened."""
    project = projects.open_project(award, opening, actor=actor)
    lines = BudgetLine.objects.filter(proposal_id=project.proposal_id)
    PlannedBudget.objects.bulk_create(
        PlannedBudget(
            project=project, category_id=b.category_id, organisation_id=b.organisation_id, year=b.year, amount=b.amount
        )
        for b in lines
    )
    pledges = CoFunding.objects.filter(partner__proposal_id=project.proposal_id).select_related("partner")
    Pledge.objects.bulk_create(
        Pledge(project=project, organisation_id=c.partner.organisation_id, year=c.year, kind=c.kind, amount=c.amount)
        for c in pledges
    )
    log_action(
        project,
        "funding.budget_carried_over",
        actor=actor,
        data={"budget_lines": len(lines), "pledges": len(pledges)},
    )
    return project
