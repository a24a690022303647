"""Signing in through an identity provider: find, link or create the account, by the rules of docs/sso.md.

An identity links to an existing account only when the provider vouches for it: the same
identity was linked before, the provider's ORCID iD is on the person's profile, or the provider
says the email address is verified. An address the provider does not verify never reaches an
existing account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.people.models import Person, User
from grappe.people.services import send_verification_email
from grappe.people.validators import validate_orcid
from grappe.sso import providers
from grappe.sso.models import Identity


class SsoError(Exception):
    """A sign-in or a link that the rules refuse; the message is shown to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NeedsEmail(SsoError):
    """An unknown ORCID iD may make an account, but ORCID gave no address: the person is asked for one."""


@dataclass(frozen=True)
class Claims:
    """What an identity provider says about the person who just signed in."""

    provider: str
    subject: str
    email: str = ""
    email_verified: bool = False
    first_name: str = ""
    last_name: str = ""
    orcid: str = ""  # an ORCID iD the provider vouches for (the ORCID provider's subject)


def valid_orcid(value: str) -> str:
    """``value`` when it is a well-formed ORCID iD, else ``""``."""
    try:
        validate_orcid(value)
    except Exception:
        return ""
    return value


def _names(claims: Claims) -> tuple[str, str]:
    first, last = claims.first_name.strip()[:100], claims.last_name.strip()[:100]
    if not first and not last:
        first = claims.email.split("@", maxsplit=1)[0][:100] if claims.email else claims.subject[:100]
    return first, last


def _refuse_inactive(user: User, provider: str) -> None:
    if not user.is_active:
        raise SsoError(
            _("The account %(email)s is disabled: %(provider)s cannot open it. Write to the cluster office.")
            % {"email": user.email, "provider": providers.label_of(provider)}
        )


@transaction.atomic
def sign_in(claims: Claims, *, language: str = "fr") -> User:
    """The account ``claims`` sign in to: the linked one, one linked now, or a new one."""
    now = timezone.now()
    label = providers.label_of(claims.provider)
    identity = (
        Identity.objects.select_for_update()
        .select_related("user__person")
        .filter(provider=claims.provider, subject=claims.subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if not user.is_active and user.email_verified_at is None and claims.email_verified:
            _confirm(user, now)  # an account created with an address the provider now verifies
        _refuse_inactive(user, claims.provider)
        identity.last_login_at = now
        if claims.email:
            identity.email = claims.email
        identity.save(update_fields=["last_login_at", "email"])
        return user

    user, how = None, ""
    if claims.orcid:
        user = User.objects.select_related("person").filter(person__orcid=claims.orcid).first()
        how = "orcid"
    if user is None and claims.email and claims.email_verified:
        user = User.objects.select_related("person").filter(email__iexact=claims.email).first()
        how = "verified_email"
        if user is not None and user.email_verified_at is None:
            _confirm(user, now)
    if user is not None:
        _refuse_inactive(user, claims.provider)
        Identity.objects.create(
            user=user, provider=claims.provider, subject=claims.subject, email=claims.email, last_login_at=now
        )
        log_action(user.person, "sso.linked", actor=user, data={"provider": claims.provider, "by": how})
        return user

    if claims.email and (
        User.objects.filter(email__iexact=claims.email).exists()
        or (not claims.email_verified and Person.objects.filter(email__iexact=claims.email).exists())
    ):
        raise SsoError(
            _(
                "An account already uses the address %(email)s, and %(provider)s does not confirm that this "
                "address is yours. Log in to that account another way, then link %(provider)s from your profile."
            )
            % {"email": claims.email, "provider": label}
        )
    if not settings.GRAPPE_SELF_REGISTRATION:
        raise SsoError(
            _("No account is linked to this %(provider)s identity, and this site does not create accounts by itself.")
            % {"provider": label}
        )
    if not claims.email and claims.orcid:
        raise NeedsEmail("orcid-newcomer")  # the view asks for the address (register_newcomer)
    if not claims.email:
        raise SsoError(
            _(
                "No account is linked to this %(provider)s identity, and %(provider)s did not give an email "
                "address to create one. Log in another way, then link %(provider)s from your profile."
            )
            % {"provider": label}
        )
    return _create(claims, language=language, now=now)


def address_in_use_message(provider: str) -> str:
    return _(
        "An account with this email address already exists. Log in with that account, "
        "then link %(provider)s from your profile."
    ) % {"provider": providers.label_of(provider)}


@transaction.atomic
def register_newcomer(claims: Claims, *, email: str, first_name: str, last_name: str, language: str) -> User:
    """Create the account of an unknown ORCID iD with the address the person typed (not verified yet).

    The address only ever makes a new account: one already used by an account or a directory
    entry is refused (never linked, never opened). The confirmation email is sent as usual.
    """
    email = email.strip().lower()
    if not settings.GRAPPE_SELF_REGISTRATION:
        raise SsoError(
            _("No account is linked to this %(provider)s identity, and this site does not create accounts by itself.")
            % {"provider": providers.label_of(claims.provider)}
        )
    taken = Identity.objects.filter(provider=claims.provider, subject=claims.subject).exists() or (
        bool(claims.orcid) and Person.objects.filter(orcid=claims.orcid).exists()
    )
    if taken:  # linked meanwhile (another tab): sign in with ORCID again
        raise SsoError(
            _("This %(provider)s identity is already linked to another account.")
            % {"provider": providers.label_of(claims.provider)}
        )
    if User.objects.filter(email__iexact=email).exists() or Person.objects.filter(email__iexact=email).exists():
        raise SsoError(address_in_use_message(claims.provider))
    named = bool(claims.first_name.strip() or claims.last_name.strip())  # ORCID's names, when it gave any
    typed = Claims(
        provider=claims.provider,
        subject=claims.subject,
        email=email,
        email_verified=False,
        first_name=claims.first_name if named else first_name,
        last_name=claims.last_name if named else last_name,
        orcid=claims.orcid,
    )
    return _create(typed, language=language, now=timezone.now())


def _confirm(user: User, now: object) -> None:
    """The provider verifies an address nobody had confirmed: confirm it.

    The password chosen when that account was registered was never tied to the address's owner
    (anyone may register someone else's address), so it is dropped: the owner logs in through
    the provider, or sets a password by the reset link sent to the address.
    """
    user.email_verified_at = now
    user.is_active = True
    user.set_unusable_password()
    user.save(update_fields=["email_verified_at", "is_active", "password"])
    log_action(user.person, "account.email_verified", actor=None, data={"by": "identity provider"})


def _create(claims: Claims, *, language: str, now: object) -> User:
    first, last = _names(claims)
    person = None
    if claims.email_verified:
        person = Person.objects.filter(email__iexact=claims.email, user__isnull=True).first()
    orcid = claims.orcid if claims.orcid and not Person.objects.filter(orcid=claims.orcid).exists() else ""
    if person is None:
        person = Person.objects.create(
            first_name=first, last_name=last, email=claims.email, orcid=orcid, preferred_language=language
        )
        log_action(person, "person.created", actor=None, data={"via": claims.provider})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=claims.email,
                password=None,
                person=person,
                is_active=True,
                email_verified_at=now if claims.email_verified else None,
            )
    except IntegrityError as exc:  # a concurrent sign-up with the same address won
        raise SsoError(_("An account with this email address already exists. Log in or reset your password.")) from exc
    Identity.objects.create(
        user=user, provider=claims.provider, subject=claims.subject, email=claims.email, last_login_at=now
    )
    log_action(person, "account.registered", actor=None, data={"email": user.email, "via": claims.provider})
    if not claims.email_verified:
        transaction.on_commit(lambda: send_verification_email(user))
    return user


@transaction.atomic
def link(user: User, claims: Claims) -> Identity:
    """Link the identity of ``claims`` to ``user``, who is logged in and asked for it."""
    label = providers.label_of(claims.provider)
    identity = Identity.objects.filter(provider=claims.provider, subject=claims.subject).first()
    if identity is not None:
        if identity.user_id != user.pk:
            raise SsoError(_("This %(provider)s identity is already linked to another account.") % {"provider": label})
        return identity
    person = Person.objects.select_for_update().get(pk=user.person_id)
    if claims.orcid:
        if person.orcid and person.orcid != claims.orcid:
            raise SsoError(
                _("Your profile has the ORCID iD %(mine)s, but you signed in to ORCID as %(theirs)s.")
                % {"mine": person.orcid, "theirs": claims.orcid}
            )
        if Person.objects.filter(orcid=claims.orcid).exclude(pk=person.pk).exists():
            raise SsoError(_("The ORCID iD %(orcid)s is on another person's profile.") % {"orcid": claims.orcid})
        if not person.orcid:
            person.orcid = claims.orcid
            person.version += 1
            person.save(update_fields=["orcid", "version", "updated_at"])
    identity = Identity.objects.create(
        user=user, provider=claims.provider, subject=claims.subject, email=claims.email, last_login_at=timezone.now()
    )
    log_action(person, "sso.linked", actor=user, data={"provider": claims.provider, "by": "profile"})
    return identity


def ways_to_log_in(user: User, *, excluding: Identity | None = None) -> int:
    """How many ways ``user`` has to log in: a usable password (if password login is on) and linked identities."""
    keys = {p.key for p in providers.configured()}
    identities = user.identities.filter(provider__in=keys)
    if excluding is not None:
        identities = identities.exclude(pk=excluding.pk)
    password = 1 if settings.GRAPPE_PASSWORD_LOGIN and user.has_usable_password() else 0
    return password + identities.count()


@transaction.atomic
def unlink(user: User, identity: Identity) -> None:
    """Remove a linked identity, unless it is the last way ``user`` has to log in."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one unlink at a time per account
    if ways_to_log_in(user, excluding=identity) == 0:
        if settings.GRAPPE_PASSWORD_LOGIN:
            raise SsoError(
                _(
                    "This is your last way to log in: link another identity first, or set a password with "
                    "“Forgotten password?” on the login page."
                )
            )
        raise SsoError(_("This is your last way to log in: link another identity first."))
    identity.delete()
    log_action(user.person, "sso.unlinked", actor=user, data={"provider": identity.provider})
