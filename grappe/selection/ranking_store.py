"""The ranking of a call, computed once and kept in the cache until something it reads changes.

Computing a call's ranking reads every submitted review, consensus, decision, partner, co-funding
line and theme answer of the call, fits the calibration model and renders a long table: about a
second of CPU for 200 proposals, too much to redo on every page view (13 s median at 50 users).

How it stays right:
- The ranking is stored under the call's **generation** (``core.generations``, a random number
  in the database) and the active language. Each change that affects a ranking bumps the generation of
  its call *inside the transaction that makes the change* (signal receivers below, connected in
  ``SelectionConfig.ready``): once the change is committed, every web process reads the new
  generation and recomputes; a rolled-back change bumps nothing.
- What is read: the call's proposals (state, eligibility, title, amount), their reviews and
  review assignments, conflicts (which remove assignments), consensus reports, decisions,
  awards (the "new partners" rule looks at the programme's other calls: any award bumps every
  ranking), portfolio runs (recommendations), the selection settings, the evaluation scheme, its
  criteria, the questions (theme labels), answers, partners and co-funding.
- Writes that bypass ``save()``/``delete()`` (``QuerySet.update``, ``bulk_create``) send no
  signal: those that can touch a ranked proposal call :func:`invalidate` themselves (or come
  with a signalled save in the same transaction, like a declared conflict).
- ``TIMEOUT`` only frees memory; correctness never depends on it.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import signals
from django.utils.translation import get_language

from grappe.calls.models import Call, Criterion, EvaluationScheme, Question
from grappe.core import generations
from grappe.review.models import Conflict, Review, ReviewAssignment, ReviewState
from grappe.selection import services
from grappe.selection.models import Award, Consensus, Decision, PortfolioRun, SelectionSettings
from grappe.submissions.models import Answer, CoFunding, Proposal, ProposalPartner, ProposalState

TIMEOUT = 3600
EVERY_CALL = "ranking"


def _key(call_id: int) -> str:
    return f"ranking:{call_id}"


def version(call: Call) -> str:
    """The call's ranking generation: read it before the data (one query)."""
    every, mine = generations.read(EVERY_CALL, _key(call.pk))
    return f"{call.created_at.timestamp()}.{every}.{mine}"


def ranking(call: Call, at: str | None = None) -> list[services.Row]:
    """``services.ranking(call)``, from the cache when nothing it reads has changed since."""
    key = f"grappe:ranking:{call.pk}:{at or version(call)}:{get_language()}"
    items = cache.get(key)
    if items is None:
        items = services.ranking(call)
        cache.set(key, items, TIMEOUT)
    return items


def invalidate(*call_ids: int | None) -> None:
    """Make these calls' rankings stale (inside the caller's transaction)."""
    keys = [_key(pk) for pk in call_ids if pk is not None]
    if keys:
        generations.bump(*keys)


def invalidate_all() -> None:
    generations.bump(EVERY_CALL)


# --- What each change touches ---------------------------------------------------------------


def _call_of_proposal(proposal_id: int | None, *, drafts: bool = True) -> int | None:
    """The proposal's call, or None when it is gone, or a draft and ``drafts`` is False (a
    draft is in no ranking: an applicant's saves never contend for the call's counter)."""
    found = Proposal.objects.filter(pk=proposal_id).values_list("call_id", "state").first()
    if found is None:
        return None
    call_id, state = found
    return call_id if drafts or state != ProposalState.DRAFT else None


def _call_of_assignment(assignment_id: int | None) -> int | None:
    return ReviewAssignment.objects.filter(pk=assignment_id).values_list("call_id", flat=True).first()


def _call_of_scheme(scheme_id: int | None) -> int | None:
    return EvaluationScheme.objects.filter(pk=scheme_id).values_list("call_id", flat=True).first()


def _call_of_partner(partner_id: int | None) -> int | None:
    proposal_id = ProposalPartner.objects.filter(pk=partner_id).values_list("proposal_id", flat=True).first()
    return _call_of_proposal(proposal_id, drafts=False)


CALL_OF: dict[type, Any] = {
    Call: lambda i: i.pk,
    SelectionSettings: lambda i: i.call_id,
    PortfolioRun: lambda i: i.call_id,
    EvaluationScheme: lambda i: i.call_id,
    Question: lambda i: i.call_id,
    Criterion: lambda i: _call_of_scheme(i.scheme_id),
    ReviewAssignment: lambda i: i.call_id,
    Conflict: lambda i: i.call_id,
    Review: lambda i: _call_of_assignment(i.assignment_id),
    Proposal: lambda i: i.call_id,
    Consensus: lambda i: _call_of_proposal(i.proposal_id),
    Decision: lambda i: _call_of_proposal(i.proposal_id),
    Answer: lambda i: _call_of_proposal(i.proposal_id, drafts=False),
    ProposalPartner: lambda i: _call_of_proposal(i.proposal_id, drafts=False),
    CoFunding: lambda i: _call_of_partner(i.partner_id),
}


def _review_was_submitted(sender: type, instance: Review, raw: bool = False, **kwargs: Any) -> None:
    """Before a review is saved: whether it counted (submitted), read from the database."""
    if not raw:
        instance._ranked_before = (  # type: ignore[attr-defined]
            instance.pk is not None and Review.objects.filter(pk=instance.pk, state=ReviewState.SUBMITTED).exists()
        )


def _changed(sender: type, instance: Any, raw: bool = False, created: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures
        return
    if (
        sender is Review
        and "signal" in kwargs
        and kwargs["signal"] is signals.post_save
        and instance.state != ReviewState.SUBMITTED
        and not getattr(instance, "_ranked_before", True)
    ):
        return  # a draft saved, not submitted before either: only submitted reviews are ranked
    if sender is Proposal and created and instance.state == ProposalState.DRAFT:
        return  # a new draft is in no ranking
    if sender is SelectionSettings and created:
        return  # the defaults, made by the first read (``services.settings_for``): what was ranked on
    if sender is Award:
        invalidate_all()
        return
    invalidate(CALL_OF[sender](instance))


def connect() -> None:
    for model in [*CALL_OF, Award]:
        uid = f"ranking_store:{model._meta.label}"
        signals.post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}:save")
        signals.post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}:delete")
    signals.pre_save.connect(_review_was_submitted, sender=Review, dispatch_uid="ranking_store:review:before")
