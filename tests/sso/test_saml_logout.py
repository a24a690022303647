"""SAML single logout against the local pysaml2 IdP: Grappe's logout tells the IdP; the IdP's logout ends Grappe's sessions."""

import base64
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID

from grappe.sso.models import PendingRequest, SamlSession
from tests.sso.saml_idp import SLO_URL, SamlIdp
from tests.sso.test_saml import _sp_metadata, logged_in_as, sign_in

pytestmark = pytest.mark.django_db

SP = "https://grappe.test/sso/saml/metadata/"
ADA_ID = NameID(format=NAMEID_FORMAT_PERSISTENT, text="persistent-1")


def local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_sign_in_keeps_what_single_logout_needs(saml_idp, client):
    sign_in(client, saml_idp)
    row = SamlSession.objects.get()
    assert row.session_key == client.session.session_key
    assert row.idp == saml_idp.server.config.entityid and row.session_index
    assert "persistent-1" in row.name_id


def test_logout_sends_a_signed_request_to_the_idp_and_handles_its_answer(saml_idp, client):
    sign_in(client, saml_idp)
    session_index = SamlSession.objects.get().session_index
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"].startswith(SLO_URL)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["Signature"] and query["SigAlg"]
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    assert "persistent-1" in xml and session_index in xml
    assert logged_in_as(client) is None  # the local logout is done before the IdP answers
    assert not SamlSession.objects.exists()

    answer, _request = saml_idp.answer_logout(response["Location"])
    back = client.get(local(answer), follow=True)
    assert back.status_code == 200
    assert any("here and at Renater" in m for m in messages_of(back))
    assert not PendingRequest.objects.exists()
    # The same answer again answers no pending request: no confirmation claimed.
    again = client.get(local(answer), follow=True)
    assert any("did not confirm" in m for m in messages_of(again))


def test_without_a_single_logout_service_the_logout_is_local(saml_idp, sso_settings, client):
    sso_settings.GRAPPE_SSO_PROVIDERS["saml"]["idp_metadata_file"] = str(saml_idp.metadata_file_without_slo)
    sign_in(client, saml_idp)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_as(client) is None and not PendingRequest.objects.exists()


def test_without_a_key_pair_the_logout_is_local(saml_idp, sso_settings, client):
    sign_in(client, saml_idp)
    sso_settings.GRAPPE_SSO_PROVIDERS["saml"]["sp_key_file"] = ""  # nothing to sign the LogoutRequest with
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_as(client) is None and not SamlSession.objects.exists()


def test_a_password_login_logs_out_locally(saml_idp, client, applicant):
    client.force_login(applicant)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_idp_logout_ends_the_grappe_session_and_answers(saml_idp, client, browser_client):
    sign_in(client, saml_idp)
    row = SamlSession.objects.get()
    url = saml_idp.logout_request(SP, ADA_ID, row.session_index)
    response = browser_client.get(local(url))
    assert response.status_code == 302 and response["Location"].startswith(SLO_URL)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["Signature"]
    xml = zlib.decompress(base64.b64decode(query["SAMLResponse"][0]), -15).decode()
    assert "status:Success" in xml
    assert logged_in_as(client) is None
    assert not SamlSession.objects.exists()


def test_the_idp_logout_of_someone_unknown_ends_nothing(saml_idp, client, browser_client):
    sign_in(client, saml_idp)
    other = NameID(format=NAMEID_FORMAT_PERSISTENT, text="persistent-2")
    response = browser_client.get(local(saml_idp.logout_request(SP, other)))
    assert response.status_code == 302
    xml = zlib.decompress(base64.b64decode(parse_qs(urlsplit(response["Location"]).query)["SAMLResponse"][0]), -15)
    assert b"UnknownPrincipal" in xml
    assert logged_in_as(client) == "ada@univ-test.example"


def test_an_unsigned_logout_request_is_refused(saml_idp, client, browser_client):
    sign_in(client, saml_idp)
    url = saml_idp.logout_request(SP, ADA_ID, SamlSession.objects.get().session_index, sign=False)
    assert browser_client.get(local(url)).status_code == 400
    assert logged_in_as(client) == "ada@univ-test.example"


def test_a_logout_request_signed_by_another_key_is_refused(saml_idp, client, browser_client, tmp_path):
    sign_in(client, saml_idp)
    impostor = SamlIdp(tmp_path)  # the IdP's entity id, a key the SP does not trust
    impostor.attach(_sp_metadata())
    url = impostor.logout_request(SP, ADA_ID, SamlSession.objects.get().session_index)
    assert browser_client.get(local(url)).status_code == 400
    assert logged_in_as(client) == "ada@univ-test.example"


def test_a_tampered_logout_request_is_refused(saml_idp, client, browser_client):
    sign_in(client, saml_idp)
    url = saml_idp.logout_request(SP, ADA_ID, SamlSession.objects.get().session_index)
    query = parse_qs(urlsplit(url).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).replace(b"persistent-1", b"persistent-9")
    deflated = zlib.compressobj(9, zlib.DEFLATED, -15)
    query["SAMLRequest"] = [base64.b64encode(deflated.compress(xml) + deflated.flush()).decode()]
    assert browser_client.get("/sso/saml/slo/", {k: v[0] for k, v in query.items()}).status_code == 400
    assert logged_in_as(client) == "ada@univ-test.example"


def test_a_replayed_logout_request_is_refused(saml_idp, client, browser_client):
    sign_in(client, saml_idp)
    url = saml_idp.logout_request(SP, ADA_ID)  # no SessionIndex: every session of the person
    assert browser_client.get(local(url)).status_code == 302
    assert logged_in_as(client) is None
    sign_in(client, saml_idp)
    assert browser_client.get(local(url)).status_code == 400
    assert logged_in_as(client) == "ada@univ-test.example"


@pytest.mark.parametrize("query", [{}, {"SAMLRequest": "garbage"}, {"SAMLResponse": "garbage"}, {"SAMLRequest": ""}])
def test_garbage_at_the_logout_endpoint_is_refused_without_a_crash(saml_idp, client, query):
    response = client.get("/sso/saml/slo/", query)
    assert response.status_code in (302, 400)
    assert client.post("/sso/saml/slo/", query).status_code in (302, 400)


def test_the_metadata_announces_the_logout_endpoint(saml_idp, client):
    body = client.get("/sso/saml/metadata/").content.decode()
    assert "SingleLogoutService" in body and "/sso/saml/slo/" in body
