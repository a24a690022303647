"""People, organisations, affiliations, accounts and roles."""

from __future__ import annotations

from typing import Any

import rules
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from grappe.core.codes import new_code
from grappe.people.validators import validate_orcid, validate_ror, validate_siren


class OrganisationKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    RESEARCH = "research", _("Research organisation")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    LARGE_COMPANY = "large_company", _("Large company")
    SME = "sme", _("SME")
    STARTUP = "startup", _("Start-up")
    PUBLIC_BODY = "public_body", _("Public body")
    OTHER = "other", _("Other")

    @classmethod
    def academic(cls) -> frozenset[str]:
        return frozenset({cls.UNIVERSITY, cls.RESEARCH, cls.SCHOOL, cls.HOSPITAL})

    @classmethod
    def companies(cls) -> frozenset[str]:
        return frozenset({cls.LARGE_COMPANY, cls.SME, cls.STARTUP})


class Relationship(models.TextChoices):
    """An organisation's relationship to the cluster."""

    MEMBER = "member", _("Member")
    ASSOCIATE = "associate", _("Associate")
    PARTNER = "partner", _("Industrial partner")
    EXTERNAL = "external", _("External")

    @classmethod
    def public(cls) -> list[str]:
        """Relationships shown in the public directory."""
        return [cls.MEMBER, cls.ASSOCIATE, cls.PARTNER]


class Sector(models.TextChoices):
    RESEARCH = "research", _("Research and higher education")
    HEALTH = "health", _("Health and life sciences")
    MOBILITY = "mobility", _("Mobility and transport")
    ENERGY = "energy", _("Energy and environment")
    FINANCE = "finance", _("Banking and insurance")
    INDUSTRY = "industry", _("Manufacturing and industry")
    RETAIL = "retail", _("Retail and consumer goods")
    MEDIA = "media", _("Media, culture and creative industries")
    DEFENCE = "defence", _("Aerospace, defence and security")
    SOFTWARE = "software", _("Software and digital services")
    TELECOM = "telecom", _("Telecommunications")
    LEGAL = "legal", _("Legal and consulting")
    AGRIFOOD = "agrifood", _("Agriculture and food")
    PUBLIC = "public", _("Public sector")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    country = CountryField(_("country"), default="FR")
    website = models.URLField(_("website"), max_length=300, blank=True)
    ror = models.CharField(
        _("ROR identifier"), max_length=9, blank=True, validators=[validate_ror], help_text=_("e.g. 02en5vm52")
    )
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, validators=[validate_siren], help_text=_("9 digits, French companies")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    relationship = models.CharField(
        _("relationship to the cluster"), max_length=20, choices=Relationship.choices, default=Relationship.EXTERNAL
    )
    relationship_start = models.DateField(_("relationship since"), null=True, blank=True)
    relationship_end = models.DateField(_("relationship until"), null=True, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
            models.UniqueConstraint(fields=["ror"], condition=~Q(ror=""), name="organisation_ror_unique"),
            models.UniqueConstraint(fields=["siren"], condition=~Q(siren=""), name="organisation_siren_unique"),
            models.CheckConstraint(
                condition=Q(relationship_end__isnull=True)
                | Q(relationship_start__isnull=True)
                | Q(relationship_end__gte=models.F("relationship_start")),
                name="organisation_relationship_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name and self.short_name != self.name else self.name

    @property
    def is_public(self) -> bool:
        return self.relationship in Relationship.public()

    @property
    def ror_url(self) -> str:
        return f"https://ror.org/{self.ror}" if self.ror else ""


class Keyword(models.Model):
    """An expertise keyword, shared by people (and later by proposals and partners)."""

    name = models.CharField(_("keyword"), max_length=80)

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="keyword_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    orcid = models.CharField(
        _("ORCID iD"),
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text=_("e.g. 0000-0002-1825-0097"),
    )
    keywords = models.ManyToManyField(Keyword, verbose_name=_("expertise keywords"), blank=True, related_name="people")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="person_email_unique_ci"),
            models.UniqueConstraint(fields=["orcid"], condition=~Q(orcid=""), name="person_orcid_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Affiliation(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="affiliations"
    )
    position = models.CharField(_("role"), max_length=120, help_text=_("e.g. Professor, PhD student, R&D lead"))
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.position}, {self.organisation}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if "person" not in extra:
            local = email.split("@", maxsplit=1)[0]
            extra["person"] = Person.objects.create(first_name=local, last_name="", email=email.lower())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. It logs in by email and always belongs to one :class:`Person`."""

    email = models.EmailField(_("email"), unique=True)
    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="user")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("technical administrator"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.person.full_name

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Whether this account holds ``perm`` (on ``obj``).

        The app's permissions (django-rules, ``<app>/rules.py``) follow the roles the account
        holds, and nothing else: the technical admin's superuser flag does not pass them, nor do
        model permissions granted in the Django admin. Every other permission (the Django admin's
        ``add_``/``change_``/``delete_``/``view_`` model permissions) keeps Django's answer, so
        the superuser keeps the whole Django admin. No app permission may share its name with a
        model permission of a model the admin shows (tests/people/test_superuser.py checks it).
        """
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    def get_short_name(self) -> str:
        return self.person.first_name


class RoleKind(models.TextChoices):
    OFFICE = "office", _("Cluster office")
    BOARD = "board", _("Board")
    INSTITUTION_CONTACT = "institution_contact", _("Institution contact")
    PARTNER_CONTACT = "partner_contact", _("Partner contact")

    @classmethod
    def global_kinds(cls) -> frozenset[str]:
        return frozenset({cls.OFFICE, cls.BOARD})

    @classmethod
    def organisation_kinds(cls) -> frozenset[str]:
        return frozenset({cls.INSTITUTION_CONTACT, cls.PARTNER_CONTACT})


class Role(models.Model):
    """A role held by a person: global (office, board) or scoped to one organisation.

    Later scopes (a call, a project) add a nullable foreign key here, with the matching
    check constraint, so that every role stays one row on one mechanism.
    """

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=30, choices=RoleKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["office", "board"]) & Q(organisation__isnull=True))
                | (Q(kind__in=["institution_contact", "partner_contact"]) & Q(organisation__isnull=False)),
                name="role_scope_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(organisation__isnull=True), name="role_global_unique"
            ),
            models.UniqueConstraint(
                fields=["person", "kind", "organisation"],
                condition=Q(organisation__isnull=False),
                name="role_scoped_unique",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} — {self.organisation}" if self.organisation_id else str(label)
