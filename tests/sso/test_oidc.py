"""Sign-in with OpenID Connect (an institution, ORCID) against a real provider started locally."""

from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail

from grappe.people.models import Person, User
from grappe.sso.models import Identity
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def callback_of(client, key="oidc", path="login"):
    """Start at Grappe, go through the provider; return the callback URL (path and query) it sends back."""
    start = client.get(f"/sso/{key}/{path}/")
    assert start.status_code == 302, start.content
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    url = urlsplit(answer.headers["Location"])
    return f"{url.path}?{url.query}"


def sign_in(client, key="oidc"):
    return client.get(callback_of(client, key))


def logged_in_as(client):
    response = client.get("/accounts/profile/")
    return response.context["user"].email if response.status_code == 200 else None


def test_first_sign_in_creates_a_verified_account_and_asks_nothing(sso_settings, client):
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="ada@univ-test.example")
    assert user.email_verified_at is not None and user.is_active and not user.has_usable_password()
    assert (user.person.first_name, user.person.last_name) == ("Ada", "Lovelace")
    assert Identity.objects.get(user=user).subject == "inst-42"
    assert logged_in_as(client) == "ada@univ-test.example"


def test_next_sign_in_opens_the_same_account(sso_settings, client, browser_client):
    sign_in(client)
    sign_in(browser_client)
    assert User.objects.count() == 1
    assert logged_in_as(browser_client) == "ada@univ-test.example"
    assert Identity.objects.get().last_login_at is not None


def test_a_verified_email_links_the_existing_account(sso_settings, idp, client):
    existing = UserFactory(person__email="ada@univ-test.example", email_verified_at="2025-01-01T00:00:00Z")
    response = sign_in(client)
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert Identity.objects.get().user == existing
    assert existing.has_usable_password()  # a confirmed account keeps its password
    assert logged_in_as(client) == "ada@univ-test.example"


def test_an_unverified_email_does_not_take_over_an_existing_account(sso_settings, idp, client):
    existing = UserFactory(person__email="ada@univ-test.example")
    idp.user["email_verified"] = False
    response = sign_in(client)
    assert response.status_code == 403
    assert "does not confirm that this address is yours" in response.content.decode()
    assert not Identity.objects.exists()
    assert User.objects.get() == existing
    assert logged_in_as(client) is None


def test_an_unverified_email_makes_an_unconfirmed_account_and_sends_the_confirmation(
    sso_settings, idp, client, django_capture_on_commit_callbacks
):
    idp.user["email_verified"] = False
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in(client).status_code == 302
    user = User.objects.get(email="ada@univ-test.example")
    assert user.email_verified_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@univ-test.example"]


def test_an_unconfirmed_registration_of_the_address_loses_its_password(sso_settings, client):
    """Someone registered the address without confirming it; its owner signs in through the IdP."""
    squatter = UserFactory(person__email="ada@univ-test.example", is_active=False)
    assert sign_in(client).status_code == 302
    squatter.refresh_from_db()
    assert squatter.is_active and squatter.email_verified_at is not None
    assert not squatter.has_usable_password()
    assert not squatter.check_password("correct horse battery staple")


def test_a_forged_id_token_is_refused(sso_settings, idp, client):
    idp.mode = "forged"
    response = sign_in(client)
    assert response.status_code == 400
    assert "could not be accepted" in response.content.decode()
    assert not User.objects.exists() and logged_in_as(client) is None


def test_an_expired_id_token_is_refused(sso_settings, idp, client):
    idp.mode = "expired"
    assert sign_in(client).status_code == 400
    assert not User.objects.exists()


def test_a_replayed_callback_is_refused(sso_settings, idp, client, browser_client):
    callback = callback_of(client)
    assert client.get(callback).status_code == 302
    client.logout()
    assert client.get(callback).status_code == 400  # the state was used
    assert browser_client.get(callback).status_code == 400  # and belongs to the first browser only
    assert logged_in_as(browser_client) is None
    assert idp.token_requests >= 1


def test_a_callback_with_a_wrong_state_is_refused(sso_settings, client):
    callback = callback_of(client)
    assert client.get(callback.replace("state=", "state=x")).status_code == 400
    assert not User.objects.exists()


def test_the_provider_reporting_an_error_is_shown_not_crashed(sso_settings, client):
    client.get("/sso/oidc/login/")
    response = client.get("/sso/oidc/callback/?error=access_denied&state=abc")
    assert response.status_code == 400


def test_an_unknown_provider_is_not_found(sso_settings, client):
    assert client.get("/sso/facebook/login/").status_code == 404
    assert client.get("/sso/facebook/callback/?code=x").status_code == 404


def test_an_unconfigured_provider_is_not_found(settings, client, db):
    settings.GRAPPE_SSO_PROVIDERS = {}
    assert client.get("/sso/oidc/login/").status_code == 404
    assert client.get("/sso/saml/metadata/").status_code == 404


def test_no_self_registration_means_no_new_account(sso_settings, client):
    sso_settings.GRAPPE_SELF_REGISTRATION = False
    response = sign_in(client)
    assert response.status_code == 403
    assert not User.objects.exists()


def test_a_disabled_account_stays_closed(sso_settings, client):
    user = UserFactory(person__email="ada@univ-test.example", email_verified_at="2025-01-01T00:00:00Z")
    Identity.objects.create(user=user, provider="oidc", subject="inst-42")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert sign_in(client).status_code == 403
    assert logged_in_as(client) is None


def test_orcid_signs_in_the_person_whose_profile_has_the_id(sso_settings, orcid_idp, client):
    user = UserFactory(person__email="grace@example.org", person__orcid="0000-0002-1825-0097")
    orcid_idp.user = {"sub": "0000-0002-1825-0097", "given_name": "Grace", "family_name": "Hopper"}
    assert sign_in(client, "orcid").status_code == 302
    assert Identity.objects.get(provider="orcid").user == user
    assert logged_in_as(client) == "grace@example.org"


def test_an_unknown_orcid_without_email_creates_nothing_without_self_registration(sso_settings, orcid_idp, client):
    sso_settings.GRAPPE_SELF_REGISTRATION = False
    orcid_idp.user = {"sub": "0000-0002-1825-0097"}
    response = sign_in(client, "orcid")
    assert response.status_code == 403
    assert "link" in response.content.decode()
    assert not User.objects.exists() and not Person.objects.exists()


def test_a_person_links_orcid_from_the_profile(sso_settings, orcid_idp, applicant, client):
    client.force_login(applicant)
    orcid_idp.user = {"sub": "0000-0002-1825-0097"}
    response = client.get(callback_of(client, "orcid", path="link"))
    assert response.status_code == 302 and response["Location"] == "/accounts/identities/"
    applicant.person.refresh_from_db()
    assert applicant.person.orcid == "0000-0002-1825-0097"
    assert Identity.objects.get().user == applicant
    # Later, ORCID alone opens the account.
    other = type(client)()
    assert sign_in(other, "orcid").status_code == 302
    assert logged_in_as(other) == applicant.email


def test_an_identity_linked_to_someone_else_is_not_moved(sso_settings, applicant, reviewer, client):
    Identity.objects.create(user=reviewer, provider="oidc", subject="inst-42")
    client.force_login(applicant)
    response = client.get(callback_of(client, "oidc", path="link"))
    assert response.status_code == 403
    assert Identity.objects.get().user == reviewer


def test_an_orcid_on_another_profile_is_not_linked(sso_settings, orcid_idp, applicant, client):
    PersonFactory(orcid="0000-0002-1825-0097")
    client.force_login(applicant)
    orcid_idp.user = {"sub": "0000-0002-1825-0097"}
    assert client.get(callback_of(client, "orcid", path="link")).status_code == 403
    assert not Identity.objects.exists()


def test_linking_needs_a_login(sso_settings, client):
    response = client.get("/sso/orcid/link/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
