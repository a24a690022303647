"""Every write about projects, by concern: opening from an award, the grant record, the work plan,
reports. Functions are atomic, take the acting user as ``actor=`` and leave one audit entry per
change. Callers import from ``grappe.projects.services``."""

from grappe.projects.models import AMENDABLE
from grappe.projects.services.grant import (
    add_grant_document,
    amend_grant,
    grant_problems,
    sign_grant,
    update_grant,
)
from grappe.projects.services.opening import Opening, ProjectError, add_months, open_project
from grappe.projects.services.workplan import (
    outside_dates,
    record_milestone,
    reminder_kind,
    review_deliverable,
    save_plan_item,
    send_deliverable_reminders,
    submit_deliverable,
)

__all__ = [
    "AMENDABLE",
    "Opening",
    "ProjectError",
    "add_grant_document",
    "add_months",
    "amend_grant",
    "grant_problems",
    "open_project",
    "outside_dates",
    "record_milestone",
    "reminder_kind",
    "review_deliverable",
    "save_plan_item",
    "send_deliverable_reminders",
    "sign_grant",
    "submit_deliverable",
    "update_grant",
]
