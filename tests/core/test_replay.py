# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Replay (issue 19): every run kind recomputed from its stored inputs, bit for bit; an altered
stored input, an engine that changed and data that changed since are each said plainly."""

import datetime as dt
import zlib

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from grappe.core import replay
from grappe.core.models import AuditLog, StoredInput
from grappe.review import services as review
from grappe.review.models import EngineRun, Publication, PublicationSource, RunKind, RunState
from grappe.selection import services as selection
from grappe.selection.models import PortfolioRun
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import priced, ready, reviewed  # noqa: F401 - fixtures


def _affinity(call):
    run = EngineRun.objects.create(call=call, kind=RunKind.AFFINITY, parameters={"backend": "tfidf"})
    review.execute_affinity(run)
    run.refresh_from_db()
    assert run.state == RunState.DONE
    return run


def _assignment(call, **parameters):
    run = EngineRun.objects.create(
        call=call,
        kind=RunKind.ASSIGNMENT,
        parameters={"reviews_per_proposal": 1, "objective": "max-affinity", **parameters},
        seed=7,
    )
    review.execute_assignment(run)
    run.refresh_from_db()
    return run


@pytest.fixture
def runs(review_call, proposals, pool):
    affinity = _affinity(review_call)
    return affinity, _assignment(review_call)


def test_each_kind_of_run_is_reproduced_bit_for_bit(runs, review_call, ready, office):
    affinity, assignment = runs
    portfolio = selection.run_portfolio(review_call, {"budget": 150000}, actor=office)

    results = [
        replay.replay("affinity", affinity.pk),
        replay.replay("assignment", assignment.pk),
        replay.replay("portfolio", portfolio.pk),
    ]

    assert [r.reproduced for r in results] == [True, True, True]
    assert all(r.line.startswith("Reproduced bit for bit") and r.inputs_intact for r in results)
    assert assignment.pairs.count() == 3 and portfolio.result["funded"]
    assert AuditLog.objects.filter(action="core.replayed").count() == 3


def test_identical_inputs_are_stored_once(review_call, proposals, pool):
    first, second = _affinity(review_call), _affinity(review_call)

    assert first.inputs_id == second.inputs_id == first.inputs_hash
    assert StoredInput.objects.count() == 1
    stored = StoredInput.objects.get()
    assert stored.size > len(bytes(stored.data))  # compressed


def test_an_altered_stored_input_says_inputs_differ(runs):
    _affinity_run, assignment = runs
    stored = assignment.inputs
    payload = replay.load_inputs(stored).payload
    payload["forbidden"] = []  # someone edits the stored inputs behind the ledger's back
    payload["max_load"] = [[code, 3] for code, _load in payload["max_load"]]
    StoredInput.objects.filter(pk=stored.pk).update(data=zlib.compress(replay.canonical(payload)))

    result = replay.replay("assignment", assignment.pk)

    assert result.reproduced is False and result.inputs_intact is False
    assert result.line.startswith("Inputs differ")


def test_an_engine_change_shows_what_differs(runs, monkeypatch):
    import grappe.engine.assignment as engine

    _affinity_run, assignment = runs
    real = engine.assign_reviewers

    def changed(scores, **kwargs):  # a new engine that prefers the opposite of affinity
        return real(-scores, **kwargs)

    monkeypatch.setattr(engine, "assign_reviewers", changed)
    monkeypatch.setattr(replay, "engine_version", lambda: "9.9")

    result = replay.replay("assignment", assignment.pk)

    assert result.reproduced is False and result.inputs_intact is True
    assert "engine 9.9" in result.line and f"used engine {assignment.engine_version}" in result.line
    assert any("no longer proposed" in line for line in result.differences)
    assert any("newly proposed" in line for line in result.differences)


def test_an_affinity_engine_change_names_the_proposals_whose_experts_moved(runs, monkeypatch):
    import grappe.engine.affinity as engine

    affinity, _assignment_run = runs
    real = engine.compute_affinity

    def changed(documents, profiles, **kwargs):
        result = real(documents, profiles, **kwargs)
        result.scores[:] = result.scores[::-1].copy()  # every expert's scores given to another
        return result

    monkeypatch.setattr(engine, "compute_affinity", changed)

    result = replay.replay("affinity", affinity.pk)

    assert result.reproduced is False
    assert result.differences[0] == "Scores differ (their hash changed)."
    assert any("best experts were" in line for line in result.differences[1:])


def test_todays_data_are_compared_with_the_stored_inputs(runs, pool):
    affinity, _assignment_run = runs
    Publication.objects.create(
        person=pool[1].person, title="Diffusion models", year=2026, source=PublicationSource.MANUAL
    )

    result = replay.replay("affinity", affinity.pk)

    assert result.reproduced is True  # the replay reads the stored inputs, not today's records
    assert result.data_changes == [f"profiles: 1 changed ({pool[1].person.code})"]


def test_a_run_without_stored_inputs_cannot_be_replayed(runs):
    affinity, _assignment_run = runs
    StoredInput.objects.filter(created_at__lte=timezone.now()).update(created_at=timezone.now() - dt.timedelta(days=10))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.GRAPPE_INPUT_RETENTION_DAYS", 5, raising=False)
        assert replay.purge_inputs() >= 1

    result = replay.replay("affinity", affinity.pk)

    assert result.reproduced is None and result.line.startswith("Cannot replay")
    assert EngineRun.objects.get(pk=affinity.pk).inputs_hash  # the run keeps its hash


def test_an_infeasible_assignment_replays_as_infeasible(review_call, proposals, pool):
    _affinity(review_call)
    run = _assignment(review_call, reviews_per_proposal=3, max_load=1)

    assert run.state == RunState.FAILED and run.inputs_id
    assert replay.replay("assignment", run.pk).reproduced is True


def test_the_command_replays_every_run_and_fails_on_a_difference(runs, capsys, monkeypatch):
    affinity, assignment = runs

    call_command("replay", "--all")
    out = capsys.readouterr().out
    assert f"affinity:{affinity.pk}  Reproduced bit for bit" in out
    assert f"assignment:{assignment.pk}  Reproduced bit for bit" in out

    import grappe.engine.assignment as engine

    real = engine.assign_reviewers
    monkeypatch.setattr(engine, "assign_reviewers", lambda scores, **kw: real(-scores, **kw))
    with pytest.raises(CommandError, match="1 of 1 run"):
        call_command("replay", f"assignment:{assignment.pk}", "--details")
    assert "differs:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argument", "message"),
    [("nothing:1", "Unknown kind of run"), ("affinity:x", "give KIND:ID"), ("affinity:999999", "no such run")],
)
def test_the_command_refuses_bad_run_names_in_one_line(db, argument, message):
    with pytest.raises(CommandError, match=message):
        call_command("replay", argument)


def test_records_are_compared_by_their_identifier():
    then = [["A", 1], ["B", 2], ["C", 3]]
    now = [["A", 1], ["B", 5], ["D", 4]]

    assert replay.diff_records(then, now, name="rows") == [
        "rows: 1 added (D)",
        "rows: 1 removed (C)",
        "rows: 1 changed (B)",
    ]
    assert replay.diff_records([["r", "p", 1]], [["r", "p", 1], ["r", "q", 2]], name="pairs") == [
        "pairs: 1 added (r × q)"
    ]
    assert replay.diff_records(3, 3, name="x") == [] and replay.diff_records(3, 4, name="x") == ["x changed"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("office", 200), ("board", 404), ("reviewer", 404), ("applicant", 404), ("anonymous", 302)],
)
def test_only_the_office_replays_from_the_run_page(runs, as_persona, persona, status):
    _affinity_run, assignment = runs
    client = as_persona(persona)
    url = reverse("replay", args=["assignment", assignment.pk])

    response = client.post(url, {"next": reverse("review:run", args=[assignment.pk])})

    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Reproduced bit for bit" in page and "Today's records give the same inputs." in page
        run_page = client.get(reverse("review:run", args=[assignment.pk])).content.decode()
        assert url in run_page


@pytest.mark.parametrize("persona", ["board", "reviewer", "applicant", "outsider"])
@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "head"])
def test_whoever_may_not_replay_gets_404_whatever_the_method(runs, as_persona, persona, method):
    url = reverse("replay", args=["assignment", runs[1].pk])

    response = getattr(as_persona(persona), method)(url)

    assert response.status_code == 404


def test_unknown_runs_and_kinds_are_404(runs, as_persona):
    client = as_persona("office")

    assert client.post(reverse("replay", args=["assignment", 999999])).status_code == 404
    assert client.post(reverse("replay", args=["nothing", 1])).status_code == 404
    assert client.get(reverse("replay", args=["assignment", runs[1].pk])).status_code == 405
    assert client.get(reverse("replay", args=["assignment", 999999])).status_code == 404


def test_the_portfolio_page_offers_replay_to_the_office(review_call, ready, office, as_persona):
    run = selection.run_portfolio(review_call, {"budget": 150000}, actor=office)
    url = reverse("replay", args=["portfolio", run.pk])

    page = as_persona("office").get(reverse("selection:portfolio", args=[review_call.code]) + f"?run={run.pk}")

    assert url in page.content.decode()
    assert PortfolioRun.objects.get(pk=run.pk).inputs_id == run.inputs_hash


def test_a_run_of_engine_0_3_is_replayed_with_its_phrases(runs):
    """Engine 0.4 stops phrases at the end of a title or a keyword; a run made by 0.3 is replayed
    with 0.3's phrases, so its scores come back bit for bit."""
    from grappe.review.services import runs as review_runs

    affinity, _assignment = runs
    payload = replay.load_inputs(affinity.inputs).payload
    then = review_runs.affinity_outcome(
        payload, review_runs.affinity_from_inputs(payload, engine_version="0.3.0").scores
    )
    assert then["scores_digest"] != affinity.statistics["scores_digest"]  # 0.4 scores otherwise
    EngineRun.objects.filter(pk=affinity.pk).update(engine_version="0.3.0", statistics={**affinity.statistics, **then})

    result = replay.replay("affinity", affinity.pk)

    now = replay.engine_version()
    assert result.reproduced is True and f"engine {now} (the run used engine 0.3.0)" in result.line
    EngineRun.objects.filter(pk=affinity.pk).update(engine_version="0.4.0")
    assert replay.replay("affinity", affinity.pk).reproduced is False  # the same scores are not 0.4's


def test_a_run_of_engine_0_4_is_replayed_without_the_french_step(runs):
    """Engine 0.5 brings French texts into English terms; a 0.4 run is recomputed without it
    (``bilingual=False``), and its (English) scores come back bit for bit either way."""
    from grappe.review.services import runs as review_runs

    affinity, _assignment = runs
    payload = replay.load_inputs(affinity.inputs).payload
    as_0_4 = review_runs.affinity_from_inputs(payload, engine_version="0.4.0")
    assert as_0_4.parameters.get("french") is None
    assert review_runs.affinity_from_inputs(payload).parameters["french"]
    EngineRun.objects.filter(pk=affinity.pk).update(engine_version="0.4.0")
    result = replay.replay("affinity", affinity.pk)
    assert result.reproduced is True and "(the run used engine 0.4.0)" in result.line
    assert replay.engine_before("0.4.0", (0, 5)) and not replay.engine_before("0.5.0", (0, 5))
    assert not replay.engine_before("shortlist-1", (0, 5))


def test_a_changed_record_with_named_fields_says_which_fields_changed():
    then = [{"code": "A", "title": "x", "year": 2024}, {"code": "B", "title": "y", "year": 2025}]
    now = [{"code": "A", "title": "x", "year": 2024}, {"code": "B", "title": "z", "year": 2026}]

    assert replay.diff_records(then, now, name="proposals") == ["proposals: 1 changed (B: title, year)"]


def test_todays_data_are_named_in_french(runs, pool):
    from django.utils import translation

    affinity, _assignment_run = runs
    Publication.objects.create(person=pool[1].person, title="Diffusion", year=2026, source=PublicationSource.MANUAL)

    with translation.override("fr"):
        result = replay.replay("affinity", affinity.pk)

    assert result.data_changes[0].startswith("profils\u00a0: 1 ") and "profiles" not in result.data_changes[0]
    assert "moteur" in result.line and "the run" not in result.line


def test_the_command_notes_changed_data_without_details_and_in_french(runs, pool, capsys):
    affinity, _assignment_run = runs
    Publication.objects.create(person=pool[1].person, title="Diffusion", year=2026, source=PublicationSource.MANUAL)

    call_command("replay", f"affinity:{affinity.pk}")
    assert "today's data differ from the stored inputs (1 change; --details lists it)" in capsys.readouterr().out
    call_command("replay", f"affinity:{affinity.pk}", "--details", "--language", "fr")
    out = capsys.readouterr().out
    assert "profils\u00a0: 1" in out and "today's data" not in out and "profiles:" not in out


def test_the_version_is_worded_for_its_kind():
    assert replay._by("shortlist-1", "0.4.0") == "today's code for method shortlist-1, as the run used"
    assert replay._by("0.4.0", "0.4.0") == "engine 0.4.0, as the run"
    assert replay._by("0.3.0", "0.4.0") == "engine 0.4.0 (the run used engine 0.3.0)"
