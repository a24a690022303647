"""Single sign-on: start at a provider, come back, sign in or link; the linked identities of one's account."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import asdict
from importlib import import_module
from typing import Any

from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc.errors import JoseError
from requests import RequestException
from saml2.s_utils import SamlException
from saml2.sigver import SignatureError

from grappe.core.cookies import set_language_cookie
from grappe.sso import oidc, providers, saml
from grappe.sso.forms import NewcomerForm
from grappe.sso.models import Identity, PendingResult, SamlSession
from grappe.sso.providers import Provider
from grappe.sso.services import (
    Claims,
    NeedsEmail,
    SsoError,
    link,
    register_newcomer,
    sign_in,
    unlink,
    ways_to_log_in,
)
from grappe.sso.signals import SAML_SESSION_KEY

logger = logging.getLogger(__name__)
FLOW_KEY = "grappe_sso_flow"
SAML_FLOWS_KEY = "grappe_sso_saml"
RESULT_MAX_AGE = 120  # seconds between the IdP's answer and the browser's return
NEWCOMER_KEY = "grappe_sso_newcomer"
NEWCOMER_PREFIX = "newcomer:"  # PendingResult.request_id of an ORCID answer waiting for the address form
NEWCOMER_MAX_AGE = 900  # seconds to fill in the address form
BACKEND = "grappe.people.backends.EmailBackend"


def _provider_or_404(key: str) -> Provider:
    provider = providers.get(key)
    if provider is None:
        raise Http404
    return provider


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


def _failed(request: HttpRequest, provider: Provider, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sso/failed.html", {"provider": provider, "message": message}, status=status)


def _technical_failure(request: HttpRequest, provider: Provider, exc: Exception) -> HttpResponse:
    logger.warning("sign-in with %s refused: %s: %s", provider.key, type(exc).__name__, exc)
    return _failed(
        request,
        provider,
        _(
            "%(provider)s's answer could not be accepted (it was invalid, expired or already used). "
            "Nothing was changed. Start again from the login page."
        )
        % {"provider": provider.label},
    )


def _start(request: HttpRequest, provider: Provider, *, linking: bool) -> HttpResponse:
    started = request.session.get(FLOW_KEY) or {}
    if provider.kind == "saml" and "entityID" in request.GET and started.get("provider") == provider.key:
        flow = started  # back from the discovery service: the flow started before it
    else:
        flow = {
            "provider": provider.key,
            "next": _safe_next(request, request.GET.get("next")),
            "link": linking,
            "user": request.user.pk if linking else None,
        }
        request.session[FLOW_KEY] = flow
    if provider.kind == "oidc":
        callback = settings.SITE_URL + reverse("sso:oidc_callback", args=[provider.key])
        try:
            return oidc.redirect_to_provider(request, provider, callback)
        except (RequestException, AuthlibBaseError, ValueError) as exc:
            return _unreachable(request, provider, exc)
    try:
        idp = saml.choose_idp(provider, request.GET.get("entityID"))
    except SsoError:
        return _failed(request, provider, _("This identity provider is not known to this site."))
    if idp is None:
        if not provider.config.get("discovery_url"):
            return _unreachable(request, provider, ValueError("several IdPs and no discovery service"))
        back = settings.SITE_URL + request.path
        return redirect(saml.discovery_redirect(provider, back))
    request_id, location = saml.start(provider, idp)
    flows = dict(request.session.get(SAML_FLOWS_KEY, {}))
    flows[request_id] = flow
    request.session[SAML_FLOWS_KEY] = dict(list(flows.items())[-5:])  # a few tabs at most
    return redirect(location)


def _unreachable(request: HttpRequest, provider: Provider, exc: Exception) -> HttpResponse:
    logger.error("cannot start a sign-in with %s: %s: %s", provider.key, type(exc).__name__, exc)
    return _failed(
        request,
        provider,
        _("%(provider)s cannot be reached just now. Try again later, or log in another way.")
        % {"provider": provider.label},
        status=503,
    )


@require_GET
def start_login(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the browser to the provider to sign in."""
    chosen = _provider_or_404(provider)
    if request.user.is_authenticated:
        return redirect(_safe_next(request, request.GET.get("next")))
    return _start(request, chosen, linking=False)


@login_required
@require_GET
def start_link(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the logged-in person to the provider to link that identity to their account."""
    return _start(request, _provider_or_404(provider), linking=True)


def _complete(
    request: HttpRequest,
    provider: Provider,
    flow: dict[str, Any],
    claims: Claims,
    saml_session: dict[str, str] | None = None,
) -> HttpResponse:
    if flow.get("link"):
        if not request.user.is_authenticated or request.user.pk != flow.get("user"):
            return _failed(request, provider, _("Log in again, then link the identity from your profile."), 403)
        try:
            link(request.user, claims)  # type: ignore[arg-type]
        except SsoError as exc:
            return _failed(request, provider, exc.message, 403)
        messages.success(request, _("%(provider)s is linked to your account.") % {"provider": provider.label})
        return redirect("sso:identities")
    try:
        user = sign_in(claims, language=translation.get_language() or "fr")
    except NeedsEmail:
        return _ask_newcomer(request, claims, flow)
    except SsoError as exc:
        return _failed(request, provider, exc.message, 403)
    return _logged_in(request, user, flow, saml_session)


def _logged_in(
    request: HttpRequest, user: Any, flow: dict[str, Any], saml_session: dict[str, str] | None = None
) -> HttpResponse:
    login(request, user, backend=BACKEND)
    if saml_session:  # what single logout needs, both ways (docs/sso.md)
        request.session[SAML_SESSION_KEY] = saml_session
        if not request.session.session_key:
            request.session.save()
        gone = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        SamlSession.objects.filter(created_at__lt=gone).delete()  # their sessions have expired
        SamlSession.objects.create(
            user=user,
            session_key=request.session.session_key,
            idp=saml_session.get("idp", ""),
            name_id=saml_session.get("name_id", ""),
            session_index=saml_session.get("session_index", "")[:255],
        )
    response = redirect(_safe_next(request, flow.get("next")))
    set_language_cookie(response, user.person.preferred_language)
    return response


@require_GET
def oidc_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider sends the browser back here with a code (or an error)."""
    chosen = _provider_or_404(provider)
    flow = request.session.pop(FLOW_KEY, None)
    if not flow or flow.get("provider") != chosen.key:
        return _technical_failure(request, chosen, ValueError("no sign-in in progress in this browser"))
    try:
        claims = oidc.claims_from_callback(request, chosen)
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as exc:
        return _technical_failure(request, chosen, exc)
    return _complete(request, chosen, flow, claims)


def _ask_newcomer(request: HttpRequest, claims: Claims, flow: dict[str, Any]) -> HttpResponse:
    """Keep ORCID's verified answer server-side (one-time, short-lived, this browser's) and ask for the address."""
    key = secrets.token_urlsafe(32)
    PendingResult.objects.filter(
        request_id__startswith=NEWCOMER_PREFIX,
        created_at__lt=timezone.now() - dt.timedelta(seconds=NEWCOMER_MAX_AGE),
    ).delete()
    PendingResult.objects.create(
        key=key, request_id=NEWCOMER_PREFIX + claims.provider, payload={"claims": asdict(claims), "flow": flow}
    )
    request.session[NEWCOMER_KEY] = key  # only this browser may use it
    return redirect("sso:newcomer", key=key)


def _pending_newcomer(request: HttpRequest, key: str, *, lock: bool = False) -> PendingResult | None:
    if not key or request.session.get(NEWCOMER_KEY) != key:
        return None  # another browser, or a key this browser never had
    pending = PendingResult.objects.filter(
        key=key,
        request_id__startswith=NEWCOMER_PREFIX,
        created_at__gte=timezone.now() - dt.timedelta(seconds=NEWCOMER_MAX_AGE),
    )
    return (pending.select_for_update() if lock else pending).first()


@require_http_methods(["GET", "POST"])
def newcomer(request: HttpRequest, key: str) -> HttpResponse:
    """ORCID signed in an unknown iD and gave no address: ask only for what it did not give, then create the account."""
    provider = _provider_or_404("orcid")
    pending = _pending_newcomer(request, key)
    if pending is None or request.user.is_authenticated:
        return _technical_failure(request, provider, ValueError("unknown, expired, used or foreign newcomer key"))
    claims = Claims(**pending.payload["claims"])
    form = NewcomerForm(request.POST or None, claims=claims)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            pending = _pending_newcomer(request, key, lock=True)
            if pending is None:  # used meanwhile by a concurrent post
                return _technical_failure(request, provider, ValueError("newcomer key used meanwhile"))
            try:
                user = register_newcomer(
                    claims,
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data.get("first_name", ""),
                    last_name=form.cleaned_data.get("last_name", ""),
                    language=translation.get_language() or "fr",
                )
            except SsoError as exc:
                form.add_error("email", exc.message)
            else:
                pending.delete()
                request.session.pop(NEWCOMER_KEY, None)
                messages.success(
                    request,
                    _("Welcome! We sent a link to %(email)s: follow it to confirm your address.")
                    % {"email": user.email},
                )
                return _logged_in(request, user, pending.payload["flow"])
    return render(request, "sso/newcomer.html", {"form": form, "provider": provider, "claims": claims})


@csrf_exempt  # the IdP posts here from its own site; the answer is signed and bound to our request
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    """The IdP posts its signed answer here (the browser comes without its session: SameSite=Lax)."""
    provider = _provider_or_404("saml")
    try:
        request_id, claims, saml_session = saml.consume(provider, request.POST.get("SAMLResponse", ""))
    except SsoError:
        return _failed(
            request,
            provider,
            _("The identity provider did not send a lasting identifier for you; ask it to release one."),
        )
    except (SamlException, SignatureError, ValueError, KeyError, TypeError) as exc:
        return _technical_failure(request, provider, exc)
    except Exception as exc:
        return _technical_failure(request, provider, exc)
    key = secrets.token_urlsafe(32)
    PendingResult.objects.filter(created_at__lt=timezone.now() - dt.timedelta(seconds=RESULT_MAX_AGE)).exclude(
        request_id__startswith=NEWCOMER_PREFIX
    ).delete()
    PendingResult.objects.create(
        key=key, request_id=request_id, payload={"claims": asdict(claims), "saml_session": saml_session}
    )
    return redirect("sso:saml_finish", key=key)


@require_GET
def saml_finish(request: HttpRequest, key: str) -> HttpResponse:
    """The browser comes back with its session: the answer it started is used once, here."""
    provider = _provider_or_404("saml")
    with transaction.atomic():
        result = (
            PendingResult.objects.select_for_update()
            .exclude(request_id__startswith=NEWCOMER_PREFIX)
            .filter(key=key, created_at__gte=timezone.now() - dt.timedelta(seconds=RESULT_MAX_AGE))
            .first()
        )
        if result is not None:
            result.delete()
    if result is None:
        return _technical_failure(request, provider, ValueError("unknown, expired or used result"))
    flows = dict(request.session.get(SAML_FLOWS_KEY, {}))
    flow = flows.pop(result.request_id, None)
    request.session[SAML_FLOWS_KEY] = flows
    if flow is None:
        return _technical_failure(request, provider, ValueError("the sign-in was started in another browser"))
    claims = Claims(**result.payload["claims"])
    return _complete(request, provider, flow, claims, result.payload.get("saml_session"))


@csrf_exempt  # the IdP sends here from its own site; the messages are signed (requests) or bound to ours
@require_http_methods(["GET", "POST"])
def saml_slo(request: HttpRequest) -> HttpResponse:
    """Single logout: the IdP's answer to our LogoutRequest, or its own LogoutRequest (ends the person's sessions)."""
    provider = _provider_or_404("saml")
    data = request.POST if request.method == "POST" else request.GET
    binding = saml.BINDING_HTTP_POST if request.method == "POST" else saml.BINDING_HTTP_REDIRECT
    if data.get("SAMLResponse"):
        try:
            done = saml.finish_logout(provider, data["SAMLResponse"], binding)
        except Exception as exc:
            logger.warning("SAML LogoutResponse refused: %s: %s", type(exc).__name__, exc)
            done = False
        if done:
            messages.success(request, _("You are logged out, here and at %(provider)s.") % {"provider": provider.label})
        else:
            messages.warning(
                request,
                _(
                    "You are logged out of this site, but %(provider)s did not confirm its own logout: "
                    "close your browser."
                )
                % {"provider": provider.label},
            )
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if not data.get("SAMLRequest"):
        return _failed(request, provider, _("This logout message is empty."))
    try:
        logout_request = saml.parse_logout_request(provider, data["SAMLRequest"], binding, data.dict())
    except Exception as exc:
        logger.warning("SAML LogoutRequest refused: %s: %s", type(exc).__name__, exc)
        return _failed(
            request, provider, _("This logout request could not be accepted (unsigned, expired or already used).")
        )
    ended = end_saml_sessions(logout_request)
    return saml.http_response(saml.logout_response(provider, logout_request, success=ended > 0))


def end_saml_sessions(logout_request: Any) -> int:
    """End the Grappe sessions the IdP's LogoutRequest names (its NameID, and its SessionIndex when it gives any)."""
    message = logout_request.message
    issuer = str(message.issuer.text or "")
    indexes = [str(i.text) for i in (message.session_index or []) if i.text]
    wanted = message.name_id
    rows = SamlSession.objects.filter(idp=issuer)
    if indexes:
        rows = rows.filter(session_index__in=indexes)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in rows:
        name_id = saml.decode(row.name_id) if row.name_id else None
        if name_id is None or wanted is None or (name_id.text, name_id.format) != (wanted.text, wanted.format):
            continue
        store(session_key=row.session_key).delete()
        row.delete()
        ended += 1
    return ended


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    """This site's SAML service provider metadata (to register with the IdP or Renater)."""
    provider = _provider_or_404("saml")
    return HttpResponse(saml.metadata_xml(provider), content_type="application/samlmetadata+xml")


@login_required
@require_GET
def identities(request: HttpRequest) -> HttpResponse:
    """The person's linked identities, with a link button for each provider not linked yet."""
    mine = list(Identity.objects.filter(user=request.user))
    configured = providers.configured()
    labels = {p.key: p.label for p in configured}
    linked = {i.provider for i in mine}
    rows = [{"identity": i, "label": labels.get(i.provider, i.provider), "active": i.provider in labels} for i in mine]
    return render(
        request,
        "sso/identities.html",
        {
            "rows": rows,
            "to_link": [p for p in configured if p.key not in linked],
            "ways": ways_to_log_in(request.user),  # type: ignore[arg-type]
            "password_login": settings.GRAPPE_PASSWORD_LOGIN,
            "has_password": request.user.has_usable_password(),
        },
    )


@login_required
@require_POST
def unlink_identity(request: HttpRequest, pk: int) -> HttpResponse:
    identity = get_object_or_404(Identity, pk=pk, user=request.user)
    try:
        unlink(request.user, identity)  # type: ignore[arg-type]
    except SsoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(provider)s is no longer linked.") % {"provider": providers.label_of(identity.provider)}
        )
    return redirect("sso:identities")
