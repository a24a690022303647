"""GET /health/: database, cache and task-queue lag, for load balancers and monitoring."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
def test_health_answers_200_with_each_part_when_all_is_well(client, settings):
    settings.TASKS = DB_TASKS

    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True},
        "cache": {"ok": True, "backend": "LocMemCache"},
        "queue": {"ok": True, "waiting": 0, "lag_seconds": 0.0, "max_lag_seconds": 300},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_answers_503_when_tasks_wait_longer_than_the_allowed_lag(client, settings):
    from django_tasks_db.models import DBTaskResult

    from grappe.review.tasks import run_affinity

    settings.TASKS = DB_TASKS
    settings.GRAPPE_HEALTH_MAX_QUEUE_LAG = 60
    run_affinity.enqueue(1)
    run_affinity.enqueue(2)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))

    response = client.get(reverse("health"))

    queue = response.json()["queue"]
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert (queue["ok"], queue["waiting"], queue["max_lag_seconds"]) == (False, 2, 60)
    assert 599 <= queue["lag_seconds"] <= 700


@pytest.mark.django_db
def test_health_answers_503_naming_the_cache_when_it_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["cache"] == {"ok": False, "error": "ConnectionError"}
    assert response.json()["database"] == {"ok": True}


def test_health_needs_no_login_and_accepts_only_get(client, db):
    assert client.post(reverse("health")).status_code == 405
    assert client.get(reverse("health")).status_code == 200


def test_check_deploy_warns_when_the_cache_is_local_to_each_process(tmp_path):
    from tests.core.test_settings import _run

    result = _run(
        ["check", "--deploy"],
        GRAPPE_ENV="production",
        SECRET_KEY="x" * 20 + "-a-long-and-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="grappe.example.org",
        GRAPPE_VAR_DIR=str(tmp_path),
        REDIS_URL="",
    )

    assert result.returncode == 0, result.stderr
    assert "(grappe.W001) The cache lives in each process's memory" in result.stderr + result.stdout
