"""What stages adds to earlier apps: refusals (stage 2 takes invited teams only; an excluded
stage-1 reviewer cannot join the stage-2 pool) and sections of their pages (the proposal page,
the consensus page, the decision ledger)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from grappe.core import guards
from grappe.core import sections as core_sections
from grappe.selection import sections as selection_sections
from grappe.selection import shortlists
from grappe.stages import services
from grappe.stages.models import (
    AppealSettings,
    Rebuttal,
    RebuttalState,
    RedressRequest,
    StageDecision,
    TwoStageCall,
)
from grappe.submissions import sections as proposal_sections
from grappe.submissions.models import ProposalState
from grappe.submissions.rules import is_team_member


def proposal_section(user: Any, proposal: Any) -> dict[str, Any] | None:
    team = bool(is_team_member(user, proposal))
    office = user.has_perm("stages.view_stages")
    reader = user.has_perm("stages.read_rebuttal", proposal)
    if not (team or office or reader):
        return None
    context: dict[str, Any] = {"template": "stages/includes/proposal_section.html", "team": team, "office": office}
    carried = StageDecision.objects.filter(full_proposal=proposal).select_related("proposal").first()
    if carried and (team or office):
        context["carried_from"] = carried.proposal
    decision = StageDecision.objects.filter(proposal=proposal).select_related("full_proposal").first()
    if decision and decision.notified_at and (team or office):
        context["stage_decision"] = decision
        context["can_decline"] = (
            decision.invited and decision.declined_at is None and user.has_perm("stages.decline_invitation", proposal)
        )
    appeal = AppealSettings.objects.filter(call_id=proposal.call_id).first()
    if proposal.state == ProposalState.SUBMITTED and appeal is not None and appeal.rebuttal_enabled:
        rebuttal = Rebuttal.objects.filter(proposal=proposal).first()
        context["appeal"] = appeal
        context["window"] = services.rebuttal_window(proposal.call)
        context["rebuttal"] = rebuttal
        context["rebuttal_sent"] = rebuttal is not None and rebuttal.state == RebuttalState.SUBMITTED
        context["show_rebuttal"] = reader and context["rebuttal_sent"]
    if team or office:
        deadline = services.redress_deadline(proposal)
        redress = RedressRequest.objects.filter(proposal=proposal).first()
        if deadline or redress:
            context["redress_deadline"] = deadline
            context["redress_open"] = deadline is not None and timezone.now() <= deadline
            context["redress"] = redress
    keys = {"carried_from", "stage_decision", "appeal", "redress_deadline", "redress"}
    if not keys & context.keys():
        return None
    return context


def consensus_section(user: Any, proposal: Any) -> dict[str, Any] | None:
    """The applicants' answer, on the consensus page and the reviewer's review page, for whoever
    may read it; while the rebuttal window has not closed, when it closes (the consensus waits)."""
    if not user.has_perm("stages.read_rebuttal", proposal):
        return None
    rebuttal = Rebuttal.objects.filter(proposal=proposal, state=RebuttalState.SUBMITTED).first()
    window = services.rebuttal_window(proposal.call)
    if rebuttal is None and window not in ("before", "open"):
        return None
    appeal = AppealSettings.objects.filter(call_id=proposal.call_id).first()
    return {
        "template": "stages/includes/consensus_rebuttal.html",
        "rebuttal": rebuttal,
        "window": window,
        "closes_at": appeal.rebuttal_closes_at if appeal else None,
    }


def ledger_section(user: Any, call: Any) -> dict[str, Any] | None:
    """Requests for redress (and, for a letter-of-intent call, the stage-1 decisions)."""
    if not user.has_perm("stages.view_stages"):
        return None
    requests = list(
        RedressRequest.objects.filter(proposal__call=call)
        .select_related("proposal", "examined_by__person")
        .order_by("-filed_at")
    )
    link = TwoStageCall.objects.filter(stage1=call).first()
    decisions = (
        list(
            StageDecision.objects.filter(proposal__call=call)
            .select_related("proposal", "decided_by__person", "run", "full_proposal")
            .order_by("-invited", "proposal__code")
        )
        if link
        else []
    )
    return {
        "template": "stages/includes/ledger_section.html",
        "requests": requests,
        "link": link,
        "stage_decisions": decisions,
    }


guards.register("submissions.start_proposal", services.is_stage2_open_to)
guards.register("review.join_pool", services.is_excluded_reviewer)
guards.register("submissions.withdraw_proposal", services.letter_decided)
guards.register("submissions.reopen_proposal", services.invitation_declined)
guards.register("selection.approve_consensus", services.rebuttal_pending)
shortlists.register(services.invited_source)
proposal_sections.register(proposal_section)
selection_sections.register("consensus", consensus_section)
core_sections.register("review", consensus_section)
selection_sections.register("ledger", ledger_section)
