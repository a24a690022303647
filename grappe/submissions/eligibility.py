"""Eligibility: every rule of the call checked at once, each failure explaining itself.

Each check returns the failures it finds as :class:`Failure` rows: the rule, a translated
message saying what to fix, and the section of the proposal where to fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from grappe.calls.models import Call, EligibilityRule, QuestionKind, RuleKind
from grappe.core.money import format_money
from grappe.people.models import Relationship
from grappe.submissions.budget import BudgetSummary, summarise
from grappe.submissions.models import PartnerRole, Proposal


@dataclass(frozen=True)
class Failure:
    rule: str
    message: str
    section: str  # anchor of the proposal page where the field lives

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Context:
    proposal: Proposal
    call: Call
    budget: BudgetSummary


def check_basics(ctx: Context) -> list[Failure]:
    """Always checked: a proposal needs a title, an abstract and a lead organisation."""
    p = ctx.proposal
    out = []
    if not p.title.strip():
        out.append(Failure("basics", _("Give the proposal a title."), "details"))
    if not p.abstract.strip():
        out.append(Failure("basics", _("Write the abstract."), "details"))
    if p.lead_organisation_id is None:
        out.append(Failure("basics", _("Choose the lead's organisation."), "details"))
    return out


def check_lead_is_member(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    org = ctx.proposal.lead_organisation
    if org is None:
        return []  # reported by check_basics
    is_member = org.relationship == Relationship.MEMBER or (
        org.parent is not None and org.parent.relationship == Relationship.MEMBER
    )
    if is_member:
        return []
    return [
        Failure(
            rule.kind,
            _("The lead's organisation (%(org)s) must be a member of the cluster.") % {"org": org.name},
            "details",
        )
    ]


def check_min_partners(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    needed = int(rule.parameter or 0)
    count = sum(1 for p in ctx.proposal.partners.all() if p.role == PartnerRole.INDUSTRIAL)
    if count >= needed:
        return []
    return [
        Failure(
            rule.kind,
            _("At least %(n)s industrial partner(s) are needed; the proposal has %(count)s.")
            % {"n": needed, "count": count},
            "partners",
        )
    ]


def check_min_cofunding(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    percent = rule.parameter or Decimal("0")
    requested = ctx.proposal.requested_amount
    needed = requested * percent / Decimal("100")
    have = ctx.budget.cofunding
    if have >= needed:
        return []
    return [
        Failure(
            rule.kind,
            _("Partners' co-funding must reach %(pct)s %% of the amount requested (%(needed)s); it is %(have)s.")
            % {"pct": f"{percent.normalize():f}", "needed": format_money(needed), "have": format_money(have)},
            "partners",
        )
    ]


def check_amount_in_range(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    amount, call = ctx.proposal.requested_amount, ctx.call
    if call.min_amount <= amount <= call.max_amount:
        return []
    return [
        Failure(
            rule.kind,
            _("The amount requested (%(amount)s) must lie between %(min)s and %(max)s.")
            % {
                "amount": format_money(amount),
                "min": format_money(call.min_amount),
                "max": format_money(call.max_amount),
            },
            "details",
        )
    ]


def check_duration_in_range(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    months, call = ctx.proposal.duration_months, ctx.call
    if call.min_duration <= months <= call.max_duration:
        return []
    return [
        Failure(
            rule.kind,
            _("The duration (%(months)s months) must lie between %(min)s and %(max)s months.")
            % {"months": months, "min": call.min_duration, "max": call.max_duration},
            "details",
        )
    ]


def check_budget_matches(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    total, requested = ctx.budget.total, ctx.proposal.requested_amount
    if total == requested:
        return []
    return [
        Failure(
            rule.kind,
            _(
                "The budget table adds up to %(total)s (direct costs %(direct)s + overheads %(overhead)s), "
                "but the amount requested is %(requested)s: make them agree."
            )
            % {
                "total": format_money(total),
                "direct": format_money(ctx.budget.direct),
                "overhead": format_money(ctx.budget.overhead),
                "requested": format_money(requested),
            },
            "budget",
        )
    ]


def _missing(ctx: Context, *, files: bool) -> list[Failure]:
    answers = {a.question_id: a for a in ctx.proposal.answers.all()}
    out = []
    for question in ctx.call.questions.all():
        if not question.required or (question.kind == QuestionKind.PDF) != files:
            continue
        answer = answers.get(question.pk)
        if answer is None or answer.is_empty:
            text = _("Attach the required file “%(q)s”.") if files else _("Answer the required question “%(q)s”.")
            out.append(
                Failure(
                    "required_attachments" if files else "required_questions",
                    text % {"q": question.label},
                    f"q{question.pk}",
                )
            )
    return out


def check_required_attachments(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    return _missing(ctx, files=True)


def check_required_questions(ctx: Context, rule: EligibilityRule) -> list[Failure]:
    return _missing(ctx, files=False)


CHECKS: dict[str, Callable[[Context, EligibilityRule], list[Failure]]] = {
    RuleKind.LEAD_IS_MEMBER: check_lead_is_member,
    RuleKind.MIN_PARTNERS: check_min_partners,
    RuleKind.MIN_COFUNDING: check_min_cofunding,
    RuleKind.AMOUNT_IN_RANGE: check_amount_in_range,
    RuleKind.DURATION_IN_RANGE: check_duration_in_range,
    RuleKind.BUDGET_MATCHES: check_budget_matches,
    RuleKind.REQUIRED_ATTACHMENTS: check_required_attachments,
    RuleKind.REQUIRED_QUESTIONS: check_required_questions,
}


def check_eligibility(proposal: Proposal, *, budget: BudgetSummary | None = None) -> list[Failure]:
    """All failures of ``proposal`` against its call's rules, in the call's rule order (``budget``:
    its summary when the caller has it already)."""
    ctx = Context(proposal=proposal, call=proposal.call, budget=budget or summarise(proposal))
    failures = check_basics(ctx)
    for rule in proposal.call.rules.all():
        failures.extend(CHECKS[rule.kind](ctx, rule))
    return failures


def amount_warning(proposal: Proposal) -> str:
    """A warning when a draft's requested amount lies outside its call's range ("" if inside): said
    on every save of the details, which still saves the draft; submission refuses it (rule above)."""
    call = proposal.call
    if call.min_amount <= proposal.requested_amount <= call.max_amount:
        return ""
    return _(
        "Saved, but the amount requested (%(amount)s) must lie between %(min)s and %(max)s for this call: "
        "change it before you submit."
    ) % {
        "amount": format_money(proposal.requested_amount),
        "min": format_money(call.min_amount),
        "max": format_money(call.max_amount),
    }
