"""Impact reporting: the indicator catalogue of a programme (DOMAIN.md §1.2, rule R1.9), yearly
targets frozen at a date and versioned afterwards, figures entered by hand with their evidence,
and the funder's annual report kept as a snapshot (figures and counted records)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.codes import new_code
from grappe.funding.models import JobState
from grappe.programmes.models import Programme

# The default period, as stored by the defaults (English) or typed from the French form's default.
DEFAULT_PERIODS = {"calendar year", "année civile"}

VALUE = {"max_digits": 16, "decimal_places": 2}


class Unit(models.TextChoices):
    COUNT = "count", _("Number")
    PEOPLE = "people", _("People")
    EUR = "eur", _("Euros")
    RATIO = "ratio", _("Ratio")


class Method(models.TextChoices):
    COMPUTED = "computed", _("Computed from Grappe's records")
    MANUAL = "manual", _("Entered by hand with evidence")


class Indicator(models.Model):
    """One line of the funder's indicator table (R1.9: code, definition, unit, period, baseline,
    target per year, actual, evidence, source)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=30)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    definition_fr = models.TextField(_("definition (French)"), max_length=3000, blank=True)
    definition_en = models.TextField(_("definition (English)"), max_length=3000, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.COUNT)
    period = models.CharField(
        _("period"), max_length=40, default="calendar year", help_text=_("Reported per calendar year and cumulated.")
    )
    baseline = models.DecimalField(_("baseline"), **VALUE, default=0)
    method = models.CharField(_("how it is obtained"), max_length=10, choices=Method.choices, default=Method.COMPUTED)
    computation = models.CharField(
        _("computation"), max_length=40, blank=True, help_text=_("The named computation, for a computed indicator.")
    )
    is_public = models.BooleanField(_("shown on the public impact page"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="indicator_code_once"),
            models.CheckConstraint(
                condition=Q(method="manual") | ~Q(computation=""), name="indicator_computed_names_computation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def name(self) -> str:
        english = (get_language() or "fr").startswith("en")
        return (self.name_en if english else self.name_fr) or self.name_fr or self.name_en

    @property
    def definition(self) -> str:
        english = (get_language() or "fr").startswith("en")
        return (self.definition_en if english else self.definition_fr) or self.definition_fr or self.definition_en

    @property
    def is_computed(self) -> bool:
        return self.method == Method.COMPUTED

    @property
    def period_display(self) -> str:
        """The period in the reader's language when it is the default (stored in English by the
        defaults, in French when the office created the indicator in French); else as typed."""
        if self.period.strip().lower() in DEFAULT_PERIODS:
            return str(_("calendar year"))
        return self.period


class Target(models.Model):
    """The target for one calendar year; once ``frozen_on`` has passed, a change needs a reason and
    is kept in :class:`TargetChange` (R1.9: targets frozen at grant signature, changes versioned)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), **VALUE)
    frozen_on = models.DateField(_("frozen on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="target_once_per_year")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class TargetChange(models.Model):
    """A change of a frozen target: before, after, why, who, when."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="changes")
    before = models.DecimalField(_("before"), **VALUE)
    after = models.DecimalField(_("after"), **VALUE)
    reason = models.TextField(_("reason"), max_length=2000)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target}: {self.before} → {self.after}"


def evidence_path(instance: ManualValue, filename: str) -> str:
    return f"reporting/{instance.indicator.programme.code}/{instance.indicator.code}-{instance.year}-{new_code(8)}.pdf"


class ManualValue(models.Model):
    """A yearly figure entered by hand for a manual indicator, with its evidence (a PDF)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), **VALUE)
    note = models.CharField(_("source and note"), max_length=500, blank=True)
    file = models.FileField(_("evidence (PDF)"), upload_to=evidence_path, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("value entered by hand")
        verbose_name_plural = _("values entered by hand")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="manual_value_once_per_year")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class ManualValueVersion(models.Model):
    """Each value entered by hand for a year, kept with its own evidence file: entering the year's
    value again adds a version and leaves the earlier ones (and their files) as they were, so an
    annual report that counted an earlier value still opens its evidence."""

    manual_value = models.ForeignKey(ManualValue, on_delete=models.CASCADE, related_name="versions")
    value = models.DecimalField(_("value"), **VALUE)
    note = models.CharField(_("source and note"), max_length=500, blank=True)
    file = models.FileField(_("evidence (PDF)"), max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("version of a value entered by hand")
        verbose_name_plural = _("versions of values entered by hand")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.manual_value} ({self.recorded_at:%Y-%m-%d})"


def report_path(instance: AnnualReport, filename: str) -> str:
    return f"reporting/{instance.programme.code}/reports/{instance.code}-{filename}"


class AnnualReport(models.Model):
    """A funder's annual report as a snapshot: every indicator's figures and the ids of the records
    it counted, as computed at ``created_at``; the PDF and the workbook are drawn from it."""

    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    figures = models.JSONField(_("figures"), default=list, blank=True)
    records = models.JSONField(_("counted records"), default=dict, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64, blank=True)
    # What the figures were computed from, for replay (core.replay); null once dropped after the
    # retention period.
    inputs = models.ForeignKey(
        "core.StoredInput", verbose_name=_("inputs"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(_("PDF"), upload_to=report_path, blank=True, max_length=200)
    xlsx = models.FileField(_("workbook"), upload_to=report_path, blank=True, max_length=200)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    computed_at = models.DateTimeField(_("computed as of"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year"],
                condition=Q(state__in=["queued", "running"]),
                name="annual_report_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year} ({self.code})"

    @property
    def as_of_day(self) -> dt.date | None:
        """The day whose records the figures count (the snapshot was computed at its end or during it)."""
        return timezone.localdate(self.computed_at) if self.computed_at else None

    @property
    def provisional(self) -> bool:
        """Computed before its year was over: the year's figures may still grow (the office takes a
        new snapshot once the year is over)."""
        day = self.as_of_day
        return day is not None and day <= dt.date(self.year, 12, 31)
