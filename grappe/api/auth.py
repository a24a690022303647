"""Bearer tokens: no header acts as an anonymous visitor; a bad, expired or revoked token is 401.

The session cookie is never read by the API: a browser signed in to Grappe is anonymous here,
so no request can be forged from another site (no CSRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from grappe.api import services
from grappe.api.problems import ApiProblem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.GRAPPE_API_MAX_BODY_KB * 1024:
            raise ApiProblem(
                413,
                _("The request body is larger than %(kb)d KB.") % {"kb": settings.GRAPPE_API_MAX_BODY_KB},
                kind="too-large",
            )
        request.api_token = None  # type: ignore[attr-defined]
        if not request.headers.get("Authorization"):
            request.user = AnonymousUser()
            return request.user
        return super().__call__(request) or self._refuse()

    def _refuse(self) -> Any:
        raise ApiProblem(
            401, _("This token is unknown, expired or revoked, or not a Bearer token."), kind="unauthorized"
        )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = services.authenticate(token.strip())
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


def require_user(request: HttpRequest) -> Any:
    """The token's user; anonymous callers get 401 (endpoints that need someone)."""
    if not request.user.is_authenticated:
        raise ApiProblem(401, _("A valid API token is needed (Authorization: Bearer …)."), kind="unauthorized")
    return request.user


def require_write(request: HttpRequest) -> Any:
    """The token's user, if the token may write (else 403)."""
    user = require_user(request)
    token = getattr(request, "api_token", None)
    if token is None or not token.can_write:
        raise ApiProblem(403, _("This token is read-only: create a read and write token to change data."))
    return user
