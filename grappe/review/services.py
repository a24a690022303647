"""Expert review, the write side: pool, publications, conflicts, affinity and assignment runs,
assignments and reviews. Every change is logged; every engine run is kept with its inputs' hash,
parameters, seed and engine version."""

from __future__ import annotations

import hashlib
import json
import time
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.services import ConcurrentEditError, log_action
from grappe.people.models import Affiliation, Person, Role, RoleKind
from grappe.review.models import (
    BID_VALUES,
    Affinity,
    AssignmentState,
    Bid,
    BidLevel,
    Conflict,
    ConflictOrigin,
    EngineRun,
    PoolMember,
    PoolState,
    ProposedPair,
    Publication,
    PublicationSource,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewSettings,
    ReviewState,
    RunKind,
    RunState,
)
from grappe.submissions.models import InvitationState, Proposal, ProposalState


class ReviewError(ValidationError):
    """A review action that cannot be done; the message says why, in the user's language."""


def settings_for(call: Call) -> ReviewSettings:
    found, _created = ReviewSettings.objects.get_or_create(call=call)
    return found


# --- Pool -----------------------------------------------------------------------------------


@transaction.atomic
def invite(
    call: Call,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    max_load: int = 6,
    is_external: bool = False,
    is_international: bool = False,
    actor: Any,
) -> PoolMember:
    """Invite an expert (an existing person by email, or a new one) to review for ``call``."""
    email = email.strip().lower()
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        if not last_name.strip():
            raise ReviewError(_("Nobody has this email address yet: give the expert's first and last name."))
        person = Person.objects.create(first_name=first_name.strip(), last_name=last_name.strip(), email=email)
    if PoolMember.objects.filter(call=call, person=person).exists():
        raise ReviewError(_("%(name)s is already in this call's pool.") % {"name": person.full_name})
    member = PoolMember.objects.create(
        call=call, person=person, max_load=max_load, is_external=is_external, is_international=is_international
    )
    log_action(call, "review.expert_invited", actor=actor, data={"person": person.code, "max_load": max_load})
    transaction.on_commit(lambda: send_pool_invitation(member))
    return member


def send_pool_invitation(member: PoolMember) -> None:
    link = settings.SITE_URL + reverse("review:invitation", args=[member.token])
    with translation.override(member.person.preferred_language or "fr"):
        subject = _("Invitation to review for %(call)s") % {"call": member.call.title}
        body = render_to_string("review/email/invitation.txt", {"member": member, "link": link})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.person.email])


@transaction.atomic
def respond(member: PoolMember, *, accept: bool, reason: str = "", actor: Any) -> PoolMember:
    member = PoolMember.objects.select_for_update().get(pk=member.pk)
    if not accept and not reason.strip():
        raise ReviewError(_("Please say briefly why you decline."))
    member.state = PoolState.ACCEPTED if accept else PoolState.DECLINED
    member.decline_reason = "" if accept else reason.strip()
    member.responded_at = timezone.now()
    member.save(update_fields=["state", "decline_reason", "responded_at"])
    log_action(member.call, "review.invitation_answered", actor=actor, data={"accept": accept, "reason": reason})
    return member


# --- Publications ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("value", "")
    return " ".join(str(value or "").replace("{", "").replace("}", "").split())


def _year(value: Any) -> int | None:
    digits = "".join(ch for ch in _text(value) if ch.isdigit())[:4]
    return int(digits) if len(digits) == 4 and 1900 <= int(digits) <= 2100 else None


def parse_publications(content: str, fmt: str) -> list[dict[str, Any]]:
    """Publications from a BibTeX file (HAL and ORCID export BibTeX) or an OpenReview ``.jsonl``
    archive. Raises :class:`ReviewError` when nothing can be read."""
    found: list[dict[str, Any]] = []
    if fmt == PublicationSource.BIBTEX:
        import bibtexparser
        from bibtexparser.bparser import BibTexParser

        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
        try:
            database = bibtexparser.loads(content, parser=parser)
        except Exception as exc:
            raise ReviewError(_("This file is not readable BibTeX.")) from exc
        for entry in database.entries:
            title = _text(entry.get("title"))
            if not title:
                continue
            authors = [a.strip() for a in _text(entry.get("author")).split(" and ") if a.strip()]
            found.append(
                {
                    "title": title[:500],
                    "abstract": _text(entry.get("abstract"))[:10000],
                    "year": _year(entry.get("year")),
                    "authors": authors,
                    "external_id": (_text(entry.get("doi")) or entry.get("ID", ""))[:200],
                }
            )
    elif fmt == PublicationSource.JSONL:
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                body = item.get("content", item)
            except (json.JSONDecodeError, AttributeError) as exc:
                raise ReviewError(_("Line %(line)d is not a JSON object.") % {"line": number}) from exc
            title = _text(body.get("title"))
            if not title:
                continue
            authors = body.get("authors") or []
            authors = authors.get("value", []) if isinstance(authors, dict) else authors
            found.append(
                {
                    "title": title[:500],
                    "abstract": _text(body.get("abstract"))[:10000],
                    "year": _year(body.get("year") or item.get("year") or ""),
                    "authors": [str(a) for a in authors][:200],
                    "external_id": str(item.get("id", ""))[:200],
                }
            )
    else:
        raise ReviewError(_("Unknown format."))
    if not found:
        raise ReviewError(_("No publication with a title was found in this file."))
    return found


@transaction.atomic
def import_publications(person: Person, *, content: str, fmt: str, actor: Any) -> int:
    """Add the file's publications to ``person``'s profile, skipping those already there."""
    rows = parse_publications(content, fmt)
    existing = {(p.title.casefold(), p.year) for p in person.publications.all()}
    new = [
        Publication(person=person, source=fmt, **row)
        for row in rows
        if (row["title"].casefold(), row["year"]) not in existing
    ]
    unique = {(p.title.casefold(), p.year): p for p in new}
    Publication.objects.bulk_create(unique.values())
    log_action(person, "review.publications_imported", actor=actor, data={"format": fmt, "added": len(unique)})
    return len(unique)


# --- Conflicts of interest ------------------------------------------------------------------


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


# --- Engine runs ----------------------------------------------------------------------------


def _hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _accepted_experts(call: Call) -> list[PoolMember]:
    return list(
        PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED)
        .select_related("person")
        .prefetch_related("person__publications", "person__keywords")
        .order_by("person_id")
    )


def _submitted(call: Call) -> list[Proposal]:
    return list(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED).prefetch_related("keywords").order_by("pk")
    )


def start_run(call: Call, *, kind: str, parameters: dict[str, Any], actor: Any) -> EngineRun:
    """Record the run and queue it (the database task backend runs it in the worker)."""
    from grappe.review import tasks

    run = EngineRun.objects.create(
        call=call, kind=kind, parameters=parameters, seed=parameters.get("seed"), created_by=actor
    )
    log_action(call, f"review.{kind}_run_started", actor=actor, data={"run": run.pk, **parameters})
    task = tasks.run_affinity if kind == RunKind.AFFINITY else tasks.run_assignment
    transaction.on_commit(lambda: task.enqueue(run.pk))
    return run


def _progress(run: EngineRun, value: int) -> None:
    EngineRun.objects.filter(pk=run.pk).update(progress=value)


KEEP_PER_PROPOSAL = 50  # affinities stored: each proposal's best experts...
KEEP_PER_REVIEWER = 20  # ...and each expert's best proposals; the others count as 0


def _pairs_to_keep(scores: Any) -> list[tuple[int, int]]:
    """(reviewer, proposal) index pairs worth storing with an explanation."""
    import numpy as np

    n_r, n_p = scores.shape
    keep = np.zeros(scores.shape, dtype=bool)
    if n_r and n_p:
        k = min(KEEP_PER_PROPOSAL, n_r)
        top = np.argpartition(-scores, k - 1, axis=0)[:k] if k < n_r else np.indices(scores.shape)[0]
        keep[top, np.arange(n_p)[None, :]] = True
        k = min(KEEP_PER_REVIEWER, n_p)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n_p else np.indices(scores.shape)[1]
        keep[np.arange(n_r)[:, None], top] = True
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(keep), strict=True)]


def execute_affinity(run: EngineRun) -> None:
    from grappe.engine import ENGINE_VERSION
    from grappe.engine.affinity import compute_affinity
    from grappe.engine.types import Document, Profile

    call = run.call
    started = time.perf_counter()
    EngineRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, progress=5)
    proposals = _submitted(call)
    experts = _accepted_experts(call)
    documents = [
        Document(id=p.code, title=p.title, abstract=p.abstract, keywords=tuple(k.name for k in p.keywords.all()))
        for p in proposals
    ]
    profiles = [
        Profile(
            id=m.person.code,
            keywords=tuple(k.name for k in m.person.keywords.all()),
            documents=tuple(
                Document(id=str(pub.pk), title=pub.title, abstract=pub.abstract, year=pub.year)
                for pub in m.person.publications.all()
            ),
        )
        for m in experts
    ]
    _progress(run, 20)
    loaded = time.perf_counter()
    backend = run.parameters.get("backend", "tfidf")
    result = compute_affinity(documents, profiles, backend=backend)
    computed = time.perf_counter()
    _progress(run, 70)
    rows = []
    kept = _pairs_to_keep(result.scores)
    for (i, j), explanation in zip(kept, result.explain_many(kept, n_terms=5), strict=True):
        rows.append(
            Affinity(
                call=call,
                reviewer=experts[i].person,
                proposal=proposals[j],
                score=round(float(result.scores[i, j]), 6),
                terms=list(explanation.terms),
                document=(explanation.document_title or "")[:500],
            )
        )
    with transaction.atomic():
        Affinity.objects.filter(call=call).delete()
        Affinity.objects.bulk_create(rows, batch_size=2000)
        scores = result.scores
        EngineRun.objects.filter(pk=run.pk).update(
            state=RunState.DONE,
            progress=100,
            finished_at=timezone.now(),
            engine_version=ENGINE_VERSION,
            inputs_hash=_hash(
                [[d.id, d.text] for d in documents]
                + [[p.id, p.keywords, [d.text for d in p.documents]] for p in profiles]
            ),
            parameters={**run.parameters, **result.parameters},
            statistics={
                "reviewers": len(experts),
                "proposals": len(proposals),
                "mean": round(float(scores.mean()), 4) if scores.size else 0,
                "seconds": {
                    "load": round(loaded - started, 3),
                    "engine": round(computed - loaded, 3),
                    "save": round(time.perf_counter() - computed, 3),
                },
            },
        )


def execute_assignment(run: EngineRun) -> None:
    import numpy as np

    from grappe.engine import ENGINE_VERSION
    from grappe.engine.assignment import affinity_histogram, assign_reviewers
    from grappe.engine.types import Infeasible

    call = run.call
    params = run.parameters
    started = time.perf_counter()
    EngineRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, progress=5)
    proposals = _submitted(call)
    experts = _accepted_experts(call)
    p_index = {p.pk: j for j, p in enumerate(proposals)}
    r_index = {m.person_id: i for i, m in enumerate(experts)}
    scores = np.zeros((len(experts), len(proposals)))
    for reviewer_id, proposal_id, score in Affinity.objects.filter(call=call).values_list(
        "reviewer_id", "proposal_id", "score"
    ):
        if reviewer_id in r_index and proposal_id in p_index:
            scores[r_index[reviewer_id], p_index[proposal_id]] = score
    affinity_only = scores.copy()
    bid_weight = float(params.get("bid_weight") or 0)
    bids = {
        (r_index[r], p_index[p]): BID_VALUES[BidLevel(level)]
        for r, p, level in Bid.objects.filter(call=call).values_list("reviewer_id", "proposal_id", "level")
        if r in r_index and p in p_index
    }
    if bid_weight > 0:  # no bid counts as neutral
        bid_matrix = np.full(scores.shape, BID_VALUES[BidLevel.NEUTRAL])
        for (r, p), value in bids.items():
            bid_matrix[r, p] = value
        scores = (1 - bid_weight) * scores + bid_weight * bid_matrix
    forbidden = [(r_index[r], p_index[p]) for r, p in conflicted_pairs(call) if r in r_index and p in p_index]
    group = [i for i, m in enumerate(experts) if m.is_external] if params.get("require_external") else None
    _progress(run, 30)
    loaded = time.perf_counter()
    inputs = {
        "scores": hashlib.sha256(np.round(scores, 6).tobytes()).hexdigest(),
        "bids": sorted([r, p, v] for (r, p), v in bids.items()),
        "forbidden": sorted(forbidden),
        "loads": [m.max_load for m in experts],
        "reviewers": [m.person.code for m in experts],
        "proposals": [p.code for p in proposals],
    }
    try:
        result = assign_reviewers(
            scores,
            reviews_per_proposal=int(params["reviews_per_proposal"]),
            max_load=[min(m.max_load, int(params.get("max_load") or m.max_load)) for m in experts],
            min_load=0,
            forbidden=forbidden,
            group=group,
            objective=params.get("objective", "max-affinity"),
            q=float(params.get("q", 0.5)),
            seed=run.seed,
        )
    except (Infeasible, ValueError) as exc:
        message = str(exc)
        for i in range(len(proposals) - 1, -1, -1):  # highest first: "proposal 12" before "proposal 1"
            message = message.replace(f"proposal {i}", f"proposal {proposals[i].code}")
        for i in range(len(experts) - 1, -1, -1):
            message = message.replace(f"reviewer {i}", f"reviewer {experts[i].person.full_name}")
        EngineRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, error=message, finished_at=timezone.now(), engine_version=ENGINE_VERSION
        )
        return
    _progress(run, 80)
    computed = time.perf_counter()
    pairs = [
        ProposedPair(
            run=run, reviewer=experts[r].person, proposal=proposals[p], affinity=round(float(affinity_only[r, p]), 6)
        )
        for r, p in result.pairs()
    ]
    with transaction.atomic():
        ProposedPair.objects.bulk_create(pairs, batch_size=2000)
        assigned = affinity_only[result.reviewers, result.proposals]
        per_proposal = np.bincount(result.proposals, weights=assigned, minlength=len(proposals))
        edges, histogram = affinity_histogram(assigned)
        EngineRun.objects.filter(pk=run.pk).update(
            state=RunState.DONE,
            progress=100,
            finished_at=timezone.now(),
            engine_version=ENGINE_VERSION,
            inputs_hash=_hash(inputs),
            statistics={
                **{k: v for k, v in result.summary().items() if k != "worst_proposal"},
                # What the committee reads is pure affinity; the engine's objective may blend bids in.
                "objective_value": round(result.total, 6),
                "total_affinity": round(float(assigned.sum()), 6),
                "mean_affinity": round(float(assigned.mean()), 6) if assigned.size else 0,
                "worst_proposal": proposals[int(per_proposal.argmin())].code if proposals else None,
                "worst_proposal_affinity": round(float(per_proposal.min()), 6) if per_proposal.size else 0,
                "histogram": histogram,
                "histogram_edges": edges,
                "bids_honoured": sum(1 for r, p in result.pairs() if bids.get((r, p), 0.5) > 0.5),
                "bids_against": sum(1 for r, p in result.pairs() if bids.get((r, p), 0.5) == 0.0),
                "seconds": {
                    "load": round(loaded - started, 3),
                    "engine": round(computed - loaded, 3),
                    "save": round(time.perf_counter() - computed, 3),
                },
            },
        )


@transaction.atomic
def publish_run(run: EngineRun, *, actor: Any, notify: bool = True) -> int:
    """Adopt an assignment run: its pairs become assignments; each reviewer gets their list."""
    run = EngineRun.objects.select_for_update().get(pk=run.pk)
    if run.kind != RunKind.ASSIGNMENT or run.state != RunState.DONE:
        raise ReviewError(_("Only a finished assignment run can be published."))
    if EngineRun.objects.filter(call=run.call, kind=RunKind.ASSIGNMENT).exclude(published_at=None).exists():
        raise ReviewError(_("An assignment is already published for this call: change it by hand."))
    conflicts = conflicted_pairs(run.call)
    pairs = [pair for pair in run.pairs.all() if (pair.reviewer_id, pair.proposal_id) not in conflicts]
    ReviewAssignment.objects.bulk_create(
        [ReviewAssignment(call=run.call, reviewer_id=p.reviewer_id, proposal_id=p.proposal_id, run=run) for p in pairs],
        ignore_conflicts=True,
    )
    run.published_at = timezone.now()
    run.save(update_fields=["published_at"])
    log_action(run.call, "review.assignment_published", actor=actor, data={"run": run.pk, "pairs": len(pairs)})
    reviewer_ids = sorted({p.reviewer_id for p in pairs})
    if notify:
        transaction.on_commit(lambda: notify_reviewers(run.call, reviewer_ids))
    return len(pairs)


def notify_reviewers(call: Call, reviewer_ids: Iterable[int]) -> None:
    link = settings.SITE_URL + reverse("review:mine")
    for person in Person.objects.filter(pk__in=list(reviewer_ids)):
        assignments = ReviewAssignment.objects.filter(
            call=call, reviewer=person, state=AssignmentState.ACTIVE
        ).select_related("proposal")
        with translation.override(person.preferred_language or "fr"):
            subject = _("Your proposals to review for %(call)s") % {"call": call.title}
            body = render_to_string(
                "review/email/assignments.txt",
                {"person": person, "call": call, "assignments": assignments, "link": link},
            )
        if person.email:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def reviewer_load(call: Call, person: Person) -> int:
    return ReviewAssignment.objects.filter(call=call, reviewer=person, state=AssignmentState.ACTIVE).count()


@transaction.atomic
def add_assignment(call: Call, *, reviewer: Person, proposal: Proposal, reason: str, actor: Any) -> ReviewAssignment:
    """Assign by hand, checked against conflicts and the expert's maximum load; logged with why."""
    if not reason.strip():
        raise ReviewError(_("Say why you change the assignment by hand."))
    member = PoolMember.objects.filter(call=call, person=reviewer, state=PoolState.ACCEPTED).first()
    if member is None:
        raise ReviewError(_("This expert has not accepted to review for this call."))
    if is_conflicted(reviewer.pk, proposal.pk):
        raise ReviewError(_("%(name)s has a conflict of interest with this proposal.") % {"name": reviewer.full_name})
    if reviewer_load(call, reviewer) >= member.max_load:
        raise ReviewError(
            _("%(name)s already has %(load)d proposals, their maximum.")
            % {"name": reviewer.full_name, "load": member.max_load}
        )
    assignment, created = ReviewAssignment.objects.get_or_create(
        reviewer=reviewer, proposal=proposal, defaults={"call": call, "reason": reason.strip()[:500]}
    )
    if not created:
        if assignment.state == AssignmentState.ACTIVE:
            raise ReviewError(_("This expert is already assigned to this proposal."))
        assignment.state = AssignmentState.ACTIVE
        assignment.reason = reason.strip()[:500]
        assignment.save(update_fields=["state", "reason"])
    log_action(proposal, "review.assignment_added", actor=actor, data={"reviewer": reviewer.code, "reason": reason})
    return assignment


@transaction.atomic
def remove_assignment(assignment: ReviewAssignment, *, reason: str, actor: Any) -> None:
    if not reason.strip():
        raise ReviewError(_("Say why you change the assignment by hand."))
    assignment.state = AssignmentState.REMOVED
    assignment.reason = reason.strip()[:500]
    assignment.save(update_fields=["state", "reason"])
    log_action(
        assignment.proposal,
        "review.assignment_removed",
        actor=actor,
        data={"reviewer": assignment.reviewer.code, "reason": reason},
    )


def replacement_suggestions(assignment: ReviewAssignment, limit: int = 5) -> list[tuple[Person, float]]:
    """The best experts to replace a declined assignment: by affinity, without conflict, with room."""
    call = assignment.call
    busy = dict(
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    taken = set(ReviewAssignment.objects.filter(proposal=assignment.proposal).values_list("reviewer_id", flat=True))
    conflicts = {r for r, p in conflicted_pairs(call) if p == assignment.proposal_id}
    members = {m.person_id: m for m in PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED)}
    out = []
    for affinity in Affinity.objects.filter(proposal=assignment.proposal).select_related("reviewer").order_by("-score"):
        member = members.get(affinity.reviewer_id)
        if (
            member is None
            or affinity.reviewer_id in taken | conflicts
            or busy.get(affinity.reviewer_id, 0) >= member.max_load
        ):
            continue
        out.append((affinity.reviewer, affinity.score))
        if len(out) == limit:
            break
    return out


@transaction.atomic
def decline_assignment(assignment: ReviewAssignment, *, reason: str, actor: Any) -> None:
    if not reason.strip():
        raise ReviewError(_("Please say briefly why you decline."))
    assignment.state = AssignmentState.DECLINED
    assignment.reason = reason.strip()[:500]
    assignment.save(update_fields=["state", "reason"])
    log_action(assignment.proposal, "review.assignment_declined", actor=actor, data={"reason": reason})


@transaction.atomic
def confirm_assignment(assignment: ReviewAssignment, *, actor: Any) -> None:
    """The reviewer confirms they have no conflict and will keep the proposal confidential."""
    if assignment.confirmed_at is None:
        assignment.confirmed_at = timezone.now()
        assignment.save(update_fields=["confirmed_at"])
        log_action(assignment.proposal, "review.confidentiality_confirmed", actor=actor)


# --- Reviews --------------------------------------------------------------------------------


def _score(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except InvalidOperation as exc:
        raise ReviewError(_("Scores are numbers from 0 to 5 in half points.")) from exc
    if score < 0 or score > 5 or (score * 2) % 1:
        raise ReviewError(_("Scores are numbers from 0 to 5 in half points."))
    return score


@transaction.atomic
def save_review(
    assignment: ReviewAssignment, data: dict[str, Any], *, expected_version: int, submit: bool, actor: Any
) -> Review:
    """Save a draft or submit. Submitting needs every criterion scored, the applicants' comment and
    a recommendation; edits stay possible until the review deadline."""
    if not settings_for(assignment.call).open_for_reviews:
        raise ReviewError(_("The review deadline has passed: the review can no longer be changed."))
    review, _created = Review.objects.select_for_update().get_or_create(assignment=assignment)
    if review.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    criteria = list(assignment.call.scheme.criteria.all()) if hasattr(assignment.call, "scheme") else []
    scores: dict[str, str] = {}
    comments: dict[str, str] = {}
    for criterion in criteria:
        score = _score(data.get(f"score_{criterion.pk}"))
        if score is not None:
            scores[str(criterion.pk)] = str(score)
        comments[str(criterion.pk)] = str(data.get(f"comment_{criterion.pk}", ""))[:5000]
    recommendation = str(data.get("recommendation", ""))
    if recommendation and recommendation not in Recommendation.values:
        raise ReviewError(_("Choose a recommendation from the list."))
    review.scores, review.comments = scores, comments
    review.applicant_comment = str(data.get("applicant_comment", ""))[:10000]
    review.confidential_comment = str(data.get("confidential_comment", ""))[:5000]
    review.recommendation = recommendation
    if submit:
        missing = [c.label for c in criteria if str(c.pk) not in scores]
        problems = []
        if missing:
            problems.append(_("Score every criterion (missing: %(list)s).") % {"list": ", ".join(missing)})
        if not review.applicant_comment.strip():
            problems.append(_("Write a comment for the applicants."))
        if not recommendation:
            problems.append(_("Give an overall recommendation."))
        if problems:
            raise ReviewError(problems)
        review.state = ReviewState.SUBMITTED
        review.submitted_at = review.submitted_at or timezone.now()
    review.version += 1
    review.save()
    log_action(
        assignment.proposal, "review.submitted" if submit else "review.saved", actor=actor, data={"review": review.pk}
    )
    return review


def late_reviews(call: Call) -> list[ReviewAssignment]:
    """Active assignments without a submitted review once the deadline has passed."""
    if settings_for(call).open_for_reviews:
        return []
    return list(
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .exclude(review__state=ReviewState.SUBMITTED)
        .select_related("reviewer", "proposal")
    )


# --- Bids -----------------------------------------------------------------------------------


@transaction.atomic
def save_bids(call: Call, *, reviewer: Person, levels: dict[int, str], actor: Any) -> int:
    """Record the expert's bids (proposal id → level) on non-conflicted submitted proposals."""
    if not settings_for(call).bidding_open:
        raise ReviewError(_("Bidding is closed for this call."))
    allowed = set(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED)
        .exclude(pk__in=Conflict.objects.filter(reviewer=reviewer, waived=False).values("proposal_id"))
        .values_list("pk", flat=True)
    )
    saved = 0
    for proposal_id, level in levels.items():
        if proposal_id not in allowed or level not in BidLevel.values:
            continue
        Bid.objects.update_or_create(
            reviewer=reviewer, proposal_id=proposal_id, defaults={"call": call, "level": level}
        )
        saved += 1
    log_action(call, "review.bids_saved", actor=actor, data={"reviewer": reviewer.code, "count": saved})
    return saved


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(call: Call, *, actor: Any = None) -> int:
    """Email each reviewer who has reviews to finish for ``call`` the list of them; returns how many."""
    pending: dict[int, list[ReviewAssignment]] = {}
    for assignment in (
        ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE)
        .exclude(review__state=ReviewState.SUBMITTED)
        .select_related("reviewer", "proposal")
        .order_by("proposal__code")
    ):
        pending.setdefault(assignment.reviewer_id, []).append(assignment)
    deadline = settings_for(call).review_deadline
    link = settings.SITE_URL + reverse("review:mine")
    sent = 0
    for items in pending.values():
        person = items[0].reviewer
        if not person.email:
            continue
        with translation.override(person.preferred_language or "fr"):
            subject = _("Reminder: reviews to finish for %(call)s") % {"call": call.title}
            body = render_to_string(
                "review/email/reminder.txt",
                {"person": person, "call": call, "assignments": items, "deadline": deadline, "link": link},
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        sent += 1
    log_action(call, "review.reminders_sent", actor=actor, data={"reviewers": sent})
    return sent
