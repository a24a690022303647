"""Affinity and assignment runs through the engine, kept as a decision ledger; publishing a run."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
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


def affinity_inputs(proposals: list[Proposal], experts: list[PoolMember], backend: str) -> dict[str, Any]:
    """Everything an affinity run reads, as plain JSON (stored for replay, ``core.replay``)."""
    return {
        "backend": backend,
        "documents": [[p.code, p.title, p.abstract, sorted(k.name for k in p.keywords.all())] for p in proposals],
        "profiles": [
            [
                m.person.code,
                sorted(k.name for k in m.person.keywords.all()),
                [
                    [str(pub.pk), pub.title, pub.abstract, pub.year]
                    for pub in sorted(m.person.publications.all(), key=lambda pub: pub.pk)
                ],
            ]
            for m in experts
        ],
    }


def affinity_from_inputs(payload: dict[str, Any], *, engine_version: str | None = None) -> Any:
    """The engine's affinity from stored inputs: what a run computes and what its replay recomputes.
    ``engine_version``: the one the run used, when replaying (before 0.4, phrases crossed from a
    title to its abstract and from one keyword to the next: ``segmented=False``; before 0.5, French
    words were not brought into English terms: ``bilingual=False``)."""
    from grappe.engine.affinity import compute_affinity
    from grappe.engine.types import Document, Profile

    documents = [
        Document(id=code, title=title, abstract=abstract, keywords=tuple(keywords))
        for code, title, abstract, keywords in payload["documents"]
    ]
    profiles = [
        Profile(
            id=code,
            keywords=tuple(keywords),
            documents=tuple(
                Document(id=ident, title=title, abstract=abstract, year=year)
                for ident, title, abstract, year in publications
            ),
        )
        for code, keywords, publications in payload["profiles"]
    ]
    return compute_affinity(
        documents,
        profiles,
        backend=payload["backend"],
        segmented=not _before(engine_version, (0, 4)),
        bilingual=not _before(engine_version, (0, 5)),
    )


def _before(version: str | None, release: tuple[int, int]) -> bool:
    from grappe.core.replay import engine_before

    return engine_before(version, release)


TOP_KEPT = 5  # each proposal's best experts, kept on the run so a replay can say what moved


def affinity_outcome(payload: dict[str, Any], scores: Any) -> dict[str, Any]:
    """What an affinity run concluded, in a form a replay compares: the hash of every score (as
    float64 bytes: equal hashes mean equal bits) and each proposal's best experts with their score."""
    import numpy as np

    matrix = np.ascontiguousarray(scores, dtype=np.float64)
    reviewers = [profile[0] for profile in payload["profiles"]]
    top: dict[str, list[list[Any]]] = {}
    for j, document in enumerate(payload["documents"]):
        column = matrix[:, j] if matrix.size else np.zeros(0)
        best = sorted(range(len(reviewers)), key=lambda i: (-column[i], i))[:TOP_KEPT]
        top[document[0]] = [[reviewers[i], float(column[i])] for i in best]
    digest = hashlib.sha256(repr(matrix.shape).encode() + matrix.tobytes()).hexdigest()
    return {"scores_digest": digest, "top": top}


def compare_affinity(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    if kept.get("scores_digest") == new["scores_digest"]:
        return []
    lines = [_("Scores differ (their hash changed).")]
    old_top = kept.get("top") or {}
    for code, best in new["top"].items():
        before = old_top.get(code)
        if before is None:
            lines.append(_("Proposal %(code)s was not in the run.") % {"code": code})
            continue
        gap = max((abs(a[1] - b[1]) for a, b in zip(before, best, strict=False)), default=0.0)
        if [r for r, _score in before] != [r for r, _score in best]:
            lines.append(
                _("Proposal %(code)s: best experts were %(then)s, now %(now)s.")
                % {"code": code, "then": ", ".join(r for r, _s in before), "now": ", ".join(r for r, _s in best)}
            )
        elif gap:
            lines.append(
                _("Proposal %(code)s: same best experts, scores differ by up to %(gap).6f.")
                % {"code": code, "gap": gap}
            )
    return lines


def execute_affinity(run: EngineRun) -> None:
    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION

    call = run.call
    started = time.perf_counter()
    EngineRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, progress=5)
    proposals = _submitted(call)
    experts = _accepted_experts(call)
    backend = run.parameters.get("backend", "tfidf")
    payload = affinity_inputs(proposals, experts, backend)
    stored = store_inputs(payload)
    _progress(run, 20)
    loaded = time.perf_counter()
    result = affinity_from_inputs(payload)
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
                from_keywords=explanation.from_keywords,
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
            inputs_hash=stored.digest,
            inputs=stored,
            parameters={**run.parameters, **result.parameters},
            statistics={
                "reviewers": len(experts),
                "proposals": len(proposals),
                "mean": round(float(scores.mean()), 4) if scores.size else 0,
                **affinity_outcome(payload, scores),
                "seconds": {
                    "load": round(loaded - started, 3),
                    "engine": round(computed - loaded, 3),
                    "save": round(time.perf_counter() - computed, 3),
                },
            },
        )


def assignment_inputs(
    call: Call, proposals: list[Proposal], experts: list[PoolMember], params: dict[str, Any], seed: int | None
) -> dict[str, Any]:
    """Everything an assignment run reads, as plain JSON (stored for replay, ``core.replay``):
    the stored affinities, bids and conflicts by reviewer and proposal code, each expert's load."""
    reviewer_code = {m.person_id: m.person.code for m in experts}
    proposal_code = {p.pk: p.code for p in proposals}
    affinity = sorted(
        [reviewer_code[r], proposal_code[p], score]
        for r, p, score in Affinity.objects.filter(call=call).values_list("reviewer_id", "proposal_id", "score")
        if r in reviewer_code and p in proposal_code
    )
    bids = sorted(
        [reviewer_code[r], proposal_code[p], BID_VALUES[BidLevel(level)]]
        for r, p, level in Bid.objects.filter(call=call).values_list("reviewer_id", "proposal_id", "level")
        if r in reviewer_code and p in proposal_code
    )
    forbidden = sorted(
        [reviewer_code[r], proposal_code[p]]
        for r, p in conflicted_pairs(call)
        if r in reviewer_code and p in proposal_code
    )
    cap = int(params.get("max_load") or 0)
    return {
        "reviewers": [m.person.code for m in experts],
        "proposals": [p.code for p in proposals],
        "affinity": affinity,
        "bids": bids,
        "bid_weight": float(params.get("bid_weight") or 0),
        "forbidden": forbidden,
        "max_load": [[m.person.code, min(m.max_load, cap or m.max_load)] for m in experts],
        "external": sorted(m.person.code for m in experts if m.is_external) if params.get("require_external") else None,
        "reviews_per_proposal": int(params["reviews_per_proposal"]),
        "objective": params.get("objective", "max-affinity"),
        "q": float(params.get("q", 0.5)),
        "seed": seed,
    }


@dataclass
class AssignmentComputation:
    """An assignment computed from stored inputs: the engine's result, or its refusal."""

    affinity: Any  # reviewers × proposals, pure affinity (what the committee reads)
    bids: dict[tuple[int, int], float]
    result: Any = None
    infeasible: str = ""  # the engine's message, with indices (``reviewer 3``, ``proposal 12``)


def assignment_from_inputs(payload: dict[str, Any]) -> AssignmentComputation:
    """The engine's assignment from stored inputs: what a run computes and its replay recomputes."""
    import numpy as np

    from grappe.engine.assignment import assign_reviewers
    from grappe.engine.types import Infeasible

    r_index = {code: i for i, code in enumerate(payload["reviewers"])}
    p_index = {code: j for j, code in enumerate(payload["proposals"])}
    affinity = np.zeros((len(r_index), len(p_index)))
    for r, p, score in payload["affinity"]:
        affinity[r_index[r], p_index[p]] = score
    bids = {(r_index[r], p_index[p]): float(value) for r, p, value in payload["bids"]}
    scores = affinity.copy()
    weight = payload["bid_weight"]
    if weight > 0:  # no bid counts as neutral
        bid_matrix = np.full(scores.shape, BID_VALUES[BidLevel.NEUTRAL])
        for (r, p), value in bids.items():
            bid_matrix[r, p] = value
        scores = (1 - weight) * scores + weight * bid_matrix
    external = payload["external"]
    computation = AssignmentComputation(affinity=affinity, bids=bids)
    try:
        computation.result = assign_reviewers(
            scores,
            reviews_per_proposal=payload["reviews_per_proposal"],
            max_load=[load for _code, load in payload["max_load"]],
            min_load=0,
            forbidden=[(r_index[r], p_index[p]) for r, p in payload["forbidden"]],
            group=[r_index[code] for code in external] if external is not None else None,
            objective=payload["objective"],
            q=payload["q"],
            seed=payload["seed"],
        )
    except (Infeasible, ValueError) as exc:
        computation.infeasible = str(exc)
    return computation


def assignment_outcome(payload: dict[str, Any], computation: AssignmentComputation) -> dict[str, Any]:
    """What an assignment run concluded, in a form a replay compares."""
    if computation.result is None:
        return {"infeasible": True}
    reviewers, proposals = payload["reviewers"], payload["proposals"]
    return {"pairs": sorted([reviewers[r], proposals[p]] for r, p in computation.result.pairs())}


def compare_assignment(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    if kept.get("failed") is not None:
        if new.get("infeasible"):
            return []
        return [_("The run failed (%(error)s); the replay finds an assignment.") % {"error": kept["failed"]}]
    if new.get("infeasible"):
        return [_("The run proposed an assignment; the replay finds none.")]
    before = {tuple(pair) for pair in kept["pairs"]}
    after = {tuple(pair) for pair in new["pairs"]}
    lines = []
    for label, pairs in ((_("no longer proposed"), before - after), (_("newly proposed"), after - before)):
        if pairs:
            shown = ", ".join(f"{r} × {p}" for r, p in sorted(pairs)[:5])
            more = _(" and %(n)d more") % {"n": len(pairs) - 5} if len(pairs) > 5 else ""
            lines.append(
                _("%(count)d pair(s) %(label)s: %(pairs)s%(more)s")
                % {"count": len(pairs), "label": label, "pairs": shown, "more": more}
            )
    return lines


def execute_assignment(run: EngineRun) -> None:
    import numpy as np

    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION
    from grappe.engine.assignment import affinity_histogram

    call = run.call
    started = time.perf_counter()
    EngineRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, progress=5)
    proposals = _submitted(call)
    experts = _accepted_experts(call)
    payload = assignment_inputs(call, proposals, experts, run.parameters, run.seed)
    stored = store_inputs(payload)
    _progress(run, 30)
    loaded = time.perf_counter()
    computation = assignment_from_inputs(payload)
    if computation.result is None:
        message = computation.infeasible
        for i in range(len(proposals) - 1, -1, -1):  # highest first: "proposal 12" before "proposal 1"
            message = message.replace(f"proposal {i}", f"proposal {proposals[i].code}")
        for i in range(len(experts) - 1, -1, -1):
            message = message.replace(f"reviewer {i}", f"reviewer {experts[i].person.full_name}")
        EngineRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED,
            error=message,
            finished_at=timezone.now(),
            engine_version=ENGINE_VERSION,
            inputs_hash=stored.digest,
            inputs=stored,
        )
        return
    result, affinity_only, bids = computation.result, computation.affinity, computation.bids
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
            inputs_hash=stored.digest,
            inputs=stored,
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
