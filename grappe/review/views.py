"""Expert review pages: the office's review desk and runs; the reviewer's list, profile and form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.calls.models import Call
from grappe.core import jobs
from grappe.core.access import get_for_user_or_404, posted_code, require_perm_or_404
from grappe.core.forms import half_point, posted_int
from grappe.core.paginate import paginate
from grappe.core.services import ConcurrentEditError
from grappe.people.models import Person
from grappe.people.rules import roles_of
from grappe.review import services
from grappe.review.forms import (
    AssignmentRunForm,
    ConflictFilterForm,
    InviteForm,
    LoadsForm,
    PublicationImportForm,
    ReasonForm,
    RespondForm,
    SettingsForm,
    WaiverForm,
)
from grappe.review.methods import HOW_TO_ADD, METHODS, installed_methods
from grappe.review.models import (
    Affinity,
    AssignmentState,
    Bid,
    BidLevel,
    Conflict,
    ConflictOrigin,
    EngineRun,
    ImportState,
    PoolMember,
    PoolState,
    ProposedPair,
    Publication,
    PublicationImport,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewState,
    RunKind,
    RunState,
)
from grappe.review.queries import filter_conflicts
from grappe.submissions.models import InvitationState, Proposal, ProposalState


def _errors(request: HttpRequest, exc: services.ReviewError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    """A form posted from the desk, invalid: each error as a message, named by its field."""
    for field, errors in form.errors.items():
        label = capfirst(form.fields[field].label) if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


# --- The office -----------------------------------------------------------------------------


def _office_call(request: HttpRequest, code: str, perm: str = "review.manage_review") -> Call:
    return get_for_user_or_404(request.user, Call.objects.select_related("programme"), perm, code=code)


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
        messages.success(request, _("Maximum load changed for %(count)d experts.") % {"count": changed})
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
    from django.http import FileResponse
    from django.utils import timezone

    from grappe.review.exports import reviews_workbook

    call = _office_call(request, code, "review.view_review_progress")
    name = f"reviews-{call.code}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return FileResponse(
        reviews_workbook(call),
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


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


# --- The reviewer ---


@login_required
def bids(request: HttpRequest, code: str) -> HttpResponse:
    """An expert of the pool bids on the call's proposals they have no conflict with."""
    person_id = roles_of(request.user).person_id
    member = (
        PoolMember.objects.select_related("call")
        .filter(call__code=code, person_id=person_id, state=PoolState.ACCEPTED)
        .first()
    )
    if member is None or not services.settings_for(member.call).bidding_open:
        raise Http404
    call = member.call
    proposals = list(
        Proposal.objects.filter(call=call, state=ProposalState.SUBMITTED)
        .exclude(pk__in=Conflict.objects.filter(reviewer_id=person_id, waived=False).values("proposal_id"))
        .order_by("code")
    )
    if request.method == "POST":
        levels = {}
        for proposal in proposals:
            value = request.POST.get(f"bid_{proposal.pk}")
            if value:
                levels[proposal.pk] = value
        try:
            saved = services.save_bids(call, reviewer=member.person, levels=levels, actor=request.user)
        except services.ReviewError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("%(count)d bids saved.") % {"count": saved})
        return redirect("review:bids", call.code)
    current = dict(Bid.objects.filter(call=call, reviewer_id=person_id).values_list("proposal_id", "level"))
    return render(
        request,
        "review/bids.html",
        {
            "call": call,
            "rows": [(p, current.get(p.pk, "")) for p in proposals],
            "levels": BidLevel.choices,
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person_id = roles_of(request.user).person_id
    conflicted = Conflict.objects.filter(reviewer_id=person_id, waived=False).values("proposal_id")
    rows = (
        ReviewAssignment.objects.filter(reviewer_id=person_id, state=AssignmentState.ACTIVE)
        .exclude(proposal_id__in=conflicted)
        .select_related("proposal", "call", "review")
        .order_by("call__closes_at", "proposal__code")
    )
    invitations = list(
        PoolMember.objects.filter(person_id=person_id)
        .select_related("call", "call__review_settings")
        .order_by("-invited_at")
    )
    return render(request, "review/mine.html", {"rows": rows, "invitations": invitations})


@login_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    member = PoolMember.objects.select_related("call", "person").filter(token=token).first()
    if member is None or member.person_id != roles_of(request.user).person_id:
        raise Http404
    form = RespondForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.respond(
                member, accept=form.cleaned_data["accept"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except services.ReviewError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Thank you: your answer is recorded."))
            return redirect("review:mine")
    return render(request, "review/invitation.html", {"member": member, "call": member.call, "form": form})


@login_required
def publications(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """An expert's publications and imports: their own (experts of a pool), or any expert's (the
    office, from the desk). Everybody else: 404."""
    if code is None:
        require_perm_or_404(request.user, "review.import_own_publications")
        person = Person.objects.get(pk=roles_of(request.user).person_id)
    else:
        require_perm_or_404(request.user, "review.manage_review")
        person = Person.objects.filter(code=code, pools__isnull=False).distinct().first()
        if person is None:
            raise Http404
    form = PublicationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.start_import(
                person, content=form.cleaned_data["file"], fmt=form.cleaned_data["fmt"], actor=request.user
            )
        except services.ReviewError as exc:
            _errors(request, exc)
        else:
            return redirect("review:publication_import", record.pk)
    return render(
        request,
        "review/publications.html",
        {
            "form": form,
            "items": person.publications.all(),
            "person": person,
            "own": code is None,
            "imports": person.publication_imports.all()[:5],
        },
    )


@login_required
def publication_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The report of an import: added, completed, every entry not imported and why; the page
    follows the worker's progress while it runs."""
    record = get_for_user_or_404(
        request.user,
        PublicationImport.objects.select_related("person"),
        "review.view_publication_import",
        pk=pk,
    )
    return render(
        request,
        "review/publication_import.html",
        {
            "record": record,
            "own": record.person_id == roles_of(request.user).person_id,
            "in_progress": record.state in (ImportState.QUEUED, ImportState.RUNNING),
        },
    )


@login_required
@require_POST
def delete_publication(request: HttpRequest, pk: int) -> HttpResponse:
    person_id = roles_of(request.user).person_id
    deleted, _rows = Person.objects.get(pk=person_id).publications.filter(pk=pk).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("Publication removed."))
    return redirect("review:publications")


def _assignment(request: HttpRequest, pk: int) -> ReviewAssignment:
    return get_for_user_or_404(
        request.user,
        ReviewAssignment.objects.select_related("proposal", "call", "call__scheme", "proposal__lead_organisation"),
        "review.review_proposal",
        pk=pk,
    )


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    if assignment.confirmed_at is None:
        proposal = assignment.proposal
        return render(
            request,
            "review/confirm.html",
            {
                "assignment": assignment,
                "proposal": proposal,
                "call": assignment.call,
                "form": ReasonForm(),
                # What the reviewer confirms having no conflict with: the people and organisations.
                "team": proposal.team.filter(state=InvitationState.ACCEPTED)
                .select_related("person", "organisation")
                .order_by("pk"),
                "partners": proposal.partners.select_related("organisation").order_by("organisation__name"),
            },
        )
    existing = Review.objects.filter(assignment=assignment).first()
    criteria = list(assignment.call.scheme.criteria.all()) if hasattr(assignment.call, "scheme") else []
    data: dict[str, Any] = request.POST.dict() if request.method == "POST" else {}
    if request.method == "POST":
        try:
            saved = services.save_review(
                assignment,
                data,
                expected_version=posted_int(data.get("version"), 0),
                submit="submit" in data,
                actor=request.user,
            )
        except ConcurrentEditError:
            messages.error(request, str(ConcurrentEditError.message))
        except services.ReviewError as exc:
            _errors(request, exc)
        else:
            submitted = saved.state == ReviewState.SUBMITTED
            messages.success(request, _("Review submitted.") if submitted else _("Draft saved."))
            return redirect("review:review", assignment.pk)
    settings = services.settings_for(assignment.call)
    others = []
    if existing and existing.state == ReviewState.SUBMITTED and settings.reviews_visible_after_submit:
        others = list(
            Review.objects.filter(
                assignment__proposal=assignment.proposal,
                assignment__state=AssignmentState.ACTIVE,
                state=ReviewState.SUBMITTED,
            )
            .exclude(pk=existing.pk)
            .order_by("submitted_at")
        )
    values = data or {
        **{f"score_{k}": v for k, v in (existing.scores if existing else {}).items()},
        **{f"comment_{k}": v for k, v in (existing.comments if existing else {}).items()},
        "applicant_comment": existing.applicant_comment if existing else "",
        "confidential_comment": existing.confidential_comment if existing else "",
        "recommendation": existing.recommendation if existing else "",
    }
    return render(
        request,
        "review/review.html",
        {
            "assignment": assignment,
            "proposal": assignment.proposal,
            "call": assignment.call,
            "review": existing,
            "version": existing.version if existing else 1,
            "criteria": [
                (c, half_point(values.get(f"score_{c.pk}")), values.get(f"comment_{c.pk}", "")) for c in criteria
            ],
            "values": values,
            "half_points": [f"{x / 2:.1f}" for x in range(11)],
            "recommendations": Recommendation.choices,
            "open": settings.open_for_reviews,
            "deadline": settings.review_deadline,
            "others": [
                (
                    other,
                    [(c.label, other.scores.get(str(c.pk), "—"), other.comments.get(str(c.pk), "")) for c in criteria],
                )
                for other in others
            ],
        },
    )


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    if request.POST.get("no_conflict") != "on" or request.POST.get("confidential") != "on":
        messages.error(request, _("Tick both boxes to read the proposal, or declare a conflict."))
        return redirect("review:review", assignment.pk)
    services.confirm_assignment(assignment, actor=request.user)
    return redirect("review:review", assignment.pk)


@login_required
@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    try:
        services.declare_conflict(
            assignment.call,
            reviewer=assignment.reviewer,
            proposal=assignment.proposal,
            reason=request.POST.get("reason", ""),
            origin=ConflictOrigin.DECLARED,
            actor=request.user,
        )
    except services.ReviewError as exc:
        _errors(request, exc)
        return redirect("review:review", assignment.pk)
    messages.success(request, _("Conflict declared: the proposal is withdrawn from your list."))
    return redirect("review:mine")


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    try:
        services.decline_assignment(assignment, reason=request.POST.get("reason", ""), actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
        return redirect("review:review", assignment.pk)
    messages.success(request, _("You declined this review; the office will find a replacement."))
    return redirect("review:mine")
