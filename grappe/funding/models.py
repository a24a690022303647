"""The money of funded projects: planned budget, pledges, expense statements, reallocations."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.core.codes import new_code
from grappe.people.models import Organisation
from grappe.programmes.models import MONEY, CostCategory
from grappe.projects.models import Project, ReportState
from grappe.submissions.models import ContributionKind


class PlannedBudget(models.Model):
    """Cluster money planned for one cost category × beneficiary × year (from the proposal)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="planned_budget")
    category = models.ForeignKey(
        CostCategory, verbose_name=_("cost category"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    person_months = models.DecimalField(_("person-months"), max_digits=6, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("planned budget line")
        ordering = ["year", "category__position", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "category", "organisation", "year"], name="planned_budget_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="planned_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.category} {self.organisation} {self.year}: {self.amount}"


class Pledge(models.Model):
    """A partner's co-funding pledge for one year, cash or in kind (DOMAIN.md R6.7)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pledges")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="pledges"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    amount = models.DecimalField(_("pledged (EUR)"), **MONEY)

    class Meta:
        verbose_name = _("co-funding pledge")
        ordering = ["organisation__name", "year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organisation", "year", "kind"], name="pledge_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pledge_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.organisation} {self.year} {self.kind}: {self.amount}"


class FundingRules(models.Model):
    """Per programme: spending tolerances and the reallocation threshold (DOMAIN.md R2.8, [I] defaults)."""

    programme = models.OneToOneField("programmes.Programme", on_delete=models.CASCADE, related_name="funding_rules")
    underspend_tolerance = models.DecimalField(
        _("underspend flagged below planned by more than"), max_digits=4, decimal_places=3, default=Decimal("0.200")
    )
    overspend_tolerance = models.DecimalField(
        _("overspend flagged above planned by more than"), max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    reallocation_threshold = models.DecimalField(
        _("reallocations above this share of the project's budget need the office's approval"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.050"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("funding rules")

    def __str__(self) -> str:
        return f"{self.programme}"


DEFAULT_RULES = {
    "underspend_tolerance": Decimal("0.200"),
    "overspend_tolerance": Decimal("0.100"),
    "reallocation_threshold": Decimal("0.050"),
}


# A statement goes draft → submitted → accepted / returned, as a report does: the same states.
StatementState = ReportState


class ExpenseStatement(models.Model):
    """An expense statement (état récapitulatif des dépenses) of one beneficiary for one period."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="statements")
    beneficiary = models.ForeignKey(
        Organisation, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    state = models.CharField(_("state"), max_length=10, choices=StatementState.choices, default=StatementState.DRAFT)
    submitted_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    office_comment = models.TextField(_("comment of the office"), max_length=5000, blank=True)
    checked_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    total = models.DecimalField(_("total (EUR)"), **MONEY, default=Decimal("0"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("expense statement")
        ordering = ["period_start", "beneficiary__name"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="statement_period"),
            models.CheckConstraint(condition=Q(total__gte=0), name="statement_total_not_negative"),
        ]
        indexes = [models.Index(fields=["project", "state"], name="statement_project_state_idx")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.beneficiary} {self.period_start}–{self.period_end}"

    @property
    def year(self) -> int:
        """The budget year the statement's spending counts in (the year its period ends)."""
        return self.period_end.year


class ExpenseLine(models.Model):
    statement = models.ForeignKey(ExpenseStatement, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey(
        CostCategory, verbose_name=_("cost category"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    person_months = models.DecimalField(_("person-months"), max_digits=6, decimal_places=1, default=0)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("expense line")
        ordering = ["category__position"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "category"], name="expense_line_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="expense_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.amount}"


def evidence_path(instance: Evidence, filename: str) -> str:
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(instance.content_type, "bin")
    return f"projects/{instance.statement.project.code}/statements/{instance.statement.code}-{new_code(8)}.{extension}"


class Evidence(models.Model):
    """A supporting document of a statement: a PDF or an image, checked by content."""

    statement = models.ForeignKey(ExpenseStatement, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    uploaded_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file_name


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for the office")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied (under the threshold)")


class Reallocation(models.Model):
    """Money moved between cost categories of one beneficiary and year; above the programme's
    threshold it is a request the office approves (DOMAIN.md R2.8)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reallocations")
    beneficiary = models.ForeignKey(
        Organisation, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    from_category = models.ForeignKey(CostCategory, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    to_category = models.ForeignKey(CostCategory, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    requested_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment of the office"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("reallocation")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="reallocation_positive")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.from_category} → {self.to_category}: {self.amount}"


# --- Co-funding realised, payments --------------------------------------------------------------


def contribution_path(instance: Contribution, filename: str) -> str:
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(instance.content_type, "bin")
    return f"projects/{instance.project.code}/contributions/{new_code(12)}.{extension}"


class ContributionState(models.TextChoices):
    """A contribution declared by the project is counted once the office confirms it (as the office
    accepts expense statements); the office's own records are confirmed at once."""

    DECLARED = "declared", _("Declared, waiting for the office")
    CONFIRMED = "confirmed", _("Confirmed by the office")
    REJECTED = "rejected", _("Rejected by the office")


class ContributionQuerySet(models.QuerySet["Contribution"]):
    def counted(self) -> ContributionQuerySet:
        """The contributions the office confirmed: the only ones in the co-funding realised, the
        leverage, the ledger, the partners' figures and the impact indicators."""
        return self.filter(state=ContributionState.CONFIRMED)


class Contribution(models.Model):
    """Co-funding a partner actually brought (cash received or in-kind valued), with its evidence.
    Declared by the project, counted once the office confirms it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contributions")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="contributions"
    )
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("The year of the date received or valued."))
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    amount = models.DecimalField(_("realised (EUR)"), **MONEY)
    received_on = models.DateField(_("received or valued on"))
    description = models.CharField(_("description and valuation method"), max_length=300, blank=True)
    file = models.FileField(_("evidence"), upload_to=contribution_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=50, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ContributionState.choices, default=ContributionState.DECLARED
    )
    recorded_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    decided_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("confirmed or rejected"), null=True, blank=True)
    office_comment = models.TextField(_("comment of the office"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-funding contribution")
        ordering = ["organisation__name", "year", "kind", "received_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_positive"),
            models.CheckConstraint(
                condition=Q(state="declared") | Q(decided_at__isnull=False), name="contribution_decided_when"
            ),
        ]
        indexes = [models.Index(fields=["project", "state"], name="contribution_project_state_idx")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.organisation} {self.year} {self.kind}: {self.amount}"


class InstalmentKind(models.TextChoices):
    ADVANCE = "advance", _("Advance")
    INTERMEDIATE = "intermediate", _("Intermediate payment")
    BALANCE = "balance", _("Balance")


class Trigger(models.TextChoices):
    """What must have happened before an instalment is paid (DOMAIN.md R2.7)."""

    SIGNATURE = "signature", _("Signature of the grant")
    STATEMENT = "statement", _("An accepted expense statement")
    REPORT = "report", _("An accepted report")


class Instalment(models.Model):
    """One payment of the schedule; paid ones count in the programme's ledger."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="instalments")
    kind = models.CharField(_("kind"), max_length=15, choices=InstalmentKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    share = models.DecimalField(_("share of the maximum"), max_digits=5, decimal_places=4, null=True, blank=True)
    trigger = models.CharField(_("condition"), max_length=10, choices=Trigger.choices)
    due_date = models.DateField(_("due date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("payment instalment")
        ordering = ["due_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive")]
        indexes = [models.Index(fields=["project", "paid_on"], name="instalment_project_paid_idx")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_kind_display()} {self.amount}"


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def dossier_path(instance: DossierBuild, filename: str) -> str:
    return f"funding/{instance.project.code}/dossiers/dossier-{instance.project.code}-{new_code(8)}.zip"


class DossierBuild(models.Model):
    """One audit dossier built by the task worker (a job of ``grappe.core.jobs``: heartbeat, a
    dead worker's build marked failed). One at a time per project; the office downloads the zip
    once it is done. Only the latest done build keeps its file."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dossier_builds")
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    language = models.CharField(_("language"), max_length=8, default="fr")
    file = models.FileField(_("dossier (zip)"), upload_to=dossier_path, blank=True, max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit dossier build")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(state__in=["queued", "running"]),
                name="dossier_build_one_active_per_project",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"
