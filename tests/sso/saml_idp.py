"""A real SAML 2.0 identity provider for the tests (pysaml2's IdP, signing with xmlsec1 and its own key)."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

IDP_ENTITY = "https://idp.univ-test.example/idp/shibboleth"
SSO_URL = "https://idp.univ-test.example/idp/profile/SAML2/Redirect/SSO"
SLO_URL = "https://idp.univ-test.example/idp/profile/SAML2/Redirect/SLO"
XMLSEC = "/usr/bin/xmlsec1"


def key_pair(directory: Path, name: str) -> tuple[str, str]:
    """A fresh RSA key and self-signed certificate (PEM files), as an IdP or SP has."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


def _idp_config(key_file: str, cert_file: str, sp_metadata: str | None, *, slo: bool = True) -> IdPConfig:
    data: dict[str, Any] = {
        "entityid": IDP_ENTITY,
        "xmlsec_binary": XMLSEC,
        "key_file": key_file,
        "cert_file": cert_file,
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)],
                    **({"single_logout_service": [(SLO_URL, BINDING_HTTP_REDIRECT)]} if slo else {}),
                },
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
            }
        },
    }
    if sp_metadata:
        data["metadata"] = {"inline": [sp_metadata]}
    config = IdPConfig()
    config.load(data)
    return config


class SamlIdp:
    """Write the IdP's metadata (for the SP), then ``attach(sp_metadata)`` and answer requests."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key_file, self.cert_file = key_pair(directory, "idp")
        self.metadata_file = directory / "idp-metadata.xml"
        xml = create_metadata_string(None, config=_idp_config(self.key_file, self.cert_file, None), valid=24)
        self.metadata_file.write_bytes(xml if isinstance(xml, bytes) else xml.encode())
        self.metadata_file_without_slo = directory / "idp-metadata-no-slo.xml"  # an IdP without single logout
        xml = create_metadata_string(None, config=_idp_config(self.key_file, self.cert_file, None, slo=False), valid=24)
        self.metadata_file_without_slo.write_bytes(xml if isinstance(xml, bytes) else xml.encode())
        self.server: Server | None = None

    def attach(self, sp_metadata: str) -> None:
        self.server = Server(config=_idp_config(self.key_file, self.cert_file, sp_metadata))

    def answer(self, redirect_location: str, *, attributes: dict[str, list[str]], name_id: str = "persistent-1") -> str:
        """The base64 SAMLResponse the IdP posts back for the AuthnRequest in ``redirect_location``."""
        assert self.server is not None
        query = parse_qs(urlsplit(redirect_location).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        destination = message.assertion_consumer_service_url
        response = self.server.create_authn_response(
            identity=attributes,
            in_response_to=message.id,
            destination=destination,
            sp_entity_id=message.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_response=True,
            sign_assertion=True,
            userid=name_id,
        )
        return base64.b64encode(str(response).encode()).decode()

    def answer_logout(self, location: str) -> tuple[str, Any]:
        """The IdP receives the SP's LogoutRequest (redirect URL): return (its signed LogoutResponse URL, the request)."""
        assert self.server is not None
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        request = self.server.parse_logout_request(
            query["SAMLRequest"], BINDING_HTTP_REDIRECT, sigalg=query.get("SigAlg"), signature=query.get("Signature")
        )
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        args = self.server.response_args(request.message, [BINDING_HTTP_REDIRECT])
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT, str(response), args["destination"], "", response=True, sign=True
        )
        return dict(info["headers"])["Location"], request

    def logout_request(self, sp_entity_id: str, name_id: NameID, session_index: str = "", *, sign: bool = True) -> str:
        """An IdP-initiated LogoutRequest to the SP: the URL (HTTP-Redirect binding, signed unless ``sign`` is False)."""
        assert self.server is not None
        services = self.server.metadata.single_logout_service(sp_entity_id, BINDING_HTTP_REDIRECT, "spsso")
        destination = services[0]["location"]
        _request_id, request = self.server.create_logout_request(
            destination,
            sp_entity_id,
            name_id=name_id,
            session_indexes=[session_index] if session_index else None,
            sign=False,
        )
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, "", sign=sign)
        return dict(info["headers"])["Location"]


__all__ = ["BINDING_HTTP_POST", "SamlIdp", "key_pair"]
