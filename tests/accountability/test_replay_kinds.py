# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""Replay (issue 19) of the kinds kept as runs later: conflict detection, the ranking with its
calibration, matchmaking runs and the annual report's indicators. Each is reproduced bit for bit;
an altered stored input says "Inputs differ"; a changed engine shows what differs."""

import zlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from grappe.core import replay
from grappe.core.models import StoredInput
from grappe.partners import services as partners
from grappe.partners.models import IndexKind, MatchingIndex, SuggestionRun
from grappe.reporting import services as reporting
from grappe.reporting.models import AnnualReport
from grappe.review import services as review
from grappe.review.models import EngineRun, RunKind
from grappe.selection import ranking_store
from grappe.selection import services as selection
from grappe.selection.models import Decision, RankingRun
from grappe.submissions.models import ProposalState
from tests.factories import AffiliationFactory, CallFactory, ProgrammeFactory, ProposalFactory
from tests.partners.conftest import _media, challenge, relation, researcher, shy  # noqa: F401 - fixtures
from tests.reporting.conftest import at
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures
from tests.selection.conftest import priced, ready, reviewed  # noqa: F401 - fixtures


def _alter(stored, change):
    """Someone edits stored inputs behind the ledger's back."""
    payload = replay.load_inputs(stored).payload
    change(payload)
    StoredInput.objects.filter(pk=stored.pk).update(data=zlib.compress(replay.canonical(payload)))


def _new_engine(monkeypatch):
    monkeypatch.setattr(replay, "engine_version", lambda: "9.9")


# --- conflict detection ------------------------------------------------------------------------


@pytest.fixture
def conflicts_run(review_call, proposals, pool, university, office):
    AffiliationFactory(person=pool[1].person, organisation=university)  # every proposal's lead organisation
    assert review.compute_conflicts(review_call, actor=office) == 3
    return EngineRun.objects.get(call=review_call, kind=RunKind.CONFLICTS)


def test_conflict_detection_is_kept_and_reproduced(conflicts_run, pool):
    assert conflicts_run.inputs_id == conflicts_run.inputs_hash and conflicts_run.state == "done"
    assert [pair[0] for pair in conflicts_run.statistics["pairs"]] == [pool[1].person.code] * 3

    result = replay.replay("conflicts", conflicts_run.pk)

    assert result.reproduced is True and result.line.startswith("Reproduced bit for bit")
    assert result.data_changes == []


def test_conflict_detection_altered_inputs_differ(conflicts_run):
    _alter(conflicts_run.inputs, lambda payload: [expert.update(affiliations=[]) for expert in payload["experts"]])

    result = replay.replay("conflicts", conflicts_run.pk)

    assert result.reproduced is False and result.inputs_intact is False
    assert result.line.startswith("Inputs differ")


def test_conflict_detection_engine_change_names_the_pairs(conflicts_run, monkeypatch, pool, review_call):
    from grappe.review.services import conflicts

    real = conflicts.conflicts_from_inputs

    def changed(payload):  # a new detection that no longer counts affiliations
        return [found for found in real(payload) if not found[2][0].startswith("affiliation")]

    monkeypatch.setattr(conflicts, "conflicts_from_inputs", changed)
    _new_engine(monkeypatch)

    result = replay.replay("conflicts", conflicts_run.pk)

    assert result.reproduced is False and "engine 9.9" in result.line
    assert result.differences[0].startswith(f"3 conflict(s) no longer found: {pool[1].person.code} × ")


def test_conflict_detection_sees_todays_data_differ(conflicts_run, pool, university):
    AffiliationFactory(person=pool[2].person, organisation=university)

    result = replay.replay("conflicts", conflicts_run.pk)

    assert result.reproduced is True
    assert result.data_changes == [f"experts: 1 changed ({pool[2].person.code}: affiliations)"]


# --- the ranking and its calibration ---------------------------------------------------------------


@pytest.fixture
def ranking_run(review_call, ready):
    items = selection.ranking(review_call)
    run = RankingRun.objects.get(call=review_call)
    assert run.result["order"] == [row.proposal.code for row in items]  # what the office saw
    calibrated = {row.proposal.code: row.calibrated for row in items}
    assert {code: round(value, 2) for code, value in run.result["calibrated"].items()} == calibrated
    return run


def test_the_ranking_is_kept_once_per_inputs_and_reproduced(ranking_run, review_call):
    selection.ranking(review_call)  # the same data: the same run
    assert RankingRun.objects.count() == 1

    result = replay.replay("ranking", ranking_run.pk)

    assert result.reproduced is True and result.line.startswith("Reproduced bit for bit")
    assert result.data_changes == []


def test_a_decision_keeps_the_ranking_it_was_taken_on(ranking_run, review_call, ready, office):
    ranking_store.invalidate(review_call.pk)
    selection.record_decision(
        ready[0],
        outcome="reserve",
        amount=None,
        reserve_rank=1,
        justification="Reserve.",
        expected_version=None,
        actor=office,
    )
    assert Decision.objects.get(proposal=ready[0]).ranking_run == ranking_run


def test_the_ranking_altered_inputs_differ(ranking_run):
    _alter(ranking_run.inputs, lambda payload: payload["reviews"][0].__setitem__(2, 1.0))

    result = replay.replay("ranking", ranking_run.pk)

    assert result.reproduced is False and result.line.startswith("Inputs differ")


def test_the_ranking_engine_change_shows_ranks_and_calibration(ranking_run, monkeypatch):
    import grappe.engine.calibration as engine
    from grappe.selection import ranking_runs

    real = engine.calibrate

    def severe(*args, **kwargs):  # a new calibration twice as harsh on lenient reviewers
        result = real(*args, **kwargs)
        return type(result)(result.leniency * 2, result.raw, result.calibrated, result.mean)

    real_key = ranking_runs.ranking_outcome

    def reversed_ranks(payload):  # and a new ranking rule that reverses the order
        outcome = real_key(payload)
        return {**outcome, "order": outcome["order"][::-1]}

    monkeypatch.setattr(engine, "calibrate", severe)
    monkeypatch.setitem(
        replay.REPLAYERS,
        "ranking",
        replay.REPLAYERS["ranking"].__class__(**{**replay.REPLAYERS["ranking"].__dict__, "recompute": reversed_ranks}),
    )
    _new_engine(monkeypatch)

    result = replay.replay("ranking", ranking_run.pk)

    assert result.reproduced is False and "engine 9.9" in result.line
    first, last = ranking_run.result["order"][0], ranking_run.result["order"][-1]
    assert f"{first}: ranked 1, now {len(ranking_run.result['order'])}" in result.differences
    assert any(line.startswith(f"{last}: ranked") for line in result.differences)
    assert any(line.startswith("Reviewers' leniency differ") for line in result.differences)


def test_the_ranking_sees_todays_scores_differ(ranking_run, ready):
    from grappe.selection.models import Consensus

    consensus = Consensus.objects.get(proposal=ready[0])
    consensus.scores = dict.fromkeys(consensus.scores, "1.0")
    consensus.save()

    result = replay.replay("ranking", ranking_run.pk)

    assert result.reproduced is True
    assert result.data_changes == [f"proposals: 1 changed ({ready[0].code})"]


# --- matchmaking ---------------------------------------------------------------------------------


def test_a_challenge_run_is_reproduced_from_the_index_profiles(challenge, researcher):
    run = SuggestionRun.objects.get(challenge=challenge)
    index = MatchingIndex.objects.get(kind=IndexKind.RESEARCHERS)
    assert run.inputs_id and index.inputs_id
    assert replay.load_inputs(run.inputs).payload["sides"]["researchers"]["profiles"] == {
        "stored_input": index.inputs_id
    }  # the profiles are stored once, with the index
    assert run.ranked["researchers"][0][0] == researcher.code

    result = replay.replay("matchmaking", run.pk)

    assert result.reproduced is True and result.line.startswith("Reproduced bit for bit")
    assert result.data_changes == []


def test_a_challenge_run_with_altered_index_profiles_says_inputs_differ(challenge):
    run = SuggestionRun.objects.get(challenge=challenge)
    index = MatchingIndex.objects.get(kind=IndexKind.RESEARCHERS)
    _alter(index.inputs, lambda profiles: profiles.pop())

    result = replay.replay("matchmaking", run.pk)

    assert result.reproduced is False and result.line.startswith("Inputs differ")


def test_researcher_and_draft_runs_are_reproduced_and_an_engine_change_shows(
    challenge, researcher, reviewer, applicant, monkeypatch
):
    import grappe.engine.matching as engine

    mine = partners.suggest_for_researcher(researcher, user=reviewer, seed=1)
    draft = ProposalFactory(lead=applicant.person, title="Federated learning for tumour imaging")
    theirs = partners.suggest_partners_for_proposal(draft, actor=applicant, seed=1)
    assert mine.ranked["challenges"][0][0] == challenge.code
    assert [replay.replay("matchmaking", run.pk).reproduced for run in (mine, theirs)] == [True, True]

    real = engine.ranked

    def halved(result, *args, **kwargs):
        return [
            type(m)(m.profile, m.score / 2, m.terms, m.document_id, m.document_title)
            for m in real(result, *args, **kwargs)
        ]

    monkeypatch.setattr(engine, "ranked", halved)
    _new_engine(monkeypatch)

    result = replay.replay("matchmaking", mine.pk)

    assert result.reproduced is False and "engine 9.9" in result.line
    assert result.differences[0].startswith("challenges: scores differ by up to")


def test_a_matchmaking_run_sees_a_withdrawn_consent_in_todays_data(challenge, researcher, reviewer):
    run = SuggestionRun.objects.get(challenge=challenge)
    partners.set_consent(researcher, opted_in=False, actor=reviewer)

    result = replay.replay("matchmaking", run.pk)

    assert result.reproduced is True
    assert result.data_changes == [f"sides.researchers.profiles: 1 removed ({researcher.code})"]


# --- indicators (the annual report's snapshot) -----------------------------------------------------------


@pytest.fixture
def report(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    programme = ProgrammeFactory(start_year=2024, end_year=2028, total_amount=Decimal("5000000"))
    call = CallFactory(programme=programme)
    when = at(2026, 3, 2)
    for _n in range(2):
        ProposalFactory(call=call, state=ProposalState.SUBMITTED, submitted_at=when)
    made = AnnualReport.objects.create(programme=programme, year=2026, language="en")
    assert reporting.build_report(made.pk, as_of=at(2026, 6, 1))
    made.refresh_from_db()
    return made


def test_the_indicators_are_reproduced_from_the_counted_records(report):
    figures = {f["code"]: f for f in report.figures}
    assert figures["CAL-1"]["value"] == "2" and report.inputs_id and report.engine_version

    result = replay.replay("indicators", report.pk)

    assert result.reproduced is True and result.line.startswith("Reproduced bit for bit")
    assert result.data_changes == []


def test_the_indicators_altered_inputs_differ(report):
    def drop_one(payload):
        (submitted,) = [item for item in payload["indicators"] if item["code"] == "CAL-1"]
        submitted["computed"]["year"]["ids"].pop()

    _alter(report.inputs, drop_one)

    result = replay.replay("indicators", report.pk)

    assert result.reproduced is False and result.line.startswith("Inputs differ")


def test_the_indicators_engine_change_shows_the_amounts(report, monkeypatch):
    from grappe.reporting import queries

    real = queries._window_value
    monkeypatch.setattr(queries, "_window_value", lambda read: real(read) + 1)
    _new_engine(monkeypatch)

    result = replay.replay("indicators", report.pk)

    assert result.reproduced is False and "engine 9.9" in result.line
    assert "CAL-1, value: 2 then, 3 now" in result.differences


def test_the_indicators_see_todays_records_differ(report):
    call = report.programme.calls.get()
    ProposalFactory(call=call, state=ProposalState.SUBMITTED, submitted_at=at(2026, 4, 1))

    result = replay.replay("indicators", report.pk)

    assert result.reproduced is True
    assert result.data_changes[0].startswith("indicators: ") and "CAL-1" in result.data_changes[0]


# --- the command and the office's Replay action -----------------------------------------------------------


def test_the_command_replays_every_new_kind(ranking_run, report, review_call, office, capsys):
    review.compute_conflicts(review_call, actor=office)
    call_command("replay", "--all")
    lines = capsys.readouterr().out.splitlines()
    kinds = {line.split(":")[0] for line in lines}
    assert {"conflicts", "ranking", "indicators"} <= kinds
    assert all("Reproduced bit for bit" in line for line in lines)


@pytest.mark.parametrize("kind", ["conflicts", "ranking", "indicators"])
def test_the_office_replays_and_others_get_404(kind, as_persona, request):
    run = request.getfixturevalue(
        {"conflicts": "conflicts_run", "ranking": "ranking_run", "indicators": "report"}[kind]
    )
    url = reverse("replay", args=[kind, run.pk])

    page = as_persona("office").post(url)
    assert page.status_code == 200 and "Reproduced bit for bit" in page.content.decode()
    assert as_persona("board").post(url).status_code == 404


def test_anonymising_a_call_forgets_its_drafts_matchmaking_inputs(challenge, applicant, company):
    from grappe.privacy.services import drop_run_inputs

    draft = ProposalFactory(lead=applicant.person, title="Federated learning for tumour imaging")
    run = partners.suggest_partners_for_proposal(draft, actor=applicant, seed=1)
    kept = SuggestionRun.objects.get(challenge=challenge)

    drop_run_inputs({draft.call_id})

    run.refresh_from_db()
    kept.refresh_from_db()
    assert run.inputs is None and kept.inputs_id  # the challenge's run copies no proposal text
    assert replay.replay("matchmaking", run.pk).line.startswith("Cannot replay")


def test_the_matchmaking_replay_button_is_visible_to_the_office_outside_the_run_ledger(
    as_persona, challenge, researcher
):
    from django.urls import reverse

    run = SuggestionRun.objects.get(challenge=challenge)
    url = reverse("partners:challenge", args=[challenge.code])

    page = as_persona("office").get(url).content.decode()
    partner = as_persona("partner_contact").get(url).content.decode()

    start = page.index(f'id="replay-run-{run.pk}"')
    assert reverse("replay", args=["matchmaking", run.pk]) in page[start : page.index("</div>", start)]
    assert page.rindex("</details>", 0, start) > page.rindex("<details", 0, start)  # not inside the ledger
    assert "replay-run-" not in partner
