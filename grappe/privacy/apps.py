from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "grappe.privacy"
    label = "privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        from grappe.partners.signals import matching_consent_changed
        from grappe.privacy.services import matching_consent_recorded

        matching_consent_changed.connect(matching_consent_recorded, dispatch_uid="privacy.matching_consent")
