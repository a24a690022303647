"""Who may see and do what with the indicators, the dashboards and the annual reports."""

from __future__ import annotations

import rules

from grappe.people.rules import is_board, is_office

rules.add_perm("reporting.view_dashboard", is_office | is_board)
rules.add_perm("reporting.view_reports", is_office | is_board)
rules.add_perm("reporting.generate_report", is_office | is_board)
rules.add_perm("reporting.take_snapshot", is_office)
rules.add_perm("reporting.manage_indicators", is_office)
rules.add_perm("reporting.view_quality", is_office)
