from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form, ModelForm
from grappe.people.forms import DateInput
from grappe.people.models import Organisation, OrganisationKind, Person
from grappe.training.models import (
    Course,
    FundedTrainee,
    Gender,
    Kind,
    Language,
    Level,
    TrainingProgramme,
    TrainingSession,
)
from grappe.training.services.imports import field_labels


class CatalogueFilterForm(Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("title, course, institution…"), "type": "search"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *Language.choices]
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices])
    institution = forms.ModelChoiceField(
        label=_("Institution"), required=False, queryset=Organisation.objects.none(), empty_label=_("All institutions")
    )
    start = forms.DateField(label=_("Sessions from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            Organisation.objects.filter(training_programmes__is_published=True).distinct().order_by("name")
        )


class ProgrammeForm(ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = TrainingProgramme
        fields = [
            "title",
            "kind",
            "institution",
            "language",
            "level",
            "audience",
            "hours",
            "trained_min_hours",
            "aware_min_hours",
            "description",
            "is_published",
        ]

    def __init__(self, *args: Any, institutions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = Organisation.objects.filter(kind__in=OrganisationKind.academic()).order_by("name")
        if institutions is not None:
            queryset = queryset.filter(pk__in=institutions)
        self.fields["institution"].queryset = queryset
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        trained, aware = data.get("trained_min_hours"), data.get("aware_min_hours")
        if trained is not None and aware is not None and trained < aware:
            self.add_error("trained_min_hours", _("Trained needs at least as many hours as made aware."))
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CourseForm(ModelForm):
    class Meta:
        model = Course
        fields = ["title", "hours"]


class SessionForm(ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    link = forms.URLField(label=_("online link"), required=False, max_length=300, assume_scheme="https")
    trainer_emails = forms.CharField(
        label=_("Trainers (emails, one per line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = TrainingSession
        fields = ["starts_at", "ends_at", "hours", "place", "link", "capacity", "registration_open"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        help_texts = {"starts_at": _("Paris time.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["trainer_emails"].initial = "\n".join(p.email for p in self.instance.trainers.all())
        else:  # the browser's date picker offers no past day for a new session
            self.fields["starts_at"].widget.attrs["min"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_trainer_emails(self) -> list[Person]:
        emails = [e.strip().lower() for e in self.cleaned_data["trainer_emails"].split() if e.strip()]
        people = {p.email.lower(): p for p in Person.objects.filter(email__in=emails)}
        unknown = [e for e in emails if e not in people]
        if unknown:
            raise ValidationError(
                _("No person in the directory has this address: %(emails)s"), params={"emails": ", ".join(unknown)}
            )
        return list(people.values())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts = data.get("starts_at")
        moved = not self.instance.pk or starts != self.instance.starts_at
        if starts and moved and starts <= timezone.now():
            self.add_error(
                "starts_at",
                _("A session cannot start in the past: choose a date and time still to come (Paris time)."),
            )
        if starts and data.get("ends_at") and data["ends_at"] <= starts:
            self.add_error("ends_at", _("The session must end after it starts."))
        if not data.get("place") and not data.get("link"):
            self.add_error("place", _("Give a place or an online link."))
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class VisitorForm(Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    website = forms.CharField(
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off", "class": "hp"}),
        label=_("Leave this empty"),
    )

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise ValidationError(_("Leave this field empty."))
        return ""


class MessageForm(Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


class CancelSessionForm(Form):
    note = forms.CharField(
        label=_("Message to the registrants (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added to the email that tells them, e.g. the reason or the next date."),
    )


class SheetForm(Form):
    sheet = forms.FileField(
        label=_("Sign-in sheet (Excel or CSV)"),
        help_text=_("A column headed email; optionally a column present (yes/no, x, 1/0)."),
    )


class ImportUploadForm(Form):
    sheet = forms.FileField(
        label=_("Enrolments (Excel or CSV)"),
        help_text=_(
            "One row per enrolment: email, first name, last name, programme (code or title), institution, "
            "date enrolled, hours."
        ),
    )


class MappingForm(Form):
    def __init__(self, *args: Any, headers: list[str], initial_map: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from grappe.training.services.imports import REQUIRED

        choices = [("", _("(not in the file)")), *[(str(i), h or f"#{i + 1}") for i, h in enumerate(headers)]]
        for field, label in field_labels().items():
            self.fields[field] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=field in REQUIRED,
                initial=str(initial_map[field]) if field in initial_map else "",
            )

    def mapping(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.cleaned_data.items() if v not in ("", None)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        used = [v for v in data.values() if v]
        if len(used) != len(set(used)):
            raise ValidationError(_("Two fields are mapped to the same column."))
        return data


class GenderForm(Form):
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        required=False,
        choices=[("", _("Not given")), *Gender.choices],
        help_text=_("Used only in counts of at least 10 people, never shown alone."),
    )


class TraineeForm(ModelForm):
    email = forms.EmailField(label=_("Email of the person"), max_length=254)

    class Meta:
        model = FundedTrainee
        fields = ["kind", "membership", "funding_note", "required", "due_on"]
        widgets = {"due_on": DateInput(), "required": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from grappe.projects.models import ProjectMember

        self.fields["membership"].queryset = ProjectMember.objects.select_related("project", "person").order_by(
            "project__title"
        )
        self.fields["membership"].required = False
        self.fields["required"].queryset = TrainingProgramme.objects.order_by("title")

    def clean_email(self) -> Person:
        person = Person.objects.filter(email__iexact=self.cleaned_data["email"]).first()
        if person is None:
            raise ValidationError(_("No person in the directory has this address."))
        return person

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("membership") and not data.get("funding_note"):
            self.add_error("funding_note", _("Choose the project membership or say who funds this person."))
        return data
