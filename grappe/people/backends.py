from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from grappe.people.models import User


def normalise_login(value: object) -> str:
    """The one spelling of a login email: trimmed and lower-cased (login ignores the case)."""
    return str(value or "").strip().lower()


def axes_username(request: HttpRequest | None, credentials: Mapping[str, Any] | None) -> str:
    """The username django-axes counts failures for (``AXES_USERNAME_CALLABLE``).

    Login ignores the email's case, so the throttle must too: ``A.B@EXAMPLE.ORG`` and
    ``a.b@example.org`` share one failure count and one lock-out.
    """
    if credentials:
        return normalise_login(credentials.get("username") or credentials.get("email"))
    return normalise_login(request.POST.get("username") if request is not None else "")


class EmailBackend(ModelBackend):
    """Log in by email address, whatever its case.

    With ``GRAPPE_PASSWORD_LOGIN`` off, only technical administrators (``is_staff``) may log in
    with a password (the break-glass way in through /admin/login/ when the identity provider fails).
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = normalise_login(username or kwargs.get("email"))
        if not email or password is None:
            return None
        user = User.objects.filter(email__iexact=email).select_related("person").first()
        if user is None:
            User().set_password(password)  # same work as a real check, against timing attacks
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if not settings.GRAPPE_PASSWORD_LOGIN and not user.is_staff:
                return None
            return user
        return None
