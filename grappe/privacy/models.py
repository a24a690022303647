"""Consents, recorded as a history: each choice with its date and the version of the text shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grappe.people.models import Person
from grappe.training.models import Gender


class ConsentKind(models.TextChoices):
    MATCHMAKING = "matchmaking", _("Suggested to industrial partners (matchmaking)")
    PUBLIC_PROFILE = "public_profile", _("Public profile in the directory")
    NEWSLETTER = "newsletter", _("Cluster newsletter")
    # Seniority and gender, self-declared, used only in the outcomes audit's aggregates (decision 0021).
    EQUALITY = "equality", _("Seniority and gender in the outcomes audit")


# Kinds given on their own form (with the data they cover), not among the plain checkboxes.
OWN_FORM_KINDS = (ConsentKind.EQUALITY,)


class Consent(models.Model):
    """One choice (given or withdrawn) of a person about one kind of processing. Never updated:
    the current choice is the latest row of its kind; earlier rows are the proof of what was
    agreed when, and to which text."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent"), max_length=20, choices=ConsentKind.choices)
    given = models.BooleanField(_("given"))
    text_version = models.CharField(_("text version"), max_length=20)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["person", "kind", "-recorded_at"], name="consent_latest_idx")]

    def __str__(self) -> str:
        return f"{self.person} {self.kind}={self.given} ({self.text_version})"


class CareerStage(models.TextChoices):
    DOCTORAL = "doctoral", _("Doctoral candidate")
    EARLY = "early", _("Early career (up to 7 years after the PhD)")
    MID = "mid", _("Mid-career (8 to 15 years after the PhD)")
    SENIOR = "senior", _("Senior (more than 15 years after the PhD)")
    NO_PHD = "no_phd", _("Not a researcher with a PhD")


class SelfDeclaration(models.Model):
    """What a person chose to declare for the outcomes audit (decision 0021): kept only while their
    consent of kind ``equality`` stands (withdrawing it empties this row), never shown per person,
    counted only in groups of at least ten people."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="self_declaration")
    career_stage = models.CharField(_("career stage"), max_length=10, choices=CareerStage.choices, blank=True)
    phd_year = models.PositiveSmallIntegerField(_("year of the PhD"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("self-declaration for the outcomes audit")

    def __str__(self) -> str:
        return f"{self.person_id}"

    def stage(self, year: int) -> str:
        """The career stage declared, else the one the year of the PhD gives (in ``year``)."""
        if self.career_stage:
            return self.career_stage
        if self.phd_year is None:
            return ""
        since = year - self.phd_year
        return CareerStage.EARLY if since <= 7 else CareerStage.MID if since <= 15 else CareerStage.SENIOR
