"""Funded projects: the project opened from an award, its people, partners and grant record."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import Call
from grappe.core.codes import new_code
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
    number = models.PositiveSmallIntegerField(_("number"))
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
