"""Explaining a decision to the applicants it concerns (issue 19): which steps an algorithm
assisted, that a person decided each, and where the decision departed from the suggestion, with
the justification the office chose to share. Never a reviewer's identity, never another proposal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from grappe.review.models import Review, ReviewAssignment, ReviewState
from grappe.selection.models import Decision, Outcome
from grappe.submissions.models import Proposal


@dataclass
class Step:
    title: str
    assisted: bool  # an algorithm suggested something at this step
    text: str
    departed: bool = False
    shared: str = ""  # the justification shared with the applicants, when the decision departed


def _suggested(decision: Decision) -> str:
    if decision.recommended == Outcome.FUNDED and decision.recommended_amount:
        return _("funding, %(amount)s €") % {
            "amount": number_format(decision.recommended_amount, 2, force_grouping=True)
        }
    return str(Outcome(decision.recommended).label).lower()


def combined_score(proposal: Proposal) -> dict[str, Any] | None:
    """When a score from outside the written evaluation (a hearing) counted in the proposal's
    ranking, the score ranked and decided on, the written evaluation's, the other one and how they
    combine (in the active language); None when the written evaluation alone counted. The team's
    summary shows it, so it reports the score the decision used, not only the consensus total."""
    from grappe.selection.services import row_of

    row = row_of(proposal)
    extra = row.extras.get("extra_score") if row is not None else None
    if row is None or extra is None:
        return None
    return {
        "score": row.score,
        "written": row.extras.get("written_score"),
        "extra": extra.score,
        "label": capfirst(extra.label or _("other score")),
        "note": row.score_note,
    }


def _hearing_step(combined: dict[str, Any]) -> Step:
    """The step of a hearing whose score counted (``combined``, from :func:`combined_score`)."""
    from grappe.core.display import show_score

    return Step(
        combined["label"],
        False,
        _(
            "The team presented the proposal to a panel, which scored it on the same criteria "
            "(%(extra)s). As the call's rules set, the score used for the ranking and the decision "
            "is %(score)s: %(note)s."
        )
        % {
            "extra": show_score(combined["extra"], 2),
            "score": show_score(combined["score"], 2),
            "note": combined["note"],
        },
    )


def steps_for(proposal: Proposal, combined: dict[str, Any] | None = None) -> list[Step]:
    """The steps, in the order they happened, in the active language (with ``combined``, from
    :func:`combined_score`, the hearing that counted in the score)."""
    steps: list[Step] = []
    assignments = list(ReviewAssignment.objects.filter(proposal=proposal).values_list("run_id", flat=True))
    if assignments:
        by_engine = sum(1 for run in assignments if run is not None)
        if by_engine:
            text = _(
                "An algorithm suggested reviewers whose publications are closest to the proposal and left out "
                "anyone with a conflict of interest. The programme office checked the suggestion and assigned "
                "the reviewers; each reviewer then confirmed having no conflict."
            )
        else:
            text = _("The programme office chose and assigned the reviewers, without an algorithm's suggestion.")
        steps.append(Step(_("Choosing the reviewers"), bool(by_engine), text))
    reviewed = Review.objects.filter(assignment__proposal=proposal, state=ReviewState.SUBMITTED).exists()
    if reviewed:
        steps.append(
            Step(
                _("Evaluation"),
                True,
                _(
                    "Reviewers scored the proposal. Beside their scores the panel was shown a statistical "
                    "calibration, which estimates how much each reviewer scores above or below the others; it "
                    "changes no score. The panel agreed the scores and comments of this summary."
                ),
            )
        )
    steps.extend(_hearing_step(item) for item in [combined] if item is not None)
    decision = Decision.objects.filter(proposal=proposal).first()
    if decision is None:
        return steps
    if decision.recommended and decision.portfolio_run_id:
        suggestion = _(
            "Within the budget and rules set by the programme office, an optimisation algorithm suggested which "
            "proposals to fund; for this proposal it suggested: %(suggestion)s."
        ) % {"suggestion": _suggested(decision)}
        assisted = True
    elif decision.recommended:
        suggestion = _("The suggestion came from the evaluation thresholds, without an algorithm: %(suggestion)s.") % {
            "suggestion": _suggested(decision)
        }
        assisted = False
    else:
        suggestion = _("No suggestion was made for this proposal.")
        assisted = False
    departed = decision.departs and decision.outcome != Outcome.DECLINED
    if decision.outcome == Outcome.DECLINED:
        verdict = _("The proposal was funded; the team then declined the funding.")
    elif departed:
        verdict = _("The decision departs from the suggestion.")
    elif decision.recommended:
        verdict = _("The decision follows the suggestion.")
    else:
        verdict = ""
    text = " ".join(
        part
        for part in (suggestion, _("People decided (the programme's board or office), not the algorithm."), verdict)
        if part
    )
    shared = decision.shared_justification.strip() if departed else ""
    steps.append(Step(_("Selection"), assisted, text, departed=departed, shared=shared))
    return steps
