"""Who may do what with people and organisations, as named django-rules predicates.

Roles are read once per request and cached on the user object (``roles_of``), so a
list page that checks a permission per row costs no extra query per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import rules

from grappe.people.models import RoleKind


@dataclass(frozen=True)
class UserRoles:
    """The roles of one user, as sets that predicates test without a query."""

    global_kinds: frozenset[str] = frozenset()
    contact_of: frozenset[int] = frozenset()  # organisation ids (institution or partner contact)
    person_id: int | None = None
    by_org: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def is_office(self) -> bool:
        return RoleKind.OFFICE in self.global_kinds

    @property
    def is_board(self) -> bool:
        return RoleKind.BOARD in self.global_kinds


_EMPTY = UserRoles()


def roles_of(user: Any) -> UserRoles:
    """The user's roles, loaded with one query and cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _EMPTY
    cached = getattr(user, "_grappe_roles", None)
    if cached is not None:
        return cached
    from grappe.people.models import Role

    global_kinds: set[str] = set()
    by_org: dict[int, set[str]] = {}
    for kind, org_id in Role.objects.filter(person_id=user.person_id).values_list("kind", "organisation_id"):
        if org_id is None:
            global_kinds.add(kind)
        else:
            by_org.setdefault(org_id, set()).add(kind)
    roles = UserRoles(
        global_kinds=frozenset(global_kinds),
        contact_of=frozenset(by_org),
        person_id=user.person_id,
        by_org={k: frozenset(v) for k, v in by_org.items()},
    )
    user._grappe_roles = roles
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles and what was derived from them (``_grappe_*`` attributes)."""
    for name in [n for n in vars(user) if n.startswith("_grappe_")]:
        delattr(user, name)


@rules.predicate
def is_office(user: Any) -> bool:
    return roles_of(user).is_office


@rules.predicate
def is_board(user: Any) -> bool:
    return roles_of(user).is_board


@rules.predicate
def is_contact(user: Any) -> bool:
    return bool(roles_of(user).contact_of)


@rules.predicate
def is_contact_of_organisation(user: Any, organisation: Any) -> bool:
    """Institution or partner contact of this organisation or of its parent group."""
    if organisation is None:
        return False
    contact_of = roles_of(user).contact_of
    return organisation.pk in contact_of or (
        organisation.parent_id is not None and organisation.parent_id in contact_of
    )


@rules.predicate
def is_self(user: Any, person: Any) -> bool:
    return person is not None and roles_of(user).person_id == person.pk


@rules.predicate
def is_contact_of_persons_organisation(user: Any, person: Any) -> bool:
    """Contact of an organisation where the person holds a current affiliation."""
    if person is None:
        return False
    contact_of = roles_of(user).contact_of
    if not contact_of:
        return False
    from grappe.people.queries import current_organisation_ids

    return bool(current_organisation_ids(person) & contact_of)


@rules.predicate
def is_public_organisation(user: Any, organisation: Any) -> bool:
    return organisation is not None and organisation.is_public


is_cluster_staff = is_office | is_board

# Organisations
rules.add_perm("people.view_directory", rules.always_allow)
rules.add_perm("people.view_public_organisation", is_public_organisation)
rules.add_perm("people.list_organisations", is_cluster_staff)
rules.add_perm("people.view_organisation_private", is_cluster_staff | is_contact_of_organisation)
rules.add_perm("people.create_organisation", is_office)
rules.add_perm("people.edit_organisation", is_office)
# People
rules.add_perm("people.list_people", is_cluster_staff)
rules.add_perm("people.see_person", is_cluster_staff | is_self | is_contact_of_persons_organisation)
rules.add_perm("people.create_person", is_office)
rules.add_perm("people.edit_person", is_office)
rules.add_perm("people.manage_roles", is_office)
rules.add_perm("people.edit_own_profile", rules.is_authenticated)
# The audit log
rules.add_perm("core.view_activity", is_office)
rules.add_perm("core.replay_run", is_office)
