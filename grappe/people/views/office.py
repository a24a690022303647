"""Office views: organisations, people, affiliations and roles.

The board reads these pages; only the office writes. Institution and partner contacts
read the page of their own organisation and of the people affiliated to it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.paginate import paginate
from grappe.core.services import ConcurrentEditError
from grappe.people import services
from grappe.people.forms import (
    AffiliationForm,
    OfficeOrganisationFilterForm,
    OrganisationForm,
    PeopleFilterForm,
    PersonForm,
    RoleForm,
)
from grappe.people.models import Affiliation, Organisation, Person, Relationship, Role
from grappe.people.queries import (
    filter_organisations,
    organisations_for_office,
    people_for_office,
    people_of_organisation,
    search_people,
)

# --- Organisations -----------------------------------------------------------------


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "people.list_organisations")
    form = OfficeOrganisationFilterForm(request.GET or None)
    organisations = organisations_for_office()
    if form.is_valid():
        organisations = filter_organisations(organisations, form.cleaned_data)
    totals = organisations.aggregate(
        total=Count("id"),
        members=Count("id", filter=Q(relationship=Relationship.MEMBER)),
        partners=Count("id", filter=Q(relationship=Relationship.PARTNER)),
    )
    page = paginate(request, organisations.order_by("name"))
    return render(request, "people/organisation_list.html", {"form": form, "page": page, "totals": totals})


@login_required
def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_for_user_or_404(
        request.user, Organisation.objects.select_related("parent"), "people.view_organisation_private", code=code
    )
    affiliations = paginate(request, people_of_organisation(organisation))
    contacts = Role.objects.filter(organisation=organisation).select_related("person")
    children = organisation.children.order_by("name")
    return render(
        request,
        "people/organisation_detail.html",
        {
            "organisation": organisation,
            "page": affiliations,
            "contacts": contacts,
            "children": children,
            "can_change": request.user.has_perm("people.edit_organisation", organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "people.create_organisation")
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.create_organisation(actor=request.user, **form.changes())
        messages.success(request, _("Organisation “%(name)s” created.") % {"name": organisation.name})
        return redirect("people:organisation_detail", code=organisation.code)
    return render(request, "people/organisation_form.html", {"form": form, "organisation": None})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_for_user_or_404(request.user, Organisation.objects.all(), "people.edit_organisation", code=code)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_organisation(
                Organisation.objects.get(pk=organisation.pk),
                actor=request.user,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as exc:
            form.add_error(None, str(exc.message))
        else:
            if changed:
                messages.success(request, _("Organisation saved."))
            else:
                messages.info(request, _("Nothing to save: no field changed."))
            return redirect("people:organisation_detail", code=organisation.code)
    return render(request, "people/organisation_form.html", {"form": form, "organisation": organisation})


# --- People --------------------------------------------------------------------------


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "people.list_people")
    form = PeopleFilterForm(request.GET or None)
    people = people_for_office()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            people = search_people(people, data["q"])
        if data["organisation"]:
            people = people.filter(affiliations__organisation=data["organisation"]).distinct()
        if data["keyword"]:
            people = people.filter(keywords__name__iexact=data["keyword"]).distinct()
        if data["account"] == "yes":
            people = people.filter(user__isnull=False)
        elif data["account"] == "no":
            people = people.filter(user__isnull=True)
    page = paginate(request, people.order_by("last_name", "first_name", "id"))
    return render(request, "people/person_list.html", {"form": form, "page": page})


def _person_or_404(request: HttpRequest, code: str, perm: str) -> Person:
    return get_for_user_or_404(
        request.user, Person.objects.select_related("user").prefetch_related("affiliations"), perm, code=code
    )


@login_required
def person_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _render_person(request, _person_or_404(request, code, "people.see_person"))


def _render_person(
    request: HttpRequest,
    person: Person,
    *,
    affiliation_form: AffiliationForm | None = None,
    role_form: RoleForm | None = None,
) -> HttpResponse:
    can_manage = request.user.has_perm("people.manage_roles")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "affiliations": person.affiliations.select_related("organisation").order_by("-start_date", "id"),
            "roles": person.roles.select_related("organisation"),
            "keywords": person.keywords.all(),
            "can_change": request.user.has_perm("people.edit_person", person),
            "can_manage_roles": can_manage,
            "affiliation_form": (affiliation_form or AffiliationForm()) if can_manage else None,
            "role_form": (role_form or RoleForm()) if can_manage else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "people.create_person")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.create_person(actor=request.user, keywords=form.cleaned_data["keywords"], **form.changes())
        messages.success(request, _("%(name)s added to the directory.") % {"name": person.full_name})
        return redirect("people:person_detail", code=person.code)
    return render(request, "people/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, code: str) -> HttpResponse:
    person = _person_or_404(request, code, "people.edit_person")
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_person(
                Person.objects.get(pk=person.pk),
                actor=request.user,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
                keywords=form.cleaned_data["keywords"],
            )
        except ConcurrentEditError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing to save: no field changed."))
            return redirect("people:person_detail", code=person.code)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def affiliation_add(request: HttpRequest, code: str) -> HttpResponse:
    require_perm_or_404(request.user, "people.manage_roles")
    person = _person_or_404(request, code, "people.edit_person")
    form = AffiliationForm(request.POST)
    if form.is_valid():
        services.add_affiliation(person, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Affiliation added."))
        return redirect("people:person_detail", code=person.code)
    return _render_person(request, person, affiliation_form=form)


@login_required
@require_POST
def affiliation_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_perm_or_404(request.user, "people.manage_roles")
    person = _person_or_404(request, code, "people.edit_person")
    affiliation = get_object_or_404(Affiliation.objects.select_related("organisation"), pk=pk, person=person)
    services.end_affiliation(affiliation, actor=request.user)
    messages.success(request, _("Affiliation ended today."))
    return redirect("people:person_detail", code=person.code)


@login_required
@require_POST
def role_grant(request: HttpRequest, code: str) -> HttpResponse:
    require_perm_or_404(request.user, "people.manage_roles")
    person = _person_or_404(request, code, "people.see_person")
    form = RoleForm(request.POST)
    if form.is_valid():
        services.grant_role(
            person, form.cleaned_data["kind"], actor=request.user, organisation=form.cleaned_data["organisation"]
        )
        messages.success(request, _("Role granted."))
        return redirect("people:person_detail", code=person.code)
    return _render_person(request, person, role_form=form)


@login_required
@require_POST
def role_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_perm_or_404(request.user, "people.manage_roles")
    person = _person_or_404(request, code, "people.see_person")
    role = get_object_or_404(Role, pk=pk, person=person)
    if role.person_id == request.user.person_id and role.kind == "office":
        messages.error(request, _("You cannot remove your own office role: ask another office member."))
    else:
        services.revoke_role(role, actor=request.user)
        messages.success(request, _("Role removed."))
    return redirect("people:person_detail", code=person.code)
