from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "grappe.selection"
    verbose_name = _("Selection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.calls.services import register_commitments
        from grappe.core import jobs
        from grappe.selection import (
            labels,
            outcome,  # noqa: F401 - adds the decision to the proposal page
            ranking_store,
            replay,
            rules,  # noqa: F401 - registers the permissions
        )
        from grappe.selection.services import committed

        jobs.register(self.get_model("LetterSending"))
        labels.register()
        ranking_store.connect()
        register_commitments(committed)
        replay.register_replayers()
