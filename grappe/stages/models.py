"""Call stages: a letter-of-intent call feeding a full-proposal call, the shortlist the office
invites (beside the recommendation it followed), stage-1 reviewers kept or excluded, the
applicants' rebuttal of their reviews and their requests for redress."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import Call
from grappe.people.models import Person
from grappe.submissions.models import Proposal

SHORTLIST_VERSION = "shortlist-1"


class TwoStageCall(models.Model):
    """Stage 1 (letters of intent: its own form, deadline, scheme and thresholds) feeds stage 2
    (full proposals, only from invited teams). Each stage is a call of its own, so its reviews,
    assignments, consensus and ranking stay apart from the other stage's."""

    stage1 = models.OneToOneField(
        Call, verbose_name=_("stage 1 (letters of intent)"), on_delete=models.PROTECT, related_name="as_stage1"
    )
    stage2 = models.OneToOneField(
        Call, verbose_name=_("stage 2 (full proposals)"), on_delete=models.PROTECT, related_name="as_stage2"
    )
    target_factor = models.DecimalField(
        _("invite enough to request this many times the budget"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
    )
    minimum_factor = models.DecimalField(
        _("and never less than"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.5"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("two-stage call")
        verbose_name_plural = _("two-stage calls")
        constraints = [
            models.CheckConstraint(condition=~Q(stage1=F("stage2")), name="two_stage_distinct_calls"),
            models.CheckConstraint(
                condition=Q(target_factor__gte=F("minimum_factor")), name="two_stage_factors_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage1.code} → {self.stage2.code}"


class ShortlistRun(models.Model):
    """One recommendation of whom to invite to stage 2 (DOMAIN.md R4.5): its inputs (the stage-1
    ranking), parameters (budget, factors), version and result, kept like the portfolio runs."""

    link = models.ForeignKey(TwoStageCall, on_delete=models.CASCADE, related_name="runs")
    parameters = models.JSONField(_("parameters"), default=dict)
    inputs = models.JSONField(_("inputs"), default=list)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64)
    # The exact inputs and parameters, for replay (core.replay); null once dropped after the
    # retention period (the JSON above stays for the page).
    stored_inputs = models.ForeignKey(
        "core.StoredInput",
        verbose_name=_("stored inputs"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.CharField(_("version"), max_length=20, default=SHORTLIST_VERSION)
    result = models.JSONField(_("result"), default=dict)
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("run"), auto_now_add=True)

    class Meta:
        verbose_name = _("shortlist recommendation")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def invited(self) -> set[str]:
        return set(self.result.get("invite", []))

    @property
    def inputs_id(self) -> str | None:
        """The stored inputs' key, under the name the Replay button reads (includes/replay.html)."""
        return self.stored_inputs_id


class StageDecision(models.Model):
    """The office's decision on a letter of intent: invited to stage 2 or not, beside the
    recommendation of the shortlist run it saw; the full proposal created for an invited team."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="stage_decision")
    invited = models.BooleanField(_("invited to stage 2"))
    recommended = models.BooleanField(_("recommended"), null=True, blank=True)
    run = models.ForeignKey(ShortlistRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    justification = models.TextField(_("justification"), max_length=5000, blank=True)
    full_proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="stage1_decision"
    )
    decided_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now=True)
    notified_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    # An invited team may decline the invitation to stage 2 (its full proposal is withdrawn).
    declined_at = models.DateTimeField(_("invitation declined"), null=True, blank=True)
    declined_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("stage-1 decision")

    def __str__(self) -> str:
        return f"{self.proposal.code}: {self.invited}"

    @property
    def departs(self) -> bool:
        return self.recommended is not None and self.recommended != self.invited


class ReviewerChoice(models.Model):
    """Whether a stage-1 reviewer also reviews at stage 2 (kept: added to its pool) or not."""

    link = models.ForeignKey(TwoStageCall, on_delete=models.CASCADE, related_name="reviewer_choices")
    reviewer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    keep = models.BooleanField(_("kept for stage 2"))
    decided_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now=True)

    class Meta:
        verbose_name = _("stage-1 reviewer kept or excluded")
        constraints = [models.UniqueConstraint(fields=["link", "reviewer"], name="reviewer_choice_once")]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.keep}"


class AppealSettings(models.Model):
    """A call's (or stage's) rebuttal window and redress deadline."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="appeal_settings")
    rebuttal_opens_at = models.DateTimeField(_("rebuttal opens"), null=True, blank=True)
    rebuttal_closes_at = models.DateTimeField(_("rebuttal closes"), null=True, blank=True)
    rebuttal_word_limit = models.PositiveIntegerField(
        _("rebuttal word limit"), default=500, validators=[MinValueValidator(10), MaxValueValidator(5000)]
    )
    redress_days = models.PositiveSmallIntegerField(
        _("days to request redress after the letter"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("0: no redress for this call."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("rebuttal and redress settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(rebuttal_opens_at__isnull=True)
                | Q(rebuttal_closes_at__isnull=True)
                | Q(rebuttal_closes_at__gt=F("rebuttal_opens_at")),
                name="rebuttal_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.call}"

    @property
    def rebuttal_enabled(self) -> bool:
        return self.rebuttal_opens_at is not None and self.rebuttal_closes_at is not None


class RebuttalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Sent to the reviewers")


class Rebuttal(models.Model):
    """The applicants' answer to their reviews, read by the reviewers and the rapporteur."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="rebuttal")
    text = models.TextField(_("your answer"), max_length=50000, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=RebuttalState.choices, default=RebuttalState.DRAFT)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    updated_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("rebuttal")

    def __str__(self) -> str:
        return f"{self.proposal.code} ({self.get_state_display()})"


class RedressState(models.TextChoices):
    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Upheld: the evaluation is redone")
    REJECTED = "rejected", _("Rejected: the procedure was followed")


class RedressRequest(models.Model):
    """A request for redress on procedural grounds, and the office's examination of it."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="redress")
    grounds = models.TextField(_("procedural grounds"), max_length=10000)
    filed_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    state = models.CharField(_("outcome"), max_length=10, choices=RedressState.choices, default=RedressState.FILED)
    examination = models.TextField(_("examination"), max_length=10000, blank=True)
    examined_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    examined_at = models.DateTimeField(_("examined"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("request for redress")
        verbose_name_plural = _("requests for redress")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.proposal.code} ({self.get_state_display()})"
