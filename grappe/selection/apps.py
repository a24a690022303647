from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "grappe.selection"
    verbose_name = _("Selection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.calls.services import register_commitments
        from grappe.selection import rules  # noqa: F401 - registers the permissions
        from grappe.selection.services import committed

        register_commitments(committed)
