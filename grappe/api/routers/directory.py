"""The directory: organisations and people, as the directory and office pages show them."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from grappe.api.auth import require_user
from grappe.api.common import ERRORS, cleaned
from grappe.api.pagination import page
from grappe.api.schemas import OrganisationOut, OrganisationPage, PersonOut, PersonPage
from grappe.core.access import get_for_user_or_404, posted_code, require_perm_or_404
from grappe.people.forms import DirectoryFilterForm, OfficeOrganisationFilterForm, PeopleFilterForm
from grappe.people.models import Organisation, Person
from grappe.people.queries import (
    filter_organisations,
    organisations_for_office,
    people_for_office,
    public_directory,
    search_people,
)

router = Router(tags=["directory"])


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=40)
    limit: int | None = Field(None, ge=1, le=1000)


class OrganisationFilters(PageQuery):
    q: str = ""
    relationship: str = ""
    kind: str = ""
    sector: str = ""
    country: str = ""


class PeopleFilters(PageQuery):
    q: str = ""
    organisation: str = ""
    keyword: str = ""
    account: str = ""


def organisation_out(organisation: Organisation, user: Any) -> dict[str, Any]:
    private = user.has_perm("people.view_organisation_private", organisation)
    return {
        "code": organisation.code,
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "sector": organisation.sector,
        "country": str(organisation.country or ""),
        "website": organisation.website,
        "ror": organisation.ror,
        "relationship": organisation.relationship,
        "parent": organisation.parent.code if organisation.parent_id else None,
        "siren": organisation.siren if private else None,
    }


def person_out(person: Person) -> dict[str, Any]:
    affiliations = getattr(person, "current_affiliations", None)
    if affiliations is None:
        affiliations = list(person.affiliations.select_related("organisation"))
        affiliations = [a for a in affiliations if a.is_current]
    return {
        "code": person.code,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "orcid": person.orcid,
        "keywords": sorted(k.name for k in person.keywords.all()),
        "affiliations": [
            {"organisation": a.organisation.code, "organisation_name": a.organisation.name, "position": a.position}
            for a in affiliations
        ],
    }


@router.get("/organisations", response={200: OrganisationPage, **ERRORS})
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    """The public directory (members, associates, partners); the office and the board see every
    organisation, as on the office's organisations page."""
    user = request.user
    office = user.has_perm("people.list_organisations")
    queryset = organisations_for_office() if office else public_directory()
    form_class = OfficeOrganisationFilterForm if office else DirectoryFilterForm
    data = cleaned(form_class(filters.dict(exclude={"cursor", "limit"})))
    queryset = filter_organisations(queryset, data)
    return page(queryset, cursor=filters.cursor, limit=filters.limit, item=lambda o: organisation_out(o, user))


@router.get("/organisations/{code}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request: HttpRequest, code: str) -> Any:
    """An organisation of the public directory, or one whose private page the caller may read."""
    user = request.user
    organisation = Organisation.objects.select_related("parent").filter(code=posted_code(code)).first()
    if organisation is None or not (
        user.has_perm("people.view_public_organisation", organisation)
        or user.has_perm("people.view_organisation_private", organisation)
    ):
        raise Http404
    return organisation_out(organisation, user)


@router.get("/people", response={200: PersonPage, **ERRORS})
def list_people(request: HttpRequest, filters: Query[PeopleFilters]) -> Any:
    """Everyone in the directory, for the office and the board (the office's people page)."""
    require_perm_or_404(request.user, "people.list_people")
    data = cleaned(PeopleFilterForm(filters.dict(exclude={"cursor", "limit"})))
    people = people_for_office()
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
    return page(people, cursor=filters.cursor, limit=filters.limit, item=person_out)


@router.get("/people/{code}", response={200: PersonOut, **ERRORS})
def get_person(request: HttpRequest, code: str) -> Any:
    """A person: the office and the board, the person themself, a contact of their organisation."""
    return person_out(get_for_user_or_404(request.user, people_for_office(), "people.see_person", code=code))


@router.get("/me", response={200: PersonOut, **ERRORS})
def me(request: HttpRequest) -> Any:
    """The token's owner."""
    user = require_user(request)
    person = people_for_office().filter(pk=user.person_id).first()
    if person is None:
        raise Http404
    return person_out(person)
