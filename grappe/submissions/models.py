"""Proposals: team, partners and their co-funding, budget table, answers, ethics self-assessment."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import Call, Question
from grappe.core.codes import new_code
from grappe.people.models import Keyword, Organisation, Person
from grappe.programmes.models import MONEY, CostCategory

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def editable(cls) -> frozenset[str]:
        return frozenset({cls.DRAFT})


class Proposal(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="proposals")
    state = models.CharField(_("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.DRAFT)
    title = models.CharField(_("title"), max_length=250)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    abstract = models.TextField(_("abstract"), max_length=5000, blank=True)
    keywords = models.ManyToManyField(Keyword, verbose_name=_("keywords"), blank=True, related_name="proposals")
    requested_amount = models.DecimalField(
        _("amount requested (EUR)"), **MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    lead = models.ForeignKey(Person, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="led_proposals")
    lead_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("lead organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_proposals",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    eligible = models.BooleanField(_("eligible"), null=True, blank=True, help_text=_("Computed at submission."))
    eligibility_failures = models.JSONField(_("eligibility failures"), default=list, blank=True)
    eligibility_override = models.BooleanField(_("eligibility decided by the office"), null=True, blank=True)
    eligibility_override_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "state"], name="proposal_call_state_idx")]

    def __str__(self) -> str:
        return f"{self.acronym} — {self.title}" if self.acronym else self.title

    @property
    def is_editable(self) -> bool:
        return self.state in ProposalState.editable()

    @property
    def final_eligibility(self) -> bool | None:
        """The office's decision when there is one, otherwise the computed result."""
        return self.eligibility_override if self.eligibility_override is not None else self.eligible


class TeamRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    CO_LEAD = "co_lead", _("Co-lead")
    MEMBER = "member", _("Member")


class InvitationState(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TeamMember(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="team")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="proposal_roles"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("invitation"), max_length=20, choices=InvitationState.choices, default=InvitationState.INVITED
    )
    token = models.CharField(max_length=32, unique=True, default=new_code, editable=False)
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "email"], name="team_member_once"),
            models.UniqueConstraint(fields=["proposal"], condition=Q(role="lead"), name="team_one_lead"),
        ]

    def __str__(self) -> str:
        return str(self.person) if self.person_id else self.email


class PartnerRole(models.TextChoices):
    INDUSTRIAL = "industrial", _("Industrial partner")
    ACADEMIC = "academic", _("Academic partner")
    OTHER = "other", _("Other partner")


class ProposalPartner(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="proposal_partnerships"
    )
    role = models.CharField(_("role"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.INDUSTRIAL)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "organisation"], name="partner_once")]

    def __str__(self) -> str:
        return str(self.organisation)


class ContributionKind(models.TextChoices):
    CASH = "cash", _("Cash")
    IN_KIND = "in_kind", _("In kind")


class CoFunding(models.Model):
    """A partner's commitment for one year, in cash or in kind (DOMAIN.md R6.7)."""

    partner = models.ForeignKey(ProposalPartner, on_delete=models.CASCADE, related_name="cofunding")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("co-funding commitment")
        verbose_name_plural = _("co-funding commitments")
        ordering = ["year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "year", "kind"], name="cofunding_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="cofunding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.year} {self.kind}: {self.amount}"


class BudgetLine(models.Model):
    """Cost requested from the cluster: category × beneficiary × year. Overheads are computed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.ForeignKey(
        CostCategory, verbose_name=_("cost category"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (EUR)"), **MONEY, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["year", "category__position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "category", "organisation", "year"], name="budget_line_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.organisation} {self.year}: {self.amount}"


def attachment_path(instance: Answer, filename: str) -> str:
    return f"proposals/{instance.proposal.code}/{instance.question_id}-{new_code(8)}.pdf"


class Answer(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(_("answer"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["proposal", "question"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.proposal.code} / {self.question_id}"

    @property
    def is_empty(self) -> bool:
        if self.file:
            return False
        return self.value in (None, "", [])


class AIActCategory(models.TextChoices):
    """DOMAIN.md R5.8: the screening outcome categories."""

    NO_AI = "no_ai", _("No AI system or model developed or used")
    RESEARCH_ONLY = "out_of_scope_research", _("Research only, out of the AI Act's scope (Art. 2(6), 2(8))")
    MINIMAL = "minimal", _("Minimal risk")
    TRANSPARENCY = "transparency", _("Transparency obligations (Art. 50)")
    HIGH_RISK = "high_risk_if_deployed", _("High risk if deployed (Annex III)")
    PROHIBITED = "prohibited", _("Prohibited practice (Art. 5)")


PROHIBITED_PRACTICES = [
    ("a", _("Subliminal, manipulative or deceptive techniques causing significant harm")),
    ("b", _("Exploiting vulnerabilities (age, disability, social or economic situation)")),
    ("c", _("Social scoring leading to detrimental treatment")),
    ("d", _("Predicting criminal risk from profiling or personality alone")),
    ("e", _("Untargeted scraping of facial images for face-recognition databases")),
    ("f", _("Emotion recognition at work or in education")),
    ("g", _("Biometric categorisation inferring sensitive attributes")),
    ("h", _("Real-time remote biometric identification in public spaces for law enforcement")),
]
ANNEX_III_AREAS = [
    ("biometrics", _("Biometrics")),
    ("critical_infrastructure", _("Critical infrastructure")),
    ("education", _("Education and vocational training")),
    ("employment", _("Employment and workers management")),
    ("essential_services", _("Access to essential private and public services")),
    ("law_enforcement", _("Law enforcement")),
    ("migration", _("Migration, asylum and border control")),
    ("justice", _("Administration of justice and democratic processes")),
]
SPECIAL_CATEGORIES = [
    ("health", _("Health")),
    ("biometric", _("Biometric")),
    ("genetic", _("Genetic")),
    ("ethnic_origin", _("Racial or ethnic origin")),
    ("political", _("Political opinions")),
    ("religion", _("Religious or philosophical beliefs")),
    ("union", _("Trade-union membership")),
    ("sex_life", _("Sex life or sexual orientation")),
]


class EthicsAssessment(models.Model):
    """The applicants' ethics and AI Act self-assessment (DOMAIN.md §5); reviewed in a later step."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="ethics")
    personal_data = models.BooleanField(_("The project processes personal data"), default=False)
    special_categories = models.JSONField(_("special categories of personal data"), default=list, blank=True)
    dpia_needed = models.BooleanField(
        _("A data-protection impact assessment (DPIA) is or will be needed"), default=False
    )
    ai_system = models.BooleanField(_("The project develops or uses an AI system or model"), default=False)
    ai_act_category = models.CharField(
        _("AI Act category (your assessment)"),
        max_length=30,
        choices=AIActCategory.choices,
        default=AIActCategory.NO_AI,
    )
    prohibited_practices = models.JSONField(_("AI Act Art. 5 practices involved"), default=list, blank=True)
    annex_iii_areas = models.JSONField(_("AI Act Annex III areas involved"), default=list, blank=True)
    real_world_testing = models.BooleanField(_("Testing in real-world conditions with people"), default=False)
    dual_use = models.BooleanField(_("Possible dual use or misuse (security, military)"), default=False)
    explanation = models.TextField(_("explanation"), max_length=5000, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ethics self-assessment")
        verbose_name_plural = _("ethics self-assessments")

    def __str__(self) -> str:
        return f"{self.proposal.code}"
