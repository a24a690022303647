"""The stored matchmaking index: built once, reused between requests and processes, rebuilt when
its inputs change; consent withdrawn and the challenge's own staff left out at query time."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from grappe.partners import index, services
from grappe.partners.models import IndexKind, IndexState, MatchingIndex, SuggestionRun
from grappe.partners.tasks import build_matching_index
from tests.factories import AffiliationFactory, PersonFactory
from tests.partners.conftest import publish


def suggested(challenge):
    run = SuggestionRun.objects.filter(challenge=challenge).latest("created_at", "pk")
    return [s.person for s in run.suggestions.filter(person__isnull=False).order_by("rank")]


def researchers_index():
    return MatchingIndex.objects.get(kind=IndexKind.RESEARCHERS, state=IndexState.DONE)


def test_built_once_and_reused_with_its_ledger(challenge, researcher, django_assert_max_num_queries):
    row = researchers_index()
    assert row.inputs_hash and row.fingerprint and row.engine_version and row.built_at and row.file_hash
    assert row.statistics["profiles"] == 1 and row.parameters["backend"] == "tfidf"
    services.suggest_for_challenge(challenge, actor=None, seed=3)
    assert researchers_index().pk == row.pk  # nothing changed: the same index
    assert {kind: pk for kind, (pk, _index) in index._loaded.items()} == {
        "researchers": row.pk,
        "teams": MatchingIndex.objects.get(kind=IndexKind.TEAMS).pk,
    }  # both kept in memory
    run = SuggestionRun.objects.filter(challenge=challenge).latest("created_at", "pk")
    assert run.statistics["index"]["researchers"] == {
        "id": row.pk,
        "built_at": row.built_at.isoformat(),
        "inputs_hash": row.inputs_hash,
        "fresh": True,
    }
    assert suggested(challenge) == [researcher]


def test_a_new_publication_rebuilds_it(challenge, researcher, reviewer):
    before = researchers_index()
    publish(researcher, "Robust segmentation of tumours across hospitals")
    services.suggest_for_challenge(challenge, actor=None, seed=3)
    after = researchers_index()
    assert after.pk != before.pk and after.inputs_hash != before.inputs_hash
    assert MatchingIndex.objects.filter(kind=IndexKind.RESEARCHERS).count() == 1  # the old one and its file removed
    assert not before.file.storage.exists(before.file.name)


def test_another_process_reads_the_file_and_checks_its_hash(challenge, researcher):
    row = researchers_index()
    index._loaded.clear()  # as a new process
    loaded = index.load(row)
    assert loaded.profile_ids == (researcher.code,)
    index._loaded.clear()
    with row.file.storage.open(row.file.name, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ValueError, match="does not match"):
        index.load(row)


def test_withdrawn_consent_counts_before_the_rebuild(settings, challenge, researcher, reviewer, other_university):
    """A large cluster: the stale index serves while the worker rebuilds; the person who withdrew is
    filtered out at once."""
    settings.GRAPPE_MATCHING_INLINE_MAX = 0
    colleague = PersonFactory()
    AffiliationFactory(person=colleague, organisation=other_university)
    publish(colleague, "Federated learning of MRI segmentation with patient privacy")
    services.set_consent(colleague, opted_in=True, actor=None)
    index.build_now(IndexKind.RESEARCHERS)
    built = researchers_index()
    services.set_consent(researcher, opted_in=False, actor=reviewer)
    services.suggest_for_challenge(challenge, actor=None, seed=4)
    assert suggested(challenge) == [colleague]
    assert researchers_index().pk == built.pk  # not rebuilt in the request...
    queued = MatchingIndex.objects.get(kind=IndexKind.RESEARCHERS, state=IndexState.QUEUED)  # ...but queued once
    run = SuggestionRun.objects.filter(challenge=challenge).latest("created_at", "pk")
    assert run.statistics["index"]["researchers"]["fresh"] is False
    services.suggest_for_challenge(challenge, actor=None, seed=5)
    assert MatchingIndex.objects.filter(state=IndexState.QUEUED).count() == 1
    build_matching_index.call(queued.pk)  # the worker
    fresh = researchers_index()
    assert fresh.pk == queued.pk and fresh.statistics["profiles"] == 1
    build_matching_index.call(queued.pk)  # delivered twice: runs once
    assert researchers_index().pk == queued.pk


def test_nothing_suggested_while_the_first_index_is_built(settings, challenge, researcher):
    settings.GRAPPE_MATCHING_INLINE_MAX = 0
    MatchingIndex.objects.all().delete()
    services.suggest_for_challenge(challenge, actor=None, seed=6)
    run = SuggestionRun.objects.filter(challenge=challenge).latest("created_at", "pk")
    assert suggested(challenge) == [] and run.statistics["index"]["researchers"] is None
    assert MatchingIndex.objects.filter(kind=IndexKind.RESEARCHERS, state=IndexState.QUEUED).exists()


def test_the_challenges_own_staff_is_left_out(challenge, researcher, company):
    AffiliationFactory(person=researcher, organisation=company)
    services.suggest_for_challenge(challenge, actor=None, seed=7)
    assert suggested(challenge) == []


def test_failed_build_is_marked_with_its_reason(monkeypatch, db):
    row = index.request_build(IndexKind.TEAMS)

    def broken(kind):
        raise RuntimeError("disk full")

    monkeypatch.setattr(index, "_profiles", broken)
    with pytest.raises(RuntimeError):
        build_matching_index.call(row.pk)
    row.refresh_from_db()
    assert row.state == IndexState.FAILED and "disk full" in row.error


def test_command_rebuilds_only_what_changed(challenge, researcher):
    out = StringIO()
    call_command("matching_index", stdout=out)
    assert "researchers: up to date, 1 profiles" in out.getvalue()
    publish(researcher, "Segmentation of MRI scans")
    out = StringIO()
    call_command("matching_index", stdout=out)
    assert "researchers: built, 1 profiles" in out.getvalue() and "teams: up to date" in out.getvalue()
    out = StringIO()
    call_command("matching_index", "--force", stdout=out)
    assert "teams: built" in out.getvalue()


@pytest.mark.parametrize(("value", "ok"), [("combined", True), ("", True), ("bm25", False)])
def test_backend_comes_from_the_environment(value, ok):
    env = {**os.environ, "GRAPPE_MATCHING_BACKEND": value, "GRAPPE_ENV": "test"}
    code = "from django.conf import settings; print(settings.GRAPPE_MATCHING_BACKEND)"
    done = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='grappe.settings'; {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if ok:
        assert done.stdout.strip() == (value or "tfidf")
    else:
        assert done.returncode != 0 and "GRAPPE_MATCHING_BACKEND must be" in done.stderr


def test_an_index_replaced_meanwhile_is_taken_again(challenge, researcher, monkeypatch):
    """Another process rebuilt the index and removed the file this one was about to read."""
    old = researchers_index()
    index._loaded.clear()
    new = index.build_now(IndexKind.RESEARCHERS)
    index._loaded.clear()
    calls = []
    real_latest = index.latest

    def stale_then_real(kind):
        calls.append(kind)
        return old if kind == IndexKind.RESEARCHERS and len(calls) == 1 else real_latest(kind)

    monkeypatch.setattr(index, "latest", stale_then_real)
    row, loaded, fresh = index.current(IndexKind.RESEARCHERS)
    assert row.pk == new.pk and fresh and loaded.profile_ids == (researcher.code,)


def test_a_starting_worker_preloads_the_indexes(challenge, researcher, caplog):
    """gunicorn's ``post_worker_init`` reads both indexes before the first request needs them."""
    from grappe import gunicorn_conf

    rows = {kind: index.latest(kind).pk for kind in IndexKind.values}
    index._loaded.clear()
    assert sorted(index.preload()) == sorted(IndexKind.values)
    assert {kind: pk for kind, (pk, _index) in index._loaded.items()} == rows
    index._loaded.clear()
    assert callable(gunicorn_conf.post_worker_init)
    # A damaged file is logged and left for the request to report, never raised at start.
    row = researchers_index()
    with row.file.open("wb") as handle:
        handle.write(b"damaged")
    assert index.preload() == ["teams"]
    assert "could not be preloaded" in caplog.text
