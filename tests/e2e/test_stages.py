"""An applicant's letter of intent passes stage 1: the office computes the recommendation,
invites it and tells the teams; the applicant finds a full proposal in stage 2 with the data of
the letter carried over, and the page passes axe-core (serious, critical) at 1280 and 390 px."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from grappe.calls.models import Question, QuestionKind
from grappe.calls.services import apply_horizon_europe_preset
from grappe.review import services as review
from grappe.review.models import PoolMember, PoolState
from grappe.selection import services as selection
from grappe.stages import services
from grappe.stages.models import StageDecision
from grappe.submissions.models import Answer, ProposalState
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_submission import _login
from tests.e2e.test_walk import AXE, AXE_RUN
from tests.factories import CallFactory, PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("GRAPPE_SHOTS_DIR", str(SCREENSHOTS)))  # /tmp/shots-<branch> while developing


@pytest.fixture
def two_stages(office, applicant, university):
    stage1 = CallFactory(
        title_en="AI chairs — letters of intent",
        budget=Decimal("0.01"),
        closes_at=timezone.now() - dt.timedelta(days=5),
        opens_at=timezone.now() - dt.timedelta(days=40),
    )
    apply_horizon_europe_preset(stage1, actor=office)
    stage2 = CallFactory(
        programme=stage1.programme,
        title_en="AI chairs — full proposals",
        budget=Decimal("100000"),
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=40),
    )
    apply_horizon_europe_preset(stage2, actor=office)
    q1 = Question.objects.create(call=stage1, kind=QuestionKind.LONG_TEXT, label_fr="Résumé", label_en="Summary")
    Question.objects.create(call=stage2, kind=QuestionKind.LONG_TEXT, label_fr="Résumé", label_en="Summary")
    experts = [PersonFactory(), PersonFactory()]
    for person in experts:
        PoolMember.objects.create(call=stage1, person=person, state=PoolState.ACCEPTED, max_load=5)
    letters = []
    for index, score in enumerate(["4.5", "2.0"]):
        letter = ProposalFactory(
            call=stage1,
            title="Chair in trustworthy language models" if index == 0 else "A weaker letter",
            acronym="TRUSTLM" if index == 0 else "",
            lead=applicant.person if index == 0 else PersonFactory(),
            lead_organisation=university,
            requested_amount=Decimal("300000"),
            state=ProposalState.SUBMITTED,
            submitted_at=timezone.now() - dt.timedelta(days=6),
        )
        Answer.objects.create(
            proposal=letter, question=q1, value=f"Summary of letter {index}: audits of language models."
        )
        for person in experts:
            assignment = review.add_assignment(stage1, reviewer=person, proposal=letter, reason="t", actor=office)
            review.save_review(
                assignment,
                {f"score_{c.pk}": score for c in stage1.scheme.criteria.all()}
                | {"applicant_comment": "Clear.", "recommendation": "fund"},
                expected_version=1,
                submit=True,
                actor=office,
            )
        selection.save_consensus(
            letter,
            {f"score_{c.pk}": score for c in stage1.scheme.criteria.all()} | {"applicant_comment": "Agreed."},
            expected_version=1,
            approve=True,
            actor=office,
        )
        letters.append(letter)
    link = services.link_calls(stage1, stage2, actor=office)
    return link, letters


def _accessible(page):
    violations = page.evaluate(AXE_RUN)
    assert violations == [], violations


def test_an_invited_applicant_finds_its_letter_in_the_full_proposal(browser, live_server, two_stages):
    link, letters = two_stages
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="en-GB")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, "office@example.org")
    page.goto(f"/office/calls/{link.stage1.code}/stages/")
    page.get_by_role("button", name="Compute the recommendation").click()
    page.wait_for_selector("text=invite 1 letter of intent.")
    page.screenshot(path=str(SHOTS / "stages-office-1280.png"), full_page=True)
    _accessible(page)
    row = page.locator(f"#row-{letters[0].code}")
    row.get_by_role("button", name="Decide").click()
    page.wait_for_selector(f"#row-{letters[0].code} .tag-outcome-funded >> text=invited")
    page.locator(f"#row-{letters[1].code}").get_by_role("button", name="Decide").click()
    page.wait_for_selector(f"#row-{letters[1].code} >> text=not invited")
    page.get_by_role("button", name="Tell 2 teams (invitation or notice)").click()
    page.wait_for_selector("text=2 teams told")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "stages-office-390.png"), full_page=True)
    context.close()

    full = StageDecision.objects.get(proposal=letters[0]).full_proposal
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="en-GB")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    _login(page, "applicant@example.org")
    page.goto("/proposals/")
    page.get_by_role("link", name="Chair in trustworthy language models").first.click()
    page.wait_for_selector("#carried-from")
    if full.code not in page.url:  # the letter comes first: go to the full proposal from it
        page.get_by_role("link", name=f"Your full proposal {full.code}").click()
        page.wait_for_selector("#carried-from")
    assert full.code in page.url
    assert page.locator("h1").inner_text() == "TRUSTLM — Chair in trustworthy language models"
    assert "letter of intent" in page.locator("#carried-from").inner_text()
    assert page.get_by_label("Summary").input_value() == "Summary of letter 0: audits of language models."
    page.screenshot(path=str(SHOTS / "stages-full-proposal-1280.png"), full_page=True)
    _accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "stages-full-proposal-390.png"), full_page=True)
    _accessible(page)
    context.close()


def test_the_office_hears_invited_teams_on_stage_2(browser, live_server, two_stages, office):
    """The invited team's letter can no longer be withdrawn (it may decline instead); from the
    stage page the office goes to the stage-2 hearings, shortlists the best invited team (its full
    proposal still a draft), schedules and adopts its hearing."""
    from grappe.hearings import services as hearings
    from tests.hearings.conftest import setup_data

    link, letters = two_stages
    services.recommend_shortlist(link, actor=office)
    services.decide(letters[0], invited=True, expected_version=None, actor=office)
    services.decide(
        letters[1], invited=True, justification="A second team to hear.", expected_version=None, actor=office
    )
    services.send_notices(link, actor=office, notify=False)
    setup = hearings.setup_for(link.stage2)
    hearings.save_setup(link.stage2, setup_data(link.stage2), expected_version=setup.version, actor=office)
    for person in [PersonFactory(), PersonFactory()]:
        PoolMember.objects.create(call=link.stage2, person=person, state=PoolState.ACCEPTED, max_load=5)
        hearings.add_panel_member(link.stage2, person, actor=office)
    full = StageDecision.objects.get(proposal=letters[0]).full_proposal

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="en-GB")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, "applicant@example.org")
    page.goto(f"/proposals/{letters[0].code}/")
    assert page.locator("form[action$='/withdraw/']").count() == 0  # decided at stage 1: no withdrawal
    assert page.get_by_role("button", name="Decline the invitation to stage 2").is_visible()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="en-GB")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    _login(page, "office@example.org")
    page.goto(f"/office/calls/{link.stage1.code}/stages/")
    page.get_by_role("link", name="Stage 2 hearings").click()
    page.wait_for_selector("text=teams invited after the letters of intent")
    page.fill("input[name=count]", "1")
    page.locator("form:has(input[name=source])").get_by_role("button", name="Shortlist").click()
    page.wait_for_selector("text=1 proposals added to the shortlist")
    assert full.code in page.locator("#shortlist").inner_text() and "Draft" in page.locator("#shortlist").inner_text()
    page.get_by_role("button", name="Schedule automatically").click()
    page.wait_for_selector("text=Schedule computed")
    page.get_by_role("button", name="Adopt this schedule").click()
    page.wait_for_selector("text=1 hearings scheduled")
    _accessible(page)
    page.screenshot(path=str(SHOTS / "stages-hearings-1280.png"), full_page=True)
    context.close()
    assert full.hearing.starts_at is not None
