"""Every write about projects, by concern: opening from an award, the grant record, the work plan,
reports. Functions are atomic, take the acting user as ``actor=`` and leave one audit entry per
change. Callers import from ``grappe.projects.services``."""

from grappe.projects.models import AMENDABLE
from grappe.projects.services.editing import (
    add_member,
    change_member,
    delete_plan_item,
    deletion_problem,
    remove_member,
    set_public_partners,
    update_project,
)
from grappe.projects.services.grant import (
    add_grant_document,
    amend_grant,
    grant_problems,
    maximum_floor,
    register_maximum_floor,
    sign_grant,
    signature_problem,
    update_grant,
)
from grappe.projects.services.notify import send_report_reminders
from grappe.projects.services.opening import Opening, ProjectError, add_months, open_project
from grappe.projects.services.reports import (
    add_outputs,
    parse_dois,
    parse_outputs,
    review_report,
    save_report,
    schedule_report,
    sections_for,
)
from grappe.projects.services.settings import current_version, save_programme_rules
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
    "add_member",
    "add_months",
    "add_outputs",
    "amend_grant",
    "change_member",
    "current_version",
    "delete_plan_item",
    "deletion_problem",
    "grant_problems",
    "maximum_floor",
    "open_project",
    "outside_dates",
    "parse_dois",
    "parse_outputs",
    "record_milestone",
    "register_maximum_floor",
    "reminder_kind",
    "remove_member",
    "review_deliverable",
    "review_report",
    "save_plan_item",
    "save_programme_rules",
    "save_report",
    "schedule_report",
    "sections_for",
    "send_deliverable_reminders",
    "send_report_reminders",
    "set_public_partners",
    "sign_grant",
    "signature_problem",
    "submit_deliverable",
    "update_grant",
    "update_project",
]
