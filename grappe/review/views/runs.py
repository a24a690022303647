"""Engine runs: affinity and assignment runs started, shown, restarted and published."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core import jobs
from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.paginate import paginate
from grappe.people.models import Person
from grappe.review import services
from grappe.review.forms import (
    AssignmentRunForm,
)
from grappe.review.methods import METHODS
from grappe.review.models import (
    Affinity,
    EngineRun,
    MatchFlag,
    ProposedPair,
    RunKind,
    RunState,
)
from grappe.review.views.common import _errors, _form_errors, _office_call


@login_required
@require_POST
def start_affinity(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    backend = request.POST.get("backend", "tfidf")
    if backend not in METHODS:
        backend = "tfidf"
    try:
        run = services.start_run(call, kind=RunKind.AFFINITY, parameters={"backend": backend}, actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
        return redirect("review:desk", call.code)
    messages.info(request, _("Affinity computation started."))
    return redirect("review:run", run.pk)


@login_required
@require_POST
def start_assignment(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    form = AssignmentRunForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:desk", call.code)
    data = form.cleaned_data
    parameters: dict[str, Any] = {
        "bid_weight": float(data["bid_weight"]),
        "reviews_per_proposal": data["reviews_per_proposal"],
        "max_load": data["max_load"],
        "objective": data["objective"],
        "q": float(data["q"]),
        "require_external": data["require_external"],
        "seed": data["seed"],
    }
    try:
        run = services.start_run(call, kind=RunKind.ASSIGNMENT, parameters=parameters, actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
        return redirect("review:desk", call.code)
    messages.info(request, _("Assignment run started."))
    return redirect("review:run", run.pk)


def _run(request: HttpRequest, pk: int) -> EngineRun:
    return get_for_user_or_404(
        request.user, EngineRun.objects.select_related("call", "created_by"), "review.view_review_progress", pk=pk
    )


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if jobs.fail_stale(EngineRun.objects.filter(pk=run.pk)):  # its worker died: say so, stop polling
        run.refresh_from_db()
    rows: list[dict[str, Any]] = []
    page = None
    loads: list[tuple[Person, int]] = []
    if run.kind == RunKind.ASSIGNMENT and run.state == RunState.DONE:
        # Weakest proposals first, a page at a time: the totals come from the database, and only
        # the page's pairs and their explanations are read (the whole run, 600 pairs with their
        # explanations, took most of the page's time).
        totals = list(
            ProposedPair.objects.filter(run=run)
            .values_list("proposal_id")
            .annotate(total=Sum("affinity"))
            .order_by("total", "proposal__code")
        )
        page = paginate(request, totals)
        shown = [proposal_id for proposal_id, _total in page.object_list]
        pairs = (
            ProposedPair.objects.filter(run=run, proposal_id__in=shown)
            .select_related("reviewer", "proposal")
            .order_by("-affinity", "reviewer__last_name")
        )
        proposed = ProposedPair.objects.filter(
            run=run, proposal_id__in=shown, reviewer_id=OuterRef("reviewer_id"), proposal_id=OuterRef("proposal_id")
        )
        explanations = {
            (a.reviewer_id, a.proposal_id): a
            for a in Affinity.objects.filter(call=run.call, proposal_id__in=shown)
            .filter(Exists(proposed))
            .only("reviewer_id", "proposal_id", "terms", "document")
        }
        by_proposal = {proposal_id: {"pairs": [], "total": total} for proposal_id, total in page.object_list}
        for pair in pairs:
            row = by_proposal[pair.proposal_id]
            row["proposal"] = pair.proposal
            row["pairs"].append((pair, explanations.get((pair.reviewer_id, pair.proposal_id))))
        rows = list(by_proposal.values())
        per_reviewer = dict(
            ProposedPair.objects.filter(run=run).values_list("reviewer_id").annotate(n=Count("pk")).order_by()
        )
        people = Person.objects.filter(pk__in=per_reviewer)
        loads = sorted(((p, per_reviewer[p.pk]) for p in people), key=lambda item: (-item[1], item[0].last_name))
    other_runs = EngineRun.objects.filter(call=run.call, kind=RunKind.ASSIGNMENT, state=RunState.DONE).exclude(
        pk=run.pk
    )
    compare = None
    compare_pk = request.GET.get("compare")
    if compare_pk and compare_pk.isdigit():
        compare = other_runs.filter(pk=int(compare_pk)).first()
    flags: list[MatchFlag] = []
    rate = None
    if run.kind == RunKind.AFFINITY and run.state == RunState.DONE:
        rate = services.flag_rate(run)
        flags = list(
            MatchFlag.objects.filter(affinity_run=run)
            .select_related("assignment__reviewer", "assignment__proposal")
            .order_by("-created_at")[:200]
        )
    histogram = run.statistics.get("histogram") or []
    peak = max(histogram) if histogram else 0
    # Bins over the data's own range; runs saved before the edges were kept used tenths of [0, 1].
    edges = run.statistics.get("histogram_edges") or [i / 10 for i in range(len(histogram) + 1)]
    return render(
        request,
        "review/run.html",
        {
            "run": run,
            "call": run.call,
            "rows": rows,
            "page": page,
            "loads": loads,
            "other_runs": other_runs,
            "compare": compare,
            "bars": [(edges[i], edges[i + 1], n, int(100 * n / peak) if peak else 0) for i, n in enumerate(histogram)],
            "can_publish": request.user.has_perm("review.manage_review")
            and run.kind == RunKind.ASSIGNMENT
            and run.state == RunState.DONE
            and run.published_at is None,
            "in_progress": run.state in (RunState.QUEUED, RunState.RUNNING),
            "can_restart": request.user.has_perm("review.manage_review")
            and run.state == RunState.FAILED
            and not run.restarts.exists(),
            "restarts": run.restarts.all(),
            "flag_rate": rate,
            "flags": flags,
        },
    )


@login_required
@require_POST
def restart(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    require_perm_or_404(request.user, "review.manage_review")
    try:
        again = services.restart_run(run, actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
        return redirect("review:run", run.pk)
    messages.info(request, _("Run restarted with the same parameters."))
    return redirect("review:run", again.pk)


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    require_perm_or_404(request.user, "review.manage_review")
    try:
        count = services.publish_run(run, actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
        return redirect("review:run", run.pk)
    messages.success(request, _("%(count)d assignments published; the reviewers are notified.") % {"count": count})
    return redirect("review:desk", run.call.code)
