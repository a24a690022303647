from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from grappe.people.models import Organisation
from grappe.people.rules import roles_of


def people(request: HttpRequest) -> dict[str, Any]:
    """``my_organisations``: the organisations the user is a contact of (queried only if used)."""

    def load() -> list[Organisation]:
        ids = roles_of(getattr(request, "user", None)).contact_of
        return list(Organisation.objects.filter(pk__in=ids).order_by("name")) if ids else []

    return {"my_organisations": SimpleLazyObject(load)}
