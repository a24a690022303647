"""A partner contact publishes a challenge and sends a contact request to a suggested
researcher, who accepts it; an opted-out researcher is never suggested; another partner's
contact gets 404 on the challenge's requests."""

import datetime as dt

import pytest
from django.utils import timezone

from grappe.partners.models import Challenge, ContactRequest
from tests.e2e.test_submission import _login
from tests.partners.conftest import (  # noqa: F401 - fixtures
    CHALLENGE_TEXT,
    other_partner_contact,
    relation,
    researcher,
    shy,
)
from tests.partners.conftest import challenge as published_challenge  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_challenge_to_accepted_request(english, partner_contact, company, reviewer, shot, request):
    relation_, researcher_, shy_ = (request.getfixturevalue(n) for n in ("relation", "researcher", "shy"))
    rival_contact = request.getfixturevalue("other_partner_contact")
    assert relation_.organisation == company
    page = english()
    _login(page, partner_contact.email)
    page.get_by_role("link", name="Partner portal").click()
    page.get_by_role("link", name="Publish a challenge").click()
    page.fill("#id_title", "Federated medical imaging")
    page.fill("#id_text", CHALLENGE_TEXT)
    page.select_option("#id_language", "en")
    page.select_option("#id_collaboration", "phd")
    page.fill("#id_end_date", (timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.fill("#id_keyword_names", "federated learning, medical imaging")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector("text=Researchers suggested by the engine")
    challenge = Challenge.objects.get()
    rows = page.locator("[data-researcher]")
    assert rows.count() == 1 and researcher_.full_name in rows.first.inner_text()
    assert shy_.full_name not in page.content()  # never opted in
    assert "Shared terms" in rows.first.inner_text()
    shot(page, "partners-challenge-1280")
    rows.first.get_by_text("Send a contact request").click()
    rows.first.locator("textarea").fill("Would you co-supervise a PhD on this?")
    rows.first.get_by_role("button", name="Send").click()
    page.wait_for_selector("text=Contact request sent.")

    rival = english()
    _login(rival, rival_contact.email)
    response = rival.goto(f"/challenges/{challenge.code}/requests/")
    assert response.status == 404

    other = english()
    _login(other, reviewer.email)
    other.goto("/matchmaking/")
    other.get_by_role("link", name=challenge.title).click()
    other.get_by_label("Accept").check()
    other.get_by_role("button", name="Send the answer").click()
    other.wait_for_selector("text=Answer sent.")
    assert ContactRequest.objects.get().state == "accepted"


def test_contact_edits_then_closes_a_challenge_on_a_phone(
    browser, live_server, partner_contact, reviewer, shot, request
):
    """At 390 px: the partner contact edits the challenge (suggested again), then closes it; the
    researcher no longer finds it among the open challenges."""
    challenge = request.getfixturevalue("published_challenge")
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    _login(page, partner_contact.email)
    page.goto(f"/challenges/{challenge.code}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.fill("#id_title", "Federated imaging across hospitals")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Challenge saved.")
    assert page.locator("h1").inner_text() == "Federated imaging across hospitals"
    page.get_by_text("Close the challenge").click()
    shot(page, "partners-close-390")
    page.get_by_role("button", name="Close it now").click()
    page.wait_for_selector("text=Challenge closed")
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
    challenge.refresh_from_db()
    assert challenge.closed_at is not None and challenge.version == 3
    page.goto(f"/partner/{challenge.organisation.code}/")
    assert page.locator("#events").is_visible()
    shot(page, "partners-portal-390")
    context.close()

    researcher_page = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    _login(researcher_page, reviewer.email)
    researcher_page.goto("/challenges/")
    assert "Federated imaging across hospitals" not in researcher_page.content()
    assert researcher_page.goto(f"/challenges/{challenge.code}/").status == 404
