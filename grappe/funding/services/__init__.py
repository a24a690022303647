"""Every write about the money of projects, by concern: opening (budget and pledges carried over),
statements and reallocations. Functions are atomic, take ``actor=`` and leave an audit entry.
Callers import from ``grappe.funding.services``."""

from grappe.funding.services.dossiers import request_dossier
from grappe.funding.services.ledger import (
    due_date_problem,
    pay_instalment,
    record_contribution,
    schedule_instalment,
    scheduled_total,
    trigger_met,
    unschedule_instalment,
)
from grappe.funding.services.opening import open_project_from_award
from grappe.funding.services.statements import (
    FundingError,
    accepted_total,
    add_evidence,
    beneficiary_ids,
    check_statement,
    create_statement,
    decide_reallocation,
    delete_statement,
    never_submitted,
    period_problem,
    request_reallocation,
    rules_for,
    save_lines,
    submit_statement,
)

__all__ = [
    "FundingError",
    "accepted_total",
    "add_evidence",
    "beneficiary_ids",
    "check_statement",
    "create_statement",
    "decide_reallocation",
    "delete_statement",
    "due_date_problem",
    "never_submitted",
    "open_project_from_award",
    "pay_instalment",
    "period_problem",
    "record_contribution",
    "request_dossier",
    "request_reallocation",
    "rules_for",
    "save_lines",
    "schedule_instalment",
    "scheduled_total",
    "submit_statement",
    "trigger_met",
    "unschedule_instalment",
]
