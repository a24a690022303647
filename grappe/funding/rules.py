"""Who may see and do what with a project's money."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.rules import is_board, is_office
from grappe.projects.rules import is_finance_contact, is_insider, is_partner_contact_of_project, is_project_lead


@rules.predicate
def is_partner_contact_of_pledge(user: Any, pledge: Any) -> bool:
    from grappe.projects.queries import partner_orgs_of_user

    return pledge is not None and pledge.organisation_id in partner_orgs_of_user(user, pledge.project)


rules.add_perm("funding.list_awards", is_office)
rules.add_perm("funding.view_budget", is_insider)
# The co-funding page: insiders see every pledge, partner contacts only their organisation's.
rules.add_perm("funding.view_cofunding", is_insider | is_partner_contact_of_project)
rules.add_perm("funding.view_pledge", is_insider | is_partner_contact_of_pledge)
# Expense statements and reallocations
rules.add_perm("funding.file_statement", is_office | is_project_lead | is_finance_contact)
rules.add_perm("funding.check_statement", is_office)
rules.add_perm("funding.request_reallocation", is_office | is_project_lead | is_finance_contact)
rules.add_perm("funding.decide_reallocation", is_office)
# Co-funding, payments, the programme's ledger
rules.add_perm("funding.record_contribution", is_office | is_project_lead | is_finance_contact)
rules.add_perm("funding.confirm_contribution", is_office)
rules.add_perm("funding.view_payments", is_insider)
rules.add_perm("funding.manage_payments", is_office)
rules.add_perm("funding.view_ledger", is_office | is_board)
rules.add_perm("funding.configure_rules", is_office)
rules.add_perm("funding.export_dossier", is_office)
