"""Conflicts of interest: computed, declared, recorded by the office, waived."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.services import log_action
from grappe.people.models import Affiliation, Person, Role, RoleKind
from grappe.review.models import (
    AssignmentState,
    Conflict,
    ConflictOrigin,
    PoolState,
    ReviewAssignment,
)
from grappe.review.services.common import ReviewError, clean_reason, settings_for
from grappe.submissions.models import InvitationState, Proposal, ProposalState


def _name_key(name: str) -> str:
    """'Curie, Marie' or 'Marie Curie' → 'curie m' (accents and case folded)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().strip()
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
    else:
        parts = text.split()
        last, first = (parts[-1], " ".join(parts[:-1])) if parts else ("", "")
    return f"{last} {first[:1]}".strip()


def _person_key(person: Person) -> str:
    return _name_key(f"{person.last_name}, {person.first_name}")


@transaction.atomic
def compute_conflicts(call: Call, *, actor: Any) -> int:
    """Recompute the call's conflicts of interest from the data; returns how many there are.

    For every expert of the pool (not declined) and submitted proposal: an affiliation current or
    ended within the window with the lead's organisation, a team member's or a partner's; being
    on the team; being a contact of a partner company; a co-authored publication within the
    window with a team member. Waivers already given are kept.
    """
    window = settings_for(call).conflict_window_years
    today = timezone.localdate()
    since = today.replace(year=today.year - window)
    proposals = list(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED).prefetch_related("team__person", "partners")
    )
    experts = list(
        Person.objects.filter(pools__call=call)
        .exclude(pools__state=PoolState.DECLINED)
        .prefetch_related("publications")
    )
    expert_ids = [e.pk for e in experts]
    affiliations: dict[int, set[int]] = {}
    for person_id, org_id in (
        Affiliation.objects.filter(person_id__in=expert_ids)
        .filter(Q(end_date=None) | Q(end_date__gte=since))
        .values_list("person_id", "organisation_id")
    ):
        affiliations.setdefault(person_id, set()).add(org_id)
    contacts: dict[int, set[int]] = {}
    for person_id, org_id in Role.objects.filter(person_id__in=expert_ids, kind=RoleKind.PARTNER_CONTACT).values_list(
        "person_id", "organisation_id"
    ):
        contacts.setdefault(person_id, set()).add(org_id)
    coauthors: dict[int, set[str]] = {}
    for expert in experts:
        me = _person_key(expert)
        names = {
            _name_key(a) for p in expert.publications.all() if p.year is None or p.year >= since.year for a in p.authors
        }
        coauthors[expert.pk] = names - {me}
    waived = {
        (c.reviewer_id, c.proposal_id): c.waiver_justification
        for c in Conflict.objects.filter(call=call, origin=ConflictOrigin.COMPUTED, waived=True)
    }
    Conflict.objects.filter(call=call, origin=ConflictOrigin.COMPUTED).delete()
    created = []
    for proposal in proposals:
        team = [m for m in proposal.team.all() if m.state == InvitationState.ACCEPTED and m.person_id]
        team_ids = {m.person_id for m in team} | {proposal.lead_id}
        team_keys = {_person_key(m.person) for m in team}
        orgs = {proposal.lead_organisation_id} | {m.organisation_id for m in team if m.organisation_id}
        partner_orgs = {p.organisation_id for p in proposal.partners.all()}
        for expert in experts:
            reasons = []
            if expert.pk in team_ids:
                reasons.append(_("member of the proposal's team"))
            shared = affiliations.get(expert.pk, set()) & (orgs | partner_orgs)
            if shared:
                reasons.append(
                    _("affiliated within %(years)d years with an organisation of the proposal") % {"years": window}
                )
            if contacts.get(expert.pk, set()) & partner_orgs:
                reasons.append(_("contact of a partner company of the proposal"))
            if coauthors.get(expert.pk, set()) & team_keys:
                reasons.append(_("co-author of a team member within %(years)d years") % {"years": window})
            if reasons:
                justification = waived.get((expert.pk, proposal.pk))
                created.append(
                    Conflict(
                        call=call,
                        reviewer=expert,
                        proposal=proposal,
                        origin=ConflictOrigin.COMPUTED,
                        reasons=reasons,
                        waived=justification is not None,
                        waiver_justification=justification or "",
                    )
                )
    Conflict.objects.bulk_create(created)
    log_action(call, "review.conflicts_computed", actor=actor, data={"count": len(created), "window": window})
    return len(created)


@transaction.atomic
def declare_conflict(
    call: Call, *, reviewer: Person, proposal: Proposal, reason: str, origin: str, actor: Any
) -> Conflict:
    """A conflict declared by the reviewer, or added by the office; it removes any assignment."""
    reason = clean_reason(reason)
    if not reason.strip():
        raise ReviewError(_("Please give the reason for the conflict."))
    conflict, _created = Conflict.objects.update_or_create(
        reviewer=reviewer, proposal=proposal, origin=origin, defaults={"call": call, "reasons": [reason.strip()]}
    )
    ReviewAssignment.objects.filter(reviewer=reviewer, proposal=proposal, state=AssignmentState.ACTIVE).update(
        state=AssignmentState.REMOVED, reason=reason.strip()[:500]
    )
    log_action(proposal, "review.conflict_declared", actor=actor, data={"reviewer": reviewer.code, "origin": origin})
    return conflict


@transaction.atomic
def waive_conflict(conflict: Conflict, *, justification: str, actor: Any) -> Conflict:
    if conflict.origin != ConflictOrigin.COMPUTED:
        raise ReviewError(_("Only a computed conflict can be waived; a declared one stands."))
    justification = clean_reason(justification, max_length=2000)
    if len(justification.strip()) < 10:
        raise ReviewError(_("A waiver needs a written justification (10 characters at least)."))
    conflict.waived = True
    conflict.waiver_justification = justification.strip()
    conflict.save(update_fields=["waived", "waiver_justification"])
    log_action(
        conflict.proposal,
        "review.conflict_waived",
        actor=actor,
        data={"reviewer": conflict.reviewer.code, "justification": conflict.waiver_justification},
    )
    return conflict


def conflicted_pairs(call: Call) -> set[tuple[int, int]]:
    """(reviewer id, proposal id) pairs that may not meet: every conflict not waived."""
    return set(Conflict.objects.filter(call=call, waived=False).values_list("reviewer_id", "proposal_id"))


def is_conflicted(reviewer_id: int, proposal_id: int) -> bool:
    return Conflict.objects.filter(reviewer_id=reviewer_id, proposal_id=proposal_id, waived=False).exists()
