from typing import Any

from django.conf import settings
from django.http import HttpRequest


def grappe(request: HttpRequest) -> dict[str, Any]:
    return {
        "GRAPPE_CLUSTER_NAME": settings.GRAPPE_CLUSTER_NAME,
        "SITE_NAME": settings.SITE_NAME,
    }
