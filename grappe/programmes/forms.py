from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.people.forms import VersionedForm
from grappe.programmes.models import CostCategory, Programme


class ProgrammeForm(VersionedForm):
    cost_categories = forms.ModelMultipleChoiceField(
        label=_("Eligible cost categories"),
        queryset=CostCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Programme
        fields = ["name", "funders", "total_amount", "start_year", "end_year", "overhead_rate"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["cost_categories"].initial = list(self.instance.cost_categories.all())
        else:
            self.fields["cost_categories"].initial = list(CostCategory.objects.all())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The last year must not be before the first year."))
        return data

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        changes.pop("cost_categories", None)
        return changes
