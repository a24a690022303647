"""Industrial partners: membership, fees, agreements, contacts, interactions; challenges and
matchmaking (researchers' consent, suggestion runs, contact requests)."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grappe.core.codes import new_code
from grappe.people.models import Keyword, Organisation, Person
from grappe.programmes.models import MONEY
from grappe.projects.models import Project
from grappe.submissions.models import Proposal


class Level(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic partner")
    FULL = "full", _("Full member")
    ASSOCIATE = "associate", _("Associate partner")
    STARTUP = "startup", _("Start-up programme")


class PartnerProfile(models.Model):
    """The cluster's relation with one industrial partner (one per organisation)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="partner_profile")
    level = models.CharField(_("membership level"), max_length=12, choices=Level.choices, default=Level.ASSOCIATE)
    member_since = models.DateField(_("member since"), null=True, blank=True)
    member_until = models.DateField(_("member until"), null=True, blank=True)
    annual_fee = models.DecimalField(_("annual fee (EUR)"), **MONEY, null=True, blank=True)
    interests = models.TextField(
        _("research interests"),
        max_length=5000,
        blank=True,
        help_text=_("What the partner wants to work on, in French or English; used to find partners for proposals."),
    )
    keywords = models.ManyToManyField(Keyword, verbose_name=_("keywords"), blank=True, related_name="partners")
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner relation")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_until__isnull=True)
                | Q(member_since__isnull=True)
                | Q(member_until__gte=models.F("member_since")),
                name="partner_membership_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(annual_fee__gte=0) | Q(annual_fee__isnull=True), name="partner_fee"),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class FeePayment(models.Model):
    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="payments")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("fee payment")
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fee_payment_positive")]

    def __str__(self) -> str:
        return f"{self.profile} {self.year}: {self.amount}"


class AgreementKind(models.TextChoices):
    CONSORTIUM = "consortium", _("Consortium agreement")
    NDA = "nda", _("Non-disclosure agreement")
    CHARTER = "charter", _("Membership charter")
    COLLABORATION = "collaboration", _("Research collaboration agreement")


class IPClause(models.TextChoices):
    """IPR allocation (DOMAIN.md R6.9)."""

    RO_OWNS = "ro_owns", _("Research organisation owns the results")
    PROPORTIONAL = "proportional", _("Shared in proportion to contributions")
    MARKET_PRICE = "market_price", _("Transferred to the company at market price")
    COMPANY_FULL_COST = "company_full_cost", _("Company bears the full cost and owns")
    NONE = "none", _("No IP clause (NDA, charter)")


def agreement_path(instance: Agreement, filename: str) -> str:
    return f"partners/{instance.profile.organisation.code}/agreements/{new_code(12)}.pdf"


class Agreement(models.Model):
    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("type"), max_length=15, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    ip_clause = models.CharField(_("IP clause"), max_length=20, choices=IPClause.choices, default=IPClause.NONE)
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    notice_days = models.PositiveSmallIntegerField(
        _("renewal reminder (days before the end)"),
        default=60,
        validators=[MaxValueValidator(365)],
        help_text=_("The office is reminded this many days before the end."),
    )
    file = models.FileField(_("signed agreement (PDF)"), upload_to=agreement_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    reminded_on = models.DateField(_("renewal reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        ordering = ["-end_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="agreement_dates_ordered")
        ]
        indexes = [models.Index(fields=["end_date"], name="agreement_end_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.start_date <= timezone.localdate() <= self.end_date

    @property
    def expires_soon(self) -> bool:
        today = timezone.localdate()
        return self.is_active and (self.end_date - today).days <= self.notice_days


class ContactRole(models.TextChoices):
    MAIN = "main", _("Main contact")
    SCIENTIFIC = "scientific", _("Scientific contact")
    LEGAL = "legal", _("Legal and IP")
    FINANCE = "finance", _("Finance")
    COMMUNICATION = "communication", _("Communication")


class PartnerContact(models.Model):
    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=15, choices=ContactRole.choices)

    class Meta:
        verbose_name = _("partner contact")
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["profile", "person", "role"], name="partner_contact_once")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class InteractionKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EVENT = "event", _("Event")
    EMAIL = "email", _("Email")


class Interaction(models.Model):
    profile = models.ForeignKey(PartnerProfile, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind.choices)
    date = models.DateField(_("date"))
    participants = models.CharField(_("who"), max_length=300)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("interaction")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


# --- Matchmaking ---------------------------------------------------------------------------------


class MatchingConsent(models.Model):
    """A researcher's choice to be suggested to partners (default: not suggested)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="matching_consent")
    opted_in = models.BooleanField(_("suggested to partners"), default=False)
    consented_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    text_version = models.CharField(_("text version"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("matchmaking consent")

    def __str__(self) -> str:
        return f"{self.person}: {self.opted_in}"


class Collaboration(models.TextChoices):
    PHD = "phd", _("PhD")
    POSTDOC = "postdoc", _("Postdoc")
    JOINT_PROJECT = "joint_project", _("Joint project")
    INTERNSHIP = "internship", _("Internship")
    CHAIR = "chair", _("Industrial chair")


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Cluster members (signed-in accounts)")
    PUBLIC = "public", _("Public")


class ChallengeLanguage(models.TextChoices):
    FR = "fr", _("French")
    EN = "en", _("English")


class Challenge(models.Model):
    """A problem a partner publishes, to find researchers and teams to work with."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="challenges")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("problem statement"), max_length=40000)
    language = models.CharField(_("language"), max_length=2, choices=ChallengeLanguage.choices)
    keywords = models.ManyToManyField(Keyword, verbose_name=_("keywords"), blank=True, related_name="challenges")
    collaboration = models.CharField(_("kind of collaboration"), max_length=15, choices=Collaboration.choices)
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    end_date = models.DateField(_("open until"))
    academic_only = models.BooleanField(
        _("academic researchers only"),
        default=True,
        help_text=_(
            "Leave out of the suggestions the researchers whose current affiliation is a company "
            "(other industrial partners' staff)."
        ),
    )
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("published"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed early"), null=True, blank=True)
    closed_by = models.ForeignKey("people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("challenge")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Until its end date, unless closed before."""
        return self.closed_at is None and self.end_date >= timezone.localdate()


def open_challenge_filter() -> Q:
    """The database side of :attr:`Challenge.is_open` (prefix-free, for ``Challenge`` querysets)."""
    return Q(closed_at=None, end_date__gte=timezone.localdate())


class RunTarget(models.TextChoices):
    CHALLENGE = "challenge", _("Researchers and teams for a challenge")
    RESEARCHER = "researcher", _("Challenges for a researcher")
    PROPOSAL = "proposal", _("Partners for a proposal")


class SuggestionRun(models.Model):
    """One matchmaking run of the engine, kept like review's runs: inputs hash, parameters,
    seed, engine version, statistics."""

    target = models.CharField(_("for"), max_length=12, choices=RunTarget.choices)
    challenge = models.ForeignKey(Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    parameters = models.JSONField(_("parameters"), default=dict)
    seed = models.IntegerField(_("seed"), null=True, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64)
    # The exact inputs, for replay (core.replay); null once dropped after the retention period.
    inputs = models.ForeignKey(
        "core.StoredInput", verbose_name=_("inputs"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the engine ranked, per side: [profile code, score] best first (a replay compares it).
    ranked = models.JSONField(_("ranked"), default=dict, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=20)
    statistics = models.JSONField(_("statistics"), default=dict, blank=True)
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("run"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion run")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_target_display()} #{self.pk}"

    @property
    def index_built(self) -> dict[str, Any]:
        """When each index this run used was built, as datetimes (stored as ISO text), by kind."""
        from django.utils.dateparse import parse_datetime

        found = {}
        for kind, summary in ((self.statistics or {}).get("index") or {}).items():
            if summary and summary.get("built_at"):
                found[kind] = parse_datetime(summary["built_at"])
        return found

    @property
    def shown_statistics(self) -> dict[str, Any]:
        """The statistics a page shows (the indexes used are shown apart)."""
        return {k: v for k, v in (self.statistics or {}).items() if k != "index"}


class Suggestion(models.Model):
    """One ranked suggestion of a run, with its explanation."""

    run = models.ForeignKey(SuggestionRun, on_delete=models.CASCADE, related_name="suggestions")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("affinity"))
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    challenge = models.ForeignKey(Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    terms = models.JSONField(_("shared terms"), default=list)
    document = models.CharField(_("closest publication"), max_length=500, blank=True)
    from_keywords = models.BooleanField(_("explained by expertise keywords"), default=False)
    # Which of the profile's documents explains it: a challenge's code, "<partner code>:interests".
    document_code = models.CharField(_("closest document"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return f"#{self.run_id}.{self.rank}"


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("a contact request", "Accepted")
    DECLINED = "declined", pgettext_lazy("a contact request", "Declined")


class RequestSide(models.TextChoices):
    PARTNER = "partner", _("From the partner")
    RESEARCHER = "researcher", _("From the researcher")


class ContactRequest(models.Model):
    """A message from a partner to a researcher about a challenge, or back; the other side
    accepts or declines."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="requests")
    researcher = models.ForeignKey(Person, verbose_name=_("researcher"), on_delete=models.CASCADE, related_name="+")
    side = models.CharField(_("sent by"), max_length=10, choices=RequestSide.choices)
    message = models.TextField(_("message"), max_length=3000)
    suggestion = models.ForeignKey(Suggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    answer = models.TextField(_("answer"), max_length=3000, blank=True)
    sent_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact request")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "researcher"], name="contact_request_once"),
        ]

    def __str__(self) -> str:
        return f"{self.challenge} × {self.researcher}"


class IndexKind(models.TextChoices):
    RESEARCHERS = "researchers", _("Researchers who opted in")
    TEAMS = "teams", _("Teams of funded projects")


class IndexState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def index_path(instance: MatchingIndex, filename: str) -> str:
    return f"partners/matching/{instance.kind}-{new_code(12)}.pickle"


class MatchingIndex(models.Model):
    """The profiles' side of matchmaking (``engine.matching.AffinityIndex``), built once by a
    background task and kept in a file, with what it was built from: the hash of its inputs, a
    cheap fingerprint to notice they changed, the engine version and parameters. A job model
    (``grappe.core.jobs``): queued, running with a heartbeat, done or failed."""

    kind = models.CharField(_("profiles"), max_length=12, choices=IndexKind.choices)
    backend = models.CharField(_("backend"), max_length=12)
    state = models.CharField(_("state"), max_length=10, choices=IndexState.choices, default=IndexState.QUEUED)
    fingerprint = models.CharField(_("fingerprint of the inputs"), max_length=64, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64, blank=True)
    # The profiles the index was built from, stored once and pointed to by the runs that used it.
    inputs = models.ForeignKey(
        "core.StoredInput", verbose_name=_("inputs"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    statistics = models.JSONField(_("statistics"), default=dict, blank=True)
    file = models.FileField(upload_to=index_path, max_length=200, blank=True)
    file_hash = models.CharField(_("hash of the file"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("matchmaking index")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "state", "-built_at"], name="matching_index_latest_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
