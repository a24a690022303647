"""Reusable reads about people and organisations."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from grappe.people.models import Affiliation, Organisation, Person, Relationship


def current_affiliations_q(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today})


def current_organisation_ids(person: Person) -> set[int]:
    """Ids of the organisations where ``person`` holds a current affiliation."""
    prefetched = getattr(person, "_prefetched_objects_cache", {}).get("affiliations")
    if prefetched is not None:
        return {a.organisation_id for a in prefetched if a.is_current}
    return set(person.affiliations.filter(current_affiliations_q()).values_list("organisation_id", flat=True))


def organisation_names(person_ids: list[int]) -> dict[int, str]:
    """Per person, the name of a current organisation (the latest affiliation), in one query: what
    tells two people of the same name apart on a list."""
    out: dict[int, str] = {}
    for person_id, name in (
        Affiliation.objects.filter(current_affiliations_q(), person_id__in=person_ids)
        .order_by("person_id", "-start_date", "id")
        .values_list("person_id", "organisation__name")
    ):
        out.setdefault(person_id, name)
    return out


def public_directory() -> QuerySet[Organisation]:
    """Members, associates and partners, as the public sees them."""
    return Organisation.objects.filter(relationship__in=Relationship.public()).select_related("parent")


def organisations_for_office() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("parent").annotate(
        people_count=Count("affiliations", filter=current_affiliations_q("affiliations__"), distinct=True)
    )


def people_for_office() -> QuerySet[Person]:
    return Person.objects.select_related("user").prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(current_affiliations_q()).select_related("organisation"),
            to_attr="current_affiliations",
        ),
        "keywords",
    )


def people_of_organisation(organisation: Organisation) -> QuerySet[Affiliation]:
    return (
        Affiliation.objects.filter(organisation=organisation)
        .filter(current_affiliations_q())
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )


def search_people(queryset: QuerySet[Person], q: str) -> QuerySet[Person]:
    for term in q.split():
        queryset = queryset.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(keywords__name__icontains=term)
        )
    return queryset.distinct()


def filter_organisations(queryset: QuerySet[Organisation], data: dict[str, object]) -> QuerySet[Organisation]:
    """Apply the cleaned data of a directory filter form (search, relationship, kind, sector, country)."""
    if data.get("q"):
        queryset = search_organisations(queryset, str(data["q"]))
    for name in ("relationship", "kind", "sector", "country"):
        if data.get(name):
            queryset = queryset.filter(**{name: data[name]})
    return queryset


def search_organisations(queryset: QuerySet[Organisation], q: str) -> QuerySet[Organisation]:
    for term in q.split():
        queryset = queryset.filter(
            Q(name__icontains=term) | Q(short_name__icontains=term) | Q(ror=term.lower()) | Q(siren=term)
        )
    return queryset
