"""Conflicts of interest: computed, declared, recorded by the office, waived."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.replay import digest_of
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
    EngineRun,
    PoolState,
    ReviewAssignment,
    RunKind,
    RunState,
)
from grappe.review.names import author_match, fold, normalise_orcid, title_key
from grappe.review.services.common import ReviewError, clean_reason, settings_for
from grappe.submissions.models import InvitationState, Proposal, ProposalState


def _coauthorships(expert: dict[str, Any], since_year: int) -> list[tuple[list[Any], int, str]]:
    """(publication, author index, author) of the expert's recent publications, the expert
    themself left out (by ORCID, else by name). Publications are the stored inputs' lists
    ``[id, title, year, doi, authors, author_orcids]``."""
    out = []
    mine = normalise_orcid(expert["orcid"] or "")
    for publication in expert["publications"]:
        year, authors, orcids = publication[2], publication[4], publication[5] or []
        if year is not None and year < since_year:
            continue
        for index, author in enumerate(authors):
            orcid = orcids[index] if index < len(orcids) else ""
            if (mine and orcid == mine) or (
                not (mine and orcid) and author_match(author, first_name=expert["first"], last_name=expert["last"])
            ):
                continue
            out.append((publication, index, author))
    return out


def _coauthor_evidence(coauthorships: list[tuple[list[Any], int, str]], member: dict[str, Any]) -> list[dict[str, Any]]:
    """The publications the expert shares with ``member``: by ORCID when both are known, else by
    full name (or initials when one side has only initials)."""
    found = []
    orcid = normalise_orcid(member["orcid"] or "")
    for publication, index, author in coauthorships:
        orcids = publication[5] or []
        theirs = orcids[index] if index < len(orcids) else ""
        if orcid and theirs:
            how = "ORCID" if orcid == theirs else None
        else:
            how = author_match(author, first_name=member["first"], last_name=member["last"])
        if how:
            found.append(
                {
                    "kind": "coauthor",
                    "member": member["name"],
                    "author": author,
                    "publication": publication[1],
                    "year": publication[2],
                    "match": how,
                }
            )
    return found


def _authorship_evidence(expert: dict[str, Any], proposal: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The expert's publications whose title is the proposal's (normalised), or whose DOI the
    proposal's text cites: the expert likely wrote it."""
    key = title_key(proposal["title"])
    found = []
    for _id, title, year, doi, _authors, _orcids in expert["publications"]:
        how = "title" if key and title_key(title) == key else None
        if how is None and doi and doi in text:
            how = "DOI"
        if how:
            found.append({"kind": "authorship", "publication": title, "year": year, "match": how})
    return found


def _person(person: Person) -> dict[str, Any]:
    return {
        "code": person.code,
        "first": person.first_name,
        "last": person.last_name,
        "name": person.full_name,
        "orcid": person.orcid or "",
    }


def _proposal_inputs(proposal: Proposal) -> dict[str, Any]:
    team = [m for m in proposal.team.all() if m.state == InvitationState.ACCEPTED and m.person_id]
    organisations = {m.organisation.code for m in team if m.organisation_id}
    if proposal.lead_organisation_id:
        organisations.add(proposal.lead_organisation.code)
    return {
        "code": proposal.code,
        "title": proposal.title,
        "abstract": proposal.abstract,
        "lead": proposal.lead.code,
        "organisations": sorted(organisations),
        "partners": sorted({p.organisation.code for p in proposal.partners.all()}),
        "team": sorted((_person(m.person) for m in team), key=lambda member: member["code"]),
    }


def conflict_inputs(call: Call) -> dict[str, Any]:
    """Everything conflict detection reads, as plain JSON (stored for replay, ``core.replay``):
    the window and the date it counts back from, the submitted proposals (title, abstract, the
    organisations of the lead, team and partners, the accepted team members) and the pool's
    experts (names, ORCID, organisations within the window, partner companies they are a contact
    of, publications with their authors)."""
    window = settings_for(call).conflict_window_years
    today = timezone.localdate()
    since = today.replace(year=today.year - window, day=28 if (today.month, today.day) == (2, 29) else today.day)
    proposals = list(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED)
        .select_related("lead", "lead_organisation")
        .prefetch_related("team__person", "team__organisation", "partners__organisation")
        .order_by("code")
    )
    experts = list(
        Person.objects.filter(pools__call=call)
        .exclude(pools__state=PoolState.DECLINED)
        .prefetch_related("publications")
        .distinct()
        .order_by("code")
    )
    expert_ids = [e.pk for e in experts]
    affiliations: dict[int, set[str]] = {}
    for person_id, org in (
        Affiliation.objects.filter(person_id__in=expert_ids)
        .filter(Q(end_date=None) | Q(end_date__gte=since))
        .values_list("person_id", "organisation__code")
    ):
        affiliations.setdefault(person_id, set()).add(org)
    contacts: dict[int, set[str]] = {}
    for person_id, org in Role.objects.filter(
        person_id__in=expert_ids, kind=RoleKind.PARTNER_CONTACT, organisation__isnull=False
    ).values_list("person_id", "organisation__code"):
        contacts.setdefault(person_id, set()).add(org)
    return {
        "window": window,
        "since": since.isoformat(),
        "proposals": [_proposal_inputs(p) for p in proposals],
        "experts": [
            {
                **_person(e),
                "affiliations": sorted(affiliations.get(e.pk, set())),
                "contacts": sorted(contacts.get(e.pk, set())),
                "publications": [
                    [pub.pk, pub.title, pub.year, pub.doi or "", list(pub.authors or []), list(pub.author_orcids or [])]
                    for pub in sorted(e.publications.all(), key=lambda pub: pub.pk)
                ],
            }
            for e in experts
        ],
    }


def conflicts_from_inputs(payload: dict[str, Any]) -> list[list[Any]]:
    """The conflicts found in stored inputs, ``[expert, proposal, reasons, evidence]`` by codes:
    what :func:`compute_conflicts` records and what its replay recomputes.

    For every expert and proposal: an affiliation current or ended within the window with the
    lead's organisation, a team member's or a partner's; being on the team (or the lead); being a
    contact of a partner company; a co-authored publication within the window with a team member
    (by ORCID when both are known, else full name; the shared publications kept as evidence); a
    publication of the expert whose title is the proposal's, or whose DOI it cites (likely
    authorship)."""
    window = payload["window"]
    since_year = dt.date.fromisoformat(payload["since"]).year
    experts = payload["experts"]
    coauthorships = {e["code"]: _coauthorships(e, since_year) for e in experts}
    orcids = {code: any(orcid for p, _i, _a in items for orcid in p[5] or []) for code, items in coauthorships.items()}
    # Every word of the co-authors' names, per expert: a cheap filter before matching names.
    words: dict[str, set[str]] = {
        code: {word for _p, _i, author in items for word in fold(author).split()}
        for code, items in coauthorships.items()
    }
    found = []
    for proposal in payload["proposals"]:
        team = proposal["team"]
        team_codes = {m["code"] for m in team} | {proposal["lead"]}
        text = (proposal["title"] + " " + proposal["abstract"]).lower()
        orgs = set(proposal["organisations"]) | set(proposal["partners"])
        partner_orgs = set(proposal["partners"])
        for expert in experts:
            code = expert["code"]
            reasons = []
            if code in team_codes:
                reasons.append(REASON_TEAM)
            if set(expert["affiliations"]) & orgs:
                reasons.append(f"{REASON_AFFILIATION}:{window}")
            if set(expert["contacts"]) & partner_orgs:
                reasons.append(REASON_PARTNER_CONTACT)
            evidence = []
            for member in team:
                surname = fold(member["last"]).split()
                if (surname and set(surname) <= words[code]) or (member["orcid"] and orcids[code]):
                    evidence += _coauthor_evidence(coauthorships[code], member)
            if evidence:
                reasons.append(f"{REASON_COAUTHOR}:{window}")
            authorship = _authorship_evidence(expert, proposal, text)
            if authorship:
                reasons.append(REASON_AUTHORSHIP)
                evidence += authorship
            if reasons:
                found.append([code, proposal["code"], reasons, evidence])
    return found


def conflicts_outcome(found: list[list[Any]]) -> dict[str, Any]:
    """What a conflict detection concluded, in a form a replay compares: each pair with its
    reasons, and the hash of everything found (evidence included)."""
    return {"pairs": sorted([r, p, sorted(reasons)] for r, p, reasons, _e in found), "digest": digest_of(found)}


def compare_conflicts(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    if kept.get("digest") == new["digest"]:
        return []
    before = {(r, p): reasons for r, p, reasons in kept.get("pairs") or []}
    after = {(r, p): reasons for r, p, reasons in new["pairs"]}
    lines = []
    for label, pairs in (
        (_("no longer found"), set(before) - set(after)),
        (_("newly found"), set(after) - set(before)),
    ):
        if pairs:
            shown = ", ".join(f"{r} × {p}" for r, p in sorted(pairs)[:5])
            more = _(" and %(n)d more") % {"n": len(pairs) - 5} if len(pairs) > 5 else ""
            lines.append(
                _("%(count)d conflict(s) %(label)s: %(pairs)s%(more)s")
                % {"count": len(pairs), "label": label, "pairs": shown, "more": more}
            )
    for pair in sorted(set(before) & set(after)):
        if before[pair] != after[pair]:
            lines.append(
                _("%(pair)s: reasons were %(then)s, now %(now)s")
                % {"pair": " × ".join(pair), "then": ", ".join(before[pair]), "now": ", ".join(after[pair])}
            )
    if not lines:
        lines.append(_("The same conflicts, with different evidence."))
    return lines


@transaction.atomic
def compute_conflicts(call: Call, *, actor: Any) -> int:
    """Recompute the call's conflicts of interest from the data (:func:`conflicts_from_inputs`);
    returns how many there are. Waivers already given are kept. The detection is kept as an
    engine run of kind ``conflicts`` with its exact inputs, so it can be replayed."""
    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION

    payload = conflict_inputs(call)
    stored = store_inputs(payload)
    found = conflicts_from_inputs(payload)
    people = {p.code: p for p in Person.objects.filter(code__in={r for r, _p, _r, _e in found})}
    proposals = {p.code: p for p in Proposal.objects.filter(call=call, code__in={p for _r, p, _x, _e in found})}
    waived = {
        (c.reviewer_id, c.proposal_id): c.waiver_justification
        for c in Conflict.objects.filter(call=call, origin=ConflictOrigin.COMPUTED, waived=True)
    }
    Conflict.objects.filter(call=call, origin=ConflictOrigin.COMPUTED).delete()
    created = []
    for reviewer_code, proposal_code, reasons, evidence in found:
        expert, proposal = people[reviewer_code], proposals[proposal_code]
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
    now = timezone.now()
    run = EngineRun.objects.create(
        call=call,
        kind=RunKind.CONFLICTS,
        state=RunState.DONE,
        progress=100,
        parameters={"window": payload["window"], "since": payload["since"]},
        inputs_hash=stored.digest,
        inputs=stored,
        engine_version=ENGINE_VERSION,
        statistics={
            "conflicts": len(created),
            "experts": len(payload["experts"]),
            "proposals": len(payload["proposals"]),
            **conflicts_outcome(found),
        },
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        finished_at=now,
    )
    log_action(
        call,
        "review.conflicts_computed",
        actor=actor,
        data={"count": len(created), "window": payload["window"], "run": run.pk},
    )
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
