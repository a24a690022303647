"""Who sees the outcomes audit of a call: the office and the board (docs/accountability.md)."""

import rules

from grappe.people.rules import is_board, is_office

rules.add_perm("accountability.view_audit", is_office | is_board)
