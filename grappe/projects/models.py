"""Funded projects: the project opened from an award, its people, partners and grant record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grappe.calls.models import Call
from grappe.core.codes import new_code
from grappe.core.display import show_value
from grappe.people.models import Organisation, Person
from grappe.programmes.models import MONEY
from grappe.selection.models import Award
from grappe.submissions.models import PartnerRole, Proposal


class ProjectState(models.TextChoices):
    ACTIVE = "active", _("Running")
    CLOSED = "closed", _("Closed")


class Project(models.Model):
    """A funded project, opened from an award in one step (the proposal's content carried over)."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    award = models.OneToOneField(Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="project")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="project")
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("title"), max_length=250)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    summary = models.TextField(_("public summary"), max_length=5000, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    lead = models.ForeignKey(Person, verbose_name=_("project lead"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=ProjectState.choices, default=ProjectState.ACTIVE)
    is_public = models.BooleanField(_("shown on the public list"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "code"]

    def __str__(self) -> str:
        return f"{self.acronym} — {self.title}" if self.acronym else self.title


class ProjectRole(models.TextChoices):
    LEAD = "lead", _("Project lead")
    MEMBER = "member", _("Member")
    FINANCE = "finance", _("Finance contact of the managing institution")


class ProjectMember(models.Model):
    """A person with a project-scoped role (the cluster-wide roles live in people.Role)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="project_roles")
    role = models.CharField(_("role"), max_length=10, choices=ProjectRole.choices, default=ProjectRole.MEMBER)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_months = models.DecimalField(
        _("person-months planned"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("project member")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person", "role"], name="project_member_once"),
            models.UniqueConstraint(fields=["project"], condition=Q(role="lead"), name="project_one_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class ProjectPartner(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="project_partnerships"
    )
    role = models.CharField(_("role"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.INDUSTRIAL)
    shown_publicly = models.BooleanField(_("agreed to be shown publicly"), default=False)

    class Meta:
        verbose_name = _("project partner")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "organisation"], name="project_partner_once")]

    def __str__(self) -> str:
        return str(self.organisation)


class CostRegime(models.TextChoices):
    MARGINAL = "marginal", _("Marginal cost")
    FULL = "full", _("Full cost")


class GrantState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SIGNED = "signed", _("Signed")


class Grant(models.Model):
    """The grant record (DOMAIN.md R2.1): after signature every change is an amendment."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="grant")
    rf_version = models.CharField(_("financial rules version"), max_length=50, default="RF France 2030")
    managing_institution = models.ForeignKey(
        Organisation, verbose_name=_("managing institution"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    max_amount = models.DecimalField(_("maximum amount (EUR)"), **MONEY)
    overhead_rate = models.DecimalField(
        _("overhead rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0800"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    regime = models.CharField(_("regime"), max_length=10, choices=CostRegime.choices, default=CostRegime.MARGINAL)
    state = models.CharField(_("state"), max_length=10, choices=GrantState.choices, default=GrantState.DRAFT)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("grant")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="grant_dates_ordered"),
            models.CheckConstraint(condition=Q(max_amount__gte=0), name="grant_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}"


def document_path(instance: models.Model, filename: str) -> str:
    return f"projects/{instance.grant.project.code}/grant/{new_code(12)}.pdf"  # type: ignore[attr-defined]


# The grant's values an amendment may change (the project page shows the current ones).
AMENDABLE = ["rf_version", "managing_institution", "start_date", "end_date", "max_amount", "overhead_rate", "regime"]


class GrantDocument(models.Model):
    """A signed document of the grant (convention, financial annex, consortium agreement)."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("signed document (PDF)"), upload_to=document_path, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant document")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class Amendment(models.Model):
    """A change to a signed grant: versioned, with its reason, date, before/after and signed document."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField(pgettext_lazy("ordinal", "number"))
    reason = models.TextField(_("reason"), max_length=2000)
    signed_on = models.DateField(_("signed on"))
    changes = models.JSONField(_("changes"), default=dict, help_text=_("{field: [before, after]}"))
    document = models.OneToOneField(GrantDocument, on_delete=models.PROTECT, related_name="amendment")
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("amendment")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["grant", "number"], name="amendment_number_once")]

    def __str__(self) -> str:
        return f"{self.grant.project.code} #{self.number}"

    def readable_changes(self) -> list[tuple[str, str, str]]:
        """``[(field label, before, after), …]``: amounts and dates as the reader's language writes them."""
        return [
            (str(Grant._meta.get_field(name).verbose_name), _shown(name, before), _shown(name, after))
            for name, (before, after) in self.changes.items()
        ]


def _shown(name: str, value: Any) -> str:
    field = Grant._meta.get_field(name)
    try:
        if isinstance(field, models.DecimalField) and value not in (None, ""):
            return formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)
        if isinstance(field, models.DateField) and value:
            return formats.date_format(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except (ArithmeticError, ValueError):
        pass  # a value written by an older version: shown as it was stored
    return show_value(value)


# --- The work plan ------------------------------------------------------------------------------


class WorkPackage(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="work_packages")
    number = models.PositiveSmallIntegerField(pgettext_lazy("ordinal", "number"))
    title = models.CharField(_("title"), max_length=200)
    lead = models.ForeignKey(
        Person, verbose_name=_("work package lead"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("work package")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="work_package_number_once"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="work_package_dates"),
        ]

    def __str__(self) -> str:
        return f"WP{self.number} {self.title}"


class Task(models.Model):
    work_package = models.ForeignKey(
        WorkPackage, verbose_name=_("work package"), on_delete=models.CASCADE, related_name="tasks"
    )
    number = models.PositiveSmallIntegerField(pgettext_lazy("ordinal", "number"))
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("task")
        ordering = ["work_package__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["work_package", "number"], name="task_number_once"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="task_dates"),
        ]

    def __str__(self) -> str:
        return f"T{self.work_package.number}.{self.number} {self.title}"


class DeliverableState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")

    @classmethod
    def open_states(cls) -> frozenset[str]:
        """States in which the deliverable is still owed (late once past its due date)."""
        return frozenset({cls.DRAFT, cls.RETURNED})


def deliverable_path(instance: Deliverable, filename: str) -> str:
    return f"projects/{instance.project.code}/deliverables/{instance.code}-{new_code(8)}.pdf"


class Deliverable(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliverables")
    work_package = models.ForeignKey(
        WorkPackage,
        verbose_name=_("work package"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliverables",
    )
    label = models.CharField(pgettext_lazy("ordinal", "number"), max_length=20, help_text=_("e.g. D1.2"))
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    owner = models.ForeignKey(Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+")
    reviewers = models.ManyToManyField(Person, verbose_name=_("reviewers"), blank=True, related_name="+")
    approver = models.ForeignKey(
        Person, verbose_name=_("approver"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DeliverableState.choices, default=DeliverableState.DRAFT
    )
    file = models.FileField(_("document (PDF)"), upload_to=deliverable_path, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    late_justification = models.TextField(_("justification of the delay"), max_length=2000, blank=True)
    review_comment = models.TextField(_("comment of the review"), max_length=5000, blank=True)
    decided_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    # Each move of the due date by the office: {"from", "to", "on", "reason", "was_late"}.
    due_date_moves = models.JSONField(_("due date moves"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("deliverable")
        ordering = ["due_date", "label"]
        indexes = [models.Index(fields=["state", "due_date"], name="deliverable_state_due_idx")]

    def __str__(self) -> str:
        return f"{self.label} {self.title}"

    @property
    def is_late(self) -> bool:
        """Past due and still owed, or handed in after the due date."""
        if self.state in DeliverableState.open_states():
            return self.due_date < timezone.localdate()
        return self.submitted_at is not None and timezone.localdate(self.submitted_at) > self.due_date

    @property
    def was_late(self) -> bool:
        """Late before the office moved its due date (the delay incurred stays on record)."""
        return any(move.get("was_late") for move in self.due_date_moves)

    @property
    def due_date_history(self) -> list[dict[str, Any]]:
        """The moves of the due date, their dates as dates (stored as ISO strings)."""
        dates = ("from", "to", "on")
        return [{**m, **{k: dt.date.fromisoformat(m[k]) for k in dates}} for m in self.due_date_moves]


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    work_package = models.ForeignKey(
        WorkPackage,
        verbose_name=_("work package"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    achieved_on = models.DateField(_("achieved on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("milestone")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class ReminderRules(models.Model):
    """When deliverable and report reminders go out, per programme (defaults when there is no row)."""

    programme = models.OneToOneField("programmes.Programme", on_delete=models.CASCADE, related_name="reminder_rules")
    days_before = models.JSONField(_("days before the due date"), default=list, help_text=_("e.g. [30, 7, 1]"))
    late_every_days = models.PositiveSmallIntegerField(_("while late, remind every (days)"), default=7)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("reminder rules")

    def __str__(self) -> str:
        return f"{self.programme}"


# --- Periodic reports and outputs ---------------------------------------------------------------


class ReportTemplate(models.Model):
    """The sections (questions) of a programme's periodic reports, in both languages."""

    programme = models.OneToOneField("programmes.Programme", on_delete=models.CASCADE, related_name="report_template")
    sections = models.JSONField(
        _("sections"), default=list, help_text=_('A list of {"fr": "…", "en": "…"} questions, in order.')
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("report template")

    def __str__(self) -> str:
        return f"{self.programme}"


DEFAULT_SECTIONS = [
    {"fr": "Avancement scientifique de la période", "en": "Scientific progress over the period"},
    {"fr": "Écarts au programme de travail et mesures prises", "en": "Deviations from the work plan and actions taken"},
    {"fr": "Perspectives pour la période suivante", "en": "Plans for the next period"},
]


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")

    @classmethod
    def editable(cls) -> frozenset[str]:
        return frozenset({cls.DRAFT, cls.RETURNED})


class Report(models.Model):
    """A periodic (scientific / progress) report: the template's sections answered by the lead."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    sections = models.JSONField(_("sections"), default=list)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # When the office accepted it: its outputs count in the indicators from then on.
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)
    office_comment = models.TextField(_("comment of the office"), max_length=5000, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("report")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.title}"


class OutputKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    SOFTWARE = "software", _("Software")
    PATENT = "patent", _("Patent")
    STARTUP = "startup", _("Start-up")
    DATASET = "dataset", _("Dataset")
    HIRE = "hire", _("Person hired")


class Output(models.Model):
    """A structured result declared in a report, counted by the impact reporting."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outputs")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=15, choices=OutputKind.choices)
    title = models.CharField(_("title"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    identifier = models.CharField(_("identifier (DOI, HAL, URL, patent number)"), max_length=200, blank=True)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    created_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        verbose_name = _("output")
        ordering = ["kind", "-year", "title"]
        indexes = [models.Index(fields=["project", "kind"], name="output_project_kind_idx")]

    def __str__(self) -> str:
        return self.title
