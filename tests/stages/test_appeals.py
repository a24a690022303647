"""Rebuttal (word limit, window, nothing lost) and redress (deadline after the letter, the
office's examination, the ledger)."""

import datetime as dt

import pytest
from django.utils import timezone

from grappe.core.services import ConcurrentEditError
from grappe.selection.models import Letter, LetterState
from grappe.stages import services
from grappe.stages.models import Rebuttal, RebuttalState, RedressRequest, RedressState

pytestmark = pytest.mark.django_db


def test_a_rebuttal_over_the_word_limit_is_kept_as_a_draft(window, reviewed, applicant):
    text = "word " * 11
    rebuttal, refusal = services.save_rebuttal(reviewed[0], text=text, send=True, expected_version=1, actor=applicant)
    assert "11 words, over the limit of 10" in refusal
    rebuttal.refresh_from_db()
    assert rebuttal.state == RebuttalState.DRAFT and rebuttal.text == text.strip()
    rebuttal, refusal = services.save_rebuttal(
        reviewed[0], text="We did run the ablation: see table 2.", send=True, expected_version=2, actor=applicant
    )
    assert refusal is None and rebuttal.state == RebuttalState.SUBMITTED
    with pytest.raises(services.StageError, match="no longer changes"):
        services.save_rebuttal(reviewed[0], text="more", send=False, expected_version=3, actor=applicant)


def test_a_rebuttal_outside_the_window_is_refused_and_kept(window, reviewed, applicant):
    later = window.rebuttal_closes_at + dt.timedelta(minutes=1)
    _rebuttal, refusal = services.save_rebuttal(
        reviewed[0], text="Too late but kept.", send=True, expected_version=1, actor=applicant, now=later
    )
    assert "window closed" in refusal and "kept as a draft" in refusal
    assert Rebuttal.objects.get(proposal=reviewed[0]).text == "Too late but kept."
    early = window.rebuttal_opens_at - dt.timedelta(minutes=1)
    _rebuttal, refusal = services.save_rebuttal(
        reviewed[0], text="Early.", send=True, expected_version=2, actor=applicant, now=early
    )
    assert "opens on" in refusal
    assert Rebuttal.objects.get(proposal=reviewed[0]).state == RebuttalState.DRAFT


def test_two_tabs_saving_a_rebuttal_get_the_version_conflict(window, reviewed, applicant):
    services.save_rebuttal(reviewed[0], text="first", send=False, expected_version=1, actor=applicant)
    with pytest.raises(ConcurrentEditError):
        services.save_rebuttal(reviewed[0], text="second", send=False, expected_version=1, actor=applicant)
    assert Rebuttal.objects.get(proposal=reviewed[0]).text == "first"


def test_no_rebuttal_without_a_window(reviewed, applicant):
    with pytest.raises(services.StageError, match="no rebuttal"):
        services.save_rebuttal(reviewed[0], text="x", send=False, expected_version=1, actor=applicant)


def _letter(proposal, sent_at):
    return Letter.objects.create(
        proposal=proposal,
        outcome="rejected",
        language="en",
        recipients=["a@example.org"],
        subject="s",
        body="b",
        state=LetterState.SENT,
        sent_at=sent_at,
    )


def test_redress_within_the_deadline_then_examined(decided, window, applicant, office):
    proposal = decided[0]
    with pytest.raises(services.StageError, match="none was sent"):
        services.file_redress(proposal, grounds="A reviewer had a conflict of interest.", actor=applicant)
    _letter(proposal, timezone.now() - dt.timedelta(days=3))
    with pytest.raises(services.StageError, match="20 characters"):
        services.file_redress(proposal, grounds="too short", actor=applicant)
    request = services.file_redress(proposal, grounds="A reviewer had a conflict of interest.", actor=applicant)
    with pytest.raises(services.StageError, match="already filed"):
        services.file_redress(proposal, grounds="A reviewer had a conflict of interest.", actor=applicant)
    with pytest.raises(services.StageError, match="10 characters"):
        services.examine_redress(
            request, outcome=RedressState.REJECTED, examination="no", expected_version=1, actor=office
        )
    request = services.examine_redress(
        request,
        outcome=RedressState.REJECTED,
        examination="The declared conflict was with another proposal.",
        expected_version=1,
        actor=office,
    )
    assert request.state == RedressState.REJECTED and request.examined_by == office


def test_redress_after_the_deadline_is_refused_with_the_date(decided, window, applicant):
    proposal = decided[0]
    _letter(proposal, timezone.now() - dt.timedelta(days=16))
    with pytest.raises(services.StageError, match="it has passed"):
        services.file_redress(proposal, grounds="A reviewer had a conflict of interest.", actor=applicant)
    assert not RedressRequest.objects.exists()
