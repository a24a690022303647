"""Identities from single sign-on providers linked to accounts, and the one-time values of a sign-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Identity(models.Model):
    """An account at an identity provider (OIDC ``sub``, ORCID iD, SAML subject) linked to a Grappe account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="identities"
    )
    provider = models.CharField(_("provider"), max_length=20)
    subject = models.CharField(_("identifier at the provider"), max_length=255)
    email = models.EmailField(_("email given by the provider"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("linked identity")
        verbose_name_plural = _("linked identities")
        ordering = ["provider", "created_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.subject}"


class UsedAssertion(models.Model):
    """A SAML assertion already accepted: the same assertion presented again is a replay and is refused."""

    key = models.CharField(max_length=255, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class PendingRequest(models.Model):
    """A SAML authentication request sent to an IdP and not answered yet (answered at most once).

    The IdP posts its answer cross-site, so the browser does not send the session cookie
    (SameSite=Lax): the request is kept here, and the browser that started it is recognised
    afterwards by the request id kept in its session.
    """

    request_id = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.request_id


class PendingResult(models.Model):
    """A verified SAML answer waiting for its browser to come back with its session (used once, short-lived)."""

    key = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.request_id


class SamlSession(models.Model):
    """A Grappe session opened by a SAML sign-in: what single logout needs (the IdP, NameID, SessionIndex).

    An IdP's LogoutRequest names the person by NameID (and SessionIndex): the Grappe sessions
    found here are ended. A row goes with its session's logout.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saml_sessions")
    session_key = models.CharField(max_length=64, db_index=True)
    idp = models.CharField(max_length=255)
    name_id = models.TextField()  # pysaml2's saml2.ident.code() of the NameID
    session_index = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.idp}: {self.session_index}"
