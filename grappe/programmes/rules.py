import rules

from grappe.people.rules import is_board, is_office

rules.add_perm("programmes.view_programme", is_office | is_board)
rules.add_perm("programmes.manage_programme", is_office)
