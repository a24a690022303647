"""SAML single logout on Grappe's logout: tell the IdP (when its metadata has a SingleLogoutService)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from grappe.people.views.accounts import LOGOUT_RESPONSE_ATTRIBUTE
from grappe.sso import providers, saml
from grappe.sso.models import SamlSession

logger = logging.getLogger(__name__)
SAML_SESSION_KEY = "grappe_sso_saml_session"  # in the Django session: idp, name_id, session_index


@receiver(user_logged_out)
def saml_single_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The person logs out of Grappe: forget the SAML session, and send the browser to the IdP's logout."""
    if request is None or not hasattr(request, "session"):
        return
    session = request.session.get(SAML_SESSION_KEY)
    if request.session.session_key:
        SamlSession.objects.filter(session_key=request.session.session_key).delete()
    provider = providers.get("saml")
    if not session or provider is None:
        return
    try:
        info = saml.start_logout(provider, session)
    except Exception as exc:  # the local logout is done whatever the IdP's state
        logger.warning("SAML single logout not started: %s: %s", type(exc).__name__, exc)
        return
    if info is not None:
        setattr(request, LOGOUT_RESPONSE_ATTRIBUTE, saml.http_response(info))
