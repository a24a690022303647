"""Training in the browser: a visitor joins the waiting list of a full session and is promoted when
someone cancels; an organiser imports a sign-in sheet and the completer's certificate appears."""

import re

import pytest
from django.core import mail

from grappe.training import services
from grappe.training.models import Registration, RegistrationState
from tests.e2e.test_submission import _login
from tests.factories import UserFactory
from tests.training.conftest import held, make_programme, make_session, xlsx

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_visitor_waits_then_is_promoted(page, university, shot, browser, live_server):
    session = make_session(make_programme(university), capacity=1)
    holder = UserFactory()
    taken = services.register_person(session, holder.person, email=holder.email, actor=holder)

    page.goto("/training/?kind=master")
    shot(page, "training-catalogue-1280")
    page.locator(".session-list a").first.click()
    page.wait_for_selector("text=liste d'attente")
    page.fill("#id_first_name", "Ada")
    page.fill("#id_last_name", "Lovelace")
    page.fill("#id_email", "ada@example.org")
    page.fill("#id_organisation", "Analytical Engines SAS")
    shot(page, "training-session-1280")
    page.get_by_role("button", name=re.compile("attente")).click()
    page.wait_for_selector("text=Vérifiez votre boîte")
    page.goto(re.search(r"(/training/registrations/\S+/confirm/)", mail.outbox[-1].body).group(1))
    page.get_by_role("button").filter(has_text="Confirmer").click()
    page.wait_for_selector("text=Position sur la liste d'attente : 1")
    shot(page, "training-registration-1280")
    assert Registration.objects.get(email="ada@example.org").state == RegistrationState.WAITING

    services.cancel(taken, actor=holder)

    page.reload()
    page.wait_for_selector("text=Inscrit")
    assert Registration.objects.get(email="ada@example.org").state == RegistrationState.CONFIRMED
    promoted = [m for m in mail.outbox if m.to == ["ada@example.org"]][-1]
    assert promoted.attachments[0][0] == "session.ics"
    narrow = browser.new_context(viewport={"width": 390, "height": 800}, base_url=live_server.url, locale="fr-FR")
    small = narrow.new_page()
    small.goto(f"/training/sessions/{session.code}/")
    shot(small, "training-session-390")
    small.goto("/training/")
    shot(small, "training-catalogue-390")
    narrow.close()
    assert page.console_errors == []


def test_organiser_imports_sheet_and_certificate_appears(english, institution_contact, university, shot, tmp_path):
    session = make_session(make_programme(university, aware_min_hours=1, trained_min_hours=3), capacity=5)
    learners = [UserFactory(), UserFactory()]
    for user in learners:
        services.register_person(session, user.person, email=user.email, actor=user)
    held(session)  # the session took place: attendance can be recorded
    sheet = tmp_path / "emargement.xlsx"
    sheet.write_bytes(xlsx([["Email", "Present"], [learners[0].email, "x"], [learners[1].email, "absent"]]))

    page = english()
    _login(page, institution_contact.email)
    page.goto(f"/training/sessions/{session.code}/organise/")
    page.set_input_files("#id_sheet", str(sheet))
    page.get_by_role("button", name="Preview the changes").click()
    page.wait_for_selector("text=2 attendances will change")
    shot(page, "training-sheet-preview-1280")
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_selector("text=Sign-in sheet applied: 2 attendances changed")
    certificate = page.locator("a.cert-link")
    assert certificate.count() == 1
    shot(page, "training-organise-1280")
    page.set_viewport_size({"width": 390, "height": 800})
    shot(page, "training-organise-390")

    with page.expect_download() as download:
        certificate.click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
