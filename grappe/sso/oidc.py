"""OpenID Connect sign-in (an institution's provider, ORCID) through Authlib's Django client.

Authlib checks what makes an ID token trustworthy: its signature against the provider's
published keys (JWKS), the issuer, the audience (our client id), the expiry, and the nonce
kept in the session; the ``state`` is kept in the session and used once, and PKCE (S256)
binds the code to this browser.
"""

from __future__ import annotations

import threading
from typing import Any

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.http import HttpRequest, HttpResponse

from grappe.sso.providers import Provider
from grappe.sso.services import Claims, valid_orcid

_clients: dict[tuple[Any, ...], DjangoOAuth2App] = {}
_lock = threading.Lock()
TIMEOUT = 10  # seconds for each call to the provider (metadata, token, keys)


def client(provider: Provider) -> DjangoOAuth2App:
    """The Authlib client of ``provider`` (one per configuration; it caches the provider's metadata)."""
    config = provider.config
    key = (provider.key, config["issuer"], config["client_id"], config["client_secret"], config["scope"])
    with _lock:
        if key not in _clients:
            registry = OAuth()
            _clients[key] = registry.register(
                name=provider.key,
                client_id=config["client_id"],
                client_secret=config["client_secret"],
                server_metadata_url=f"{config['issuer']}/.well-known/openid-configuration",
                client_kwargs={"scope": config["scope"], "code_challenge_method": "S256", "timeout": TIMEOUT},
            )
        return _clients[key]


def redirect_to_provider(request: HttpRequest, provider: Provider, redirect_uri: str) -> HttpResponse:
    return client(provider).authorize_redirect(request, redirect_uri)


def claims_from_callback(request: HttpRequest, provider: Provider) -> Claims:
    """Exchange the code for tokens and return the verified claims (raises on anything wrong)."""
    token = client(provider).authorize_access_token(request)
    info = token.get("userinfo")
    if not info or not info.get("sub"):
        raise ValueError("the provider sent no ID token")
    subject = str(info["sub"])
    email = str(info.get("email") or "").strip().lower()
    verified = info.get("email_verified") in (True, "true")
    given, family = str(info.get("given_name") or ""), str(info.get("family_name") or "")
    if not given and not family and info.get("name"):
        given, _sep, family = str(info["name"]).partition(" ")
    return Claims(
        provider=provider.key,
        subject=subject,
        email=email,
        email_verified=bool(email) and verified,
        first_name=given,
        last_name=family,
        orcid=valid_orcid(subject) if provider.key == "orcid" else "",
    )
