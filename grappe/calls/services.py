"""Writes about calls: creation within the envelope, configuration, state changes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.calls.models import (
    HORIZON_EUROPE_OVERALL,
    HORIZON_EUROPE_PRESET,
    Call,
    CallState,
    Criterion,
    EligibilityRule,
    EvaluationScheme,
    Question,
)
from grappe.core.money import format_money
from grappe.core.services import diff, log_action, save_versioned
from grappe.programmes.models import Programme
from grappe.programmes.services import check_reservation


class CallStateError(Exception):
    """A state change that is not allowed; ``str()`` is translated."""


class BudgetBelowCommitments(Exception):
    """A call's budget lowered below what awards already commit; ``str()`` is translated."""


# What other apps have committed against a call's budget (selection registers its awards in
# its ``ready()``): calls sits below them in the dependency order and cannot import them.
_commitment_sources: list[Callable[[Call], Decimal]] = []


def register_commitments(source: Callable[[Call], Decimal]) -> Callable[[Call], Decimal]:
    """Register ``source(call) -> Decimal``, an amount committed against the call's budget."""
    if source not in _commitment_sources:
        _commitment_sources.append(source)
    return source


def committed_against(call: Call) -> Decimal:
    """The total committed against ``call``'s budget by every registered source."""
    return sum((source(call) for source in _commitment_sources), Decimal("0"))


@transaction.atomic
def create_call(*, actor: Any, programme: Programme, **fields: Any) -> Call:
    """Create a draft call; its budget is reserved in the programme's envelope."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    check_reservation(locked, fields["budget"])
    call = Call.objects.create(programme=locked, **fields)
    EvaluationScheme.objects.create(call=call)
    log_action(call, "call.created", actor=actor, data={"budget": fields["budget"], "programme": locked.name})
    return call


@transaction.atomic
def update_call(call: Call, *, actor: Any, changes: dict[str, Any], expected_version: int) -> dict[str, list[Any]]:
    """Save a call's configuration.

    A new budget must fit in the programme's envelope and must not go below what awards already
    commit. The call row is locked before the programme's (the order decisions lock them in), so
    a decision committing money and a budget change cannot pass each other.
    """
    Call.objects.select_for_update().filter(pk=call.pk).first()
    programme = Programme.objects.select_for_update().get(pk=call.programme_id)
    if "budget" in changes and changes["budget"] != call.budget:
        check_reservation(programme, changes["budget"], exclude_call_id=call.pk)
        committed = committed_against(call)
        if changes["budget"] < committed:
            raise BudgetBelowCommitments(
                _("The budget cannot be %(amount)s: awards already commit %(committed)s of this call's budget.")
                % {"amount": format_money(changes["budget"]), "committed": format_money(committed)}
            )
    changed = diff(call, changes)
    if changed:
        save_versioned(call, {**changes, "updated_at": timezone.now()}, expected_version=expected_version)
        log_action(call, "call.updated", actor=actor, data={"changed": changed})
    return changed


TRANSITIONS = {
    CallState.DRAFT: {CallState.PUBLISHED},
    CallState.PUBLISHED: {CallState.DRAFT, CallState.CLOSED},
    CallState.CLOSED: {CallState.PUBLISHED, CallState.ARCHIVED},
    CallState.ARCHIVED: set(),
}


@transaction.atomic
def set_call_state(call: Call, state: str, *, actor: Any) -> Call:
    """Move a call to ``state``.

    Side effects: the audit entry. Publishing needs at least one question-free path to submit
    (nothing more); going back to draft is refused once proposals were submitted.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    if state not in TRANSITIONS[CallState(call.state)]:
        raise CallStateError(
            _("A call cannot go from “%(old)s” to “%(new)s”.")
            % {"old": CallState(call.state).label, "new": CallState(state).label}
        )
    if state == CallState.DRAFT and call.proposals.filter(submitted_at__isnull=False).exists():
        raise CallStateError(_("Proposals were already submitted to this call: it cannot go back to draft."))
    old = call.state
    call.state = state
    call.version += 1
    call.save(update_fields=["state", "version", "updated_at"])
    log_action(call, "call.state_changed", actor=actor, data={"from": old, "to": state})
    return call


@transaction.atomic
def set_rules(call: Call, rules: dict[str, Decimal | None], *, actor: Any) -> None:
    """Replace the call's eligibility rules by ``{kind: parameter}``."""
    old = {r.kind: r.parameter for r in call.rules.all()}
    if old == rules:
        return
    call.rules.all().delete()
    EligibilityRule.objects.bulk_create(EligibilityRule(call=call, kind=k, parameter=v) for k, v in rules.items())
    log_action(call, "call.rules_changed", actor=actor, data={"old": old, "new": rules})


@transaction.atomic
def save_question(call: Call, question: Question, *, actor: Any) -> Question:
    created = question.pk is None
    question.call = call
    if created and not question.position:
        question.position = call.questions.count() + 1
    question.save()
    log_action(
        call,
        "call.question_added" if created else "call.question_changed",
        actor=actor,
        data={"question": question.label_en},
    )
    return question


@transaction.atomic
def delete_question(question: Question, *, actor: Any) -> None:
    call = question.call
    if question.answers.exists():
        raise CallStateError(_("Applicants have already answered this question: it cannot be deleted."))
    label = question.label_en
    question.delete()
    log_action(call, "call.question_deleted", actor=actor, data={"question": label})


@transaction.atomic
def save_scheme(
    call: Call, *, actor: Any, overall_threshold: Decimal, criteria: list[dict[str, Any]]
) -> EvaluationScheme:
    """Replace the criteria of the call's evaluation scheme."""
    scheme, _created = EvaluationScheme.objects.get_or_create(call=call)
    scheme.overall_threshold = overall_threshold
    scheme.save()
    scheme.criteria.all().delete()
    Criterion.objects.bulk_create(Criterion(scheme=scheme, position=i, **c) for i, c in enumerate(criteria))
    log_action(
        call,
        "call.scheme_changed",
        actor=actor,
        data={"overall_threshold": overall_threshold, "criteria": [c["label_en"] for c in criteria]},
    )
    return scheme


def apply_horizon_europe_preset(call: Call, *, actor: Any) -> EvaluationScheme:
    criteria = [
        {"label_fr": fr, "label_en": en, "weight": weight, "threshold": threshold}
        for fr, en, weight, threshold in HORIZON_EUROPE_PRESET
    ]
    return save_scheme(call, actor=actor, overall_threshold=HORIZON_EUROPE_OVERALL, criteria=criteria)
