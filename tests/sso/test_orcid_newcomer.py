"""An unknown ORCID iD signs in: ORCID gave no address, so the person types one (and nothing else ORCID gave)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from grappe.people.models import Person, User
from grappe.sso.models import Identity, PendingResult
from tests.factories import PersonFactory, UserFactory
from tests.sso.test_oidc import logged_in_as, sign_in

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"


@pytest.fixture
def newcomer(sso_settings, orcid_idp):
    orcid_idp.user = {"sub": ORCID, "given_name": "Grace", "family_name": "Hopper"}
    return orcid_idp


def start(client):
    """Sign in with ORCID; return the address form's URL it sends the browser to."""
    response = sign_in(client, "orcid")
    assert response.status_code == 302 and response["Location"].startswith("/sso/orcid/welcome/"), response
    return response["Location"]


def test_the_form_asks_only_for_the_address(newcomer, client):
    form = client.get(start(client))
    assert form.status_code == 200
    body = form.content.decode()
    assert ORCID in body and 'name="email"' in body
    assert "Grace Hopper" in body and 'name="first_name"' not in body  # ORCID's names, shown, not asked
    assert not User.objects.exists() and not Person.objects.exists()  # nothing made before the form
    assert logged_in_as(client) is None


def test_the_address_makes_the_account_linked_to_orcid_and_signs_in(
    newcomer, client, django_capture_on_commit_callbacks
):
    url = start(client)
    with django_capture_on_commit_callbacks(execute=True):
        # A forged name in the post is ignored: ORCID's names are kept.
        response = client.post(url, {"email": " Grace@Navy.example ", "first_name": "Mallory", "last_name": "X"})
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get()
    assert user.email == "grace@navy.example" and user.email_verified_at is None and user.is_active
    assert (user.person.first_name, user.person.last_name, user.person.orcid) == ("Grace", "Hopper", ORCID)
    identity = Identity.objects.get()
    assert (identity.user, identity.provider, identity.subject) == (user, "orcid", ORCID)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grace@navy.example"]
    assert logged_in_as(client) == "grace@navy.example"
    assert not PendingResult.objects.exists()
    # Next time ORCID alone opens the account, nothing asked.
    other = type(client)()
    assert sign_in(other, "orcid")["Location"] == "/"
    assert logged_in_as(other) == "grace@navy.example"


def test_without_names_from_orcid_the_names_are_asked(newcomer, client):
    newcomer.user = {"sub": ORCID}
    url = start(client)
    body = client.get(url).content.decode()
    assert 'name="first_name"' in body and 'name="last_name"' in body
    response = client.post(url, {"email": "grace@navy.example"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(url, {"email": "grace@navy.example", "first_name": "Grace", "last_name": "Hopper"})
    assert response.status_code == 302
    assert Person.objects.get().last_name == "Hopper"


@pytest.mark.parametrize(
    "email", ["", "not-an-address", "a@b", "x" * 250 + "@example.org", "gr\x00ce@navy.example", "x\r\nBcc: v@e.example"]
)
def test_a_bad_address_is_a_form_error_and_the_form_still_works(newcomer, client, email):
    url = start(client)
    response = client.post(url, {"email": email})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert not User.objects.exists()
    assert client.post(url, {"email": "grace@navy.example"}).status_code == 302


@pytest.mark.parametrize("holder", ["account", "directory"])
def test_an_address_in_use_is_never_linked_nor_opened(newcomer, client, holder):
    if holder == "account":
        existing = UserFactory(person__email="ada@univ-test.example", email_verified_at=timezone.now()).person
    else:
        existing = PersonFactory(email="ada@univ-test.example")
    url = start(client)
    response = client.post(url, {"email": "ADA@univ-test.example"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "already exists" in body and "link ORCID from your profile" in body
    assert existing.first_name not in body  # says no more than the registration page
    assert not Identity.objects.exists() and logged_in_as(client) is None
    existing.refresh_from_db()
    assert existing.orcid == ""
    assert mail.outbox == []
    assert client.post(url, {"email": "grace@navy.example"}).status_code == 302  # another address still works


def test_the_key_works_once(newcomer, client):
    url = start(client)
    assert client.post(url, {"email": "grace@navy.example"}).status_code == 302
    client.logout()
    assert client.get(url).status_code == 400
    assert client.post(url, {"email": "other@navy.example"}).status_code == 400
    assert User.objects.count() == 1


def test_an_expired_key_is_refused(newcomer, client):
    url = start(client)
    PendingResult.objects.update(created_at=timezone.now() - dt.timedelta(minutes=16))
    assert client.post(url, {"email": "grace@navy.example"}).status_code == 400
    assert not User.objects.exists()


def test_another_browser_cannot_use_the_key(newcomer, client, browser_client):
    url = start(client)
    assert browser_client.get(url).status_code == 400
    assert browser_client.post(url, {"email": "mallory@evil.example"}).status_code == 400
    assert not User.objects.exists() and logged_in_as(browser_client) is None
    assert client.post(url, {"email": "grace@navy.example"}).status_code == 302  # its own browser still can


def test_a_made_up_key_is_refused(newcomer, client):
    start(client)
    assert client.get("/sso/orcid/welcome/made-up/").status_code == 400


def test_a_saml_result_key_cannot_finish_as_newcomer_and_back(newcomer, client):
    url = start(client)
    key = url.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/sso/saml/finish/{key}/").status_code == 400
    assert PendingResult.objects.filter(key=key).exists()  # the SAML door does not consume it


def test_no_self_registration_asks_nothing(newcomer, client, sso_settings):
    sso_settings.GRAPPE_SELF_REGISTRATION = False
    response = sign_in(client, "orcid")
    assert response.status_code == 403
    assert not PendingResult.objects.exists() and not User.objects.exists()


def test_self_registration_switched_off_meanwhile_creates_nothing(newcomer, client, sso_settings):
    url = start(client)
    sso_settings.GRAPPE_SELF_REGISTRATION = False
    response = client.post(url, {"email": "grace@navy.example"})
    assert response.status_code == 200 and not User.objects.exists()


def test_a_logged_in_person_is_not_offered_the_form(newcomer, client, applicant):
    url = start(client)
    client.force_login(applicant)
    assert client.get(url).status_code == 400
    assert not Identity.objects.exists()


def test_orcid_not_configured_is_not_found(newcomer, client, sso_settings):
    url = start(client)
    sso_settings.GRAPPE_SSO_PROVIDERS = {}
    assert client.get(url).status_code == 404
