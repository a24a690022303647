"""Why a reviewer was suggested for a proposal, and their flag when the match is poor (issue 19).
The flags feed the affinity run's quality figures (flagged poor matches per run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.core.validation import clean_text
from grappe.review.models import Affinity, EngineRun, MatchFlag, ReviewAssignment, RunKind, RunState
from grappe.review.services.common import ReviewError


def latest_affinity_run(call_id: int) -> EngineRun | None:
    """The affinity run whose results (and explanations) the call's affinities hold now."""
    return (
        EngineRun.objects.filter(call_id=call_id, kind=RunKind.AFFINITY, state=RunState.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def explanation(assignment: ReviewAssignment) -> Affinity | None:
    """The affinity of the assignment's pair with what explains it (shared terms, closest
    publication), if the engine scored it."""
    return Affinity.objects.filter(reviewer_id=assignment.reviewer_id, proposal_id=assignment.proposal_id).first()


@transaction.atomic
def flag_poor_match(assignment: ReviewAssignment, *, comment: str, actor: Any) -> MatchFlag:
    """Record (or update the comment of) the reviewer's flag on their assignment."""
    comment = clean_text(comment, max_length=1000, label=_("The comment"), error=ReviewError)
    affinity = explanation(assignment)
    flag, created = MatchFlag.objects.select_for_update().get_or_create(
        assignment=assignment,
        defaults={
            "comment": comment,
            "affinity": affinity.score if affinity else None,
            "affinity_run": latest_affinity_run(assignment.call_id),
        },
    )
    if not created:
        flag.comment = comment
        flag.save(update_fields=["comment"])
    log_action(
        assignment, "review.poor_match_flagged", actor=actor, data={"comment": comment, "run": flag.affinity_run_id}
    )
    return flag


@transaction.atomic
def withdraw_flag(assignment: ReviewAssignment, *, actor: Any) -> bool:
    deleted, _rows = MatchFlag.objects.filter(assignment=assignment).delete()
    if deleted:
        log_action(assignment, "review.poor_match_withdrawn", actor=actor)
    return bool(deleted)


@dataclass
class FlagRate:
    flagged: int
    assignments: int

    @property
    def rate(self) -> float | None:
        return self.flagged / self.assignments if self.assignments else None

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(100 * self.rate, 1)


def flag_rate(run: EngineRun) -> FlagRate:
    """Flagged poor matches of an affinity run: the flags given while it was the call's latest
    affinity run, out of the call's assignments that could be flagged then (those made before the
    next affinity run finished; all of them for the latest run)."""
    following = (
        EngineRun.objects.filter(
            call_id=run.call_id, kind=RunKind.AFFINITY, state=RunState.DONE, finished_at__gt=run.finished_at
        )
        .order_by("finished_at")
        .values_list("finished_at", flat=True)
        .first()
        if run.finished_at
        else None
    )
    assignments = ReviewAssignment.objects.filter(call_id=run.call_id)
    if following is not None:
        assignments = assignments.filter(created_at__lt=following)
    return FlagRate(flagged=MatchFlag.objects.filter(affinity_run=run).count(), assignments=assignments.count())
