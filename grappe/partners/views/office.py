"""The office's partner relations: the list (filters, Excel), a partner's page, the funnel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.exports import xlsx_response
from grappe.core.paginate import paginate
from grappe.core.uploads import refuse_cut_upload
from grappe.partners import queries, services
from grappe.partners.exports import partners_workbook
from grappe.partners.forms import (
    AgreementForm,
    ContactForm,
    FeePaymentForm,
    InteractionForm,
    PartnerFilterForm,
    RelationForm,
)
from grappe.partners.models import Agreement, Challenge
from grappe.partners.views.common import run_write
from grappe.people.models import Organisation, Relationship
from grappe.projects.models import Project


def _filtered(request: HttpRequest) -> tuple[PartnerFilterForm, object]:
    form = PartnerFilterForm(request.GET or None)
    partners = queries.partners_for_office()
    if form.is_valid():
        partners = queries.filter_partners(partners, form.cleaned_data)
    return form, partners.order_by("name")


@login_required
def partner_list(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "partners.list_partners")
    form, partners = _filtered(request)
    page = paginate(request, partners)
    return render(request, "partners/list.html", {"form": form, "page": page})


@login_required
def partner_export(request: HttpRequest) -> FileResponse:
    require_perm_or_404(request.user, "partners.list_partners")
    _form, partners = _filtered(request)
    return xlsx_response(partners_workbook(partners), f"partners-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


def get_partner(request: HttpRequest, code: str, perm: str) -> Organisation:
    return get_for_user_or_404(
        request.user, Organisation.objects.filter(relationship=Relationship.PARTNER), perm, code=code
    )


@login_required
def partner_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A partner's whole history with the cluster on one screen."""
    organisation = get_partner(request, code, "partners.view_partner")
    profile = services.profile_of(organisation)
    projects = queries.projects_of(organisation)
    per_partner, per_challenge = queries.funnel(Challenge.objects.filter(organisation=organisation))
    return render(
        request,
        "partners/detail.html",
        {
            "organisation": organisation,
            "profile": profile,
            "can_manage": request.user.has_perm("partners.manage_partner", organisation),
            "proposals": queries.with_status(queries.proposals_of(organisation, with_drafts=False)),
            "money": queries.contributions_of(organisation, projects),
            "agreements": profile.agreements.select_related("project"),
            "payments": profile.payments.all(),
            "contacts": profile.contacts.select_related("person"),
            "portal_contacts": services.partner_contact_roles(organisation),
            "interactions": profile.interactions.all()[:50],
            "funnel": per_partner[0] if per_partner else None,
            "challenge_funnel": per_challenge,
            "today": timezone.localdate(),
        },
    )


FORMS = {
    "relation": (_("Membership"), RelationForm),
    "payment": (_("Record a fee payment"), FeePaymentForm),
    "agreement": (_("Add an agreement"), AgreementForm),
    "contact": (_("Add a contact"), ContactForm),
    "interaction": (_("Log an interaction"), InteractionForm),
}


@login_required
@require_http_methods(["GET", "POST"])
def partner_add(request: HttpRequest, code: str, what: str) -> HttpResponse:
    """One of the office's forms about a partner (membership, fee, agreement, contact, interaction)."""
    if what not in FORMS:
        raise Http404
    organisation = get_partner(request, code, "partners.manage_partner")
    profile = services.profile_of(organisation)
    title, form_class = FORMS[what]
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    if what == "relation":
        form = RelationForm(data, instance=profile, initial={"version": profile.version})
    elif what == "agreement":
        form = AgreementForm(data, files, projects=Project.objects.filter(partners__organisation=organisation))
    else:
        form = form_class(data)
    # A signed PDF cut while it arrived (too large): its size and the limit; nothing saved (before,
    # the agreement was saved without its file, "Saved.").
    if request.method == "POST" and not refuse_cut_upload(request, form, "upload" if what == "agreement" else None):

        def write() -> None:
            values = dict(form.cleaned_data)
            if what == "relation":
                version = values.pop("version")
                profile.refresh_from_db()
                services.update_relation(profile, values, expected_version=version, actor=request.user)
            elif what == "payment":
                services.record_fee_payment(profile, actor=request.user, **values)
            elif what == "agreement":
                upload = values.pop("upload")
                services.add_agreement(profile, data=values, upload=upload, actor=request.user)
            elif what == "contact":
                services.add_contact(profile, person=values["email"], role=values["role"], actor=request.user)
            else:
                services.log_interaction(profile, data=values, actor=request.user)

        if run_write(form, write):
            messages.success(request, _("Saved."))
            return redirect("partners:detail", organisation.code)
    return render(
        request,
        "partners/add.html",
        {"organisation": organisation, "form": form, "title": title, "multipart": what == "agreement"},
    )


@login_required
def agreement_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    agreement = get_for_user_or_404(
        request.user,
        Agreement.objects.filter(profile__organisation__code=code).select_related("profile__organisation"),
        "partners.view_agreement_file",
        pk=pk,
    )
    if not agreement.file:
        raise Http404
    return FileResponse(
        agreement.file.open("rb"), as_attachment=True, filename=agreement.file_name, content_type="application/pdf"
    )


@login_required
def funnel(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "partners.view_funnel")
    per_partner, per_challenge = queries.funnel()
    return render(
        request,
        "partners/funnel.html",
        {"per_partner": per_partner, "per_challenge": per_challenge, "today": timezone.localdate()},
    )
