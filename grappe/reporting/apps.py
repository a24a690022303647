from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "grappe.reporting"
    label = "reporting"
    verbose_name = _("Impact reporting")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from grappe.core import jobs
        from grappe.programmes.models import Programme
        from grappe.reporting import replay, rules  # noqa: F401 - registers the permissions
        from grappe.reporting.services import on_programme_saved

        jobs.register(self.get_model("AnnualReport"))
        replay.register_replayers()
        post_save.connect(on_programme_saved, sender=Programme, dispatch_uid="reporting.default_indicators")
