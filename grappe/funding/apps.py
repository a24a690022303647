from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "grappe.funding"
    label = "funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        from grappe.core import jobs

        jobs.register(self.get_model("DossierBuild"))
