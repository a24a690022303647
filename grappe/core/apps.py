from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "grappe.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from grappe.core import (
            checks,  # noqa: F401 (registers the deployment checks)
            labels,
        )

        labels.register()
