"""Forms of the funding pages; every error is a sentence that says how to fix it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form, VersionedForm
from grappe.funding import services
from grappe.funding.models import ExpenseStatement, InstalmentKind, Trigger
from grappe.people.forms import DateInput
from grappe.people.models import Organisation, Person
from grappe.programmes.models import CostCategory
from grappe.projects.models import CostRegime, Project
from grappe.projects.validators import (
    CommaDecimalField,
    check_at_most,
    file_input,
    money_field,
    validate_pdf_or_image,
)
from grappe.selection.models import Award
from grappe.submissions.models import ContributionKind


class OpenProjectForm(Form):
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    managing_institution = forms.ModelChoiceField(
        label=_("Managing institution"),
        queryset=Organisation.objects.none(),
        help_text=_("The beneficiary that receives the money (tutelle gestionnaire)."),
    )
    finance_contact = forms.EmailField(
        label=_("Finance contact's email"),
        required=False,
        help_text=_("A person already in the directory, at the managing institution."),
    )
    public_partners = forms.ModelMultipleChoiceField(
        label=_("Partners that agreed to be shown publicly"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rf_version = forms.CharField(label=_("Financial rules version"), max_length=50, initial="RF France 2030")
    regime = forms.ChoiceField(label=_("Regime"), choices=CostRegime.choices, initial=CostRegime.MARGINAL)

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        proposal = award.proposal
        ids = set(proposal.budget_lines.values_list("organisation_id", flat=True))
        ids |= set(proposal.team.exclude(organisation=None).values_list("organisation_id", flat=True))
        if proposal.lead_organisation_id:
            ids.add(proposal.lead_organisation_id)
        self.fields["managing_institution"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")
        self.fields["managing_institution"].initial = proposal.lead_organisation_id
        self.fields["public_partners"].queryset = Organisation.objects.filter(
            proposal_partnerships__proposal=proposal
        ).order_by("name")

    def clean_finance_contact(self) -> Person | None:
        email = self.cleaned_data["finance_contact"]
        if not email:
            return None
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(
                _("No one with this email is in the directory: add the person first, or leave the field empty.")
            )
        return person


# --- Statements and reallocations ---------------------------------------------------------------


class StatementForm(Form):
    beneficiary = forms.ModelChoiceField(label=_("Beneficiary"), queryset=Organisation.objects.none())
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        ids = services.beneficiary_ids(project)
        self.fields["beneficiary"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("beneficiary") and data.get("period_start") and data.get("period_end"):
            problem = services.period_problem(
                self.project, data["beneficiary"], data["period_start"], data["period_end"]
            )
            if problem:
                self.add_error("period_end", problem)
        return data


class LinesForm(VersionedForm):
    """One amount, person-months and description per eligible cost category."""

    def __init__(self, *args: Any, statement: ExpenseStatement, categories: list[CostCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statement, self.categories = statement, categories
        current = {line.category_id: line for line in statement.lines.all()}
        self.initial.setdefault("version", statement.version)
        for category in categories:
            line = current.get(category.pk)
            self.fields[f"amount_{category.code}"] = money_field(category.label, required=False)
            self.fields[f"pm_{category.code}"] = forms.DecimalField(
                label=_("Person-months"), required=False, min_value=Decimal("0"), max_digits=6, decimal_places=1
            )
            self.fields[f"desc_{category.code}"] = forms.CharField(
                label=_("Description"), required=False, max_length=300
            )
            if line is not None:
                self.initial.setdefault(f"amount_{category.code}", line.amount)
                self.initial.setdefault(f"pm_{category.code}", line.person_months)
                self.initial.setdefault(f"desc_{category.code}", line.description)

    def rows(self) -> list[tuple[CostCategory, Any, Any, Any]]:
        return [(c, self[f"amount_{c.code}"], self[f"pm_{c.code}"], self[f"desc_{c.code}"]) for c in self.categories]

    def lines(self) -> dict[CostCategory, tuple[Decimal, Decimal, str]]:
        data = self.cleaned_data
        return {
            c: (data[f"amount_{c.code}"] or Decimal("0"), data[f"pm_{c.code}"] or Decimal("0"), data[f"desc_{c.code}"])
            for c in self.categories
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            total = sum((a for a, _pm, _d in self.lines().values()), Decimal("0"))
            limit = self.statement.project.grant.max_amount - services.accepted_total(self.statement.project)
            try:
                check_at_most(total, limit, _("what is left of the grant after the accepted statements"))
            except forms.ValidationError as exc:
                self.add_error(None, exc)
        return data


class EvidenceForm(Form):
    file = forms.FileField(
        label=_("Evidence (PDF or image)"),
        validators=[validate_pdf_or_image],
        widget=file_input("application/pdf,image/png,image/jpeg"),
    )


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), ("accept", _("Accept")), ("return", _("Return with comments"))],
    )
    comment = forms.CharField(
        label=_("Comment (needed to return it)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckForm(VersionedForm, DecisionForm):
    pass


class ReallocationForm(Form):
    beneficiary = forms.ModelChoiceField(label=_("Beneficiary"), queryset=Organisation.objects.none())
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=[])
    from_category = forms.ModelChoiceField(label=_("From"), queryset=CostCategory.objects.all())
    to_category = forms.ModelChoiceField(label=_("To"), queryset=CostCategory.objects.all())
    amount = money_field(_("Amount (EUR)"), allow_zero=False)
    reason = forms.CharField(
        label=_("Reason"), min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grant = project.grant
        self.fields["beneficiary"].queryset = Organisation.objects.filter(
            pk__in=services.beneficiary_ids(project)
        ).order_by("name")
        years = range(grant.start_date.year, grant.end_date.year + 1)
        self.fields["year"].choices = [(y, y) for y in years]
        categories = project.call.programme.cost_categories.all()
        self.fields["from_category"].queryset = categories
        self.fields["to_category"].queryset = categories


# --- Co-funding and payments --------------------------------------------------------------------


class ContributionForm(Form):
    """A contribution realised; its year is the year of the date received or valued."""

    organisation = forms.ModelChoiceField(label=_("Partner"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ContributionKind.choices)
    amount = money_field(_("Realised (EUR)"), allow_zero=False)
    received_on = forms.DateField(
        label=_("Received or valued on"),
        widget=DateInput(),
        help_text=_("It counts in the year of this date."),
    )
    description = forms.CharField(
        label=_("Description and valuation method"),
        max_length=300,
        required=False,
        help_text=_("Needed for a contribution in kind: what was brought and how it is valued."),
    )
    file = forms.FileField(
        label=_("Evidence (PDF or image)"),
        required=False,
        validators=[validate_pdf_or_image],
        widget=file_input("application/pdf,image/png,image/jpeg"),
        help_text=_("Needed for a contribution in kind."),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["organisation"].queryset = Organisation.objects.filter(
            project_partnerships__project=project
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problems = services.contribution_problems(
            self.project,
            organisation=data.get("organisation"),
            kind=data.get("kind"),
            amount=data.get("amount"),
            received_on=data.get("received_on"),
            description=data.get("description") or "",
            has_evidence=bool(data.get("file")) or "file" in self.errors,
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class ContributionDecisionForm(VersionedForm):
    """The office confirms a declared contribution, or rejects it with a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), ("confirm", _("Confirm")), ("reject", _("Reject"))],
    )
    comment = forms.CharField(
        label=_("Reason (needed to reject it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and len((data.get("comment") or "").strip()) < 10:
            self.add_error("comment", _("Say why the contribution is rejected (10 characters at least)."))
        return data


class InstalmentForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InstalmentKind.choices)
    amount = money_field(_("Amount (EUR)"), required=False, allow_zero=False)
    share = CommaDecimalField(
        label=_("or share of the maximum"),
        required=False,
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        max_digits=5,
        decimal_places=4,
        help_text=_("0.3 = 30 %."),
        error_messages={
            "min_value": _("A share of the maximum is more than 0 and at most 1 (0.3 = 30 %%)."),
            "max_value": _("A share of the maximum is more than 0 and at most 1 (0.3 = 30 %%)."),
            "max_digits": _("A share of the maximum is more than 0 and at most 1 (0.3 = 30 %%)."),
            "max_whole_digits": _("A share of the maximum is more than 0 and at most 1 (0.3 = 30 %%)."),
            "max_decimal_places": _("Give the share with at most 4 decimals (0.3333 = 33.33 %%)."),
            "invalid": _("Enter a share as a number, e.g. 0.3 for 30 %."),
        },
    )
    trigger = forms.ChoiceField(label=_("Condition"), choices=Trigger.choices)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "amount" not in self.errors and "share" not in self.errors:
            problem = services.amount_or_share_problem(data.get("amount"), data.get("share"))
            if problem:
                self.add_error("amount", problem)
        if data.get("due_date"):
            problem = services.due_date_problem(self.project.grant, data["due_date"])
            if problem:
                self.add_error("due_date", problem)
        return data


class UnscheduleForm(VersionedForm):
    """Take an unpaid instalment out of the schedule (the version read travels along)."""


class PayForm(VersionedForm):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())

    def clean_paid_on(self) -> Any:
        day = self.cleaned_data["paid_on"]
        problem = services.paid_on_problem(day)
        if problem:
            raise forms.ValidationError(problem)
        return day


# --- The programme's settings for its projects (office) -----------------------------------------


class ReminderRulesForm(VersionedForm):
    days_before = forms.CharField(
        label=_("Remind on these days before the due date"),
        max_length=100,
        help_text=_("Whole numbers of days from 1 to 365, separated by commas, e.g. 30, 7, 1."),
    )
    late_every_days = forms.IntegerField(
        label=_("While late, remind every (days)"),
        min_value=0,
        max_value=90,
        help_text=_("0: no reminder once late."),
    )

    def clean_days_before(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["days_before"].split(",") if p.strip()]
        try:
            days = sorted({int(p) for p in parts}, reverse=True)
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers of days separated by commas, e.g. 30, 7, 1.")) from None
        if not days or len(days) > 10 or not all(1 <= d <= 365 for d in days):
            raise forms.ValidationError(_("Give from one to ten offsets, each from 1 to 365 days."))
        return days


def _percent(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_value=Decimal("100"), max_digits=4, decimal_places=1
    )


class FundingRulesForm(VersionedForm):
    """The tolerances and threshold as percentages (stored as shares: 10 % → 0.100)."""

    underspend_tolerance = _percent(_("Flag underspending below planned by more than (%)"))
    overspend_tolerance = _percent(_("Flag overspending above planned by more than (%)"))
    reallocation_threshold = _percent(
        _("Reallocations above this share of the project's budget need the office's approval (%)")
    )

    def shares(self) -> dict[str, Decimal]:
        return {
            name: (self.cleaned_data[name] / 100).quantize(Decimal("0.001"))
            for name in ("underspend_tolerance", "overspend_tolerance", "reallocation_threshold")
        }


class ReportTemplateForm(VersionedForm):
    sections = forms.CharField(
        label=_("Sections of the periodic reports (one question per line: French | English)"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Reports asked for from now on use these questions; those already asked keep theirs."),
    )

    def clean_sections(self) -> list[dict[str, str]]:
        sections = []
        for number, line in enumerate(self.cleaned_data["sections"].splitlines(), start=1):
            if not line.strip():
                continue
            french, _bar, english = (part.strip() for part in line.partition("|"))
            if not french or len(french) > 300 or len(english) > 300:
                raise forms.ValidationError(
                    _("Line %(n)s: write the question in French (300 characters at most), then | and its English."),
                    params={"n": number},
                )
            sections.append({"fr": french, "en": english or french})
        if not 1 <= len(sections) <= 20:
            raise forms.ValidationError(_("A report has from 1 to 20 sections."))
        return sections
