from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HearingsConfig(AppConfig):
    name = "grappe.hearings"
    verbose_name = _("Hearings and experts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.core import guards
        from grappe.hearings import (
            replay,
            rules,  # noqa: F401 - registers the permissions
        )
        from grappe.hearings.services import declaration_gate, hearing_scores, proposal_section, sits_on_panels
        from grappe.review import gates
        from grappe.selection import extra_scores
        from grappe.submissions import sections

        extra_scores.register(hearing_scores)
        gates.register(declaration_gate)
        guards.register("stages.exclude_reviewer", sits_on_panels)
        sections.register(proposal_section)
        replay.register_replayers()
