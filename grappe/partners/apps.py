from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "grappe.partners"
    label = "partners"
    verbose_name = _("Partners and matchmaking")

    def ready(self) -> None:
        from grappe.core import jobs

        jobs.register(self.get_model("MatchingIndex"))
        from grappe.partners import (
            labels,
            replay,
            rules,  # noqa: F401 - registers the permissions
            sections,  # noqa: F401 - adds "find partners" to the proposal page
        )

        replay.register_replayers()
        labels.register()
