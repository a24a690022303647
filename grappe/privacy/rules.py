"""Who sees and acts on personal data: each person their own; the office on request."""

import rules

from grappe.people.rules import is_office, is_self

rules.add_perm("privacy.export_person_data", is_self | is_office)
rules.add_perm("privacy.erase_person", is_office)
rules.add_perm("privacy.view_register", is_office)
