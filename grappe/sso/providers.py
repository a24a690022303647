"""The identity providers this deployment has configured (settings.GRAPPE_SSO_PROVIDERS, from the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_LABELS = {
    "oidc": _("Institutional account"),
    "orcid": "ORCID",
    "saml": _("University account (Renater)"),
}


@dataclass(frozen=True)
class Provider:
    key: str  # "oidc", "orcid" or "saml"
    kind: str  # "oidc" or "saml"
    label: str
    config: dict[str, Any]


def configured() -> list[Provider]:
    """The providers with a configuration, in a fixed order (institution, ORCID, SAML)."""
    providers = []
    for key in ("oidc", "saml", "orcid"):
        config = settings.GRAPPE_SSO_PROVIDERS.get(key)
        if config:
            label = str(config.get("label") or DEFAULT_LABELS[key])
            providers.append(Provider(key=key, kind=str(config["kind"]), label=label, config=dict(config)))
    return providers


def get(key: str) -> Provider | None:
    return next((p for p in configured() if p.key == key), None)


def label_of(key: str) -> str:
    provider = get(key)
    return provider.label if provider else str(DEFAULT_LABELS.get(key, key))
