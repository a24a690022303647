"""Conflicts of interest: computed, declared, recorded by the office, waived."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.services import log_action
from grappe.people.models import Affiliation, Person, Role, RoleKind
from grappe.review.models import (
    REASON_AFFILIATION,
    REASON_AUTHORSHIP,
    REASON_COAUTHOR,
    REASON_PARTNER_CONTACT,
    REASON_TEAM,
    AssignmentState,
    Conflict,
    ConflictOrigin,
    PoolState,
    ReviewAssignment,
)
from grappe.review.names import author_match, fold, normalise_orcid, title_key
from grappe.review.services.common import ReviewError, clean_reason, settings_for
from grappe.submissions.models import InvitationState, Proposal, ProposalState


def _coauthorships(expert: Person, since_year: int) -> list[tuple[Any, int, str]]:
    """(publication, author index, author) of the expert's recent publications, the expert
    themself left out (by ORCID, else by name)."""
    out = []
    mine = normalise_orcid(expert.orcid or "")
    for publication in expert.publications.all():
        if publication.year is not None and publication.year < since_year:
            continue
        orcids = publication.author_orcids or []
        for index, author in enumerate(publication.authors):
            orcid = orcids[index] if index < len(orcids) else ""
            if (mine and orcid == mine) or (
                not (mine and orcid) and author_match(author, first_name=expert.first_name, last_name=expert.last_name)
            ):
                continue
            out.append((publication, index, author))
    return out


def _coauthor_evidence(coauthorships: list[tuple[Any, int, str]], member: Person) -> list[dict[str, Any]]:
    """The publications the expert shares with ``member``: by ORCID when both are known, else by
    full name (or initials when one side has only initials)."""
    found = []
    orcid = normalise_orcid(member.orcid or "")
    for publication, index, author in coauthorships:
        orcids = publication.author_orcids or []
        theirs = orcids[index] if index < len(orcids) else ""
        if orcid and theirs:
            how = "ORCID" if orcid == theirs else None
        else:
            how = author_match(author, first_name=member.first_name, last_name=member.last_name)
        if how:
            found.append(
                {
                    "kind": "coauthor",
                    "member": member.full_name,
                    "author": author,
                    "publication": publication.title,
                    "year": publication.year,
                    "match": how,
                }
            )
    return found


def _authorship_evidence(expert: Person, proposal: Proposal, text: str) -> list[dict[str, Any]]:
    """The expert's publications whose title is the proposal's (normalised), or whose DOI the
    proposal's text cites: the expert likely wrote it."""
    key = title_key(proposal.title)
    found = []
    for publication in expert.publications.all():
        how = "title" if key and title_key(publication.title) == key else None
        if how is None and publication.doi and publication.doi in text:
            how = "DOI"
        if how:
            found.append(
                {"kind": "authorship", "publication": publication.title, "year": publication.year, "match": how}
            )
    return found


@transaction.atomic
def compute_conflicts(call: Call, *, actor: Any) -> int:
    """Recompute the call's conflicts of interest from the data; returns how many there are.

    For every expert of the pool (not declined) and submitted proposal: an affiliation current or
    ended within the window with the lead's organisation, a team member's or a partner's; being
    on the team; being a contact of a partner company; a co-authored publication within the
    window with a team member (by ORCID when both are known, else full name; the shared publications
    kept as evidence); a publication of the expert whose title is the proposal's, or whose DOI it
    cites (likely authorship). Waivers already given are kept.
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
    coauthorships = {expert.pk: _coauthorships(expert, since.year) for expert in experts}
    orcids = {
        pk: any(orcid for p, _i, _a in items for orcid in p.author_orcids or []) for pk, items in coauthorships.items()
    }
    # Every word of the co-authors' names, per expert: a cheap filter before matching names.
    words: dict[int, set[str]] = {
        pk: {word for _p, _i, author in items for word in fold(author).split()} for pk, items in coauthorships.items()
    }
    waived = {
        (c.reviewer_id, c.proposal_id): c.waiver_justification
        for c in Conflict.objects.filter(call=call, origin=ConflictOrigin.COMPUTED, waived=True)
    }
    Conflict.objects.filter(call=call, origin=ConflictOrigin.COMPUTED).delete()
    created = []
    for proposal in proposals:
        team = [m for m in proposal.team.all() if m.state == InvitationState.ACCEPTED and m.person_id]
        team_ids = {m.person_id for m in team} | {proposal.lead_id}
        text = (proposal.title + " " + proposal.abstract).lower()
        orgs = {proposal.lead_organisation_id} | {m.organisation_id for m in team if m.organisation_id}
        partner_orgs = {p.organisation_id for p in proposal.partners.all()}
        for expert in experts:
            reasons = []
            if expert.pk in team_ids:
                reasons.append(REASON_TEAM)
            shared = affiliations.get(expert.pk, set()) & (orgs | partner_orgs)
            if shared:
                reasons.append(f"{REASON_AFFILIATION}:{window}")
            if contacts.get(expert.pk, set()) & partner_orgs:
                reasons.append(REASON_PARTNER_CONTACT)
            evidence = []
            for member in team:
                surname = fold(member.person.last_name).split()
                if (surname and set(surname) <= words[expert.pk]) or (member.person.orcid and orcids[expert.pk]):
                    evidence += _coauthor_evidence(coauthorships[expert.pk], member.person)
            if evidence:
                reasons.append(f"{REASON_COAUTHOR}:{window}")
            authorship = _authorship_evidence(expert, proposal, text)
            if authorship:
                reasons.append(REASON_AUTHORSHIP)
                evidence += authorship
            if reasons:
                justification = waived.get((expert.pk, proposal.pk))
                created.append(
                    Conflict(
                        call=call,
                        reviewer=expert,
                        proposal=proposal,
                        origin=ConflictOrigin.COMPUTED,
                        reasons=reasons,
                        evidence=evidence,
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
