"""Hearings of a call's shortlist, their scheduling runs and scores; experts' declarations,
honoraria and payment details (encrypted at rest)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import Call
from grappe.people.models import Person
from grappe.programmes.models import MONEY
from grappe.submissions.models import Proposal


class ScoreMode(models.TextChoices):
    IGNORE = "ignore", _("Not counted in the ranking")
    REPLACE = "replace", _("Replace the written evaluation's score")
    AVERAGE = "average", _("Average with the written evaluation's score")
    ADD = "add", _("Add to the written evaluation's score")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video link")


class HearingSetup(models.Model):
    """How a call's hearings run: the days, the day's hours, the slot, rooms, panel size."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="hearing_setup")
    first_day = models.DateField(_("first day of hearings"), null=True, blank=True)
    last_day = models.DateField(_("last day of hearings"), null=True, blank=True)
    morning_start = models.TimeField(_("morning starts"), default=dt.time(9, 0))
    morning_end = models.TimeField(_("morning ends"), default=dt.time(12, 30))
    afternoon_start = models.TimeField(_("afternoon starts"), default=dt.time(14, 0))
    afternoon_end = models.TimeField(_("afternoon ends"), default=dt.time(18, 0))
    presentation_minutes = models.PositiveSmallIntegerField(
        _("presentation (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    questions_minutes = models.PositiveSmallIntegerField(
        _("questions (minutes)"), default=10, validators=[MaxValueValidator(240)]
    )
    break_minutes = models.PositiveSmallIntegerField(
        _("break between hearings (minutes)"), default=5, validators=[MaxValueValidator(240)]
    )
    rooms = models.PositiveSmallIntegerField(
        _("hearings in parallel"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    panel_size = models.PositiveSmallIntegerField(
        _("panel members per hearing"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    mode = models.CharField(_("how"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    places = models.CharField(
        _("rooms (one per line, in order)"), max_length=1000, blank=True, help_text=_("For hearings in person.")
    )
    video_link = models.URLField(_("video link"), blank=True)
    score_mode = models.CharField(
        _("hearing scores in the ranking"), max_length=10, choices=ScoreMode.choices, default=ScoreMode.IGNORE
    )
    contracts = models.BooleanField(
        _("experts sign the declaration before reading anything"),
        default=False,
        help_text=_("Confidentiality and no-conflict declaration, signed in Grappe, per call."),
    )
    fee_per_review = models.DecimalField(_("honorarium per submitted review (EUR)"), **MONEY, default=Decimal("0"))
    fee_per_half_day = models.DecimalField(
        _("honorarium per half-day of panel or hearing (EUR)"), **MONEY, default=Decimal("0")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("hearing setup")

    def __str__(self) -> str:
        return f"{self.call}"

    @property
    def slot_minutes(self) -> int:
        return self.presentation_minutes + self.questions_minutes

    def place_names(self) -> list[str]:
        return [line.strip() for line in self.places.splitlines() if line.strip()]


class PanelMember(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panel")
    person = models.ForeignKey(Person, verbose_name=_("panel member"), on_delete=models.PROTECT, related_name="panels")
    unavailable = models.JSONField(_("unavailable half-days"), default=list, blank=True)

    class Meta:
        verbose_name = _("panel member")
        constraints = [models.UniqueConstraint(fields=["call", "person"], name="panel_member_unique")]

    def __str__(self) -> str:
        return f"{self.person}"


class SchedulingRun(models.Model):
    """One run of the hearing scheduler: inputs, parameters, seed, engine version, result."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="scheduling_runs")
    parameters = models.JSONField(_("parameters"), default=dict)
    inputs = models.JSONField(_("inputs"), default=dict)
    seed = models.PositiveIntegerField(_("seed"), default=0)
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    inputs_hash = models.CharField(_("hash of the inputs"), max_length=64, blank=True)
    # The exact inputs, parameters and seed, for replay (core.replay); null once dropped after the
    # retention period (the JSON above stays for the page).
    stored_inputs = models.ForeignKey(
        "core.StoredInput",
        verbose_name=_("stored inputs"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.JSONField(_("result"), default=dict)
    error = models.TextField(_("what blocks it"), blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    created_by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("run"), auto_now_add=True)
    adopted_by = models.ForeignKey(
        "people.User", verbose_name=_("adopted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduling run")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def inputs_id(self) -> str | None:
        """The stored inputs' key, under the name the Replay button reads (includes/replay.html)."""
        return self.stored_inputs_id


class Hearing(models.Model):
    """A shortlisted proposal's hearing: its time and place once scheduled, its panel."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="hearings")
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="hearing")
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    room = models.PositiveSmallIntegerField(_("room number"), default=0)
    place = models.CharField(_("room"), max_length=200, blank=True)
    panel = models.ManyToManyField(Person, verbose_name=_("panel"), blank=True, related_name="hearings")
    unavailable = models.JSONField(_("half-days the team cannot come"), default=list, blank=True)
    run = models.ForeignKey(SchedulingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("hearing")
        ordering = ["starts_at", "room", "proposal__code"]

    def __str__(self) -> str:
        return f"{self.proposal.code}"


class HearingScore(models.Model):
    hearing = models.ForeignKey(Hearing, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="hearing_scores")
    scores = models.JSONField(_("scores"), default=dict)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now=True)

    class Meta:
        verbose_name = _("hearing score")
        constraints = [models.UniqueConstraint(fields=["hearing", "member"], name="hearing_score_unique")]

    def __str__(self) -> str:
        return f"{self.hearing} {self.member_id}"


class Declaration(models.Model):
    """An expert's signed confidentiality and no-conflict declaration for one call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="declarations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="declarations")
    text_version = models.CharField(_("text version"), max_length=20)
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("declaration")
        constraints = [models.UniqueConstraint(fields=["call", "person"], name="declaration_unique")]

    def __str__(self) -> str:
        return f"{self.person} {self.call_id}"


class PaymentDetails(models.Model):
    """An expert's bank details and address, each field encrypted (Fernet) at rest."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="payment_details")
    iban_encrypted = models.TextField(blank=True)
    bic_encrypted = models.TextField(blank=True)
    address_encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("payment details")

    def __str__(self) -> str:
        return f"{self.person_id}"
