"""The "find partners for my proposal" link on the team's proposal page."""

from __future__ import annotations

from typing import Any

from grappe.submissions.sections import register


def find_partners_section(user: Any, proposal: Any) -> dict[str, Any] | None:
    if not user.has_perm("partners.find_partners", proposal):
        return None
    return {"template": "partners/includes/proposal_section.html", "proposal": proposal}


register(find_partners_section)
