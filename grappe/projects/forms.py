"""Forms of the project pages; every error is a sentence that says how to fix it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form, ModelForm, VersionedForm
from grappe.people.forms import DateInput
from grappe.people.forms import VersionedForm as PeopleVersionedForm
from grappe.people.models import Organisation, Person
from grappe.projects import services
from grappe.projects.models import (
    CostRegime,
    Deliverable,
    Grant,
    Milestone,
    OutputKind,
    Project,
    ProjectRole,
    Report,
    Task,
    WorkPackage,
)
from grappe.projects.validators import CommaDecimalField, check_inside, file_input, money_field, validate_pdf

DATE = {"widget": DateInput()}


class ProjectForm(PeopleVersionedForm):
    """The public face of a project: summary, theme and (office only) the public flag."""

    class Meta:
        model = Project
        fields = ["summary", "theme", "is_public"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, office: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not office:
            del self.fields["is_public"]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}

    def _post_clean(self) -> None:
        # The service writes the instance (under a lock, version checked), not the form.
        pass


ROLE_CHOICES = [(ProjectRole.MEMBER, ProjectRole.MEMBER.label), (ProjectRole.FINANCE, ProjectRole.FINANCE.label)]


def _team_organisations(project: Project) -> Any:
    ids = set(project.members.exclude(organisation=None).values_list("organisation_id", flat=True))
    ids |= set(project.partners.values_list("organisation_id", flat=True))
    ids.add(project.grant.managing_institution_id)
    return Organisation.objects.filter(pk__in=ids).order_by("name")


PERSON_MONTHS = {
    "label": _("Person-months planned"),
    "min_value": Decimal("0"),
    "max_value": Decimal("999.9"),
    "max_digits": 4,
    "decimal_places": 1,
    "initial": Decimal("0"),
}


class AddMemberForm(VersionedForm):
    email = forms.EmailField(label=_("Email of the person (from the directory)"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)
    person_months = forms.DecimalField(**PERSON_MONTHS)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _team_organisations(project)  # type: ignore[attr-defined]
        self.initial.setdefault("version", project.version)

    def clean_email(self) -> Person:
        email = self.cleaned_data["email"].strip().lower()
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(
                _("No one in the directory has this email: add the person to the directory first.")
            )
        return person


class MemberForm(VersionedForm):
    """One row of the team table: role, organisation, person-months."""

    role = forms.ChoiceField(label=_("Role"), choices=ProjectRole.choices)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)
    person_months = forms.DecimalField(**PERSON_MONTHS)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _team_organisations(project)  # type: ignore[attr-defined]


class PartnersForm(VersionedForm):
    shown = forms.MultipleChoiceField(
        label=_("Partners shown on the public page (only those that agreed)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = list(project.partners.select_related("organisation"))
        self.fields["shown"].choices = [(str(p.organisation_id), p.organisation.name) for p in partners]  # type: ignore[attr-defined]
        self.initial.setdefault("shown", [str(p.organisation_id) for p in partners if p.shown_publicly])
        self.initial.setdefault("version", project.version)

    def shown_ids(self) -> set[int]:
        return {int(i) for i in self.cleaned_data["shown"]}


class GrantForm(VersionedForm):
    rf_version = forms.CharField(label=_("Financial rules version"), max_length=50)
    managing_institution = forms.ModelChoiceField(label=_("Managing institution"), queryset=Organisation.objects.none())
    start_date = forms.DateField(label=_("Start date"), **DATE)
    end_date = forms.DateField(label=_("End date"), **DATE)
    max_amount = money_field(_("Maximum amount (EUR)"))
    overhead_rate = CommaDecimalField(
        label=_("Overhead rate"),
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=5,
        decimal_places=4,
        help_text=_("A share: 0.08 = 8 %."),
    )
    regime = forms.ChoiceField(label=_("Regime"), choices=CostRegime.choices)

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {name: getattr(grant, name) for name in services.AMENDABLE} | {"version": grant.version}
        )
        super().__init__(*args, **kwargs)
        self.grant = grant
        ids = set(grant.project.members.exclude(organisation=None).values_list("organisation_id", flat=True))
        ids.add(grant.managing_institution_id)
        self.fields["managing_institution"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.AMENDABLE}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(name in data for name in services.AMENDABLE):
            for name, message in services.grant_problems(self.grant, self.changes()).items():
                self.add_error(name, message)
        return data


class AmendmentForm(GrantForm):
    reason = forms.CharField(
        label=_("Reason"), min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    signed_on = forms.DateField(label=_("Signed on"), **DATE)
    document = forms.FileField(
        label=_("Signed amendment (PDF)"),
        validators=[validate_pdf],
        widget=file_input("application/pdf"),
    )

    def clean_signed_on(self) -> Any:
        day = self.cleaned_data["signed_on"]
        problem = services.signature_problem(self.grant, day, amendment=True)
        if problem:
            raise forms.ValidationError(problem)
        return day


class SignForm(VersionedForm):
    signed_on = forms.DateField(label=_("Signed on"), **DATE)
    document = forms.FileField(
        label=_("Signed grant agreement (PDF)"),
        validators=[validate_pdf],
        widget=file_input("application/pdf"),
    )

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grant = grant

    def clean_signed_on(self) -> Any:
        day = self.cleaned_data["signed_on"]
        problem = services.signature_problem(self.grant, day)
        if problem:
            raise forms.ValidationError(problem)
        return day


class DocumentForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    document = forms.FileField(
        label=_("Signed document (PDF)"),
        validators=[validate_pdf],
        widget=file_input("application/pdf"),
    )


# --- The work plan ------------------------------------------------------------------------------


class PlanItemForm(ModelForm):
    """A work-plan item of ``project``: its people and work packages only, its dates inside the project.
    Editing, the version read travels in ``version`` and a stale one is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        people = Person.objects.filter(project_roles__project=project).distinct().order_by("last_name", "first_name")
        for name in ("lead", "owner", "approver", "reviewers"):
            if name in self.fields:
                self.fields[name].queryset = people  # type: ignore[attr-defined]
        if "work_package" in self.fields:
            self.fields["work_package"].queryset = project.work_packages.all()  # type: ignore[attr-defined]
        for name in ("start_date", "end_date", "due_date"):
            if name in self.fields:
                self.fields[name].widget = DateInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        grant = self.project.grant
        for name in ("start_date", "end_date", "due_date"):
            if data.get(name) is not None:
                try:
                    check_inside(data[name], grant.start_date, grant.end_date)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The end must come after the start."))
        return data

    def _post_clean(self) -> None:
        # The project is set by the service; the model's own checks would need it now.
        pass

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("reviewers", "version")}


class WorkPackageForm(PlanItemForm):
    class Meta:
        model = WorkPackage
        fields = ["number", "title", "lead", "start_date", "end_date"]


class TaskForm(PlanItemForm):
    class Meta:
        model = Task
        fields = ["work_package", "number", "title", "start_date", "end_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_package"].required = True


class DeliverableForm(PlanItemForm):
    """A deliverable; once it exists, its due date is moved by the office only, with a reason."""

    due_date_reason = forms.CharField(
        label=_("Reason for moving the due date"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the due date changes; kept in the deliverable's history."),
    )

    class Meta:
        model = Deliverable
        fields = ["work_package", "label", "title", "due_date", "owner", "reviewers", "approver"]
        widgets = {"reviewers": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, can_move_due_date: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["due_date_reason"]
        elif not can_move_due_date:
            del self.fields["due_date_reason"]
            self.fields["due_date"].disabled = True
            self.fields["due_date"].help_text = _("Only the cluster office moves a due date (ask it, with the reason).")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            "due_date_reason" in self.fields
            and data.get("due_date")
            and data["due_date"] != self.instance.due_date
            and len(data.get("due_date_reason", "").strip()) < 10
        ):
            self.add_error("due_date_reason", _("Give the reason for moving the due date (10 characters at least)."))
        return data

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in super().values().items() if k != "due_date_reason"}


class MilestoneForm(PlanItemForm):
    class Meta:
        model = Milestone
        fields = ["work_package", "title", "due_date"]


class SubmitDeliverableForm(VersionedForm):
    document = forms.FileField(
        label=_("Deliverable (PDF)"),
        required=False,
        validators=[validate_pdf],
        widget=file_input("application/pdf"),
    )
    justification = forms.CharField(
        label=_("Justification of the delay (if late)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewDeliverableForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), ("approve", _("Approve")), ("return", _("Return for changes"))],
    )
    comment = forms.CharField(
        label=_("Comment (needed to return it)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MilestoneReachedForm(Form):
    achieved_on = forms.DateField(label=_("Achieved on"), required=False, widget=DateInput())


# --- Reports and outputs ------------------------------------------------------------------------


class ScheduleReportForm(Form):
    title = forms.CharField(label=_("Title"), max_length=200, initial=_("Annual report"))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())


class ReportForm(VersionedForm):
    """One text per section of the report's template, in the active language."""

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", report.version)
        english = (get_language() or "fr").startswith("en")
        for i, section in enumerate(report.sections):
            label = (section.get("en") if english else section.get("fr")) or section.get("fr") or section.get("en")
            self.fields[f"s{i}"] = forms.CharField(
                label=label, required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
            )
            self.initial.setdefault(f"s{i}", report.answers.get(str(i), ""))

    def answers(self) -> dict[str, str]:
        return {
            name[1:]: value for name, value in self.cleaned_data.items() if name.startswith("s") and name[1:].isdigit()
        }


class OutputForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutputKind.choices)
    title = forms.CharField(label=_("Title"), max_length=500)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    identifier = forms.CharField(label=_("Identifier (DOI, HAL, URL, patent number)"), max_length=200, required=False)


class ImportOutputsForm(Form):
    fmt = forms.ChoiceField(
        label=_("Format"), choices=[("bibtex", _("BibTeX (HAL, ORCID export)")), ("doi", _("A list of DOIs"))]
    )
    content = forms.CharField(label=_("Content"), max_length=500000, widget=forms.Textarea(attrs={"rows": 6}))
