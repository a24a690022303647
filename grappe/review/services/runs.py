"""Affinity and assignment runs through the engine, kept as a decision ledger; publishing a run."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.jobs import pause_point
from grappe.core.services import log_action
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.review.models import (
    BID_VALUES,
    Affinity,
    AssignmentState,
    Bid,
    BidLevel,
    EngineRun,
    PoolMember,
    PoolState,
    ProposedPair,
    ReviewAssignment,
    RunKind,
    RunState,
)
from grappe.review.services.common import ReviewError
from grappe.review.services.conflicts import conflicted_pairs
from grappe.submissions.models import Proposal, ProposalState


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
    """Record the run and queue it (the database task backend runs it in the worker).

    Refused at once, before anything is queued: an affinity method not installed here, an
    assignment that needs more reviews than the accepted experts' loads allow."""
    from grappe.review import tasks

    _check_feasible(call, kind, parameters)
    run = EngineRun.objects.create(
        call=call, kind=kind, parameters=parameters, seed=parameters.get("seed"), created_by=actor
    )
    log_action(call, f"review.{kind}_run_started", actor=actor, data={"run": run.pk, **parameters})
    task = tasks.run_affinity if kind == RunKind.AFFINITY else tasks.run_assignment
    transaction.on_commit(lambda: task.enqueue(run.pk))
    return run


def _check_feasible(call: Call, kind: str, parameters: dict[str, Any]) -> None:
    from grappe.review.methods import HOW_TO_ADD, installed_methods
    from grappe.review.services.pool import capacity

    if kind == RunKind.AFFINITY:
        backend = parameters.get("backend", "tfidf")
        if backend not in dict(installed_methods()):
            raise ReviewError(
                _("This affinity method is not installed here; add it with: %(command)s") % {"command": HOW_TO_ADD}
            )
        return
    needed = Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED).count() * int(
        parameters.get("reviews_per_proposal") or 0
    )
    available = capacity(call, cap=parameters.get("max_load"))
    if needed > available:
        raise ReviewError(
            _(
                "%(needed)d reviews are needed but the accepted experts can take %(capacity)d: raise their maximum "
                "loads (Reviewer pool), invite more experts or ask fewer reviews per proposal."
            )
            % {"needed": needed, "capacity": available}
        )


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
        if not EngineRun.objects.select_for_update().filter(pk=run.pk, state=RunState.RUNNING).exists():
            return  # marked failed (its worker seemed dead) or restarted meanwhile: keep what is there
        Affinity.objects.filter(call=call).delete()
        Affinity.objects.bulk_create(rows, batch_size=2000)
        pause_point("affinity.saving")
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
        if not EngineRun.objects.select_for_update().filter(pk=run.pk, state=RunState.RUNNING).exists():
            return  # marked failed (its worker seemed dead) meanwhile
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
    pause_point("publish.assigned")
    run.published_at = timezone.now()
    run.save(update_fields=["published_at"])
    log_action(run.call, "review.assignment_published", actor=actor, data={"run": run.pk, "pairs": len(pairs)})
    reviewer_ids = sorted({p.reviewer_id for p in pairs})
    if notify:
        transaction.on_commit(lambda: notify_reviewers(run.call, reviewer_ids))
    return len(pairs)


@transaction.atomic
def restart_run(run: EngineRun, *, actor: Any) -> EngineRun:
    """A failed run again: a new run with the same kind, parameters and seed, linked to the failed
    one (both stay in the ledger) and queued. Once per failed run (a second click finds the first
    restart)."""
    run = EngineRun.objects.select_for_update().get(pk=run.pk)
    if run.state != RunState.FAILED:
        raise ReviewError(_("Only a failed run can be restarted."))
    again = run.restarts.first()
    if again is not None:
        raise ReviewError(_("This run was already restarted as run #%(run)s.") % {"run": again.pk})
    new = start_run(run.call, kind=run.kind, parameters=run.parameters, actor=actor)
    new.restarted_from = run
    new.seed = run.seed
    new.save(update_fields=["restarted_from", "seed"])
    log_action(run.call, "review.run_restarted", actor=actor, data={"run": new.pk, "failed": run.pk})
    return new


def notify_reviewers(call: Call, reviewer_ids: Iterable[int]) -> None:
    link = settings.SITE_URL + reverse("review:mine")
    for person in Person.objects.filter(pk__in=list(reviewer_ids)):
        assignments = ReviewAssignment.objects.filter(
            call=call, reviewer=person, state=AssignmentState.ACTIVE
        ).select_related("proposal")
        notify(
            person,
            Kind.ASSIGNMENT,
            subject=lambda: _("Your proposals to review for %(call)s") % {"call": call.title},
            template="review/email/assignments.txt",
            context={"call": call, "assignments": assignments, "link": link},
            link=link,
        )
