"""The public directory of the cluster's members and partners."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from grappe.core.access import get_for_user_or_404
from grappe.core.paginate import paginate
from grappe.people.forms import DirectoryFilterForm
from grappe.people.models import Organisation, Relationship
from grappe.people.queries import filter_organisations, public_directory


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    organisations = public_directory()
    if form.is_valid():
        organisations = filter_organisations(organisations, form.cleaned_data)
    page = paginate(request, organisations.order_by("name"))
    counts = public_directory().aggregate(
        member=Count("id", filter=Q(relationship=Relationship.MEMBER)),
        partner=Count("id", filter=Q(relationship=Relationship.PARTNER)),
    )
    return render(request, "people/directory.html", {"form": form, "page": page, "counts": counts})


def public_organisation(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_for_user_or_404(
        request.user, Organisation.objects.select_related("parent"), "people.view_public_organisation", code=code
    )
    children = public_directory().filter(parent=organisation).order_by("name")
    return render(
        request,
        "people/public_organisation.html",
        {
            "organisation": organisation,
            "children": children,
            "can_see_private": request.user.has_perm("people.view_organisation_private", organisation),
        },
    )
