"""Pages of call stages: the office's stage page (link, recommendation, invitations, notices,
reviewers kept or excluded), rebuttal and redress settings and requests, and the team's pages
to answer its reviews and to request redress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from grappe.calls.models import Call
from grappe.core.access import get_for_user_or_404, post_only, posted_code, require_perm_or_404
from grappe.core.forms import posted_int
from grappe.core.services import ConcurrentEditError
from grappe.people.models import Person
from grappe.people.queries import organisation_names
from grappe.review.models import AssignmentState, Review, ReviewState
from grappe.selection import ranking_store
from grappe.selection.services import criteria_of
from grappe.stages import services
from grappe.stages.forms import AppealSettingsForm, ExamineForm, FactorsForm, LinkForm, RebuttalForm, RedressForm
from grappe.stages.models import (
    RebuttalState,
    RedressRequest,
    RedressState,
    ReviewerChoice,
    StageDecision,
    TwoStageCall,
)
from grappe.submissions.models import Proposal, ProposalState


def _call(request: HttpRequest, code: str, perm: str) -> Call:
    return get_for_user_or_404(request.user, Call.objects.select_related("programme"), perm, code=code)


def _link(request: HttpRequest, code: str, perm: str) -> TwoStageCall:
    call = _call(request, code, perm)
    link = services.link_of(call)
    if link is None:
        raise Http404
    return link


def _apply(request: HttpRequest, form: Any, action: Any, success: str, *, label: str = "") -> bool:
    """Run ``action(form.cleaned_data)`` for a valid form; each error or refusal becomes a message
    (prefixed with ``label``, the proposal's code on a page listing many)."""
    lead = f"{label}: " if label else ""
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, lead + str(error))
        return False
    try:
        action(form.cleaned_data)
    except ConcurrentEditError:
        messages.error(request, str(ConcurrentEditError.message))
    except services.StageError as exc:
        messages.error(request, lead + str(exc))
    else:
        messages.success(request, success)
        return True
    return False


# --- The office's stage page -----------------------------------------------------------------


@login_required
def stages_page(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code, "stages.view_stages")
    link = services.link_of(call)
    if link is not None and link.stage2_id == call.pk:
        return redirect("stages:page", link.stage1.code)
    if link is None:
        return render(request, "stages/unlinked.html", {"call": call, "form": LinkForm()})
    run = services.latest_run(link)
    decisions = {
        d.proposal_id: d
        for d in StageDecision.objects.filter(proposal__call=call).select_related("decided_by__person", "full_proposal")
    }
    invite = run.invited if run else set()
    rows = [(row, decisions.get(row.proposal.pk), row.proposal.code in invite) for row in ranking_store.ranking(call)]
    choices = {c.reviewer_id: c for c in ReviewerChoice.objects.filter(link=link)}
    stage1 = services.stage1_reviewers(link)
    organisations = organisation_names([p.pk for p in stage1])  # tells two people of one name apart
    reviewers = [(person, choices.get(person.pk), organisations.get(person.pk, "")) for person in stage1]
    counts = {
        "invited": sum(1 for d in decisions.values() if d.invited),
        "not_invited": sum(1 for d in decisions.values() if not d.invited),
        "pending_notices": sum(1 for d in decisions.values() if d.notified_at is None),
        "declined": sum(1 for d in decisions.values() if d.declined_at is not None),
    }
    return render(
        request,
        "stages/stages.html",
        {
            "call": call,
            "link": link,
            "run": run,
            "runs": list(link.runs.all()[:10]),
            "rows": rows,
            "reviewers": reviewers,
            "counts": counts,
            "can_manage": request.user.has_perm("stages.manage_stages"),
            "factors": FactorsForm(
                initial={
                    "target_factor": link.target_factor,
                    "minimum_factor": link.minimum_factor,
                    "version": link.version,
                }
            ),
            "target_amount": link.target_factor * link.stage2.budget,
            "minimum_amount": link.minimum_factor * link.stage2.budget,
            "closed": call.has_closed,
            "undecided": sum(1 for row, decision, _recommended in rows if decision is None),
        },
    )


@login_required
@require_POST
def link_calls(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code, "stages.manage_stages")
    form = LinkForm(request.POST)
    if form.is_valid():
        stage2 = Call.objects.filter(code=posted_code(form.cleaned_data["stage2"]).upper()).first()
        if stage2 is None:
            form.add_error("stage2", _("No call has this code."))
        else:
            try:
                services.link_calls(
                    call,
                    stage2,
                    target=form.cleaned_data["target_factor"],
                    minimum=form.cleaned_data["minimum_factor"],
                    actor=request.user,
                )
            except services.StageError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The two stages are linked."))
                return redirect("stages:page", call.code)
    return render(request, "stages/unlinked.html", {"call": call, "form": form}, status=400)


@login_required
@require_POST
def save_factors(request: HttpRequest, code: str) -> HttpResponse:
    link = _link(request, code, "stages.manage_stages")
    form = FactorsForm(request.POST)
    _apply(
        request,
        form,
        lambda data: services.save_factors(
            link,
            target=data["target_factor"],
            minimum=data["minimum_factor"],
            expected_version=data["version"],
            actor=request.user,
        ),
        _("Factors saved. Compute the recommendation again to apply them."),
    )
    return redirect("stages:page", link.stage1.code)


@login_required
@require_POST
def recommend(request: HttpRequest, code: str) -> HttpResponse:
    link = _link(request, code, "stages.manage_stages")
    try:
        run = services.recommend_shortlist(link, actor=request.user)
    except services.StageError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext(
                "Recommendation #%(n)d: invite %(count)d letter of intent.",
                "Recommendation #%(n)d: invite %(count)d letters of intent.",
                len(run.invited),
            )
            % {"n": run.pk, "count": len(run.invited)},
        )
    return redirect("stages:page", link.stage1.code)


@login_required
@require_POST
def decide(request: HttpRequest, code: str) -> HttpResponse:
    proposal = get_for_user_or_404(
        request.user,
        Proposal.objects.select_related("call").filter(call__as_stage1__isnull=False),
        "submissions.view_proposal",
        code=code,
    )
    require_perm_or_404(request.user, "stages.manage_stages")
    choice = request.POST.get("invited")
    if choice not in ("yes", "no"):
        messages.error(request, _("Choose: invite to stage 2, or not."))
    else:
        try:
            services.decide(
                proposal,
                invited=choice == "yes",
                justification=request.POST.get("justification", "")[:5000],
                expected_version=posted_int(request.POST.get("version"), 0) or None,
                actor=request.user,
            )
        except ConcurrentEditError:
            messages.error(request, str(ConcurrentEditError.message))
        except services.StageError as exc:
            messages.error(request, f"{proposal.code}: {exc}")
        else:
            messages.success(request, _("%(code)s decided.") % {"code": proposal.code})
    return redirect(f"{_page_url(proposal.call.code)}#row-{proposal.code}")


def _page_url(code: str) -> str:
    from django.urls import reverse

    return reverse("stages:page", args=[code])


@login_required
@require_POST
def follow(request: HttpRequest, code: str) -> HttpResponse:
    link = _link(request, code, "stages.manage_stages")
    try:
        count = services.follow_recommendation(link, actor=request.user)
    except services.StageError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)d letters decided as recommended.") % {"n": count})
    return redirect(f"{_page_url(link.stage1.code)}#decisions")


@login_required
@require_POST
def send_notices(request: HttpRequest, code: str) -> HttpResponse:
    link = _link(request, code, "stages.manage_stages")
    count = services.send_notices(link, actor=request.user)
    messages.success(request, _("%(n)d teams told; invited teams find their full proposal in stage 2.") % {"n": count})
    return redirect("stages:page", link.stage1.code)


@login_required
@require_POST
def choose_reviewer(request: HttpRequest, code: str) -> HttpResponse:
    link = _link(request, code, "stages.manage_stages")
    person = Person.objects.filter(code=posted_code(request.POST.get("reviewer"))).first()
    keep = request.POST.get("keep")
    if person is None or keep not in ("yes", "no"):
        messages.error(request, _("Choose a reviewer and whether they stay for stage 2."))
    else:
        try:
            services.choose_reviewer(link, person, keep=keep == "yes", actor=request.user)
        except services.StageError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                (_("%(name)s reviews at stage 2 too.") if keep == "yes" else _("%(name)s is excluded from stage 2."))
                % {"name": person.full_name},
            )
    return redirect(f"{_page_url(link.stage1.code)}#reviewers")


# --- Rebuttal and redress: the office --------------------------------------------------------


@login_required
def appeals_page(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code, "stages.view_stages")
    row = services.appeal_settings_for(call)
    form = AppealSettingsForm(instance=row, initial={"version": row.version})
    if request.method == "POST":
        require_perm_or_404(request.user, "stages.manage_stages")
        form = AppealSettingsForm(request.POST, instance=services.appeal_settings_for(call))
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in form.Meta.fields}
            try:
                services.save_appeal_settings(
                    call, data, expected_version=form.cleaned_data.get("version") or 0, actor=request.user
                )
            except ConcurrentEditError:
                form.add_error(None, str(ConcurrentEditError.message))
            except services.StageError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Rebuttal and redress settings saved."))
                return redirect("stages:appeals", call.code)
    rebuttals = list(
        Proposal.objects.filter(call=call, rebuttal__isnull=False).select_related("rebuttal").order_by("code")
    )
    requests = list(
        RedressRequest.objects.filter(proposal__call=call)
        .select_related("proposal", "filed_by__person", "examined_by__person")
        .order_by("-filed_at")
    )
    return render(
        request,
        "stages/appeals.html",
        {
            "call": call,
            "form": form,
            "settings": row,
            "window": services.rebuttal_window(call),
            "rebuttals": rebuttals,
            "sent": sum(1 for p in rebuttals if p.rebuttal.state == RebuttalState.SUBMITTED),
            "requests": [
                (
                    r,
                    ExamineForm(
                        initial={"version": r.version, "outcome": r.state if r.state != RedressState.FILED else ""},
                        prefix=f"r{r.pk}",
                    ),
                )
                for r in requests
            ],
            "can_manage": request.user.has_perm("stages.manage_stages"),
        },
    )


@login_required
@require_POST
def examine(request: HttpRequest, code: str) -> HttpResponse:
    proposal = get_for_user_or_404(
        request.user, Proposal.objects.select_related("call"), "stages.examine_redress", code=code
    )
    redress = RedressRequest.objects.filter(proposal=proposal).first()
    if redress is None:
        raise Http404
    form = ExamineForm(request.POST, prefix=f"r{redress.pk}")
    _apply(
        request,
        form,
        lambda data: services.examine_redress(
            redress,
            outcome=data["outcome"],
            examination=data["examination"],
            expected_version=data["version"],
            actor=request.user,
        ),
        _("Examination of %(code)s recorded.") % {"code": proposal.code},
        label=proposal.code,
    )
    return redirect("stages:appeals", proposal.call.code)


# --- The team: rebuttal and redress ----------------------------------------------------------


def _team_proposal(request: HttpRequest, code: str, perm: str) -> Proposal:
    return get_for_user_or_404(
        request.user,
        Proposal.objects.select_related("call", "lead").filter(state=ProposalState.SUBMITTED),
        perm,
        code=code,
    )


def _anonymous_reviews(proposal: Proposal) -> list[dict[str, Any]]:
    """The submitted reviews, numbered, with scores and the comment for the applicants — never
    the reviewer's name nor the confidential comment."""
    criteria = criteria_of(proposal.call)
    reviews = Review.objects.filter(
        assignment__proposal=proposal, assignment__state=AssignmentState.ACTIVE, state=ReviewState.SUBMITTED
    ).order_by("submitted_at", "pk")
    return [
        {
            "number": index + 1,
            "scores": [(c.label, review.scores.get(str(c.pk))) for c in criteria],
            "comment": review.applicant_comment,
        }
        for index, review in enumerate(reviews)
    ]


@login_required
def rebuttal_page(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _team_proposal(request, code, "stages.rebut")
    row = services.appeal_settings_for(proposal.call)
    if not row.rebuttal_enabled:
        raise Http404
    rebuttal = getattr(proposal, "rebuttal", None)
    version = rebuttal.version if rebuttal else 1
    form = RebuttalForm(initial={"text": rebuttal.text if rebuttal else "", "version": version})
    refusal = None
    if request.method == "POST":
        form = RebuttalForm(request.POST)
        if form.is_valid():
            try:
                rebuttal, refusal = services.save_rebuttal(
                    proposal,
                    text=form.cleaned_data["text"],
                    send="send" in request.POST,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                )
            except ConcurrentEditError:
                form.add_error(None, str(ConcurrentEditError.message))
            except services.StageError as exc:
                form.add_error(None, str(exc))
            else:
                if refusal is None:
                    messages.success(
                        request,
                        _("Your answer was sent to the reviewers.")
                        if rebuttal.state == RebuttalState.SUBMITTED
                        else _("Draft saved."),
                    )
                    return redirect("stages:rebuttal", proposal.code)
                form = RebuttalForm(initial={"text": rebuttal.text, "version": rebuttal.version})
                form.is_bound = False
    window = services.rebuttal_window(proposal.call)
    # The site's word counter (static/js) counts as the team types, against the limit.
    form.fields["text"].widget.attrs.update(
        {"data-word-limit": row.rebuttal_word_limit, "data-words-label": _("words")}
    )
    return render(
        request,
        "stages/rebuttal.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "settings": row,
            "window": window,
            "rebuttal": rebuttal,
            "form": form,
            "refusal": refusal,
            "reviews": _anonymous_reviews(proposal) if window == "open" else [],
            "sent": rebuttal is not None and rebuttal.state == RebuttalState.SUBMITTED,
        },
        status=400 if refusal or form.errors else 200,
    )


@login_required
def redress_page(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _team_proposal(request, code, "stages.request_redress")
    redress = RedressRequest.objects.filter(proposal=proposal).first()
    deadline = services.redress_deadline(proposal)
    if redress is None and deadline is None:
        raise Http404
    form = RedressForm()
    status = 200
    is_open = deadline is not None and timezone.now() <= deadline
    kept: list[tuple[str, str]] = []
    if request.method == "POST" and redress is None and not is_open:
        # shown back (includes/kept.html), nothing lost; the page says why
        kept = [("", str(request.POST.get("grounds", ""))[:5000])]
        status = 400
    elif request.method == "POST" and redress is None:
        form = RedressForm(request.POST)
        if form.is_valid():
            try:
                services.file_redress(proposal, grounds=form.cleaned_data["grounds"], actor=request.user)
            except services.StageError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your request for redress is filed. The office will examine it."))
                return redirect("stages:redress", proposal.code)
        status = 400
    return render(
        request,
        "stages/redress.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "redress": redress,
            "deadline": deadline,
            "open": is_open,
            "kept": kept,
            "form": form,
        },
        status=status,
    )


@login_required
def decline_invitation(request: HttpRequest, code: str) -> HttpResponse:
    """The lead of an invited team declines the invitation to stage 2 (404 before 405)."""
    proposal = _team_proposal(request, code, "stages.decline_invitation")
    if refused := post_only(request):
        return refused
    try:
        services.decline_invitation(proposal, actor=request.user)
    except services.StageError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invitation declined: your full proposal is withdrawn. The office is told."))
    return redirect("submissions:detail", code=proposal.code)
