"""Every write about people, organisations, accounts and roles.

Each function is atomic, takes the acting user as ``actor=`` (``None`` for the system)
and records what it did in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grappe.core.services import diff, log_action, save_versioned
from grappe.people.models import Affiliation, Keyword, Organisation, Person, Role, RoleKind, User
from grappe.people.rules import forget_roles

VERIFY_SALT = "grappe.people.verify-email"


class AccountError(Exception):
    """A user-facing account problem; ``str(exc)`` is a translated message."""


# --- Organisations ----------------------------------------------------------------


@transaction.atomic
def create_organisation(*, actor: Any, **fields: Any) -> Organisation:
    organisation = Organisation.objects.create(**fields)
    log_action(organisation, "organisation.created", actor=actor, data={"fields": _field_summary(fields)})
    return organisation


@transaction.atomic
def update_organisation(
    organisation: Organisation, *, actor: Any, changes: dict[str, Any], expected_version: int
) -> dict[str, list[Any]]:
    """Save ``changes`` unless someone else saved first (:class:`ConcurrentEditError`)."""
    changed = diff(organisation, changes)
    if changed:
        save_versioned(organisation, {**changes, "updated_at": timezone.now()}, expected_version=expected_version)
        log_action(organisation, "organisation.updated", actor=actor, data={"changed": changed})
    return changed


# --- People -----------------------------------------------------------------------------


def keywords_from_names(names: Iterable[str]) -> list[Keyword]:
    """Existing or new keywords for ``names`` (case-insensitive, whitespace trimmed)."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())[:80]
        if name:
            wanted.setdefault(name.lower(), name)
    if not wanted:
        return []
    existing = {k.name.lower(): k for k in Keyword.objects.annotate(lname=Lower("name")).filter(lname__in=wanted)}
    missing = [Keyword(name=name) for key, name in wanted.items() if key not in existing]
    for keyword in missing:
        keyword.save()
        existing[keyword.name.lower()] = keyword
    return [existing[key] for key in wanted]


@transaction.atomic
def create_person(*, actor: Any, keywords: Iterable[str] = (), **fields: Any) -> Person:
    if fields.get("email"):
        fields["email"] = fields["email"].strip().lower()
    person = Person.objects.create(**fields)
    person.keywords.set(keywords_from_names(keywords))
    log_action(person, "person.created", actor=actor, data={"fields": _field_summary(fields)})
    return person


@transaction.atomic
def update_person(
    person: Person,
    *,
    actor: Any,
    changes: dict[str, Any],
    expected_version: int,
    keywords: Iterable[str] | None = None,
) -> dict[str, list[Any]]:
    """Save a person's data; their account email follows the person's email."""
    if changes.get("email"):
        changes["email"] = changes["email"].strip().lower()
    changed = diff(person, changes)
    m2m: list[str] = []
    if keywords is not None:
        new_keywords = keywords_from_names(keywords)
        old_names = sorted(k.name for k in person.keywords.all())
        new_names = sorted(k.name for k in new_keywords)
        if old_names != new_names:
            changed["keywords"] = [old_names, new_names]
            changes = {**changes, "keywords": new_keywords}
            m2m.append("keywords")
    if changed:
        save_versioned(person, {**changes, "updated_at": timezone.now()}, expected_version=expected_version, m2m=m2m)
        if "email" in changed and hasattr(person, "user"):
            user = person.user
            user.email = person.email
            user.save(update_fields=["email"])
        log_action(person, "person.updated", actor=actor, data={"changed": changed})
    return changed


@transaction.atomic
def add_affiliation(
    person: Person,
    *,
    actor: Any,
    organisation: Organisation,
    position: str,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Affiliation:
    affiliation = Affiliation.objects.create(
        person=person, organisation=organisation, position=position, start_date=start_date, end_date=end_date
    )
    log_action(
        person,
        "person.affiliation_added",
        actor=actor,
        data={"organisation": organisation.name, "position": position, "start": start_date, "end": end_date},
    )
    return affiliation


@transaction.atomic
def end_affiliation(affiliation: Affiliation, *, actor: Any, end_date: date | None = None) -> Affiliation:
    affiliation.end_date = end_date or timezone.localdate()
    if affiliation.start_date and affiliation.end_date < affiliation.start_date:
        affiliation.end_date = affiliation.start_date
    affiliation.save(update_fields=["end_date"])
    log_action(
        affiliation.person,
        "person.affiliation_ended",
        actor=actor,
        data={"organisation": affiliation.organisation.name, "end": affiliation.end_date},
    )
    return affiliation


# --- Roles ------------------------------------------------------------------------------


@transaction.atomic
def grant_role(person: Person, kind: str, *, actor: Any, organisation: Organisation | None = None) -> Role:
    """Give ``person`` a role; organisation-scoped kinds need ``organisation``, global ones refuse it."""
    if kind in RoleKind.organisation_kinds() and organisation is None:
        raise ValueError(_("This role needs an organisation."))
    if kind in RoleKind.global_kinds():
        organisation = None
    role, created = Role.objects.get_or_create(person=person, kind=kind, organisation=organisation)
    if created:
        log_action(
            person,
            "role.granted",
            actor=actor,
            data={"role": kind, "organisation": organisation.name if organisation else None},
        )
        if actor is not None:
            forget_roles(actor)
    return role


@transaction.atomic
def revoke_role(role: Role, *, actor: Any) -> None:
    person = role.person
    data = {"role": role.kind, "organisation": role.organisation.name if role.organisation_id else None}
    role.delete()
    log_action(person, "role.revoked", actor=actor, data=data)
    if actor is not None:
        forget_roles(actor)


# --- Accounts ---------------------------------------------------------------------------


def email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


@transaction.atomic
def register_user(*, email: str, password: str, first_name: str, last_name: str, language: str) -> User:
    """Create an inactive account and send the email-verification link.

    A person already in the directory with this email (e.g. imported by the office) is
    linked to the new account rather than duplicated.
    """
    email = email.strip().lower()
    if email_taken(email):
        raise AccountError(_("An account with this email address already exists. Log in or reset your password."))
    person = Person.objects.filter(email__iexact=email, user__isnull=True).first()
    if person is None:
        person = Person.objects.create(
            first_name=first_name, last_name=last_name, email=email, preferred_language=language
        )
        log_action(person, "person.created", actor=None, data={"via": "registration"})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, person=person, is_active=False)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise AccountError(
            _("An account with this email address already exists. Log in or reset your password.")
        ) from exc
    log_action(person, "account.registered", actor=None, data={"email": email})
    transaction.on_commit(lambda: send_verification_email(user))
    return user


def verification_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def send_verification_email(user: User) -> None:
    language = user.person.preferred_language
    link = settings.SITE_URL + reverse("people:verify_email", args=[verification_token(user)])
    with translation.override(language):
        context = {"user": user, "person": user.person, "link": link, "site_name": settings.SITE_NAME}
        subject = _("Confirm your email address for %(site)s") % {"site": settings.SITE_NAME}
        body = render_to_string("people/email/verify_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def unverified_account(email: str, password: str) -> User | None:
    """The account of ``email`` when ``password`` is right but the address was never confirmed."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=False, email_verified_at__isnull=True).first()
    if user is not None and password and user.check_password(password):
        return user
    return None


def resend_verification(user: User) -> None:
    """Send the confirmation link again to an account that has not confirmed its address."""
    if user.email_verified_at is not None:
        return
    log_action(user.person, "account.verification_resent", actor=None, data={"email": user.email})
    send_verification_email(user)


@transaction.atomic
def verify_email(token: str) -> User:
    """Activate the account behind ``token``; the same link works only once."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=settings.GRAPPE_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise AccountError(_("This confirmation link has expired. Register again to get a new one.")) from exc
    except signing.BadSignature as exc:
        raise AccountError(_("This confirmation link is not valid.")) from exc
    user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("e")).first()
    if user is None:
        raise AccountError(_("This confirmation link is not valid."))
    if user.email_verified_at is not None:
        raise AccountError(_("This email address is already confirmed: you can log in."))
    user.is_active = True
    user.email_verified_at = timezone.now()
    user.save(update_fields=["is_active", "email_verified_at"])
    log_action(user.person, "account.email_verified", actor=user, data={"email": user.email})
    return user


@transaction.atomic
def create_account(person: Person, *, password: str, actor: Any, verified: bool = True) -> User:
    """An active account for an existing person (office tool and demo seed)."""
    if not person.email:
        raise AccountError(_("This person has no email address."))
    if email_taken(person.email):
        raise AccountError(_("An account with this email address already exists. Log in or reset your password."))
    user = User.objects.create_user(
        email=person.email,
        password=password,
        person=person,
        is_active=True,
        email_verified_at=timezone.now() if verified else None,
    )
    log_action(person, "account.created", actor=actor, data={"email": user.email})
    return user


def record_password_reset(user: User) -> None:
    log_action(user.person, "account.password_reset", actor=user, data={})


def _field_summary(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if hasattr(v, "pk") else v) for k, v in fields.items()}
