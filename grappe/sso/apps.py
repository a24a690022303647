from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "grappe.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from grappe.sso import signals  # noqa: F401 - connects the logout receiver
