"""Calls for proposals: dates, budget, eligibility rules, custom form, evaluation scheme."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.codes import new_code
from grappe.programmes.models import MONEY, Programme


def _bilingual(obj: object, field: str) -> str:
    fr, en = getattr(obj, f"{field}_fr"), getattr(obj, f"{field}_en")
    if (get_language() or "fr").startswith("en"):
        return en or fr
    return fr or en


class CallType(models.TextChoices):
    ACCELERATION = "acceleration", _("Collaborative acceleration project")
    RESEARCH = "research", _("Research project")
    CHAIR = "chair", _("Chair")
    PHD = "phd", _("PhD grant")
    SEED = "seed", _("Seed project")
    TRAINING = "training", _("Training programme")


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")

    @classmethod
    def public(cls) -> list[str]:
        """States whose call page the public can read."""
        return [cls.PUBLISHED, cls.CLOSED]


class Call(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="calls"
    )
    call_type = models.CharField(_("type"), max_length=20, choices=CallType.choices)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_fr = models.TextField(_("description (French)"), max_length=20000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=20000, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    budget = models.DecimalField(_("call budget (EUR)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    min_amount = models.DecimalField(_("minimum amount requested (EUR)"), **MONEY, default=Decimal("0"))
    max_amount = models.DecimalField(_("maximum amount requested (EUR)"), **MONEY)
    min_duration = models.PositiveSmallIntegerField(_("minimum duration (months)"), default=1)
    max_duration = models.PositiveSmallIntegerField(_("maximum duration (months)"), default=48)
    state = models.CharField(_("state"), max_length=20, choices=CallState.choices, default=CallState.DRAFT)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-closes_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="call_dates_ordered"),
            models.CheckConstraint(condition=Q(max_amount__gte=models.F("min_amount")), name="call_amounts_ordered"),
            models.CheckConstraint(
                condition=Q(max_duration__gte=models.F("min_duration")), name="call_durations_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _bilingual(self, "title")

    @property
    def description(self) -> str:
        return _bilingual(self, "description")

    @property
    def has_closed(self) -> bool:
        """The deadline has passed (the countdown then says "closed", never "0 minutes left")."""
        return self.closes_at <= timezone.now()

    @property
    def is_closed(self) -> bool:
        """The deadline has passed, or the office closed (or archived) the call: from then on the
        board reads its submitted proposals and their selection (``submissions.queries.call_is_closed``)."""
        return self.state in (CallState.CLOSED, CallState.ARCHIVED) or self.has_closed

    def is_open(self, at: timezone.datetime | None = None) -> bool:
        """Published, and ``at`` (now by default) lies in [opens_at, closes_at)."""
        at = at or timezone.now()
        return self.state == CallState.PUBLISHED and self.opens_at <= at < self.closes_at


class RuleKind(models.TextChoices):
    LEAD_IS_MEMBER = "lead_is_member", _("The lead's organisation is a member of the cluster")
    MIN_PARTNERS = "min_partners", _("At least N industrial partners")
    MIN_COFUNDING = "min_cofunding", _("Partners' co-funding is at least X % of the amount requested")
    AMOUNT_IN_RANGE = "amount_in_range", _("Amount requested within the call's range")
    DURATION_IN_RANGE = "duration_in_range", _("Duration within the call's range")
    BUDGET_MATCHES = "budget_matches", _("The budget table adds up to the amount requested")
    REQUIRED_ATTACHMENTS = "required_attachments", _("Required attachments are present")
    REQUIRED_QUESTIONS = "required_questions", _("Required questions are answered")

    @classmethod
    def with_parameter(cls) -> frozenset[str]:
        return frozenset({cls.MIN_PARTNERS, cls.MIN_COFUNDING})


class EligibilityRule(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("rule"), max_length=30, choices=RuleKind.choices)
    parameter = models.DecimalField(
        _("parameter"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("N partners, or X % of co-funding."),
    )

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["call", "kind"], name="rule_once_per_call")]

    def __str__(self) -> str:
        return self.sentence  # its number in place and in the reader's language, never "(1.00)"

    @property
    def sentence(self) -> str:
        """The rule as applicants read it, its number in place ("At least 2 industrial partners")."""
        from django.utils.formats import number_format
        from django.utils.translation import gettext, ngettext

        if self.parameter is None:
            return str(self.get_kind_display())
        value = int(self.parameter) if self.parameter == self.parameter.to_integral() else self.parameter
        if self.kind == RuleKind.MIN_PARTNERS:
            n = int(self.parameter)
            return ngettext("At least %(n)s industrial partner", "At least %(n)s industrial partners", n) % {"n": n}
        if self.kind == RuleKind.MIN_COFUNDING:
            return gettext("Partners' co-funding is at least %(x)s %% of the amount requested") % {
                "x": number_format(value, use_l10n=True)
            }
        return str(self.get_kind_display())


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    DATE = "date", _("Date")
    YES_NO = "yes_no", _("Yes / no")
    PDF = "pdf", _("PDF file")


class Question(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    label_fr = models.CharField(_("label (French)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300)
    help_fr = models.CharField(_("help (French)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    word_limit = models.PositiveIntegerField(_("word limit"), null=True, blank=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("For choice questions: one choice per line, 'French | English'."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _bilingual(self, "label")

    @property
    def help(self) -> str:
        return _bilingual(self, "help")

    def choice_pairs(self) -> list[tuple[str, str]]:
        """``(value, label)`` pairs; the value is the choice's position, stable across languages."""
        english = (get_language() or "fr").startswith("en")
        pairs = []
        for i, choice in enumerate(self.choices):
            label = (choice.get("en") if english else choice.get("fr")) or choice.get("fr") or choice.get("en")
            pairs.append((str(i), label))
        return pairs


SCORE_STEP = Decimal("0.5")
SCORE_MAX = Decimal("5")


class EvaluationScheme(models.Model):
    """Criteria scored 0–5 with half points, weights for ranking, thresholds (DOMAIN.md §4)."""

    call = models.OneToOneField(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="scheme")
    overall_threshold = models.DecimalField(
        _("overall threshold"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")

    def __str__(self) -> str:
        return f"{self.call}"


class Criterion(models.Model):
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="criteria")
    label_fr = models.CharField(_("label (French)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0"))]
    )
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(SCORE_MAX)],
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _bilingual(self, "label")


# Horizon Europe (DOMAIN.md R4.1–R4.3): three criteria, threshold 3 each and 10 overall.
HORIZON_EUROPE_PRESET = [
    ("Excellence", "Excellence", Decimal("1"), Decimal("3")),
    ("Impact", "Impact", Decimal("1"), Decimal("3")),
    (
        "Qualité et efficacité de la mise en œuvre",
        "Quality and efficiency of the implementation",
        Decimal("1"),
        Decimal("3"),
    ),
]
HORIZON_EUROPE_OVERALL = Decimal("10")
