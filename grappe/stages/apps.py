from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StagesConfig(AppConfig):
    name = "grappe.stages"
    verbose_name = _("Call stages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.stages import (
            hooks,  # noqa: F401 - guards and page sections of earlier apps
            replay,
            rules,  # noqa: F401 - registers the permissions
        )

        replay.register_replayers()
