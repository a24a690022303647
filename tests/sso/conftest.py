import pytest
from django.test import Client

from grappe.sso import saml
from grappe.sso.providers import get
from tests.sso.oidc_idp import OidcProvider
from tests.sso.saml_idp import SamlIdp, key_pair


@pytest.fixture(scope="session")
def oidc_idp():
    """The institution's OpenID Connect provider, on a free local port for the whole session."""
    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def orcid_idp():
    """A second provider playing ORCID (its subjects are ORCID iDs)."""
    provider = OidcProvider(client_id="APP-GRAPPE", client_secret="orcid-secret").start()
    yield provider
    provider.stop()


@pytest.fixture
def idp(oidc_idp):
    oidc_idp.mode, oidc_idp.interactive = "ok", False
    oidc_idp.user = {
        "sub": "inst-42",
        "email": "ada@univ-test.example",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
    }
    return oidc_idp


@pytest.fixture(scope="session")
def saml_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("saml")
    return directory, SamlIdp(directory), key_pair(directory, "sp")


@pytest.fixture
def sso_settings(settings, idp, orcid_idp, saml_files):
    """All three providers configured, each pointing at its local test IdP."""
    _directory, saml_idp, (sp_key, sp_cert) = saml_files
    orcid_idp.mode, orcid_idp.interactive = "ok", False
    settings.GRAPPE_SSO_PROVIDERS = {
        "oidc": idp.settings(label="Université Test"),
        "orcid": {**orcid_idp.settings(label="ORCID"), "scope": "openid"},
        "saml": {
            "kind": "saml",
            "label": "Renater",
            "idp_metadata_file": str(saml_idp.metadata_file),
            "idp_metadata_url": "",
            "idp_metadata_cert": "",
            "idp_entity_id": "",
            "discovery_url": "",
            "sp_entity_id": "https://grappe.test/sso/saml/metadata/",
            "sp_key_file": sp_key,
            "sp_cert_file": sp_cert,
            "subject_attribute": "eduPersonPrincipalName",
            "email_verified": True,
            "xmlsec_binary": "/usr/bin/xmlsec1",
        },
    }
    if saml_idp.server is None:
        saml_idp.attach(saml.metadata_xml(get("saml")).decode())
    return settings


@pytest.fixture
def saml_idp(sso_settings, saml_files):
    return saml_files[1]


@pytest.fixture
def browser_client():
    """A browser of its own (its own session cookie)."""
    return Client()
