from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from grappe.people.models import User


class EmailBackend(ModelBackend):
    """Log in by email address, whatever its case."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = (username or kwargs.get("email") or "").strip()
        if not email or password is None:
            return None
        user = User.objects.filter(email__iexact=email).select_related("person").first()
        if user is None:
            User().set_password(password)  # same work as a real check, against timing attacks
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
