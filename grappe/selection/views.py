"""Selection pages: the ranking, consensus reports, portfolio runs, decisions and their ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.calls.models import Call, QuestionKind
from grappe.core import jobs
from grappe.core.access import get_for_user_or_404, posted_code, require_perm_or_404
from grappe.core.exports import xlsx_response
from grappe.core.forms import half_point, posted_int
from grappe.core.models import AuditLog
from grappe.core.services import ConcurrentEditError
from grappe.core.validation import bounded_int, clean_text, finite_decimal
from grappe.people.models import Person
from grappe.people.rules import roles_of
from grappe.selection import chain, letters, ranking_store, services
from grappe.selection.labels import Explainer
from grappe.selection.models import (
    TIE_RULES,
    Award,
    ConsensusState,
    Decision,
    Letter,
    LetterSending,
    LetterState,
    Outcome,
    PortfolioRun,
    RankingRun,
)
from grappe.selection.rules import submitted_own_review
from grappe.selection.sections import sections_for
from grappe.submissions.models import Proposal, ProposalState


def _call(request: HttpRequest, code: str, perm: str) -> Call:
    return get_for_user_or_404(request.user, Call.objects.select_related("programme", "scheme"), perm, code=code)


def _errors(request: HttpRequest, exc: services.SelectionError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def ranking_page(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code, "selection.view_selection")
    version = ranking_store.version(call)
    settings = services.settings_for(call)
    return render(
        request,
        "selection/ranking.html",
        {
            "call": call,
            "ranking_version": version,
            # Called by the template only when the rendered table is not in the cache.
            "rows": lambda: ranking_store.ranking(call, version),
            # The ledger's run of the ranking shown (recorded when it was computed), for its replay.
            "ranking_run": lambda: RankingRun.objects.filter(call=call).first(),
            "criteria": services.criteria_of(call),
            "settings": settings,
            "tie_rules": [(key, TIE_RULES[key]) for key in settings.rules()],
            "all_rules": list(TIE_RULES.items()),
            "questions": call.questions.filter(kind=QuestionKind.SINGLE_CHOICE),
            "committed": services.committed(call),
            "adopted": services.adopted_run(call),
            "can_manage": request.user.has_perm("selection.run_portfolio"),
        },
    )


@login_required
@require_POST
def save_settings(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code, "selection.run_portfolio")
    settings = services.settings_for(call)
    chosen = [rule for rule in request.POST.getlist("tie_rules") if rule in TIE_RULES]
    settings.tie_rules = list(dict.fromkeys(chosen))
    question = request.POST.get("theme_question", "")
    settings.theme_question = (
        call.questions.filter(pk=int(question), kind=QuestionKind.SINGLE_CHOICE).first() if question.isdigit() else None
    )
    try:
        value = finite_decimal(request.POST.get("disagreement")) or Decimal("2")
    except ValidationError:
        value = Decimal("2")
    settings.disagreement = min(max(value, Decimal("0.5")), Decimal("5"))
    minimum = request.POST.get("min_reviews", "")
    if minimum.isdigit() and 1 <= int(minimum) <= 10:
        settings.min_reviews = int(minimum)
    elif minimum:
        messages.error(request, _("Submitted reviews needed: a whole number from 1 to 10."))
        return redirect("selection:ranking", call.code)
    settings.save()
    messages.success(request, _("Ranking settings saved."))
    return redirect("selection:ranking", call.code)


def _proposal(request: HttpRequest, code: str, perm: str) -> Proposal:
    queryset = Proposal.objects.select_related(
        "call", "call__scheme", "call__programme", "consensus", "lead_organisation"
    ).filter(state=ProposalState.SUBMITTED)
    return get_for_user_or_404(request.user, queryset, perm, code=code)


@login_required
def consensus_page(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "selection.view_consensus")
    row = services.row_of(proposal)
    if row is None:
        raise Http404
    consensus = getattr(proposal, "consensus", None)
    can_approve = request.user.has_perm("selection.approve_consensus")
    can_edit = request.user.has_perm("selection.draft_consensus", proposal)
    if request.method == "POST":
        require_perm_or_404(request.user, "selection.draft_consensus", proposal)
        approve = "approve" in request.POST and can_approve
        data = request.POST.dict()
        if not can_approve:
            data.pop("rapporteur", None)
        try:
            services.save_consensus(
                proposal,
                data,
                expected_version=posted_int(request.POST.get("version"), 1),
                approve=approve,
                actor=request.user,
            )
        except ConcurrentEditError:
            messages.error(request, str(ConcurrentEditError.message))
        except services.SelectionError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Consensus approved.") if approve else _("Consensus saved."))
            return redirect("selection:consensus", proposal.code)
    criteria = services.criteria_of(proposal.call)
    # The rapporteur reads the other reviews only once their own is submitted, and drafts only
    # until the office approves (the service refuses the same).
    # The board (no drafting right) reads everything, read-only.
    rapporteur = can_edit and not can_approve
    hidden = rapporteur and not submitted_own_review(roles_of(request.user).person_id, proposal.pk)
    approved = consensus is not None and consensus.state == ConsensusState.APPROVED
    refusal = ""
    if hidden:
        refusal = _("Submit your own review of this proposal before drafting its consensus.")
    elif approved and rapporteur:
        refusal = _("The office approved this consensus: only the office can change it now.")
    start = consensus.scores if consensus and consensus.scores else ({} if hidden else services.draft_values(row))
    comments = consensus.comments if consensus else {}
    reviewers = Person.objects.filter(
        review_assignments__proposal=proposal, review_assignments__state="active"
    ).order_by("last_name")
    return render(
        request,
        "selection/consensus.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "row": row,
            "consensus": consensus,
            "version": consensus.version if consensus else 1,
            "criteria": [
                (
                    c,
                    None if hidden else row.criterion_means.get(str(c.pk)),
                    [] if hidden else [r.scores.get(str(c.pk), "—") for r in row.reviews],
                    half_point(start.get(str(c.pk))),
                    comments.get(str(c.pk), ""),
                )
                for c in criteria
            ],
            "reviews": [] if hidden else row.reviews,
            "hidden": hidden,
            "refusal": refusal,
            "half_points": [f"{x / 2:.1f}" for x in range(11)],
            "reviewers": reviewers,
            "can_approve": can_approve,
            "can_edit": can_edit,
            "sections": sections_for("consensus", request.user, proposal),
        },
    )


def _portfolio_parameters(post: Any, call: Call) -> dict[str, Any]:
    def number(name: str, kind: type = float) -> Any:
        try:
            value = finite_decimal(post.get(name), error=services.SelectionError)
        except services.SelectionError as exc:
            raise services.SelectionError(_("“%(value)s” is not a number.") % {"value": post.get(name)}) from exc
        if value is None:
            return None
        if kind is int:
            return bounded_int(value.to_integral_value(), minimum=0, error=services.SelectionError)
        return kind(value)

    themes_min, themes_max = {}, {}
    for key in post:
        if key.startswith("theme_min__") and post[key].strip():
            themes_min[key.removeprefix("theme_min__")] = number(key, int)
        if key.startswith("theme_max__") and post[key].strip():
            themes_max[key.removeprefix("theme_max__")] = number(key, int)

    def codes(name: str) -> list[str]:
        text = clean_text(post.get(name), max_length=20000, label=_("Proposal codes"), error=services.SelectionError)
        return sorted({c.strip().upper() for c in text.replace(",", " ").split() if c.strip()})

    budget = number("budget")
    if budget is None or budget <= 0:
        raise services.SelectionError(_("Give the budget to allocate."))
    min_rate = number("min_rate") or 1.0
    if not 0 < min_rate <= 1:
        raise services.SelectionError(_("The minimum funding rate lies between 0 and 1."))
    return {
        "budget": budget,
        "theme_min": themes_min,
        "theme_max": themes_max,
        "max_per_lead": number("max_per_lead", int),
        "min_cofunding_ratio": number("min_cofunding_ratio"),
        "must_fund": codes("must_fund"),
        "must_exclude": codes("must_exclude"),
        "min_rate": min_rate,
        "weight_by_cost": post.get("weight_by_cost") == "on",
    }


@login_required
def portfolio_page(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code, "selection.view_selection")
    if request.method == "POST":
        require_perm_or_404(request.user, "selection.run_portfolio")
        try:
            parameters = _portfolio_parameters(request.POST, call)
        except services.SelectionError as exc:
            _errors(request, exc)
        else:
            run = services.run_portfolio(call, parameters, actor=request.user)
            if run.error:
                messages.error(request, _("No portfolio: %(error)s") % {"error": run.error})
            else:
                messages.success(request, _("Portfolio computed."))
            return redirect(f"{request.path}?run={run.pk}")
    runs = list(PortfolioRun.objects.filter(call=call).select_related("created_by__person")[:20])
    selected = _pick(runs, request.GET.get("run")) or (runs[0] if runs else None)
    compare = _pick(runs, request.GET.get("compare"))
    items = ranking_store.ranking(call)
    by_code = {row.proposal.code: row for row in items}
    themes = sorted({(row.theme, row.theme_label) for row in items if row.theme})
    return render(
        request,
        "selection/portfolio.html",
        {
            "call": call,
            "runs": runs,
            "run": selected,
            "compare": compare,
            "funded_rows": _funded(selected, by_code),
            "compare_rows": _funded(compare, by_code),
            "themes": themes,
            "defaults": selected.parameters if selected else {"budget": call.budget},
            "explained": Explainer.for_runs([selected], dict(themes)).run(selected),
            "candidates": sum(1 for row in items if row.passes and row.ready),
            "not_ready": sum(1 for row in items if not row.ready),
            "adopted": next((r for r in runs if r.adopted_at), None) or services.adopted_run(call),
            "can_run": request.user.has_perm("selection.run_portfolio"),
        },
    )


@login_required
@require_POST
def adopt_run(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The office adopts a portfolio run: recommendations follow it from now on."""
    call = _call(request, code, "selection.run_portfolio")
    run = PortfolioRun.objects.filter(call=call, pk=pk).first()
    if run is None:
        raise Http404
    try:
        services.adopt_portfolio_run(run, actor=request.user)
    except services.SelectionError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Run #%(n)d adopted: recommendations follow it.") % {"n": run.pk})
    return redirect(f"{reverse('selection:portfolio', args=[call.code])}?run={run.pk}")


def _pick(runs: list[PortfolioRun], value: str | None) -> PortfolioRun | None:
    if value and value.isdigit():
        return next((r for r in runs if r.pk == int(value)), None)
    return None


def _funded(run: PortfolioRun | None, by_code: dict[str, services.Row]) -> list[tuple[services.Row, Any]]:
    if run is None or run.error:
        return []
    funded = run.result.get("funded", {})
    return sorted(
        ((by_code[c], amount) for c, amount in funded.items() if c in by_code), key=lambda item: item[0].rank or 0
    )


@login_required
def decision_page(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "selection.decide")
    if services.row_of(proposal) is None:
        raise Http404
    decision = Decision.objects.filter(proposal=proposal).first()
    if request.method == "POST":
        try:
            services.record_decision(
                proposal,
                outcome=request.POST.get("outcome", ""),
                amount=finite_decimal(request.POST.get("amount"), error=services.SelectionError),
                reserve_rank=bounded_int(
                    request.POST.get("reserve_rank"),
                    minimum=1,
                    maximum=services.RESERVE_RANK_MAX,
                    error=services.SelectionError,
                ),
                justification=request.POST.get("justification", ""),
                shared_justification=request.POST.get("shared_justification", ""),
                expected_version=posted_int(request.POST.get("version"), 0) or None,
                actor=request.user,
            )
        except ConcurrentEditError:
            messages.error(request, str(ConcurrentEditError.message))
        except services.SelectionError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("selection:ranking", proposal.call.code)
    row = next(r for r in ranking_store.ranking(proposal.call) if r.proposal.pk == proposal.pk)  # its rank and tie
    return render(
        request,
        "selection/decision.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "row": row,
            "decision": decision,
            "chain": chain.chains(proposal.call, [_chained(decision)])[0] if decision else None,
            "adopted": services.adopted_run(proposal.call),
            "outcomes": Outcome.choices,
            "values": request.POST if request.method == "POST" else {},
            "call_open": timezone.now() < proposal.call.closes_at,
            "project_opened": services.project_opened(proposal),
        },
    )


def _chained(decision: Decision) -> Decision:
    return Decision.objects.select_related(*chain.RELATED).get(pk=decision.pk)


@login_required
def ledger(request: HttpRequest, code: str) -> HttpResponse:
    """Recommendation beside decision, who and why: the audit view of the selection."""
    call = _call(request, code, "selection.view_selection")
    decisions = (
        Decision.objects.filter(proposal__call=call)
        .select_related(*chain.RELATED)
        # A funded team can no longer decline once its project is open (the award is fixed).
        .annotate(
            project_code=Subquery(Award.objects.filter(proposal=OuterRef("proposal")).values("project__code")[:1])
        )
        .order_by("outcome", "reserve_rank", "proposal__code")
    )
    adoptions = AuditLog.objects.filter(
        action="selection.portfolio_adopted",
        content_type=ContentType.objects.get_for_model(Call),
        object_id=str(call.pk),
    ).select_related("actor__person")[:50]
    return render(
        request,
        "selection/ledger.html",
        {
            "call": call,
            "chains": chain.chains(call, list(decisions)),
            "committed": services.committed(call),
            "adopted": services.adopted_run(call),
            "adoptions": adoptions,
            "sections": sections_for("ledger", request.user, call),
        },
    )


@login_required
@require_POST
def team_declines(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "selection.decide")
    try:
        promoted = services.team_declines(proposal, reason=request.POST.get("reason", ""), actor=request.user)
    except services.SelectionError as exc:
        _errors(request, exc)
    else:
        if promoted:
            messages.success(
                request, _("%(code)s is promoted from the reserve list.") % {"code": promoted.proposal.code}
            )
        else:
            messages.info(request, _("No proposal of the reserve list fits what is left of the budget."))
    return redirect("selection:ledger", proposal.call.code)


@login_required
def export_ranking(request: HttpRequest, code: str) -> HttpResponse:

    from grappe.selection.exports import ranking_workbook

    call = _call(request, code, "selection.view_selection")
    return xlsx_response(ranking_workbook(call), f"ranking-{call.code}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


def _outbox_job(request: HttpRequest, call: Call, action: str) -> None:
    """Prepare the letters, queue their sending, or restart a failed sending."""
    try:
        if action == "prepare":
            count = letters.prepare(call, actor=request.user)
            messages.success(request, _("%(count)d letters in the outbox.") % {"count": count})
            blocked = letters.refused(call)
            if blocked:
                messages.warning(
                    request,
                    _("%(count)d letters refused: their proposals are not ready (listed below).")
                    % {"count": len(blocked)},
                )
        elif action == "send":
            letters.start_sending(call, actor=request.user)
            messages.success(request, _("The letters are being sent by the task worker."))
        else:
            failed = LetterSending.objects.filter(call=call, pk=posted_int(request.POST.get("sending"), 0))
            letters.restart_sending(get_object_or_404(failed), actor=request.user)
            messages.success(request, _("Sending restarted."))
    except letters.LetterError as exc:
        messages.error(request, str(exc))


@login_required
def outbox(request: HttpRequest, code: str) -> HttpResponse:
    """Letter templates, the letters waiting to be sent, those already sent."""
    call = _call(request, code, "selection.run_portfolio")
    templates = letters.templates_for(call)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "template":
            key = (request.POST.get("outcome", ""), request.POST.get("language", ""))
            template = templates.get(key)
            if template is None:
                raise Http404
            try:
                letters.save_template(
                    template,
                    subject=request.POST.get("subject", ""),
                    body=request.POST.get("body", ""),
                    actor=request.user,
                )
            except letters.LetterError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Template saved."))
        elif action == "override":
            decision = Decision.objects.filter(
                proposal__call=call, proposal__code=posted_code(request.POST.get("proposal"))
            ).first()
            if decision is None:
                raise Http404
            try:
                letters.override_readiness(
                    decision, justification=request.POST.get("justification", ""), actor=request.user
                )
            except letters.LetterError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("The letter of %(code)s may now be prepared.") % {"code": decision.proposal.code}
                )
        elif action in ("prepare", "send", "restart"):
            _outbox_job(request, call, action)
        return redirect("selection:outbox", call.code)
    jobs.fail_stale(LetterSending.objects.filter(call=call))  # a sending whose worker died stops "running"
    sending = LetterSending.objects.filter(call=call).first()
    items = Letter.objects.filter(proposal__call=call).select_related("proposal").order_by("state", "proposal__code")
    return render(
        request,
        "selection/outbox.html",
        {
            "call": call,
            "templates": sorted(templates.values(), key=lambda t: (t.outcome, t.language)),
            "placeholders": letters.PLACEHOLDERS,
            "drafts": [letter for letter in items if letter.state == LetterState.DRAFT],
            "sending_letters": [letter for letter in items if letter.state == LetterState.SENDING],
            "sent": [letter for letter in items if letter.state == LetterState.SENT],
            "refused": letters.refused(call),
            "sending": sending,
            "in_progress": sending is not None and sending.state in jobs.ACTIVE,
            "can_restart": sending is not None and sending.state == jobs.FAILED,
        },
    )


@login_required
def _summary_language(request: HttpRequest, proposal: Proposal) -> str:
    """A member of the team reads it in the language they read the site in (the page's, which
    follows their choice), else their preferred one; the office and the board in the lead's (the
    language the letter went out in)."""
    from grappe.submissions.rules import is_team_member

    if is_team_member(request.user, proposal):
        page = getattr(request, "LANGUAGE_CODE", "")
        return page or request.user.person.preferred_language  # type: ignore[union-attr]
    return proposal.lead.preferred_language or "fr"


def summary_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The evaluation summary of a proposal (office and board; the team once its letter is sent), in
    the lead's language or ``?lang=``."""
    from django.http import HttpResponse as Response

    from grappe.selection.pdf import evaluation_summary

    proposal = _proposal(request, code, "selection.view_evaluation_summary")
    language = request.GET.get("lang") or _summary_language(request, proposal)
    language = language if language in ("fr", "en") else "fr"
    response = Response(evaluation_summary(proposal, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{proposal.code}-{language}.pdf"'
    return response
