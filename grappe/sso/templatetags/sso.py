"""``{% sso_buttons next %}``: a button per configured identity provider (none configured: nothing)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from grappe.sso import providers

register = template.Library()


@register.inclusion_tag("sso/buttons.html")
def sso_buttons(next_url: str = "") -> dict[str, Any]:
    return {
        "providers": providers.configured(),
        "next": next_url,
        "password_login": settings.GRAPPE_PASSWORD_LOGIN,
    }
