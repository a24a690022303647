"""Consents, recorded as a history: each choice with its date and the version of the text shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grappe.people.models import Person


class ConsentKind(models.TextChoices):
    MATCHMAKING = "matchmaking", _("Suggested to industrial partners (matchmaking)")
    PUBLIC_PROFILE = "public_profile", _("Public profile in the directory")
    NEWSLETTER = "newsletter", _("Cluster newsletter")


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
