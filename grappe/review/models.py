"""Expert review: the reviewer pool of a call, publications, conflicts of interest, affinity,
assignment runs (the decision ledger), assignments and reviews."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grappe.calls.models import Call
from grappe.core.codes import new_code
from grappe.people.models import Person
from grappe.submissions.models import Proposal


class ReviewSettings(models.Model):
    """How a call's review runs (one per call, created with defaults when first needed)."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="review_settings")
    review_deadline = models.DateTimeField(_("review deadline"), null=True, blank=True)
    conflict_window_years = models.PositiveSmallIntegerField(
        _("conflict window (years)"),
        default=3,
        validators=[MaxValueValidator(20)],
        help_text=_("Affiliations and co-authorships this recent create a conflict of interest."),
    )
    reviews_visible_after_submit = models.BooleanField(
        _("reviewers see the other reviews after submitting their own"), default=True
    )
    bidding_open = models.BooleanField(
        _("bidding open"), default=False, help_text=_("Experts of the pool see titles and abstracts and bid.")
    )

    class Meta:
        verbose_name = _("review settings")

    def __str__(self) -> str:
        return f"{self.call}"

    @property
    def open_for_reviews(self) -> bool:
        """Reviews can be written and changed until the deadline (none: always)."""
        return self.review_deadline is None or timezone.now() <= self.review_deadline


class PoolState(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class PoolMember(models.Model):
    """An expert invited to review for a call, and their answer."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="pool")
    person = models.ForeignKey(Person, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="pools")
    state = models.CharField(_("state"), max_length=10, choices=PoolState.choices, default=PoolState.INVITED)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    max_load = models.PositiveSmallIntegerField(
        _("maximum load"), default=6, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    is_external = models.BooleanField(_("external to the cluster"), default=False)
    is_international = models.BooleanField(_("international"), default=False)
    token = models.CharField(max_length=32, unique=True, default=new_code, editable=False)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("pool member")
        constraints = [models.UniqueConstraint(fields=["call", "person"], name="pool_call_person_unique")]
        ordering = ["person__last_name", "person__first_name"]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_state_display()})"


class PublicationSource(models.TextChoices):
    BIBTEX = "bibtex", _("BibTeX (also HAL and ORCID exports)")
    JSONL = "jsonl", _("OpenReview archive (.jsonl)")
    MANUAL = "manual", _("Entered by hand")


class Publication(models.Model):
    """One publication of an expert, used for affinity and co-authorship conflicts."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="publications")
    title = models.CharField(_("title"), max_length=500)
    abstract = models.TextField(_("abstract"), max_length=10000, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    authors = models.JSONField(_("authors"), default=list, blank=True, help_text=_("As written: 'Last, First'."))
    source = models.CharField(_("source"), max_length=10, choices=PublicationSource.choices)
    external_id = models.CharField(_("identifier"), max_length=200, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    author_orcids = models.JSONField(
        _("authors' ORCID"), default=list, blank=True, help_text=_("Beside each author, their ORCID when known.")
    )

    class Meta:
        verbose_name = _("publication")
        ordering = ["-year", "title"]
        indexes = [models.Index(fields=["person", "year"], name="publication_person_year_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PublicationImport(models.Model):
    """One import of a file of publications into a person's profile, with its report: what was
    added, what completed a publication already there, and every entry not imported with why.
    Big files run in the task worker; the page follows the progress."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="publication_imports")
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    fmt = models.CharField(_("format"), max_length=10, choices=PublicationSource.choices)
    content = models.TextField(blank=True)  # emptied once the import is done
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    skipped = models.JSONField(_("not imported"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("publication import")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.person} {self.fmt} #{self.pk}"


class ConflictOrigin(models.TextChoices):
    COMPUTED = "computed", _("Computed from the data")
    DECLARED = "declared", _("Declared by the reviewer")
    OFFICE = "office", _("Added by the office")


# Computed conflicts store their reasons as codes ("coauthor:5"), put in words in the reader's
# language by Conflict.reason_texts; reasons typed by people are stored and shown as typed.
REASON_TEAM = "team"
REASON_AFFILIATION = "affiliation"
REASON_PARTNER_CONTACT = "partner_contact"
REASON_COAUTHOR = "coauthor"
REASON_AUTHORSHIP = "authorship"


def reason_text(reason: str) -> str:
    from django.utils.translation import gettext

    code, _sep, years = reason.partition(":")
    if code == REASON_TEAM and not years:
        return gettext("member of the proposal's team")
    if code == REASON_AUTHORSHIP and not years:
        return gettext("likely author: the proposal matches one of their publications")
    if code == REASON_PARTNER_CONTACT and not years:
        return gettext("contact of a partner company of the proposal")
    if code == REASON_AFFILIATION and years.isdigit():
        return gettext("affiliated within %(years)d years with an organisation of the proposal") % {"years": int(years)}
    if code == REASON_COAUTHOR and years.isdigit():
        return gettext("co-author of a team member within %(years)d years") % {"years": int(years)}
    return reason


class Conflict(models.Model):
    """A conflict of interest between an expert and a proposal, with its reason."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="conflicts")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="conflicts")
    origin = models.CharField(_("origin"), max_length=10, choices=ConflictOrigin.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    # What a computed conflict rests on: the shared publication, the author matched and how.
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    waived = models.BooleanField(_("waived"), default=False)
    waiver_justification = models.TextField(_("justification"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "proposal", "origin"], name="conflict_unique_per_origin")
        ]
        indexes = [models.Index(fields=["call", "reviewer"], name="conflict_call_reviewer_idx")]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.proposal.code}"

    @property
    def reason_texts(self) -> list[str]:
        return [reason_text(reason) for reason in self.reasons]


class BidLevel(models.TextChoices):
    EAGER = "eager", _("Eager")
    WILLING = "willing", _("Willing")
    NEUTRAL = "neutral", _("Neutral")
    NOT_WILLING = "not_willing", _("Not willing")


BID_VALUES = {BidLevel.EAGER: 1.0, BidLevel.WILLING: 0.75, BidLevel.NEUTRAL: 0.5, BidLevel.NOT_WILLING: 0.0}


class Bid(models.Model):
    """How much an expert wishes to review a proposal."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="bids")
    reviewer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="bids")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="bids")
    level = models.CharField(_("bid"), max_length=12, choices=BidLevel.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bid")
        constraints = [models.UniqueConstraint(fields=["reviewer", "proposal"], name="bid_unique")]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.proposal.code}: {self.level}"


class Affinity(models.Model):
    """The engine's affinity of an expert to a proposal, with what explains it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="affinities")
    reviewer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affinities")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="affinities")
    score = models.FloatField(_("affinity"))
    terms = models.JSONField(_("shared terms"), default=list)
    document = models.CharField(_("closest publication"), max_length=500, blank=True)
    # The closest "document" is the expert's keyword list (no publication is closer, or none given).
    from_keywords = models.BooleanField(_("explained by the keywords"), default=False)

    class Meta:
        verbose_name = _("affinity")
        verbose_name_plural = _("affinities")
        constraints = [models.UniqueConstraint(fields=["reviewer", "proposal"], name="affinity_unique")]
        indexes = [models.Index(fields=["call", "proposal"], name="affinity_call_proposal_idx")]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.proposal.code}: {self.score:.3f}"


class RunKind(models.TextChoices):
    AFFINITY = "affinity", _("Affinity")
    ASSIGNMENT = "assignment", _("Assignment")
    CONFLICTS = "conflicts", _("Conflicts of interest")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class EngineRun(models.Model):
    """One run of the engine for a call: the decision ledger's entry.

    Inputs are summarised by a hash, the parameters, seed and engine version are kept, and the
    statistics of the result; ``published_at`` marks the assignment run the office adopted. The
    worker beats ``heartbeat_at`` while it runs (``grappe.core.jobs``); a failed run can be
    restarted as a new run (``restarted_from``), both kept.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="engine_runs")
    kind = models.CharField(_("kind"), max_length=12, choices=RunKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict)
    seed = models.IntegerField(_("seed"), null=True, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64, blank=True)
    # The exact inputs, for replay (core.replay); null once dropped after the retention period.
    inputs = models.ForeignKey(
        "core.StoredInput", verbose_name=_("inputs"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    statistics = models.JSONField(_("statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        "people.User", verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)
    restarted_from = models.ForeignKey(
        "self",
        verbose_name=_("restart of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="restarts",
        help_text=_("The failed run this run repeats, with the same parameters."),
    )

    class Meta:
        verbose_name = _("engine run")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ProposedPair(models.Model):
    """A pair proposed by an assignment run."""

    run = models.ForeignKey(EngineRun, on_delete=models.CASCADE, related_name="pairs")
    reviewer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    affinity = models.FloatField(_("affinity"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "reviewer", "proposal"], name="proposed_pair_unique")]

    def __str__(self) -> str:
        return f"#{self.run_id}: {self.reviewer} × {self.proposal.code}"


class AssignmentState(models.TextChoices):
    ACTIVE = "active", _("Assigned")
    DECLINED = "declined", _("Declined")
    REMOVED = "removed", _("Removed")


class ReviewAssignment(models.Model):
    """An expert asked to review a proposal (from a published run, or by hand)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="review_assignments")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="review_assignments")
    run = models.ForeignKey(EngineRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=AssignmentState.choices, default=AssignmentState.ACTIVE)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("no conflict and confidentiality confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("review assignment")
        constraints = [models.UniqueConstraint(fields=["reviewer", "proposal"], name="assignment_unique")]
        indexes = [models.Index(fields=["call", "state"], name="assignment_call_state_idx")]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.proposal.code}"

    @property
    def by_hand(self) -> bool:
        """The office assigned this pair by hand (added, or added again after a removal), not from a
        published run; whether the engine scored the pair (an ``Affinity`` row) does not change that."""
        return self.run_id is None


class Recommendation(models.TextChoices):
    FUND = "fund", _("Fund")
    FUND_IF = "fund_if", _("Fund with changes")
    REJECT = "reject", _("Do not fund")


class ReviewState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("review state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("review state", "Submitted")


HALF_POINTS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5"))]


class Review(models.Model):
    """A reviewer's evaluation of one proposal, criterion by criterion (the call's scheme)."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review")
    scores = models.JSONField(_("scores"), default=dict, help_text=_("Criterion id → score from 0 to 5."))
    comments = models.JSONField(_("comments"), default=dict)
    applicant_comment = models.TextField(_("comment for the applicants"), max_length=10000, blank=True)
    confidential_comment = models.TextField(_("confidential comment for the committee"), max_length=5000, blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("review")

    def __str__(self) -> str:
        return f"{self.assignment} ({self.get_state_display()})"


class MatchFlag(models.Model):
    """A reviewer's flag that an assignment suggested by the engine is a poor match for them,
    with the affinity run whose explanation they saw (it feeds that run's quality figures)."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="match_flag")
    affinity_run = models.ForeignKey(
        EngineRun, verbose_name=_("affinity run"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    affinity = models.FloatField(_("affinity"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)

    class Meta:
        verbose_name = _("poor match flag")

    def __str__(self) -> str:
        return f"{self.assignment_id}: poor match"
