from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "grappe.selection"
    verbose_name = _("Selection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.selection import ranking_store, rules  # noqa: F401 - registers the permissions

        ranking_store.connect()
