"""Selection, the logic: consensus, ranking with thresholds and tie-breaks, calibration,
portfolio runs, decisions that commit money. Every write is logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.calls.models import Call, Criterion, EvaluationScheme
from grappe.core import guards
from grappe.core.jobs import pause_point
from grappe.core.money import format_money
from grappe.core.services import ConcurrentEditError, log_action
from grappe.core.validation import bounded_int, clean_text, finite_decimal
from grappe.people.models import Person
from grappe.people.rules import roles_of
from grappe.programmes.models import Programme
from grappe.review.models import AssignmentState, Review, ReviewState
from grappe.selection import extra_scores
from grappe.selection.models import (
    TIE_RULES,
    Award,
    Consensus,
    ConsensusState,
    Decision,
    Outcome,
    PortfolioRun,
    SelectionSettings,
)
from grappe.selection.rules import reviews_it, submitted_own_review
from grappe.submissions.models import Answer, CoFunding, Proposal, ProposalPartner, ProposalState

HALF = Decimal("0.5")
RESERVE_RANK_MAX = 32767  # Decision.reserve_rank is a small integer


class SelectionError(ValidationError):
    """A selection action that cannot be done; the message says why, in the user's language."""


def settings_for(call: Call) -> SelectionSettings:
    found, _created = SelectionSettings.objects.get_or_create(call=call)
    return found


def criteria_of(call: Call) -> list[Criterion]:
    return list(Criterion.objects.filter(scheme__call=call).order_by("position", "pk"))


def weighted(scores: dict[str, Any], criteria: list[Criterion], *, exact: bool = False) -> Decimal | None:
    """The weighted sum of the criteria's scores (Horizon Europe: the total out of 15, which its
    overall threshold of 10 applies to), or None if one is missing; rounded to the hundredth once
    summed, unless ``exact`` (a total combined further, with a hearing's score, is rounded once at
    the end)."""
    if not criteria:
        return None
    total = Decimal("0")
    for c in criteria:
        value = scores.get(str(c.pk))
        if value in (None, ""):
            return None
        total += Decimal(str(value)) * c.weight
    return total if exact else total.quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- Rows of the ranking --------------------------------------------------------------------


@dataclass
class Row:
    proposal: Proposal
    reviews: list[Review]
    consensus: Consensus | None
    criterion_means: dict[str, Decimal]
    scores: dict[str, Decimal]  # the scores ranked on: approved consensus, else the reviews' means
    score: Decimal | None
    provisional: bool
    spread: Decimal
    disagreement: bool
    passes: bool
    failed: list[str]
    theme: str
    theme_label: str
    cofunding: Decimal
    new_partners: int
    calibrated: float | None = None
    raw: float | None = None  # mean of the reviewers' weighted totals
    rank: int | None = None
    tie_rule: str = ""
    recommendation: str = ""  # empty while the proposal is not ready
    recommended_amount: Decimal | None = None
    not_ready: list[str] = field(default_factory=list)  # why it cannot be recommended yet
    decision: Decision | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def criterion_list(self) -> list[Decimal | None]:
        return [self.scores.get(key) for key in self.extras.get("criteria", [])]

    @property
    def score_note(self) -> str:
        """How the score ranked on combines the written evaluation and a score from outside it (a
        hearing), in the active language; "" when the written evaluation alone counts."""
        extra = self.extras.get("extra_score")
        if extra is None:
            return ""
        return extra_scores.explain(self.extras.get("written_score"), extra)

    @property
    def ready(self) -> bool:
        return not self.not_ready

    @property
    def moved(self) -> float | None:
        """How much calibration moves the reviews' mean."""
        if self.calibrated is None or self.raw is None:
            return None
        return round(self.calibrated - self.raw, 2)


def not_ready_reasons(*, reviews: int, approved: bool, minimum: int) -> list[str]:
    """Why a proposal cannot be recommended (nor its letter prepared) yet: too few submitted
    reviews, no approved consensus. Empty when it is ready."""
    reasons = []
    if reviews < minimum:
        reasons.append(
            _("%(count)d of the %(minimum)d submitted reviews needed") % {"count": reviews, "minimum": minimum}
        )
    if not approved:
        reasons.append(_("no approved consensus"))
    return reasons


def not_ready(call: Call) -> dict[int, list[str]]:
    """Proposal id → why it is not ready, for the call's submitted proposals that are not ready."""
    minimum = settings_for(call).min_reviews
    counts = dict(
        Review.objects.filter(
            assignment__proposal__call=call, assignment__state=AssignmentState.ACTIVE, state=ReviewState.SUBMITTED
        )
        .values("assignment__proposal_id")
        .annotate(n=Count("pk"))
        .values_list("assignment__proposal_id", "n")
    )
    approved = set(
        Consensus.objects.filter(proposal__call=call, state=ConsensusState.APPROVED).values_list(
            "proposal_id", flat=True
        )
    )
    out = {}
    for proposal_id in Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED).values_list("pk", flat=True):
        reasons = not_ready_reasons(
            reviews=counts.get(proposal_id, 0), approved=proposal_id in approved, minimum=minimum
        )
        if reasons:
            out[proposal_id] = reasons
    return out


def _mean(values: list[Decimal]) -> Decimal:
    """Unrounded (Decimal's 28 digits): a total sums the exact means, only what is shown is
    rounded (4/4/4.5 + 5/4/5 + 4/4/4.5 is 13.00, not 4.17 + 4.67 + 4.17 = 13.01)."""
    return sum(values, Decimal("0")) / len(values)


def ranked_proposals() -> QuerySet[Proposal]:
    """The proposals a ranking holds, of every call: submitted and eligible (the office's override
    when it decided, else the computed eligibility)."""
    return Proposal.objects.filter(state=ProposalState.SUBMITTED).exclude(
        Q(eligibility_override=False) | Q(eligibility_override=None, eligible=False)
    )


def rows(call: Call, *, only: Proposal | None = None) -> list[Row]:
    """Every submitted, eligible proposal of the call with what ranking and selection need.

    With ``only``, that proposal's row alone (or none), without the calibration, which is about
    the whole call.
    """
    criteria = criteria_of(call)
    settings = settings_for(call)
    scheme = EvaluationScheme.objects.filter(call=call).first()  # fresh: the caller's may be stale
    scheme_threshold = scheme.overall_threshold if scheme else None
    proposals = list(
        ranked_proposals()
        .filter(call=call, **({"pk": only.pk} if only is not None else {}))
        .select_related("lead_organisation", "consensus", "decision")
        .order_by("code")
    )
    ids = [p.pk for p in proposals]
    reviews: dict[int, list[Review]] = {}
    for review in (
        Review.objects.filter(
            assignment__proposal_id__in=ids, assignment__state=AssignmentState.ACTIVE, state=ReviewState.SUBMITTED
        )
        .select_related("assignment")
        .order_by("pk")
    ):  # one order: the calibration is fitted in it
        if all(str(c.pk) in (review.scores or {}) for c in criteria):  # only complete reviews count
            reviews.setdefault(review.assignment.proposal_id, []).append(review)
    cofunding = dict(
        CoFunding.objects.filter(partner__proposal_id__in=ids)
        .values("partner__proposal_id")
        .annotate(total=Sum("amount"))
        .values_list("partner__proposal_id", "total")
    )
    funded_orgs = set(
        ProposalPartner.objects.filter(proposal__award__isnull=False, proposal__call__programme=call.programme)
        .exclude(proposal__call=call)
        .values_list("organisation_id", flat=True)
    )
    partners: dict[int, set[int]] = {}
    for proposal_id, org_id in ProposalPartner.objects.filter(proposal_id__in=ids).values_list(
        "proposal_id", "organisation_id"
    ):
        partners.setdefault(proposal_id, set()).add(org_id)
    themes: dict[int, str] = {}
    labels: dict[str, str] = dict(settings.theme_question.choice_pairs()) if settings.theme_question else {}
    if settings.theme_question_id:
        for proposal_id, value in Answer.objects.filter(
            proposal_id__in=ids, question_id=settings.theme_question_id
        ).values_list("proposal_id", "value"):
            themes[proposal_id] = str(value or "")
    out = []
    for proposal in proposals:
        mine = reviews.get(proposal.pk, [])
        means = {}
        for c in criteria:
            values = [Decimal(r.scores[str(c.pk)]) for r in mine if str(c.pk) in r.scores]
            if values:
                means[str(c.pk)] = _mean(values)
        overall = [w for w in (weighted(r.scores, criteria) for r in mine) if w is not None]
        spread = (max(overall) - min(overall)) if len(overall) > 1 else Decimal("0")
        consensus = getattr(proposal, "consensus", None)
        approved = consensus is not None and consensus.state == ConsensusState.APPROVED
        scores = {k: Decimal(str(v)) for k, v in consensus.scores.items()} if approved and consensus else dict(means)
        score = weighted({k: str(v) for k, v in scores.items()}, criteria)
        failed = [
            c.label
            for c in criteria
            if c.threshold is not None and (str(c.pk) not in scores or scores[str(c.pk)] < c.threshold)
        ]
        if scheme_threshold is not None and (score is None or score < scheme_threshold):
            failed.append(_("overall"))
        out.append(
            Row(
                proposal=proposal,
                reviews=mine,
                consensus=consensus,
                criterion_means=means,
                scores=scores,
                score=score,
                provisional=not approved,
                spread=spread,
                disagreement=spread >= settings.disagreement,
                passes=score is not None and not failed,
                failed=failed,
                theme=themes.get(proposal.pk, ""),
                theme_label=labels.get(themes.get(proposal.pk, ""), themes.get(proposal.pk, "")),
                cofunding=cofunding.get(proposal.pk) or Decimal("0"),
                new_partners=len(partners.get(proposal.pk, set()) - funded_orgs),
                decision=getattr(proposal, "decision", None),
                not_ready=not_ready_reasons(reviews=len(mine), approved=approved, minimum=settings.min_reviews),
            )
        )
    keys = [str(c.pk) for c in criteria]
    extra = extra_scores.collect(call, ids)  # e.g. the hearings' scores, as the call configures
    for row in out:
        row.extras["criteria"] = keys
        found = extra.get(row.proposal.pk)
        if found is not None:
            row.extras["written_score"] = row.score
            row.extras["extra_score"] = found
            # Combined from the unrounded written total; ``combine`` rounds the result once.
            row.score = extra_scores.combine(
                weighted({k: str(v) for k, v in row.scores.items()}, criteria, exact=True), found
            )
            row.passes = row.score is not None and not row.failed
    if only is None:
        _calibrate(out, criteria)
    return out


def row_of(proposal: Proposal) -> Row | None:
    """The proposal's row with its recommendation, without ranking the whole call."""
    items = rows(proposal.call, only=proposal)
    recommend(items, adopted_run(proposal.call))
    return items[0] if items else None


def adopted_run(call: Call) -> PortfolioRun | None:
    """The portfolio run the office adopted for ``call``: the only source of recommendations."""
    return PortfolioRun.objects.filter(call=call, adopted_at__isnull=False).select_related("adopted_by__person").first()


def fit_calibration(items: list[Row], criteria: list[Criterion]) -> tuple[Any, dict[int, int]]:
    """The calibration model fitted on the complete reviews of ``items`` (rows in that order), and
    each reviewer's index in its ``leniency`` (by person id)."""
    from grappe.selection import ranking_runs

    return ranking_runs.calibrate(ranking_runs.calibration_triples(items, criteria), len(items))


def _calibrate(items: list[Row], criteria: list[Criterion]) -> None:
    import numpy as np

    result, _reviewers = fit_calibration(items, criteria)
    for j, row in enumerate(items):
        value, raw = result.calibrated[j], result.raw[j]
        row.calibrated = None if np.isnan(value) else round(float(value), 2)
        row.raw = None if np.isnan(raw) else round(float(raw), 2)


def _tie_key(row: Row, rule: str, criteria: list[Criterion]) -> Any:
    """Bigger is better, for every rule."""
    if rule.startswith("criterion_"):
        index = int(rule.split("_")[1]) - 1
        if index < len(criteria):
            return row.scores.get(str(criteria[index].pk), Decimal("-1"))
        return Decimal("0")
    if rule == "new_partners":
        return row.new_partners
    if rule == "cofunding":
        requested = row.proposal.requested_amount or Decimal("0")
        return (row.cofunding / requested) if requested else Decimal("0")
    if rule == "cheaper":
        return -(row.proposal.requested_amount or Decimal("0"))
    return 0


def ranking(call: Call, *, record: bool = True) -> list[Row]:
    """Rows ordered by weighted score (those passing the thresholds first); ties broken by the
    call's ordered rules, each tie noting the rule that decided it; the code breaks what is left.

    Unless ``record`` is False, the ranking is kept in the ledger as a run (``ranking_runs``,
    one per distinct inputs) so that it can be replayed."""
    items = rows(call)
    criteria = criteria_of(call)
    order = settings_for(call).rules()

    def key(row: Row) -> tuple[Any, ...]:
        return (
            not row.passes,
            -(row.score if row.score is not None else Decimal("-1")),
            *[_negate(_tie_key(row, rule, criteria)) for rule in order],
            row.proposal.code,
        )

    items.sort(key=key)
    for index, row in enumerate(items):
        row.rank = index + 1
        if index and items[index - 1].score == row.score and items[index - 1].passes == row.passes:
            above = items[index - 1]
            row.tie_rule = _("proposal code (no rule separated them)")
            for rule in order:
                if _tie_key(above, rule, criteria) != _tie_key(row, rule, criteria):
                    row.tie_rule = str(TIE_RULES[rule])
                    break
    recommend(items, adopted_run(call))
    if record:
        from grappe.selection import ranking_runs

        ranking_runs.record(call, items, criteria, order)
    return items


def _negate(value: Any) -> Any:
    return -value


def recommend(items: list[Row], run: PortfolioRun | None) -> None:
    """The recommendation of each row: none while it is not ready (too few reviews, no approved
    consensus); funded (with amount) if the adopted portfolio run funds it or took its funding
    decision as given, reserve list if it passes the thresholds, rejected otherwise. Exploratory
    (not adopted) runs change nothing."""
    # A proposal funded before the run was left out of it, its award deducted: the run keeps it
    # funded at that amount (docs/selection.md, "Decisions already taken").
    funded = {**((run.parameters or {}).get("already_funded") or {}), **(run.result.get("funded") or {})} if run else {}
    for row in items:
        if row.not_ready:
            row.recommendation, row.recommended_amount = "", None
        elif row.proposal.code in funded:
            row.recommendation = Outcome.FUNDED
            row.recommended_amount = Decimal(str(funded[row.proposal.code])).quantize(Decimal("0.01"))
        elif row.passes:
            row.recommendation = Outcome.RESERVE
        else:
            row.recommendation = Outcome.REJECTED


# --- Consensus ------------------------------------------------------------------------------


def _half(value: Any, label: str) -> str:
    try:
        score = Decimal(str(value))
    except InvalidOperation as exc:
        raise SelectionError(_("%(label)s: scores are numbers from 0 to 5 in half points.") % {"label": label}) from exc
    if not score.is_finite() or score < 0 or score > 5 or (score * 2) % 1:
        raise SelectionError(_("%(label)s: scores are numbers from 0 to 5 in half points.") % {"label": label})
    return f"{score:.1f}"


def draft_values(row: Row) -> dict[str, str]:
    """A starting point for the rapporteur: each criterion's review mean, to the nearest half point."""
    return {k: f"{(v * 2).quantize(Decimal('1'), ROUND_HALF_UP) / 2:.1f}" for k, v in row.criterion_means.items()}


@transaction.atomic
def save_consensus(
    proposal: Proposal, data: dict[str, Any], *, expected_version: int, approve: bool, actor: Any
) -> Consensus:
    """Save the consensus as a draft, or approve it (the office only).

    The office may always edit (an approved consensus it edits goes back to draft unless it
    approves again). The rapporteur drafts only: while they still review the proposal (no
    conflict), once their own review is submitted, and never once the office approved it.
    """
    consensus, _created = Consensus.objects.select_for_update().get_or_create(proposal=proposal)
    if consensus.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    office = roles_of(actor).is_office
    if not office:
        _check_rapporteur(consensus, proposal, actor, approve=approve)
        data = {k: v for k, v in data.items() if k != "rapporteur"}
    criteria = criteria_of(proposal.call)
    scores, comments = {}, {}
    for c in criteria:
        raw = data.get(f"score_{c.pk}")
        if raw not in (None, ""):
            scores[str(c.pk)] = _half(raw, c.label)
        comments[str(c.pk)] = clean_text(
            data.get(f"comment_{c.pk}"), max_length=5000, label=c.label, error=SelectionError
        )
    consensus.scores, consensus.comments = scores, comments
    consensus.applicant_comment = clean_text(
        data.get("applicant_comment"), max_length=10000, label=_("The comment for the applicants"), error=SelectionError
    )
    if "rapporteur" in data:  # one of the proposal's reviewers, or nobody (the office)
        chosen = str(data["rapporteur"])[:18]
        consensus.rapporteur = (
            Person.objects.filter(
                pk=int(chosen), review_assignments__proposal=proposal, review_assignments__state=AssignmentState.ACTIVE
            ).first()
            if chosen.isdigit()
            else None
        )
    if approve:
        refused = guards.refusal("selection.approve_consensus", proposal)
        if refused:  # e.g. the applicants may still answer their reviews (grappe.stages)
            raise SelectionError(refused)
        missing = [c.label for c in criteria if str(c.pk) not in scores]
        if missing or not consensus.applicant_comment.strip():
            raise SelectionError(_("Score every criterion and write the comment for the applicants before approving."))
        consensus.state = ConsensusState.APPROVED
        consensus.approved_by = actor
        consensus.approved_at = timezone.now()
    else:
        consensus.state = ConsensusState.DRAFT
    consensus.version += 1
    consensus.save()
    log_action(proposal, "selection.consensus_approved" if approve else "selection.consensus_saved", actor=actor)
    return consensus


def _check_rapporteur(consensus: Consensus, proposal: Proposal, actor: Any, *, approve: bool) -> None:
    person_id = roles_of(actor).person_id
    if (
        consensus.rapporteur_id is None
        or consensus.rapporteur_id != person_id
        or not reviews_it(person_id, proposal.pk)
    ):
        raise SelectionError(_("Only the office or the proposal's rapporteur drafts its consensus."))
    if approve:
        raise SelectionError(_("Only the office approves a consensus."))
    if consensus.state == ConsensusState.APPROVED:
        raise SelectionError(_("The office approved this consensus: only the office can change it now."))
    if not submitted_own_review(person_id, proposal.pk):
        raise SelectionError(_("Submit your own review of this proposal before drafting its consensus."))


# --- Portfolio ------------------------------------------------------------------------------


def already_decided(call: Call) -> tuple[dict[str, Decimal], list[str]]:
    """What funding decisions already settled, which a portfolio run takes as given: the funded
    proposals with the amount their awards commit (code → amount), and the proposals whose team
    declined the funding (codes). Neither competes in a run; the committed amounts are deducted
    from the call's budget (docs/selection.md, "Portfolio")."""
    funded = dict(Award.objects.filter(call=call).order_by("proposal__code").values_list("proposal__code", "amount"))
    declined = sorted(
        Decision.objects.filter(proposal__call=call, outcome=Outcome.DECLINED).values_list("proposal__code", flat=True)
    )
    return funded, declined


def remaining_budget(call: Call) -> Decimal:
    """The call's budget less what funding decisions already commit: what a portfolio run allocates."""
    return max(call.budget - committed(call), Decimal("0")).quantize(Decimal("0.01"), ROUND_HALF_UP)


def portfolio_inputs(call: Call, parameters: dict[str, Any]) -> dict[str, Any]:
    """Everything a portfolio run reads, as plain JSON (stored for replay, ``core.replay``): the
    ranked proposals that may compete, with their score, cost, theme, lead and co-funding, and
    the funding decisions already taken (``already_funded``: code → amount committed; ``declined``):
    those proposals do not compete, and ``budget`` is the money left to allocate."""
    # Only ready proposals compete: a proposal without enough reviews or an approved consensus is
    # never recommended, so no run may fund it. Nor does one already funded (or declined by its
    # team): its money is committed, the run allocates what is left.
    funded, declined = already_decided(call)
    settled = set(funded) | set(declined)
    items = [
        row
        for row in rows(call)
        if row.passes and row.score is not None and row.ready and row.proposal.code not in settled
    ]
    candidates = [
        [
            row.proposal.code,
            float(row.score or 0),
            float(row.proposal.requested_amount or 0),
            row.theme,
            row.proposal.lead_organisation.code if row.proposal.lead_organisation_id else "",
            float(row.cofunding),
        ]
        for row in items
    ]
    known = {c[0] for c in candidates}
    return {
        "candidates": candidates,
        "already_funded": {code: str(amount) for code, amount in funded.items()},
        "declined": declined,
        "rules": {
            "budget": float(parameters["budget"]),
            "theme_min": {k: int(v) for k, v in (parameters.get("theme_min") or {}).items()},
            "theme_max": {k: int(v) for k, v in (parameters.get("theme_max") or {}).items()},
            "max_per_lead": parameters.get("max_per_lead"),
            "min_cofunding_ratio": parameters.get("min_cofunding_ratio"),
            "must_fund": sorted(set(parameters.get("must_fund") or []) & known),
            "must_exclude": sorted(set(parameters.get("must_exclude") or []) & known),
            "min_rate": float(parameters.get("min_rate") or 1.0),
            "weight_by_cost": bool(parameters.get("weight_by_cost")),
        },
    }


def portfolio_from_inputs(payload: dict[str, Any]) -> Any:
    """The engine's portfolio from stored inputs (what a run computes and its replay recomputes);
    raises ``Infeasible`` or ``ValueError`` when no portfolio meets the rules."""
    from grappe.engine.portfolio import Candidate, Rules, select_portfolio

    candidates = [
        Candidate(id=code, quality=quality, cost=cost, theme=theme, lead=lead, cofunding=cofunding)
        for code, quality, cost, theme, lead, cofunding in payload["candidates"]
    ]
    rules = payload["rules"]
    return select_portfolio(
        candidates,
        Rules(
            **{key: value for key, value in rules.items() if key not in ("must_fund", "must_exclude")},
            must_fund=frozenset(rules["must_fund"]),
            must_exclude=frozenset(rules["must_exclude"]),
        ),
    )


def portfolio_outcome(payload: dict[str, Any]) -> dict[str, Any]:
    """What a portfolio run concluded, in a form a replay compares."""
    from grappe.engine.types import Infeasible

    try:
        portfolio = portfolio_from_inputs(payload)
    except (Infeasible, ValueError) as exc:
        return {"error": str(exc)}
    return {"funded": {code: float(amount) for code, amount in portfolio.funded.items()}}


def compare_portfolio(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    if "error" in kept or "error" in new:
        if kept.get("error") == new.get("error"):
            return []
        return [
            _("The run ended with “%(then)s”; the replay with “%(now)s”.")
            % {"then": kept.get("error") or _("a portfolio"), "now": new.get("error") or _("a portfolio")}
        ]
    before, after = kept["funded"], new["funded"]
    lines = []
    if set(before) - set(after):
        gone = ", ".join(sorted(set(before) - set(after)))
        lines.append(_("No longer recommended for funding: %(codes)s") % {"codes": gone})
    if set(after) - set(before):
        added = ", ".join(sorted(set(after) - set(before)))
        lines.append(_("Newly recommended for funding: %(codes)s") % {"codes": added})
    for code in sorted(set(before) & set(after)):
        if before[code] != after[code]:
            lines.append(
                _("%(code)s: %(then)s recommended, now %(now)s")
                % {"code": code, "then": f"{before[code]:.2f}", "now": f"{after[code]:.2f}"}
            )
    return lines


def run_portfolio(call: Call, parameters: dict[str, Any], *, actor: Any) -> PortfolioRun:
    """Run the portfolio engine on the proposals passing the thresholds and not yet decided on
    (funded or declined), with ``parameters["budget"]`` to allocate: at most what funding decisions
    leave of the call's budget (else ``SelectionError``). The run is kept either way."""
    from grappe.core.replay import store_inputs
    from grappe.engine import ENGINE_VERSION
    from grappe.engine.types import Infeasible

    left = remaining_budget(call)
    if Decimal(str(parameters["budget"])) > left:
        raise SelectionError(
            _(
                "The budget to allocate (%(budget)s) is more than what is left of the call's budget: %(left)s, "
                "once the %(committed)s that funding decisions commit are deducted."
            )
            % {
                "budget": format_money(Decimal(str(parameters["budget"]))),
                "left": format_money(left),
                "committed": format_money(committed(call)),
            }
        )
    payload = portfolio_inputs(call, parameters)
    stored = store_inputs(payload)
    # How the run treated the funding decisions taken before it, kept with its parameters (the
    # inputs above hold the same, so a replay allocates the same money among the same proposals).
    parameters = {
        **parameters,
        "funding_decisions": "deducted",
        "committed": float(sum((Decimal(a) for a in payload["already_funded"].values()), Decimal("0"))),
        "already_funded": {code: float(amount) for code, amount in payload["already_funded"].items()},
        "declined": payload["declined"],
    }
    run = PortfolioRun(
        call=call,
        parameters=parameters,
        created_by=actor,
        engine_version=ENGINE_VERSION,
        inputs_hash=stored.digest,
        inputs=stored,
    )
    try:
        portfolio = portfolio_from_inputs(payload)
    except (Infeasible, ValueError) as exc:
        run.error = str(exc)
    else:
        run.result = {
            **portfolio.summary(),
            "funded": portfolio.funded,
            "baseline": portfolio.baseline,
            "candidates": len(payload["candidates"]),
        }
    run.save()
    log_action(call, "selection.portfolio_run", actor=actor, data={"run": run.pk, "error": run.error})
    return run


@transaction.atomic
def adopt_portfolio_run(run: PortfolioRun, *, actor: Any) -> PortfolioRun:
    """Adopt ``run``: recommendations (and decisions' "recommended" column) follow it from now on.

    The run adopted before (if any) stops being the adopted one; the ledger keeps who adopted
    which run and when (audit log). A failed run cannot be adopted.
    """
    Call.objects.select_for_update().get(pk=run.call_id)
    run = PortfolioRun.objects.select_for_update().get(pk=run.pk)
    if run.error:
        raise SelectionError(_("A run without a portfolio cannot be adopted."))
    previous = PortfolioRun.objects.filter(call_id=run.call_id, adopted_at__isnull=False).exclude(pk=run.pk).first()
    if previous is not None:
        previous.adopted_at, previous.adopted_by = None, None
        previous.save(update_fields=["adopted_at", "adopted_by"])
    run.adopted_at, run.adopted_by = timezone.now(), actor
    run.save(update_fields=["adopted_at", "adopted_by"])
    log_action(
        run.call,
        "selection.portfolio_adopted",
        actor=actor,
        data={"run": run.pk, "replaces": previous.pk if previous else None},
    )
    return run


# --- Decisions ------------------------------------------------------------------------------


def _check_amount(proposal: Proposal, amount: Decimal | None) -> None:
    """A funded decision's amount: given, above zero, at most the amount requested."""
    if amount is None:
        raise SelectionError(_("Give the amount granted."))
    if amount <= 0:
        raise SelectionError(
            _("The amount granted must be more than 0 € (at most the amount requested, %(requested)s).")
            % {"requested": format_money(proposal.requested_amount)}
        )
    if amount > proposal.requested_amount:
        raise SelectionError(_("The amount granted cannot exceed the amount requested."))


@transaction.atomic
def record_decision(
    proposal: Proposal,
    *,
    outcome: str,
    amount: Decimal | None,
    reserve_rank: int | None,
    justification: str,
    expected_version: int | None,
    actor: Any,
    shared_justification: str = "",
) -> Decision:
    """Record (or change) the decision on a proposal, once its call has closed.

    The recommendation (from the adopted portfolio run and the thresholds) is kept beside it; a
    departure needs a justification, and so does deciding on a proposal that is not ready. Funding
    commits the amount: the call's awards may not exceed its budget, nor the programme's its
    envelope (rows locked, so two decisions at once cannot both take the last euros).
    """
    if outcome not in Outcome.values:
        raise SelectionError(_("Choose a decision from the list."))
    amount = finite_decimal(amount, error=SelectionError)
    if reserve_rank is not None:
        reserve_rank = bounded_int(reserve_rank, minimum=1, maximum=RESERVE_RANK_MAX, error=SelectionError)
    justification = clean_text(justification, max_length=5000, label=_("The justification"), error=SelectionError)
    shared_justification = clean_text(
        shared_justification,
        max_length=2000,
        label=_("The justification shared with the applicants"),
        error=SelectionError,
    )
    call = Call.objects.select_for_update().get(pk=proposal.call_id)
    Programme.objects.select_for_update().get(pk=call.programme_id)
    if timezone.now() < call.closes_at:
        raise SelectionError(_("The call is still open: decisions are recorded once it has closed."))
    # Locked, so a withdrawal (which locks it too) cannot cross the decision.
    Proposal.objects.select_for_update().get(pk=proposal.pk)
    decision = Decision.objects.select_for_update().filter(proposal=proposal).first()
    if decision is not None and expected_version is not None and decision.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    _refuse_if_project_opened(proposal)
    row = row_of(proposal)
    if row is None:
        raise SelectionError(_("Only a submitted, eligible proposal can be decided."))
    if outcome == Outcome.FUNDED:
        _check_amount(proposal, amount)
        _check_commitment(call, proposal, amount)
    else:
        amount = None
    if outcome == Outcome.RESERVE and not reserve_rank:
        raise SelectionError(_("Give the proposal's rank on the reserve list."))
    _check_justified(row, outcome, amount, justification)
    decision = decision or Decision(proposal=proposal)
    decision.outcome = outcome
    decision.amount = amount
    decision.reserve_rank = reserve_rank if outcome == Outcome.RESERVE else None
    decision.recommended = row.recommendation
    decision.recommended_amount = row.recommended_amount
    decision.portfolio_run = adopted_run(call)
    decision.ranking_run = _ranking_run(call)
    decision.justification = justification.strip()
    decision.shared_justification = shared_justification.strip()
    decision.decided_by = actor
    decision.version = (decision.version or 0) + 1 if decision.pk else 1
    decision.save()
    pause_point("decision.saved")
    Award.objects.filter(proposal=proposal).delete()
    if outcome == Outcome.FUNDED and amount is not None:
        Award.objects.create(proposal=proposal, call=call, amount=amount)
    log_action(
        proposal,
        "selection.decided",
        actor=actor,
        data={
            "outcome": outcome,
            "amount": amount,
            "recommended": row.recommendation,
            "recommended_amount": row.recommended_amount,
            "justification": decision.justification,
            "shared_justification": decision.shared_justification,
        },
    )
    return decision


def _ranking_run(call: Call) -> Any:
    """The run keeping the call's ranking as it stands (computed now unless cached; the same
    inputs reuse their run)."""
    from grappe.selection import ranking_runs, ranking_store

    items = ranking_store.ranking(call)
    return ranking_runs.record(call, items, criteria_of(call), settings_for(call).rules())


PROJECT_OPENED_MESSAGE = gettext_lazy(
    "A project has been opened from this award: the decision can no longer change here. Change the "
    "grant through an amendment on the project's page."
)


def project_opened(proposal: Proposal) -> bool:
    """Whether a funded project was opened from the proposal's award (``projects`` refers to the
    award; the award, and so the decision, is then fixed)."""
    return Award.objects.filter(proposal=proposal, project__isnull=False).exists()


def _refuse_if_project_opened(proposal: Proposal) -> None:
    if project_opened(proposal):
        raise SelectionError(str(PROJECT_OPENED_MESSAGE))


def _check_justified(row: Any, outcome: str, amount: Decimal | None, justification: str) -> None:
    """A decision on a proposal not ready, or one that departs from the recommendation, needs a
    written justification (10 characters at least)."""
    if row.not_ready and len(justification.strip()) < 10:
        raise SelectionError(
            _("This proposal is not ready (%(reasons)s): justify deciding now (10 characters at least).")
            % {"reasons": "; ".join(row.not_ready)}
        )
    departs = outcome != row.recommendation or (outcome == Outcome.FUNDED and amount != row.recommended_amount)
    if departs and not row.not_ready and len(justification.strip()) < 10:
        raise SelectionError(
            _("This decision departs from the recommendation (%(recommended)s): justify it (10 characters at least).")
            % {"recommended": Outcome(row.recommendation).label}
        )


def _check_commitment(call: Call, proposal: Proposal, amount: Decimal) -> None:
    others = Award.objects.filter(call=call).exclude(proposal=proposal).aggregate(t=Sum("amount"))["t"] or Decimal("0")
    if others + amount > call.budget:
        raise SelectionError(
            _("Funding %(amount)s would exceed the call's budget: %(left)s left.")
            % {"amount": format_money(amount), "left": format_money(call.budget - others)}
        )
    programme_total = Award.objects.filter(call__programme_id=call.programme_id).exclude(proposal=proposal).aggregate(
        t=Sum("amount")
    )["t"] or Decimal("0")
    if programme_total + amount > call.programme.total_amount:
        raise SelectionError(
            _("Funding %(amount)s would exceed the programme's envelope: %(left)s left.")
            % {"amount": format_money(amount), "left": format_money(call.programme.total_amount - programme_total)}
        )


def committed(call: Call) -> Decimal:
    return Award.objects.filter(call=call).aggregate(t=Sum("amount"))["t"] or Decimal("0")


@transaction.atomic
def team_declines(proposal: Proposal, *, reason: str, actor: Any) -> Decision | None:
    """A funded team declines: its award is released and the first proposal of the reserve list
    whose request fits what is left is funded in its place (returned; None if none fits)."""
    decision = Decision.objects.select_for_update().filter(proposal=proposal, outcome=Outcome.FUNDED).first()
    if decision is None:
        raise SelectionError(_("Only a funded proposal can be declined by its team."))
    _refuse_if_project_opened(proposal)
    reason = clean_text(reason, max_length=5000, label=_("The reason"), error=SelectionError)
    if len(reason) < 10:
        raise SelectionError(_("Say why the team declines (10 characters at least)."))
    call = Call.objects.select_for_update().get(pk=proposal.call_id)
    decision.outcome = Outcome.DECLINED
    decision.justification = reason.strip()
    decision.decided_by = actor
    decision.version += 1
    decision.save()
    Award.objects.filter(proposal=proposal).delete()
    log_action(proposal, "selection.team_declined", actor=actor, data={"reason": reason})
    for candidate in (
        Decision.objects.select_for_update()
        .filter(proposal__call=call, outcome=Outcome.RESERVE)
        .select_related("proposal")
        .order_by("reserve_rank", "proposal__code")
    ):
        amount = candidate.proposal.requested_amount
        try:
            _check_commitment(call, candidate.proposal, amount)
        except SelectionError:
            continue
        candidate.outcome = Outcome.FUNDED
        candidate.amount = amount
        candidate.reserve_rank = None
        candidate.justification = _("Promoted from the reserve list after %(code)s declined.") % {"code": proposal.code}
        candidate.decided_by = actor
        candidate.version += 1
        candidate.save()
        Award.objects.create(proposal=candidate.proposal, call=call, amount=amount)
        log_action(candidate.proposal, "selection.promoted", actor=actor, data={"replaces": proposal.code})
        return candidate
    return None
