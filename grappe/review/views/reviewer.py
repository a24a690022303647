"""The reviewer's side: their reviews, invitations, bids, publications and the review form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.forms import half_point, posted_int
from grappe.core.sections import sections_for
from grappe.core.services import ConcurrentEditError
from grappe.core.uploads import refuse_cut_upload
from grappe.people.models import Person
from grappe.people.rules import roles_of
from grappe.review import gates, services
from grappe.review.forms import (
    PublicationImportForm,
    ReasonForm,
    RespondForm,
)
from grappe.review.models import (
    AssignmentState,
    Bid,
    BidLevel,
    Conflict,
    ConflictOrigin,
    ImportState,
    MatchFlag,
    PoolMember,
    PoolState,
    PublicationImport,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewState,
)
from grappe.review.views.common import _errors
from grappe.submissions.models import InvitationState, Proposal, ProposalState


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
    first = gates.blocked(person_id, call.pk)
    if first:  # the titles are the call's proposals too: nothing before the declaration
        return redirect(gates.back_after(first, request))
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
    # "My publications" only for whom it opens: the rule of ``review.import_own_publications``
    # (``rules.is_expert``: in a pool, not declined), read from the invitations already loaded.
    expert = any(m.state != PoolState.DECLINED for m in invitations)
    return render(request, "review/mine.html", {"rows": rows, "invitations": invitations, "expert": expert})


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
    # Cut while it arrived (too large): its size and the limit, not "this field is required".
    if request.method == "POST" and not refuse_cut_upload(request, form, "file") and form.is_valid():
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


def _stored_values(review: Review | None) -> dict[str, Any]:
    """The review's saved values, named as the form's fields."""
    return {
        **{f"score_{k}": v for k, v in (review.scores if review else {}).items()},
        **{f"comment_{k}": v for k, v in (review.comments if review else {}).items()},
        "applicant_comment": review.applicant_comment if review else "",
        "confidential_comment": review.confidential_comment if review else "",
        "recommendation": review.recommendation if review else "",
    }


def _typed_review(typed: dict[str, Any], stored: dict[str, Any], criteria: list[Any]) -> list[tuple[str, str]]:
    """What was typed and differs from the saved review, as (label, text) for ``includes/kept.html``."""
    fields = [(f"score_{c.pk}", f"{c.label} — {_('Score (0–5)')}") for c in criteria]
    fields += [(f"comment_{c.pk}", f"{c.label} — {_('Comment')}") for c in criteria]
    fields += [
        ("applicant_comment", _("Comment for the applicants")),
        ("confidential_comment", _("Confidential comment for the committee")),
        ("recommendation", _("Overall recommendation")),
    ]
    names = dict(Recommendation.choices)
    out = []
    for name, label in fields:
        value = str(typed.get(name) or "").strip()
        if name.startswith("score_"):
            same = half_point(value) == half_point(stored.get(name))
        else:
            same = value == str(stored.get(name) or "").strip()
        if value and not same:
            out.append((label, str(names.get(value, value)) if name == "recommendation" else value))
    return out


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    first = gates.blocked(assignment.reviewer_id, assignment.call_id)
    if first:  # e.g. the call's declaration is not signed yet: nothing of the proposal is shown
        return redirect(gates.back_after(first, request))
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
    kept: list[tuple[str, str]] = []
    conflict = False
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
            # Nothing overwritten: the form shows the review as saved now, what was typed is below it.
            existing = Review.objects.filter(assignment=assignment).first()
            kept = _typed_review(data, _stored_values(existing), criteria)
            data, conflict = {}, True
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
    values = data or _stored_values(existing)
    return render(
        request,
        "review/review.html",
        {
            "assignment": assignment,
            "proposal": assignment.proposal,
            "call": assignment.call,
            "review": existing,
            "kept": kept,
            "kept_message": ConcurrentEditError.kept_message if conflict else "",
            "version": existing.version if existing else 1,
            "criteria": [
                (c, half_point(values.get(f"score_{c.pk}")), values.get(f"comment_{c.pk}", "")) for c in criteria
            ],
            "values": values,
            "half_points": [f"{x / 2:.1f}" for x in range(11)],
            "recommendations": Recommendation.choices,
            "open": settings.open_for_reviews,
            "deadline": settings.review_deadline,
            "why": services.explanation(assignment),
            "flag": MatchFlag.objects.filter(assignment=assignment).first(),
            # e.g. the applicants' answer to the reviews (grappe.stages), before the consensus
            "sections": sections_for("review", request.user, assignment.proposal),
            "others": [
                (
                    other,
                    [(c.label, other.scores.get(str(c.pk), "—"), other.comments.get(str(c.pk), "")) for c in criteria],
                )
                for other in others
            ],
        },
        status=409 if conflict else 200,
    )


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    first = gates.blocked(assignment.reviewer_id, assignment.call_id)
    if first:
        return redirect(gates.back_after(first, request))
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
def flag_match(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned reviewer flags their assignment as a poor match (or withdraws the flag)."""
    assignment = _assignment(request, pk)
    if request.POST.get("action") == "withdraw":
        services.withdraw_flag(assignment, actor=request.user)
        messages.success(request, _("Your flag is withdrawn."))
        return redirect("review:review", assignment.pk)
    try:
        services.flag_poor_match(assignment, comment=request.POST.get("comment", ""), actor=request.user)
    except services.ReviewError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("Thank you: the office sees your flag, and it counts in the quality of the suggestions.")
        )
    return redirect("review:review", assignment.pk)


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
