"""SAML 2.0 sign-in (a university's IdP, or the Renater federation) with pysaml2 and Debian's xmlsec1.

pysaml2 checks the answer's signature against the IdP's metadata (the response or the
assertion must be signed), its validity window (NotBefore / NotOnOrAfter), its audience and
destination, and that it answers a request we sent (InResponseTo). Grappe adds: each request
is answered at most once (``PendingRequest``) and each assertion is accepted at most once
(``UsedAssertion``), so a replayed answer is refused even within its validity window.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import threading
from typing import Any
from urllib.parse import urlencode

from defusedxml import ElementTree
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.ident import code, decode
from saml2.metadata import create_metadata_string
from saml2.request import LogoutRequest
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.samlp import STATUS_SUCCESS, STATUS_UNKNOWN_PRINCIPAL

from grappe.sso.models import PendingRequest, UsedAssertion
from grappe.sso.providers import Provider
from grappe.sso.services import Claims, SsoError

REQUEST_MAX_AGE = dt.timedelta(minutes=10)  # time to sign in at the IdP
_clients: dict[tuple[Any, ...], Saml2Client] = {}
_lock = threading.Lock()


def acs_url() -> str:
    return settings.SITE_URL + reverse("sso:saml_acs")


def slo_url() -> str:
    return settings.SITE_URL + reverse("sso:saml_slo")


def sp_config(provider: Provider) -> SPConfig:
    config = provider.config
    if config.get("idp_metadata_file"):
        metadata: dict[str, Any] = {"local": [config["idp_metadata_file"]]}
    else:
        remote: dict[str, Any] = {"url": config["idp_metadata_url"]}
        if config.get("idp_metadata_cert"):
            remote["cert"] = config["idp_metadata_cert"]
        metadata = {"remote": [remote]}
    data: dict[str, Any] = {
        "entityid": config["sp_entity_id"],
        "xmlsec_binary": config["xmlsec_binary"],
        "metadata": metadata,
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,  # seconds of clock difference with the IdP
        "service": {
            "sp": {
                "name": settings.SITE_NAME,
                "endpoints": {
                    "assertion_consumer_service": [(acs_url(), BINDING_HTTP_POST)],
                    "single_logout_service": [(slo_url(), BINDING_HTTP_REDIRECT), (slo_url(), BINDING_HTTP_POST)],
                },
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "allow_unsolicited": False,
                "authn_requests_signed": False,
                "want_response_signed": False,
                "want_assertions_signed": False,
                "want_assertions_or_response_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                "required_attributes": ["mail", "givenName", "sn"],
                "optional_attributes": ["eduPersonPrincipalName", "displayName"],
            }
        },
    }
    if config.get("sp_key_file") and config.get("sp_cert_file"):
        data["key_file"] = config["sp_key_file"]
        data["cert_file"] = config["sp_cert_file"]
        data["encryption_keypairs"] = [{"key_file": config["sp_key_file"], "cert_file": config["sp_cert_file"]}]
    sp = SPConfig()
    sp.load(data)
    return sp


def client(provider: Provider) -> Saml2Client:
    """The pysaml2 client of ``provider``, built once per configuration and metadata file version."""
    config = provider.config
    metadata_file = str(config.get("idp_metadata_file") or "")
    mtime = os.path.getmtime(metadata_file) if metadata_file and os.path.exists(metadata_file) else 0
    key = (tuple(sorted((k, str(v)) for k, v in config.items())), mtime, acs_url())
    with _lock:
        if key not in _clients:
            _clients[key] = Saml2Client(config=sp_config(provider))
        return _clients[key]


def metadata_xml(provider: Provider) -> bytes:
    """This service provider's metadata, to register with the IdP or the federation."""
    xml = create_metadata_string(None, config=sp_config(provider), valid=24 * 7, sign=False)
    return xml if isinstance(xml, bytes) else xml.encode()


def idp_entity_ids(provider: Provider) -> list[str]:
    return list(client(provider).metadata.identity_providers())


def choose_idp(provider: Provider, chosen: str | None) -> str | None:
    """The IdP to ask: the configured one, the one the discovery service chose, or the only one known."""
    known = idp_entity_ids(provider)
    if provider.config.get("idp_entity_id"):
        return str(provider.config["idp_entity_id"])
    if chosen:
        if chosen not in known:
            raise SsoError("unknown IdP")
        return chosen
    if len(known) == 1:
        return known[0]
    return None


def discovery_redirect(provider: Provider, return_url: str) -> str:
    """The discovery service's URL (e.g. Renater's) that sends the browser back with ``entityID``."""
    query = urlencode({"entityID": provider.config["sp_entity_id"], "return": return_url, "returnIDParam": "entityID"})
    return f"{provider.config['discovery_url']}?{query}"


def start(provider: Provider, idp: str) -> tuple[str, str]:
    """Record a new authentication request; return its id and the IdP URL to send the browser to."""
    request_id, info = client(provider).prepare_for_authenticate(entityid=idp, binding=BINDING_HTTP_REDIRECT)
    PendingRequest.objects.filter(created_at__lt=timezone.now() - REQUEST_MAX_AGE).delete()
    PendingRequest.objects.create(request_id=request_id)
    return request_id, dict(info["headers"])["Location"]


def _in_response_to(saml_response: str) -> str:
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except Exception as exc:
        raise ValueError("the SAML response is not readable XML") from exc
    return str(root.get("InResponseTo") or "")


def _first(ava: dict[str, list[str]], name: str) -> str:
    values = ava.get(name) or []
    return str(values[0]).strip() if values else ""


@transaction.atomic
def consume(provider: Provider, saml_response: str) -> tuple[str, Claims, dict[str, str]]:
    """Check an IdP's answer; return (the request id it answers, the claims, what single logout needs).

    Raise if anything is wrong. What single logout needs: the IdP, the NameID and the SessionIndex.
    """
    request_id = _in_response_to(saml_response)
    pending = PendingRequest.objects.filter(
        request_id=request_id, created_at__gte=timezone.now() - REQUEST_MAX_AGE
    ).first()
    if not request_id or pending is None:
        raise ValueError("the SAML response answers no pending request (unsolicited, expired or replayed)")
    response = client(provider).parse_authn_request_response(
        saml_response, BINDING_HTTP_POST, outstanding={request_id: ""}
    )
    if response is None or response.assertion is None:
        raise ValueError("the SAML response holds no assertion")
    if PendingRequest.objects.filter(pk=pending.pk).delete()[0] != 1:
        raise ValueError("the SAML request was already answered")  # a concurrent replay won
    issuer = response.issuer() or ""
    not_after = response.not_on_or_after
    expires = dt.datetime.fromtimestamp(not_after, tz=dt.UTC) if not_after else timezone.now() + dt.timedelta(days=1)
    UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(key=f"{issuer}!{response.assertion.id}"[:255], expires_at=expires)
    except IntegrityError as exc:
        raise ValueError("this SAML assertion was already used") from exc

    ava = response.ava or {}
    attribute = str(provider.config.get("subject_attribute") or "")
    value = _first(ava, attribute) if attribute else ""
    if not value:
        name_id = response.name_id
        if name_id is None or name_id.format == NAMEID_FORMAT_TRANSIENT or not name_id.text:
            raise SsoError("no-subject")
        value = name_id.text
    email = _first(ava, "mail").lower()
    session: dict[str, str] = {
        "idp": issuer,
        "name_id": code(response.name_id) if response.name_id is not None else "",
        "session_index": str(response.session_info().get("session_index") or ""),
    }
    return (
        request_id,
        Claims(
            provider=provider.key,
            subject=f"{issuer}!{value}"[:255],
            email=email,
            email_verified=bool(email) and bool(provider.config.get("email_verified")),
            first_name=_first(ava, "givenName"),
            last_name=_first(ava, "sn"),
        ),
        session,
    )


# --- single logout ----------------------------------------------------------------------
SLO_PREFIX = "slo:"  # PendingRequest.request_id of a LogoutRequest we sent
LOGOUT_REQUEST_MAX_AGE = dt.timedelta(days=2)  # pysaml2 accepts an IssueInstant up to a day off; ids kept longer


def _can_sign(provider: Provider) -> bool:
    return bool(provider.config.get("sp_key_file") and provider.config.get("sp_cert_file"))


def slo_location(provider: Provider, idp: str) -> tuple[str, str] | None:
    """The IdP's SingleLogoutService (binding, location) from its metadata, or None (local logout only)."""
    if not idp or not _can_sign(provider):
        return None
    try:
        services = client(provider).metadata.single_logout_service(entity_id=idp, typ="idpsso")
    except Exception:
        return None
    for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST):
        for service in services.get(binding, []):
            if service.get("location"):
                return binding, str(service["location"])
    return None


def start_logout(provider: Provider, session: dict[str, str]) -> dict[str, Any] | None:
    """A signed LogoutRequest for the person's SAML session; pysaml2's HTTP arguments to send it, or None."""
    where = slo_location(provider, session.get("idp", ""))
    if where is None or not session.get("name_id"):
        return None
    binding, location = where
    saml_client = client(provider)
    request_id, request = saml_client.create_logout_request(
        location,
        session["idp"],
        name_id=decode(session["name_id"]),
        session_indexes=[session["session_index"]] if session.get("session_index") else None,
        sign=binding == BINDING_HTTP_POST,
    )
    PendingRequest.objects.filter(created_at__lt=timezone.now() - REQUEST_MAX_AGE).delete()
    PendingRequest.objects.create(request_id=SLO_PREFIX + request_id)
    info: dict[str, Any] = saml_client.apply_binding(
        binding, str(request), location, relay_state="", sign=binding == BINDING_HTTP_REDIRECT
    )
    info["binding"] = binding
    return info


def finish_logout(provider: Provider, message: str, binding: str) -> bool:
    """The IdP's LogoutResponse to our request: True when it answers a request we sent (once) with success."""
    response = client(provider).parse_logout_request_response(message, binding)
    if response is None or response.response is None:
        raise ValueError("not a LogoutResponse")
    in_response_to = str(response.in_response_to or "")
    if not in_response_to or PendingRequest.objects.filter(request_id=SLO_PREFIX + in_response_to).delete()[0] != 1:
        raise ValueError("the LogoutResponse answers no pending logout request")
    return bool(response.response.status.status_code.value == STATUS_SUCCESS)


def parse_logout_request(provider: Provider, message: str, binding: str, query: dict[str, str]) -> Any:
    """Check an IdP's LogoutRequest: signed by the IdP (always required), fresh, for us, never seen before."""
    saml_client = client(provider)
    receivers = saml_client.config.endpoint("single_logout_service", binding, "sp")
    request = LogoutRequest(
        saml_client.sec,
        receivers,
        saml_client.config.attribute_converters,
        timeslack=saml_client.config.accepted_time_diff,
    )
    xml = saml_client.unravel(message, binding, LogoutRequest.msgtype)
    request = request.loads(
        xml,
        binding,
        origdoc=message,
        must=True,  # pysaml2 would ask only an IdP's setting: an SP always wants it signed
        relay_state=query.get("RelayState"),
        sigalg=query.get("SigAlg"),
        signature=query.get("Signature"),
    )
    if not request:
        raise ValueError("not a LogoutRequest")
    request.verify()  # destination, issue instant
    issuer = str(request.message.issuer.text or "")
    if issuer not in idp_entity_ids(provider):
        raise ValueError("a LogoutRequest from an unknown IdP")
    UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                key=f"logout!{issuer}!{request.message.id}"[:255], expires_at=timezone.now() + LOGOUT_REQUEST_MAX_AGE
            )
    except IntegrityError as exc:
        raise ValueError("this LogoutRequest was already used") from exc
    return request


def logout_response(provider: Provider, request: Any, *, success: bool) -> dict[str, Any]:
    """The signed LogoutResponse to the IdP's request (pysaml2's HTTP arguments)."""
    from saml2.s_utils import status_message_factory, success_status_factory

    saml_client = client(provider)
    status = success_status_factory() if success else status_message_factory("Unknown person", STATUS_UNKNOWN_PRINCIPAL)
    args = saml_client.response_args(request.message, [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST])
    binding = args["binding"]
    response = saml_client.create_logout_response(
        request.message, [binding], status=status, sign=binding == BINDING_HTTP_POST
    )
    info: dict[str, Any] = saml_client.apply_binding(
        binding,
        str(response),
        args["destination"],
        relay_state=request.relay_state or "",
        response=True,
        sign=binding == BINDING_HTTP_REDIRECT,
    )
    info["binding"] = binding
    return info


def http_response(info: dict[str, Any]) -> HttpResponse:
    """pysaml2's HTTP arguments as a Django response: a redirect, or the self-posting form (HTTP-POST)."""
    headers = dict(info.get("headers") or [])
    if info.get("binding") == BINDING_HTTP_REDIRECT or "Location" in headers:
        return HttpResponseRedirect(headers["Location"])
    return HttpResponse(info.get("data") or "", content_type="text/html; charset=utf-8")
