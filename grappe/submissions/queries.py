"""Reusable reads about proposals, including who may see which."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from grappe.people.models import RoleKind
from grappe.people.rules import roles_of
from grappe.submissions.models import InvitationState, Proposal, ProposalState


def call_is_closed(call: Any) -> bool:
    """The call's deadline has passed, or the office closed (or archived) it: the board may read."""
    return bool(call.is_closed)


def involved_organisation_ids(proposal: Proposal) -> set[int]:
    """The lead organisation, the team's organisations and the partners (cached on the object)."""
    cached = getattr(proposal, "_involved_ids", None)
    if cached is not None:
        return cached
    ids = {proposal.lead_organisation_id} if proposal.lead_organisation_id else set()
    ids |= set(proposal.team.exclude(organisation=None).values_list("organisation_id", flat=True))
    ids |= set(proposal.partners.values_list("organisation_id", flat=True))
    proposal._involved_ids = ids  # type: ignore[attr-defined]
    return ids


def partner_organisation_ids(proposal: Proposal) -> set[int]:
    return set(proposal.partners.values_list("organisation_id", flat=True))


def _contact_orgs(user: Any, kind: str) -> set[int]:
    roles = roles_of(user)
    return {org for org, kinds in roles.by_org.items() if kind in kinds}


def contact_organisation_ids(user: Any, kind: str) -> set[int]:
    """Organisations the user is a contact of (``kind``), with the entities of those groups."""
    from grappe.people.models import Organisation

    direct = _contact_orgs(user, kind)
    if not direct:
        return set()
    cache: dict[str, set[int]] = user.__dict__.setdefault("_grappe_contact_ids", {})  # once per request
    if kind not in cache:
        children = set(Organisation.objects.filter(parent_id__in=direct).values_list("id", flat=True))
        cache[kind] = direct | children
    return cache[kind]


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    """Every proposal ``user`` may open (the office: all; others: theirs, their organisation's)."""
    roles = roles_of(user)
    if roles.is_office:
        return Proposal.objects.all()
    if roles.person_id is None:
        return Proposal.objects.none()
    condition = Q(team__person_id=roles.person_id, team__state=InvitationState.ACCEPTED)
    institutions = contact_organisation_ids(user, RoleKind.INSTITUTION_CONTACT)
    if institutions:
        condition |= (
            Q(lead_organisation_id__in=institutions)
            | Q(team__organisation_id__in=institutions)
            | Q(partners__organisation_id__in=institutions)
        ) & ~Q(state=ProposalState.DRAFT)
    partners = contact_organisation_ids(user, RoleKind.PARTNER_CONTACT)
    if partners:
        condition |= Q(partners__organisation_id__in=partners) & ~Q(state=ProposalState.DRAFT)
    return Proposal.objects.filter(condition).distinct()
