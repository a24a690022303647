"""Runs whose worker died are marked failed with the reason, and the office restarts them (issue 10,
defect 7)."""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grappe.core import jobs
from grappe.review import services, tasks
from grappe.review.models import EngineRun, RunKind, RunState
from grappe.selection.models import LetterSending

pytestmark = pytest.mark.django_db


def _running(call, *, beat_seconds_ago, kind=RunKind.AFFINITY, **parameters):
    run = EngineRun.objects.create(
        call=call, kind=kind, parameters={"backend": "tfidf", **parameters}, seed=parameters.get("seed")
    )
    EngineRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, progress=30, heartbeat_at=timezone.now() - dt.timedelta(seconds=beat_seconds_ago)
    )
    return run


def test_a_run_whose_worker_died_is_failed_when_its_page_is_polled(as_persona, review_call, settings):
    settings.GRAPPE_JOB_STALE_SECONDS = 60
    dead = _running(review_call, beat_seconds_ago=61)

    page = as_persona("office").get(reverse("review:run", args=[dead.pk])).content.decode()

    dead.refresh_from_db()
    assert dead.state == RunState.FAILED
    assert dead.error.startswith("The worker stopped (no heartbeat since ")
    assert dead.error.endswith("Paris time): the run is marked failed. Restart it.")
    assert 'hx-trigger="every 2s"' not in page
    assert "Restart with the same parameters" in page


def test_a_run_with_a_recent_heartbeat_keeps_running(as_persona, review_call, settings):
    settings.GRAPPE_JOB_STALE_SECONDS = 60
    alive = _running(review_call, beat_seconds_ago=10)

    page = as_persona("office").get(reverse("review:run", args=[alive.pk])).content.decode()

    alive.refresh_from_db()
    assert (alive.state, alive.error) == (RunState.RUNNING, "")
    assert 'hx-trigger="every 2s"' in page


def test_the_periodic_command_fails_every_kind_of_dead_job(review_call, settings, capsys):
    settings.GRAPPE_JOB_STALE_SECONDS = 60
    dead, alive = _running(review_call, beat_seconds_ago=300), _running(review_call, beat_seconds_ago=5)
    sending = LetterSending.objects.create(call=review_call, total=3)
    LetterSending.objects.filter(pk=sending.pk).update(
        state="running", heartbeat_at=timezone.now() - dt.timedelta(seconds=300)
    )

    call_command("fail_stale_runs")

    states = [EngineRun.objects.get(pk=dead.pk).state, EngineRun.objects.get(pk=alive.pk).state]
    assert states == [RunState.FAILED, RunState.RUNNING]
    assert LetterSending.objects.get(pk=sending.pk).state == "failed"
    assert capsys.readouterr().out == "2 stale job(s) marked failed.\n"


def test_the_office_restarts_a_failed_run_as_a_new_linked_run(
    as_persona, review_call, proposals, pool, settings, django_capture_on_commit_callbacks
):
    settings.GRAPPE_JOB_STALE_SECONDS = 60
    dead = _running(review_call, beat_seconds_ago=300)
    jobs.fail_all_stale()
    url = reverse("review:restart_run", args=[dead.pk])

    denied = {
        p: as_persona(p).post(url).status_code for p in ("board", "reviewer", "applicant", "outsider", "anonymous")
    }
    assert denied == {"board": 404, "reviewer": 404, "applicant": 404, "outsider": 404, "anonymous": 302}
    with django_capture_on_commit_callbacks(execute=True):
        response = as_persona("office").post(url)
    again = EngineRun.objects.exclude(pk=dead.pk).get()
    second = as_persona("office").post(url, follow=True).content.decode()

    assert response.url == reverse("review:run", args=[again.pk])
    assert (again.kind, again.parameters["backend"], again.restarted_from_id, again.state) == (
        RunKind.AFFINITY,
        "tfidf",
        dead.pk,
        RunState.DONE,
    )
    assert EngineRun.objects.get(pk=dead.pk).state == RunState.FAILED  # kept in the ledger
    assert f"This run was already restarted as run #{again.pk}." in second
    assert EngineRun.objects.count() == 2


def test_only_a_failed_run_is_restarted(review_call, office):
    alive = _running(review_call, beat_seconds_ago=1)

    with pytest.raises(services.ReviewError, match="Only a failed run can be restarted"):
        services.restart_run(alive, actor=office)


def test_a_task_delivered_twice_runs_the_run_once(review_call, proposals, pool, office):
    run = EngineRun.objects.create(call=review_call, kind=RunKind.AFFINITY, parameters={"backend": "tfidf"})

    tasks.run_affinity.call(run.pk)
    finished = EngineRun.objects.get(pk=run.pk).finished_at
    tasks.run_affinity.call(run.pk)

    run.refresh_from_db()
    assert (run.state, run.finished_at) == (RunState.DONE, finished)
    assert run.heartbeat_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_while_the_job_works(review_call, settings):
    settings.GRAPPE_JOB_STALE_SECONDS = 1  # a beat every half second
    run = _running(review_call, beat_seconds_ago=3600)

    with jobs.heartbeat(EngineRun, run.pk):
        entered = EngineRun.objects.get(pk=run.pk).heartbeat_at
        beats = set()
        for _ in range(200):  # the job "works" up to 20 s; two beats after entering are enough
            beats.add(EngineRun.objects.get(pk=run.pk).heartbeat_at)
            if len(beats - {entered}) >= 2:
                break
            time.sleep(0.1)

    assert len(beats - {entered}) >= 2
    assert jobs.fail_stale(EngineRun.objects.filter(pk=run.pk)) == 0
