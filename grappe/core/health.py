"""The health-check URL for load balancers and monitoring: database, cache and task queue.

``GET /health/`` answers 200 with a JSON body when all three are fine and 503 (same body, the
failing part named) when one is not. It needs no login, says nothing about the data, is exempt
from the HTTPS redirect (load balancers probe over plain HTTP) and is never cached.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _cache() -> dict[str, Any]:
    key, value = f"grappe:health:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    ok = cache.get(key) == value
    cache.delete(key)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _queue() -> dict[str, Any]:
    """Lag of the task queue: the age of the oldest task waiting for a worker."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    max_lag = settings.GRAPPE_HEALTH_MAX_QUEUE_LAG
    return {"ok": lag <= max_lag, "waiting": ready.count(), "lag_seconds": round(lag, 1), "max_lag_seconds": max_lag}


CHECKS = {"database": _database, "cache": _cache, "queue": _queue}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    body: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            body[name] = check()
        except Exception as exc:
            logger.exception("health check %s failed", name)
            body[name] = {"ok": False, "error": type(exc).__name__}
    ok = all(part["ok"] for part in body.values())
    return JsonResponse({"status": "ok" if ok else "failing", **body}, status=200 if ok else 503)
