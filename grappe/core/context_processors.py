from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def language_next(request: HttpRequest) -> str:
    """Where the language switch returns: this page when it was asked with GET; after a failed
    form (a POST answered with the form and its errors) the page the form was on, which exists
    with GET, else the home page."""
    if request.method in {"GET", "HEAD"}:
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        if parts.path != request.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def grappe(request: HttpRequest) -> dict[str, Any]:
    return {
        "GRAPPE_CLUSTER_NAME": settings.GRAPPE_CLUSTER_NAME,
        "SITE_NAME": settings.SITE_NAME,
        "language_next": language_next(request),
        # A page answering a POST shows a form that was not saved: switching language loses it.
        "unsaved_form": request.method == "POST",
        # The registration form exists only where passwords are accepted and visitors may sign up.
        "registration_open": settings.GRAPPE_PASSWORD_LOGIN and settings.GRAPPE_SELF_REGISTRATION,
    }
