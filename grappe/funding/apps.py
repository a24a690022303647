from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "grappe.funding"
    label = "funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        from grappe.core import jobs
        from grappe.funding.services.ledger import maximum_floor
        from grappe.projects.services import register_maximum_floor

        jobs.register(self.get_model("DossierBuild"))
        # A grant's maximum never goes below what is paid, accepted or scheduled.
        register_maximum_floor(maximum_floor)
