"""Sign-in with SAML 2.0 against a real IdP (pysaml2, signing with xmlsec1) started by the tests."""

import base64
import datetime as dt

import pytest
from freezegun import freeze_time

from grappe.people.models import User
from grappe.sso.models import Identity, PendingRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADA = {
    "mail": ["ada@univ-test.example"],
    "givenName": ["Ada"],
    "sn": ["Lovelace"],
    "eduPersonPrincipalName": ["ada@univ-test.example"],
}


def ask_idp(client):
    start = client.get("/sso/saml/login/")
    assert start.status_code == 302, start.content
    return start["Location"]


def post_answer(client, saml_response):
    return client.post("/sso/saml/acs/", {"SAMLResponse": saml_response})


def sign_in(client, saml_idp, attributes=ADA):
    answer = post_answer(client, saml_idp.answer(ask_idp(client), attributes=attributes))
    assert answer.status_code == 302, answer.content
    return client.get(answer["Location"])


def logged_in_as(client):
    response = client.get("/accounts/profile/")
    return response.context["user"].email if response.status_code == 200 else None


def test_sign_in_creates_the_account_then_opens_it_again(saml_idp, client, browser_client):
    response = sign_in(client, saml_idp)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get()
    assert user.email == "ada@univ-test.example" and user.email_verified_at is not None
    assert Identity.objects.get().subject.endswith("!ada@univ-test.example")
    assert logged_in_as(client) == "ada@univ-test.example"
    sign_in(browser_client, saml_idp)
    assert User.objects.count() == 1 and logged_in_as(browser_client) == "ada@univ-test.example"


def test_the_institution_email_links_the_existing_account(saml_idp, client):
    existing = UserFactory(person__email="ada@univ-test.example", email_verified_at="2025-01-01T00:00:00Z")
    sign_in(client, saml_idp)
    assert Identity.objects.get().user == existing and User.objects.count() == 1


def test_an_unverified_institution_email_does_not_take_over(saml_idp, sso_settings, client):
    sso_settings.GRAPPE_SSO_PROVIDERS["saml"]["email_verified"] = False
    UserFactory(person__email="ada@univ-test.example")
    assert sign_in(client, saml_idp).status_code == 403
    assert not Identity.objects.exists() and logged_in_as(client) is None


def test_a_tampered_answer_fails_its_signature(saml_idp, client):
    xml = base64.b64decode(saml_idp.answer(ask_idp(client), attributes=ADA)).decode()
    forged = xml.replace("ada@univ-test.example", "mallory@univ-test.example")
    response = post_answer(client, base64.b64encode(forged.encode()).decode())
    assert response.status_code == 400
    assert not User.objects.exists() and logged_in_as(client) is None


def test_an_answer_signed_by_another_key_is_refused(saml_idp, client, tmp_path):
    from tests.sso.saml_idp import SamlIdp

    impostor = SamlIdp(tmp_path)  # same entity id, its own key, which the SP does not trust
    impostor.attach(_sp_metadata())
    response = post_answer(client, impostor.answer(ask_idp(client), attributes=ADA))
    assert response.status_code == 400
    assert not User.objects.exists()


def _sp_metadata():
    from grappe.sso import saml
    from grappe.sso.providers import get

    return saml.metadata_xml(get("saml")).decode()


def test_an_expired_answer_is_refused(saml_idp, client):
    location = ask_idp(client)
    with freeze_time(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)):
        stale = saml_idp.answer(location, attributes=ADA)
    assert post_answer(client, stale).status_code == 400
    assert not User.objects.exists()


def test_a_replayed_answer_is_refused(saml_idp, client, browser_client):
    answer = saml_idp.answer(ask_idp(client), attributes=ADA)
    first = post_answer(client, answer)
    assert first.status_code == 302
    assert post_answer(browser_client, answer).status_code == 400  # the request was answered already
    assert client.get(first["Location"]).status_code == 302
    client.logout()
    assert client.get(first["Location"]).status_code == 400  # the verified answer is used once
    assert logged_in_as(browser_client) is None


def test_a_replayed_assertion_is_refused_even_for_a_new_request(saml_idp, client):
    location = ask_idp(client)
    answer = saml_idp.answer(location, attributes=ADA)
    assert post_answer(client, answer).status_code == 302
    request_id = PendingRequest.objects.model  # the request is gone; bring it back as an attacker cannot
    xml = base64.b64decode(answer).decode()
    in_response_to = xml.split('InResponseTo="', 1)[1].split('"', 1)[0]
    request_id.objects.create(request_id=in_response_to)
    assert post_answer(client, answer).status_code == 400  # the assertion id was recorded


def test_an_unsolicited_answer_is_refused(saml_idp, client, browser_client):
    answer = saml_idp.answer(ask_idp(browser_client), attributes=ADA)
    PendingRequest.objects.all().delete()
    assert post_answer(client, answer).status_code == 400


def test_an_answer_finished_in_another_browser_is_refused(saml_idp, client, browser_client):
    first = post_answer(client, saml_idp.answer(ask_idp(client), attributes=ADA))
    assert browser_client.get(first["Location"]).status_code == 400
    assert logged_in_as(browser_client) is None


@pytest.mark.parametrize(
    "garbage", ["", "not base64 !", base64.b64encode(b"<x>").decode(), "PD94bWwgdmVyc2lvbj0iMS4wIj8+"]
)
def test_garbage_is_refused_without_a_crash(saml_idp, client, garbage):
    ask_idp(client)
    assert post_answer(client, garbage).status_code == 400


def test_the_service_provider_metadata_is_published(saml_idp, client):
    response = client.get("/sso/saml/metadata/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'entityID="https://grappe.test/sso/saml/metadata/"' in body and "/sso/saml/acs/" in body


def test_a_logged_in_person_links_the_university_account(saml_idp, client, applicant):
    client.force_login(applicant)
    start = client.get("/sso/saml/link/")
    answer = post_answer(client, saml_idp.answer(start["Location"], attributes=ADA))
    response = client.get(answer["Location"])
    assert response.status_code == 302 and response["Location"] == "/accounts/identities/"
    assert Identity.objects.get().user == applicant
    assert not User.objects.filter(email="ada@univ-test.example").exists()


def test_an_idp_unknown_to_the_metadata_is_refused(saml_idp, client):
    response = client.get("/sso/saml/login/?entityID=https://evil.example/idp")
    assert response.status_code == 400
    assert not PendingRequest.objects.exists()


def test_several_idps_send_the_browser_to_the_discovery_service(saml_idp, sso_settings, client, monkeypatch):
    from grappe.sso import saml

    sso_settings.GRAPPE_SSO_PROVIDERS["saml"]["discovery_url"] = "https://discovery.renater.example/"
    monkeypatch.setattr(saml, "idp_entity_ids", lambda provider: [saml_idp.server.config.entityid, "https://b/idp"])
    response = client.get("/sso/saml/login/?next=/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://discovery.renater.example/?entityID=")
    assert "returnIDParam=entityID" in response["Location"]
    # The discovery service returns the chosen IdP; the flow started before goes on.
    back = client.get(f"/sso/saml/login/?entityID={saml_idp.server.config.entityid}")
    assert back.status_code == 302 and "SAMLRequest=" in back["Location"]
    answer = post_answer(client, saml_idp.answer(back["Location"], attributes=ADA))
    assert client.get(answer["Location"])["Location"] == "/accounts/profile/"
