"""The office schedules hearings automatically with one panel member away for a morning and adopts
the schedule; an expert signs the call's declaration and sees their honoraria."""

import os
import re
from pathlib import Path

import pytest

from grappe.hearings import services
from grappe.hearings.models import Declaration, Hearing, PanelMember
from grappe.review import services as review
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_submission import _login
from tests.e2e.test_walk import AXE, AXE_RUN, OVERFLOW
from tests.hearings.conftest import hearing_call, setup_data  # noqa: F401 - fixtures
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("GRAPPE_SHOTS", str(SCREENSHOTS)))


def _shoot(browser, live_server, path, name, login=None):
    """Screenshots at 1280 and 390 px; axe-core finds no serious violation; nothing overflows."""
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, base_url=live_server.url, locale="en-GB"
        )
        context.add_init_script(path=str(AXE))
        context.set_default_timeout(120_000)
        page = context.new_page()
        if login:
            _login(page, login)
        page.goto(path)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate(AXE_RUN) == []
        if width == 390:
            assert page.evaluate(OVERFLOW)["wide"] == []
        context.close()


def test_office_schedules_hearings_around_a_member_away_for_a_morning(
    english,
    hearing_call,  # noqa: F811 - fixture
    office,
    pool,  # noqa: F811 - fixture
    browser,
    live_server,
):
    page = english()
    page.set_default_timeout(120_000)  # the shared machine is slow at times
    _login(page, "office@example.org")
    page.goto(f"/office/calls/{hearing_call.code}/hearings/")
    away = pool[0].person
    page.locator("details.panel-member", has_text=away.full_name).locator("summary").click()
    first_morning = services.half_days(services.setup_for(hearing_call))[0]
    page.locator("details.panel-member", has_text=away.full_name).locator("input[type=checkbox]").first.check()
    page.locator("details.panel-member", has_text=away.full_name).get_by_role(
        "button", name="Save availability"
    ).click()
    page.wait_for_selector("text=Availability of")
    assert PanelMember.objects.get(person=away, call=hearing_call).unavailable == [first_morning[0]]
    page.get_by_role("button", name="Schedule automatically").click()
    page.wait_for_selector("text=Schedule computed")
    assert page.locator("#runs table tbody tr").count() == 3
    page.get_by_role("button", name="Adopt this schedule").click()
    page.wait_for_selector("text=3 hearings scheduled")
    setup = services.setup_for(hearing_call)
    hearings = list(Hearing.objects.filter(call=hearing_call).prefetch_related("panel"))
    assert all(h.starts_at for h in hearings)
    for h in hearings:
        if services.half_day_of(h.starts_at, setup) == first_morning[0]:
            assert away not in h.panel.all()
    page.get_by_role("button", name=re.compile("Send 3 invitations")).click()
    page.wait_for_selector("text=3 invitations sent")
    assert page.console_errors == []
    _shoot(
        browser,
        live_server,
        f"/office/calls/{hearing_call.code}/hearings/?run=1",
        "hearings-desk",
        "office@example.org",
    )
    _shoot(browser, live_server, f"/hearings/{hearings[0].pk}/", "hearing-team", "applicant@example.org")


def test_expert_signs_the_declaration_and_sees_their_honoraria(
    english,
    hearing_call,  # noqa: F811 - fixture
    office,
    reviewer,
    proposals,  # noqa: F811 - fixture
    browser,
    live_server,
):
    page = english()
    page.set_default_timeout(120_000)  # the shared machine is slow at times
    services.save_setup(
        hearing_call,
        setup_data(hearing_call, contracts="on"),
        expected_version=services.setup_for(hearing_call).version,
        actor=office,
    )
    assignment = review.add_assignment(
        hearing_call, reviewer=reviewer.person, proposal=proposals[1], reason="t", actor=office
    )
    _login(page, "reviewer@example.org")
    page.goto(f"/reviews/{assignment.pk}/")  # reading first: sent to the declaration
    page.wait_for_selector("text=Confidentiality and no-conflict declaration")
    assert proposals[1].title not in page.content()
    page.get_by_label("I have read this declaration and I sign it.").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    page.wait_for_selector("text=Declaration signed")
    signed = Declaration.objects.get(call=hearing_call, person=reviewer.person)
    assert signed.ip == "127.0.0.1" and signed.text_version == services.DECLARATION_VERSION
    review.confirm_assignment(assignment, actor=reviewer)
    review.save_review(
        assignment,
        {f"score_{c.pk}": "4.0" for c in hearing_call.scheme.criteria.all()}
        | {"applicant_comment": "ok", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=reviewer,
    )
    page.goto("/experts/")
    row = page.locator("tr", has_text=hearing_call.title_en)
    assert "150.00" in row.inner_text() and "signed on" in row.inner_text()
    page.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 180")
    page.fill("#id_bic", "BNPAFRPP")
    page.fill("#id_address", "1 rue de la Paix\n75002 Paris")
    page.get_by_role("button", name="Save my payment details").click()
    page.wait_for_selector("text=This IBAN is not valid")
    assert page.input_value("#id_address").startswith("1 rue de la Paix")  # nothing lost
    page.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Save my payment details").click()
    page.wait_for_selector("text=Your payment details are saved")
    assert page.console_errors == []
    _shoot(browser, live_server, "/experts/", "expert", "reviewer@example.org")
    _shoot(
        browser, live_server, f"/experts/calls/{hearing_call.code}/declaration/", "declaration", "reviewer@example.org"
    )
    _shoot(browser, live_server, f"/office/calls/{hearing_call.code}/honoraria/", "honoraria", "office@example.org")
