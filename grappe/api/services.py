"""Writes about API tokens: create (the secret is shown once), revoke, and authenticate."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.api.models import AccessToken, TokenScope
from grappe.core.services import log_action

TOKEN_PREFIX = "grp_"  # noqa: S105  (a public marker, not a secret)
# last_used_at is written at most once a minute per token: a busy script costs no write per call.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenError(Exception):
    """A token that cannot be created as asked (the message says why)."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(user: Any, *, name: str, scope: str, days: int, actor: Any) -> tuple[AccessToken, str]:
    """A new token for ``user``, valid ``days`` days; returns the row and the plain token, which
    is stored nowhere (only its SHA-256 hash) and shown once."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise TokenError(_("Give the token a name of at most 80 characters."))
    if scope not in TokenScope.values:
        raise TokenError(_("Choose read or read and write."))
    if not 1 <= days <= settings.GRAPPE_API_TOKEN_MAX_DAYS:
        raise TokenError(_("A token lives from 1 to %(max)d days.") % {"max": settings.GRAPPE_API_TOKEN_MAX_DAYS})
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=prefix,
        secret_hash=_hash(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    log_action(user.person, "api.token_created", actor=actor, data={"token": prefix, "name": name, "scope": scope})
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def revoke_token(token: AccessToken, *, actor: Any) -> AccessToken:
    """Revoke ``token`` now (again: nothing changes)."""
    token = AccessToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        log_action(token.user.person, "api.token_revoked", actor=actor, data={"token": token.prefix})
    return token


def authenticate(raw: str, *, now: datetime | None = None) -> AccessToken | None:
    """The active token whose secret is ``raw`` (with its user), or None; records its last use."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    token = AccessToken.objects.select_related("user", "user__person").filter(prefix=prefix).first()
    now = now or timezone.now()
    if (
        token is None
        or not hmac.compare_digest(token.secret_hash, _hash(secret))
        or token.revoked_at is not None
        or token.expires_at <= now
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
