"""Deployment checks (``grappe check --deploy``) for what several processes must share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return [
            Warning(
                "The cache lives in each process's memory: processes do not see each other's entries.",
                hint="Set REDIS_URL (docs/deployment.md) when more than one web process or machine serves Grappe.",
                id="grappe.W001",
            )
        ]
    return []
