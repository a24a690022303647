"""Training: programmes, courses, sessions, registrations, enrolments and certificates.

"Trained" and "made aware" (DOMAIN §1.2, *formés* / *sensibilisés*) are decided per programme by
its rule: an enrolment whose hours reach ``trained_min_hours`` counts as trained, one whose hours
reach ``aware_min_hours`` as made aware (docs/training.md).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.codes import new_code
from grappe.people.models import Organisation, Person


class Kind(models.TextChoices):
    MASTER = "master", _("Master track or minor")
    PHD = "phd", _("PhD school module")
    CONTINUING = "continuing", _("Continuing education")
    SUMMER = "summer", _("Summer school")
    MOOC = "mooc", _("MOOC")
    AWARENESS = "awareness", _("Awareness talk")


class Level(models.TextChoices):
    INTRODUCTORY = "intro", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Audience(models.TextChoices):
    STUDENTS = "students", _("Students")
    PHD = "phd", _("PhD students and postdocs")
    PROFESSIONALS = "professionals", _("Professionals")
    PUBLIC = "public", _("General public")


class Language(models.TextChoices):
    FR = "fr", _("French")
    EN = "en", _("English")


class Outcome(models.TextChoices):
    NONE = "none", _("Not yet")
    AWARE = "aware", _("Made aware")
    TRAINED = "trained", _("Trained")


class Gender(models.TextChoices):
    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")
    OTHER = "other", _("Other")
    UNSAID = "unsaid", _("Prefer not to say")


def academic_year(day: dt.date) -> int:
    """The academic year a day belongs to, by the year it starts in (1 September to 31 August)."""
    return day.year if day.month >= 9 else day.year - 1


def year_label(year: int) -> str:
    """The one way an academic year is written, everywhere (pages, PDFs, counts): ``2025–2026``."""
    return f"{year}–{year + 1}"


def fold(text: str) -> str:
    """Text as the catalogue search compares it: accents dropped, case folded, spaces collapsed
    ("École", "ECOLE" and "ecole" are one word), the same on SQLite and PostgreSQL."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


class TrainingProgramme(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="training_programmes"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FR)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.INTRODUCTORY)
    audience = models.CharField(_("audience"), max_length=14, choices=Audience.choices, default=Audience.STUDENTS)
    hours = models.DecimalField(
        _("hours (eq. TD)"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    trained_min_hours = models.DecimalField(
        _("trained from (hours attended)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_("Leave empty when this programme never counts as trained (an awareness talk)."),
    )
    aware_min_hours = models.DecimalField(
        _("made aware from (hours attended)"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    is_published = models.BooleanField(_("shown in the public catalogue"), default=True)
    # Title, description, courses and institution, folded (``fold``): what the catalogue searches.
    search_text = models.TextField(blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trained_min_hours__isnull=True) | Q(trained_min_hours__gte=models.F("aware_min_hours")),
                name="training_rule_trained_above_aware",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        refresh_search([self.pk])

    def outcome_for(self, hours: Decimal) -> str:
        """What ``hours`` attended earn under this programme's rule."""
        if self.trained_min_hours is not None and hours >= self.trained_min_hours:
            return Outcome.TRAINED
        if hours >= self.aware_min_hours:
            return Outcome.AWARE
        return Outcome.NONE


def search_text_of(programme: Any) -> str:
    """The folded text the catalogue searches for a programme (its institution and courses loaded)."""
    institution = programme.institution
    parts = [programme.title, programme.description, institution.name, institution.short_name]
    return fold(" ".join([*parts, *(course.title for course in programme.courses.all())]))


def refresh_search(programme_ids: Iterable[int]) -> None:
    """Rewrite the folded search text of these programmes (their title, description, courses and
    institution). Called on every save of a programme or course and of an organisation's name."""
    programmes = (
        TrainingProgramme.objects.filter(pk__in=list(programme_ids))
        .select_related("institution")
        .prefetch_related("courses")
    )
    for programme in programmes:
        text = search_text_of(programme)
        if text != programme.search_text:
            TrainingProgramme.objects.filter(pk=programme.pk).update(search_text=text)


class Course(models.Model):
    programme = models.ForeignKey(TrainingProgramme, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    hours = models.DecimalField(_("hours (eq. TD)"), max_digits=6, decimal_places=1, default=Decimal("0"))
    # An archived course keeps its history (sessions, registrations) but gets no new session.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("course")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        refresh_search([self.programme_id])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        programme_id = self.programme_id
        result = super().delete(*args, **kwargs)
        refresh_search([programme_id])
        return result

    @property
    def full_title(self) -> str:
        """ "Programme — course", or the programme's title alone when the course is named like it."""
        programme = self.programme.title
        return programme if self.title == programme else f"{programme} — {self.title}"


class TrainingSession(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    hours = models.DecimalField(
        _("hours (eq. TD)"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("online link"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    trainers = models.ManyToManyField(Person, verbose_name=_("trainers"), blank=True, related_name="training_sessions")
    registration_open = models.BooleanField(_("registration open"), default=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("session")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="training_session_ends_after")
        ]

    def __str__(self) -> str:
        return f"{self.course.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def takes_registrations(self) -> bool:
        """Whether anyone may ask for a place now: open, not cancelled, not started."""
        return self.registration_open and self.cancelled_at is None and not self.has_started


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("Awaiting email confirmation")
    CONFIRMED = "confirmed", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def active(cls) -> list[str]:
        return [cls.PENDING, cls.CONFIRMED, cls.WAITING]


class Registration(models.Model):
    """A place asked for in a session, by an account holder or by a visitor (light form)."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="registrations")
    # Set once the registration is confirmed (a visitor's, by the link sent to their address).
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=RegistrationState.choices)
    token = models.CharField(max_length=40, unique=True, editable=False)
    language = models.CharField(max_length=2, default="fr")
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    queued_at = models.DateTimeField(_("on the waiting list since"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "email"],
                condition=Q(state__in=["pending", "confirmed", "waiting"]),
                name="training_registration_once",
            )
        ]
        indexes = [models.Index(fields=["session", "state"], name="training_reg_state_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} — {self.session_id}"


class Enrolment(models.Model):
    """A person following a programme in one academic year: hours attended, outcome, certificate."""

    programme = models.ForeignKey(TrainingProgramme, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    academic_year = models.PositiveSmallIntegerField(_("academic year"))
    enrolled_on = models.DateField(_("enrolled on"))
    hours_imported = models.DecimalField(_("hours declared"), max_digits=6, decimal_places=1, default=Decimal("0"))
    hours_sessions = models.DecimalField(_("hours attended"), max_digits=6, decimal_places=1, default=Decimal("0"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.NONE)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    certificate_code = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    source = models.CharField(max_length=12, default="sessions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        ordering = ["-academic_year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person", "academic_year"], name="training_enrolment_once")
        ]
        indexes = [models.Index(fields=["academic_year", "outcome"], name="training_enrol_year_idx")]

    def __str__(self) -> str:
        return f"{self.person} — {self.programme} ({year_label(self.academic_year)})"

    @property
    def hours(self) -> Decimal:
        return self.hours_imported + self.hours_sessions

    @property
    def certificate_valid(self) -> bool:
        """A certificate stands while the outcome it attests does: once the attendance behind it
        is corrected below the programme's rule, its code stays known but reads as withdrawn."""
        return bool(self.certificate_code) and self.outcome != Outcome.NONE

    @property
    def year_label(self) -> str:
        return year_label(self.academic_year)


class LearnerProfile(models.Model):
    """What training asks of a person beyond the directory: gender, given or not (decision 0009)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="learner_profile")
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)

    class Meta:
        verbose_name = _("learner profile")

    def __str__(self) -> str:
        return f"{self.person}"


class FundedKind(models.TextChoices):
    PHD = "phd", _("PhD student")
    POSTDOC = "postdoc", _("Postdoc")


class FundedTrainee(models.Model):
    """A PhD student or postdoc funded by the cluster and the programmes they must follow."""

    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("position"), max_length=8, choices=FundedKind.choices)
    membership = models.ForeignKey(
        "projects.ProjectMember",
        verbose_name=_("project membership"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    funding_note = models.CharField(_("funded by (free text)"), max_length=200, blank=True)
    required = models.ManyToManyField(TrainingProgramme, verbose_name=_("required trainings"), related_name="+")
    due_on = models.DateField(_("to complete by"))

    class Meta:
        verbose_name = _("funded trainee")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return str(self.person)


class ConfirmationMail(models.Model):
    """A registration email sent to a visitor's address (the link, or its reminder), kept to
    limit how many one address, or one network address, may cause (``services.registration``)."""

    email = models.EmailField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "sent_at"], name="training_mail_email_idx"),
            models.Index(fields=["ip", "sent_at"], name="training_mail_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.sent_at:%Y-%m-%d %H:%M}"


def import_path(instance: EnrolmentImport, filename: str) -> str:
    return f"training/imports/{instance.code}/{filename[-80:]}"


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("Columns to map")
    CHECKING = "checking", _("Being checked")
    PREVIEWED = "previewed", _("Checked: to apply")
    APPLYING = "applying", _("Being applied")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")


class EnrolmentImport(models.Model):
    """An uploaded spreadsheet of enrolments: mapped, checked (preview), then applied."""

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    file = models.FileField(upload_to=import_path, max_length=200)
    file_name = models.CharField(max_length=200)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.UPLOADED)
    summary = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name
