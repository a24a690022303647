from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "grappe.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from grappe.people.models import Organisation

        post_save.connect(_institution_renamed, sender=Organisation, dispatch_uid="training.search_institution")


def _institution_renamed(sender: object, instance: object, **kwargs: object) -> None:
    """An institution's name is searched in the catalogue: keep its programmes' search text true."""
    from grappe.training.models import TrainingProgramme, refresh_search

    refresh_search(TrainingProgramme.objects.filter(institution=instance).values_list("pk", flat=True))
