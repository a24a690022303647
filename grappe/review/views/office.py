"""The office's review desk: pool, conflicts, settings, assignments and reminders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from grappe.calls.models import Call
from grappe.core import jobs
from grappe.core.access import get_for_user_or_404, posted_code
from grappe.core.exports import xlsx_response
from grappe.core.paginate import paginate
from grappe.people.models import Person
from grappe.review import services
from grappe.review.forms import (
    AssignmentRunForm,
    ConflictFilterForm,
    InviteForm,
    LoadsForm,
    SettingsForm,
    WaiverForm,
)
from grappe.review.methods import HOW_TO_ADD, METHODS, installed_methods
from grappe.review.models import (
    Affinity,
    AssignmentState,
    Conflict,
    ConflictOrigin,
    EngineRun,
    PoolMember,
    PoolState,
    Publication,
    ReviewAssignment,
    ReviewState,
    RunState,
)
from grappe.review.queries import filter_conflicts
from grappe.review.views.common import _errors, _form_errors, _office_call
from grappe.submissions.models import Proposal, ProposalState


def _pool_with_counts(call: Call) -> list[PoolMember]:
    """The call's pool, each expert with their load and reviews done in this call, publications,
    and history across the other calls (accepted, declined): one grouped query per count, not one
    query joining them all (the join multiplied assignments by publications by pools)."""
    pool = list(PoolMember.objects.filter(call=call).select_related("person"))
    people = [m.person_id for m in pool]
    work = {
        row["reviewer_id"]: row
        for row in ReviewAssignment.objects.filter(call=call, state=AssignmentState.ACTIVE, reviewer_id__in=people)
        .values("reviewer_id")
        .annotate(load=Count("pk"), done=Count("pk", filter=Q(review__state=ReviewState.SUBMITTED)))
        .order_by()
    }
    publications = dict(
        Publication.objects.filter(person_id__in=people).values_list("person_id").annotate(n=Count("pk")).order_by()
    )
    history = {
        row["person_id"]: row
        for row in PoolMember.objects.filter(person_id__in=people)
        .exclude(call=call)
        .values("person_id")
        .annotate(
            accepted=Count("pk", filter=Q(state=PoolState.ACCEPTED)),
            declined=Count("pk", filter=Q(state=PoolState.DECLINED)),
        )
        .order_by()
    }
    for member in pool:
        counts = work.get(member.person_id, {})
        member.load = counts.get("load", 0)  # type: ignore[attr-defined]
        member.done = counts.get("done", 0)  # type: ignore[attr-defined]
        member.publications = publications.get(member.person_id, 0)  # type: ignore[attr-defined]
        other = history.get(member.person_id, {})
        member.other_calls = other.get("accepted", 0)  # type: ignore[attr-defined]
        member.other_declines = other.get("declined", 0)  # type: ignore[attr-defined]
    return pool


@login_required
def desk(request: HttpRequest, code: str) -> HttpResponse:
    """The office's review desk for a call: settings, pool, conflicts, runs, progress."""
    call = _office_call(request, code, "review.view_review_progress")
    settings = services.settings_for(call)
    pool = _pool_with_counts(call)
    # Progress a page at a time (200 proposals with their counts were a third of the page).
    proposals = paginate(
        request,
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED)
        .annotate(
            assigned=Count("review_assignments", filter=Q(review_assignments__state=AssignmentState.ACTIVE)),
            submitted_reviews=Count(
                "review_assignments",
                filter=Q(
                    review_assignments__state=AssignmentState.ACTIVE,
                    review_assignments__review__state=ReviewState.SUBMITTED,
                ),
            ),
        )
        .order_by("code"),
    )
    jobs.fail_stale(EngineRun.objects.filter(call=call))  # a run whose worker died stops "running"
    runs = list(EngineRun.objects.filter(call=call).select_related("created_by")[:20])
    conflicts = Conflict.objects.filter(call=call)
    submitted = proposals.paginator.count
    return render(
        request,
        "review/desk.html",
        {
            "call": call,
            "settings_form": SettingsForm(instance=settings),
            "invite_form": InviteForm(),
            "run_form": AssignmentRunForm(),
            "pool": pool,
            "accepted": sum(1 for m in pool if m.state == PoolState.ACCEPTED),
            "page": proposals,
            "submitted": submitted,
            "runs": runs,
            "running": any(r.state in (RunState.QUEUED, RunState.RUNNING) for r in runs),
            "conflict_count": conflicts.count(),
            "conflicts_waived": conflicts.filter(waived=True).count(),
            # Before a run: the reviews needed (per number of reviews per proposal) against capacity.
            "capacity": services.capacity(call),
            "needed": [(n, n * submitted) for n in (1, 2, 3, 4, 5)],
            "needed_default": 3 * submitted,
            "methods": installed_methods(),
            "missing_methods": [label for key, label in METHODS.items() if key not in dict(installed_methods())],
            "how_to_add": HOW_TO_ADD,
            "loads_form": LoadsForm(),
            "affinity_count": Affinity.objects.filter(call=call).count(),
            "late": services.late_reviews(call),
            "can_manage": request.user.has_perm("review.manage_review"),
            # The board reaches the ranking once the call is closed (selection.view_selection).
            "can_rank": request.user.has_perm("selection.view_selection", call),
            "waiver_form": WaiverForm(),
        },
    )


@login_required
@require_POST
def set_loads(request: HttpRequest, code: str) -> HttpResponse:
    """The office changes the maximum load of one expert, or of every expert ticked, at once."""
    call = _office_call(request, code)
    form = LoadsForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(f"{reverse('review:desk', args=[call.code])}#pool")
    try:
        changed = services.set_max_loads(
            call, members=form.cleaned_data["members"], max_load=form.cleaned_data["max_load"], actor=request.user
        )
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "Maximum load changed for %(count)d expert.", "Maximum load changed for %(count)d experts.", changed
            )
            % {"count": changed},
        )
    return redirect(f"{reverse('review:desk', args=[call.code])}#pool")


@login_required
def conflicts(request: HttpRequest, code: str) -> HttpResponse:
    """Every conflict of the call, paginated, filtered (expert, proposal, origin, state) and
    searched, each with its reasons and evidence; waivers from here."""
    call = _office_call(request, code, "review.view_review_progress")
    form = ConflictFilterForm(request.GET or None, call=call)
    queryset = Conflict.objects.filter(call=call).select_related("reviewer", "proposal")
    if form.is_valid():
        queryset = filter_conflicts(queryset, form.cleaned_data)
    page = paginate(request, queryset.order_by("proposal__code", "reviewer__last_name", "pk"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "review/conflicts.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "next": request.get_full_path(),
            "can_manage": request.user.has_perm("review.manage_review"),
            "how": {
                "full name": _("full name"),
                "initials": _("initials"),
                "ORCID": "ORCID",
                "title": _("title"),
                "DOI": "DOI",
            },
        },
    )


@login_required
@require_POST
def save_settings(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    form = SettingsForm(request.POST, instance=services.settings_for(call))
    if form.is_valid():
        form.save()
        messages.success(request, _("Review settings saved."))
    else:
        _form_errors(request, form)
    return redirect("review:desk", call.code)


@login_required
@require_POST
def invite(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    form = InviteForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:desk", call.code)
    try:
        member = services.invite(call, actor=request.user, **form.cleaned_data)
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(name)s is invited.") % {"name": member.person.full_name})
    return redirect("review:desk", call.code)


@login_required
@require_POST
def remind(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    sent = services.send_reminders(call, actor=request.user)
    messages.success(request, _("%(count)d reviewers reminded.") % {"count": sent})
    return redirect("review:desk", call.code)


@login_required
def export_reviews(request: HttpRequest, code: str) -> HttpResponse:
    from django.utils import timezone

    from grappe.review.exports import reviews_workbook

    call = _office_call(request, code, "review.view_review_progress")
    name = f"reviews-{call.code}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return xlsx_response(reviews_workbook(call), name)


@login_required
@require_POST
def compute_conflicts(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    count = services.compute_conflicts(call, actor=request.user)
    messages.success(request, _("%(count)d conflicts of interest found.") % {"count": count})
    return redirect("review:desk", call.code)


@login_required
@require_POST
def add_conflict(request: HttpRequest, code: str) -> HttpResponse:
    """The office records a conflict it knows of (it removes any assignment of the pair)."""
    call = _office_call(request, code)
    proposal = Proposal.objects.filter(call=call, code=posted_code(request.POST.get("proposal"))).first()
    reviewer = Person.objects.filter(pools__call=call, code=posted_code(request.POST.get("reviewer"))).first()
    if proposal is None or reviewer is None:
        messages.error(request, _("Choose a proposal and an expert."))
        return redirect("review:desk", call.code)
    try:
        services.declare_conflict(
            call,
            reviewer=reviewer,
            proposal=proposal,
            reason=request.POST.get("reason", ""),
            origin=ConflictOrigin.OFFICE,
            actor=request.user,
        )
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Conflict recorded."))
    return redirect("review:desk", call.code)


@login_required
@require_POST
def waive(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    call = _office_call(request, code)
    conflict = Conflict.objects.filter(call=call, pk=pk).select_related("proposal", "reviewer").first()
    if conflict is None:
        raise Http404
    form = WaiverForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("review:desk", call.code)
    try:
        services.waive_conflict(conflict, justification=form.cleaned_data["justification"], actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Conflict waived; the justification is in the activity log."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith("/"):
        return redirect(back)
    return redirect("review:conflicts", call.code)


@login_required
def assignments(request: HttpRequest, code: str) -> HttpResponse:
    """Per-proposal assignments with manual changes (add, remove), each with a reason."""
    call = _office_call(request, code, "review.view_review_progress")
    proposals = Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED).order_by("code")
    # A page of proposals with their reviewers: the whole call (600 rows at 200 proposals) took
    # a third of a second to write.
    page = paginate(
        request,
        proposals.prefetch_related(
            Prefetch(
                "review_assignments",
                queryset=ReviewAssignment.objects.select_related("reviewer", "review").order_by("reviewer__last_name"),
            )
        ),
    )
    experts = PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED).select_related("person")
    return render(
        request,
        "review/assignments.html",
        {
            "call": call,
            "page": page,
            "choices": proposals.values_list("code", "title"),
            "experts": experts,
            "can_manage": request.user.has_perm("review.manage_review"),
        },
    )


@login_required
@require_POST
def add_assignment(request: HttpRequest, code: str) -> HttpResponse:
    call = _office_call(request, code)
    proposal = Proposal.objects.filter(call=call, code=posted_code(request.POST.get("proposal"))).first()
    reviewer = Person.objects.filter(code=posted_code(request.POST.get("reviewer"))).first()
    if proposal is None or reviewer is None:
        messages.error(request, _("Choose a proposal and an expert."))
        return redirect("review:assignments", call.code)
    try:
        services.add_assignment(
            call, reviewer=reviewer, proposal=proposal, reason=request.POST.get("reason", ""), actor=request.user
        )
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Assignment added."))
    return redirect("review:assignments", call.code)


@login_required
@require_POST
def remove_assignment(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    call = _office_call(request, code)
    assignment = ReviewAssignment.objects.filter(call=call, pk=pk).select_related("reviewer", "proposal").first()
    if assignment is None:
        raise Http404
    try:
        services.remove_assignment(assignment, reason=request.POST.get("reason", ""), actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Assignment removed."))
    return redirect("review:assignments", call.code)


@login_required
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    """Replacement suggestions for a declined assignment, from the engine's affinities."""
    assignment = get_for_user_or_404(
        request.user,
        ReviewAssignment.objects.select_related("call", "proposal", "reviewer"),
        "review.view_review_progress",
        pk=pk,
    )
    return render(
        request,
        "review/replace.html",
        {
            "assignment": assignment,
            "call": assignment.call,
            "suggestions": services.replacement_suggestions(assignment),
            "can_manage": request.user.has_perm("review.manage_review"),
        },
    )
