"""Selection: consensus reports, the ranking's settings, portfolio runs, decisions and awards."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import Call, Question
from grappe.people.models import Person
from grappe.programmes.models import MONEY
from grappe.review.models import RunState
from grappe.submissions.models import Proposal

TIE_RULES = {
    "criterion_1": _("higher score on the first criterion (Excellence)"),
    "criterion_2": _("higher score on the second criterion (Impact)"),
    "new_partners": _("more partners not funded before by the programme"),
    "cofunding": _("higher co-funding ratio"),
    "cheaper": _("smaller request"),
}
DEFAULT_TIE_RULES = ["criterion_1", "criterion_2", "new_partners", "cofunding"]


class SelectionSettings(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="selection_settings")
    tie_rules = models.JSONField(_("tie-break rules, in order"), default=list, blank=True)
    theme_question = models.ForeignKey(
        Question,
        verbose_name=_("question giving the theme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A single-choice question of the call's form, used for minimums and maximums per theme."),
    )
    disagreement = models.DecimalField(
        _("disagreement flagged above (points)"), max_digits=3, decimal_places=1, default=2
    )
    min_reviews = models.PositiveSmallIntegerField(
        _("submitted reviews a proposal needs to be ready"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("With fewer, or without an approved consensus, a proposal is not ready: never recommended."),
    )

    class Meta:
        verbose_name = _("selection settings")

    def __str__(self) -> str:
        return f"{self.call}"

    def rules(self) -> list[str]:
        return [r for r in (self.tie_rules or DEFAULT_TIE_RULES) if r in TIE_RULES]


class ConsensusState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Consensus(models.Model):
    """The agreed evaluation of a proposal, drafted by a rapporteur from the reviews."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="consensus")
    rapporteur = models.ForeignKey(
        Person, verbose_name=_("rapporteur"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scores = models.JSONField(_("scores"), default=dict)
    comments = models.JSONField(_("comments"), default=dict)
    applicant_comment = models.TextField(_("comment for the applicants"), max_length=10000, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ConsensusState.choices, default=ConsensusState.DRAFT)
    approved_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("consensus report")

    def __str__(self) -> str:
        return f"{self.proposal.code} ({self.get_state_display()})"


class PortfolioRun(models.Model):
    """One run of the portfolio engine: its constraints, result and explanations (the ledger)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="portfolio_runs")
    parameters = models.JSONField(_("parameters"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    error = models.TextField(_("error"), blank=True)
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64, blank=True)
    # The exact inputs, for replay (core.replay); null once dropped after the retention period.
    inputs = models.ForeignKey(
        "core.StoredInput", verbose_name=_("inputs"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("run"), auto_now_add=True)
    # The run the office adopted: recommendations come from it alone (one per call at a time).
    adopted_by = models.ForeignKey(
        "people.User", verbose_name=_("adopted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)

    class Meta:
        verbose_name = _("portfolio run")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"], condition=models.Q(adopted_at__isnull=False), name="portfolio_one_adopted_per_call"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class RankingRun(models.Model):
    """A ranking of a call as it was computed and used (shown to the office, exported, relied on
    by a decision): the exact inputs (scores, passes, tie-break keys, every reviewer's weighted
    score for the calibration), the tie rules, the engine version and what came out (the order,
    each calibrated score, each reviewer's leniency). One row per distinct input and engine
    version: a ranking recomputed on unchanged data reuses its run (decision 0020)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="ranking_runs")
    parameters = models.JSONField(_("parameters"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64)
    # The exact inputs, for replay (core.replay); null once dropped after the retention period.
    inputs = models.ForeignKey(
        "core.StoredInput", verbose_name=_("inputs"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("computed"), auto_now_add=True)

    class Meta:
        verbose_name = _("ranking run")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "inputs_hash", "engine_version"], name="ranking_run_unique_inputs")
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Outcome(models.TextChoices):
    FUNDED = "funded", _("Funded")
    RESERVE = "reserve", _("Reserve list")
    REJECTED = "rejected", _("Rejected")
    DECLINED = "declined", _("Declined by the team")


class Decision(models.Model):
    """The decision on a proposal, beside the recommendation it followed or departed from."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    amount = models.DecimalField(_("amount granted (EUR)"), **MONEY, null=True, blank=True)
    reserve_rank = models.PositiveSmallIntegerField(_("rank on the reserve list"), null=True, blank=True)
    recommended = models.CharField(_("recommendation"), max_length=10, choices=Outcome.choices, blank=True)
    recommended_amount = models.DecimalField(_("recommended amount (EUR)"), **MONEY, null=True, blank=True)
    portfolio_run = models.ForeignKey(PortfolioRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The ranking (with its calibration) as it stood when the decision was recorded.
    ranking_run = models.ForeignKey(RankingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    justification = models.TextField(_("justification"), max_length=5000, blank=True)
    # What the office chose to tell the applicants about a departure from the suggestion (their
    # evaluation summary shows it; the internal justification above stays internal).
    shared_justification = models.TextField(_("justification shared with the applicants"), max_length=2000, blank=True)
    letter_override = models.TextField(
        _("why the letter goes out although the proposal is not ready"), max_length=2000, blank=True
    )
    decided_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("decision")

    def __str__(self) -> str:
        return f"{self.proposal.code}: {self.get_outcome_display()}"

    @property
    def departs(self) -> bool:
        return bool(self.recommended) and (
            self.outcome != self.recommended
            or (self.outcome == Outcome.FUNDED and self.amount != self.recommended_amount)
        )


class Award(models.Model):
    """A funded proposal: the amount committed in the programme's ledger (grown by the projects issue)."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="awards")
    amount = models.DecimalField(_("amount committed (EUR)"), **MONEY)
    # The business date of the commitment (the decision's day, Europe/Paris): what the funder's
    # report counts it in. ``created_at`` is only when the row was written (an import or the demo's
    # history writes it later than the decision it records).
    committed_on = models.DateField(_("committed on"), default=timezone.localdate)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("award")

    def __str__(self) -> str:
        return f"{self.proposal.code}: {self.amount}"


class LetterTemplate(models.Model):
    """The text of a decision letter for one outcome in one language, with placeholders."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="letter_templates")
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    language = models.CharField(_("language"), max_length=2, choices=[("fr", "Français"), ("en", "English")])
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), max_length=20000)

    class Meta:
        verbose_name = _("letter template")
        constraints = [models.UniqueConstraint(fields=["call", "outcome", "language"], name="letter_template_unique")]

    def __str__(self) -> str:
        return f"{self.call} {self.outcome} {self.language}"


class LetterState(models.TextChoices):
    DRAFT = "draft", _("In the outbox")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class LetterSending(models.Model):
    """One sending of a call's outbox by the task worker: its progress and heartbeat (a job of
    ``grappe.core.jobs``). One at a time per call; a failed one is restarted as a new one."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="letter_sendings")
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    total = models.PositiveIntegerField(_("letters"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)
    restarted_from = models.ForeignKey(
        "self", verbose_name=_("restart of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="restarts"
    )

    class Meta:
        verbose_name = _("letter sending")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=models.Q(state__in=[RunState.QUEUED, RunState.RUNNING]),
                name="letter_sending_one_active_per_call",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def progress(self) -> int:
        return int(100 * self.sent / self.total) if self.total else 0


class Letter(models.Model):
    """A decision letter, previewed in the outbox before it is sent."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="letters")
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    language = models.CharField(_("language"), max_length=2)
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=10, choices=LetterState.choices, default=LetterState.DRAFT)
    created_at = models.DateTimeField(_("prepared"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sending = models.ForeignKey(
        LetterSending, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters", editable=False
    )

    class Meta:
        verbose_name = _("decision letter")
        ordering = ["proposal__code", "-created_at"]
        constraints = [
            # Two "Prepare" clicks at once cannot leave two drafts for one proposal.
            models.UniqueConstraint(
                fields=["proposal"], condition=models.Q(state="draft"), name="letter_one_draft_per_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal.code}: {self.subject}"
