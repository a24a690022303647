"""My data (download, consents), the office's handling of requests, the processing register."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.services import log_action
from grappe.people.models import Person
from grappe.privacy import services
from grappe.privacy.export import export_zip
from grappe.privacy.forms import ConsentForm, SelfDeclarationForm
from grappe.privacy.models import ConsentKind, SelfDeclaration
from grappe.privacy.retention import register
from grappe.privacy.texts import CONSENT_TEXTS


def _zip_response(request: HttpRequest, person: Person, *, for_office: bool) -> HttpResponse:
    """The zip, and an audit entry saying who downloaded whose data (docs/privacy.md)."""
    content = export_zip(person, for_office=for_office)
    action = "person.data_downloaded_by_office" if for_office else "person.data_downloaded"
    log_action(person, action, actor=request.user, data={"bytes": len(content)})
    response = HttpResponse(content, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="grappe-{person.code}-{stamp}.zip"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    person = Person.objects.get(pk=request.user.person_id)
    current = services.current_consents(person)
    equality = current.get(ConsentKind.EQUALITY)
    declaring = request.method == "POST" and request.POST.get("form") == "declaration"
    declaration = SelfDeclaration.objects.filter(person=person).first()
    declaration_form = SelfDeclarationForm(
        request.POST if declaring else None,
        declaration=declaration,
        consented=bool(equality and equality.given),
    )
    if declaring and declaration_form.is_valid():
        data = declaration_form.cleaned_data
        services.save_self_declaration(
            person,
            consent=data["consent"],
            career_stage=data["career_stage"],
            phd_year=data["phd_year"],
            gender=data["gender"],
            actor=request.user,
        )
        messages.success(request, _("Your choices are recorded."))
        return redirect("privacy:mine")
    form = ConsentForm(None if declaring else request.POST or None, current=current)
    if request.method == "POST" and not declaring and form.is_valid():
        for kind, given in form.cleaned_data.items():
            services.record_consent(person, kind, given=given, actor=request.user)
        messages.success(request, _("Your choices are recorded."))
        return redirect("privacy:mine")
    return render(
        request,
        "privacy/my_data.html",
        {
            "form": form,
            "declaration_form": declaration_form,
            "equality": equality,
            "current": current,
            "versions": {kind.value: version for kind, (version, _text) in CONSENT_TEXTS.items()},
            "assessment": services.assess_erasure(person),
            "erasure_requested_at": services.erasure_requested_at(person),
        },
    )


@login_required
@require_POST
def my_data_erasure(request: HttpRequest) -> HttpResponse:
    """The person asks the office to erase them: recorded, and the office is told."""
    person = Person.objects.get(pk=request.user.person_id)
    if services.request_erasure(person, actor=request.user):
        messages.success(request, _("Your request is sent to the cluster office, which will answer you by email."))
    else:
        messages.info(request, _("Your request was already sent today: the cluster office will answer you by email."))
    return redirect("privacy:mine")


@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    person = Person.objects.get(pk=request.user.person_id)
    return _zip_response(request, person, for_office=False)


def _person(request: HttpRequest, code: str, perm: str) -> Person:
    return get_for_user_or_404(request.user, Person.objects.all(), perm, code=code)


@login_required
def person_data(request: HttpRequest, code: str) -> HttpResponse:
    """The office's page for a person's request: download their data, erase them (or why not)."""
    person = _person(request, code, "privacy.erase_person")
    return render(
        request,
        "privacy/person_data.html",
        {
            "person": person,
            "assessment": services.assess_erasure(person, to_person=False),
            "consents": [
                (ConsentKind(kind).label, consent) for kind, consent in services.current_consents(person).items()
            ],
        },
    )


@login_required
def person_data_download(request: HttpRequest, code: str) -> HttpResponse:
    person = _person(request, code, "privacy.export_person_data")
    return _zip_response(request, person, for_office=person.pk != request.user.person_id)


@login_required
@require_POST
def person_erase(request: HttpRequest, code: str) -> HttpResponse:
    person = _person(request, code, "privacy.erase_person")
    try:
        services.erase_person(person, actor=request.user)
    except services.ErasureRefused as exc:
        for reason in exc.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, _("The person is erased: a pseudonym replaces their name where records stay."))
    return redirect("privacy:person", code)


@login_required
def processing_register(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "privacy.view_register")
    return render(request, "privacy/register.html", {"rows": register()})
