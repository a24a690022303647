from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "grappe.review"
    verbose_name = _("Expert review")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.core import jobs
        from grappe.review import labels, replay, rules  # noqa: F401 - registers the permissions

        jobs.register(self.get_model("EngineRun"))
        labels.register()
        replay.register_replayers()
