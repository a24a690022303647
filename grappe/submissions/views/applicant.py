"""The applicants' side: drafts, team, partners, budget, answers, ethics, submission."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.calls.models import Call
from grappe.core import guards
from grappe.core.access import get_for_user_or_404, post_only
from grappe.core.forms import typed_values
from grappe.core.services import ConcurrentEditError
from grappe.people.models import Organisation
from grappe.submissions import services
from grappe.submissions.budget import proposal_years, summarise
from grappe.submissions.eligibility import amount_warning, check_eligibility
from grappe.submissions.forms import (
    AnswersForm,
    BudgetForm,
    CofundingForm,
    EthicsForm,
    InviteForm,
    PartnerForm,
    ProposalDetailsForm,
    StartProposalForm,
)
from grappe.submissions.models import (
    ANNEX_III_AREAS,
    PROHIBITED_PRACTICES,
    SPECIAL_CATEGORIES,
    Answer,
    CoFunding,
    EthicsAssessment,
    InvitationState,
    Proposal,
    ProposalPartner,
    TeamMember,
)
from grappe.submissions.queries import contact_organisation_ids, proposals_visible_to
from grappe.submissions.rules import is_reader_for_review, is_team_member
from grappe.submissions.sections import sections_for

PROPOSALS = Proposal.objects.select_related("call__programme", "lead", "lead_organisation")


def _proposal(request: HttpRequest, code: str, perm: str = "submissions.view_proposal") -> Proposal:
    return get_for_user_or_404(request.user, PROPOSALS, perm, code=code)


def _redirect_section(proposal: Proposal, section: str) -> HttpResponse:
    response = redirect("submissions:detail", code=proposal.code)
    response["Location"] += f"#{section}"
    return response


@login_required
def my_proposals(request: HttpRequest) -> HttpResponse:
    proposals = (
        proposals_visible_to(request.user).select_related("call", "lead", "lead_organisation").order_by("-updated_at")
    )
    invitations = TeamMember.objects.filter(
        email__iexact=request.user.email, state=InvitationState.INVITED
    ).select_related("proposal__call", "proposal__lead")
    return render(request, "submissions/my_proposals.html", {"proposals": proposals[:200], "invitations": invitations})


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, call_code: str) -> HttpResponse:
    call = get_for_user_or_404(
        request.user, Call.objects.select_related("programme"), "calls.view_call", code=call_code
    )
    form = StartProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.start_proposal(call, actor=request.user, title=form.cleaned_data["title"])
        except services.SubmissionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft created. Fill in each section, then submit before the deadline."))
            return redirect("submissions:detail", code=proposal.code)
    refused = guards.refusal("submissions.start_proposal", call)
    return render(
        request,
        "submissions/start.html",
        {"call": call, "form": form, "is_open": call.is_open() and not refused, "refused": refused},
    )


def _beneficiaries(proposal: Proposal, partners: list[ProposalPartner]) -> list[Organisation]:
    """Organisations that may receive money: the lead's, the team's and the partners'."""
    ids = [proposal.lead_organisation_id] if proposal.lead_organisation_id else []
    ids += [m.organisation_id for m in proposal.team.all() if m.organisation_id]
    ids += [p.organisation_id for p in partners]
    by_id = Organisation.objects.in_bulk(set(ids))
    seen, out = set(), []
    for i in ids:
        if i not in seen:
            seen.add(i)
            out.append(by_id[i])
    return out


def _team(user: Any, proposal: Proposal) -> Any:
    """The team as its members and the office see it; readers (reviewers, board, contacts) see the
    members who joined, never pending or declined invitations (addresses of people not involved)."""
    team = proposal.team.select_related("person", "organisation")
    if not user.has_perm("submissions.view_invitations", proposal):
        team = team.filter(state=InvitationState.ACCEPTED)
    return team


def _labels(values: list[str], choices: list[tuple[str, Any]]) -> list[str]:
    """The labels of the stored codes of a multiple-choice answer, in the reader's language."""
    names = dict(choices)
    return [str(names.get(v, v)) for v in values or []]


def _back(user: Any, proposal: Proposal) -> tuple[str, str]:
    """Where the breadcrumb leads back to: the team's own list, the office's list of the call, a
    reviewer's reviews, or the calls (the board, contacts)."""
    if is_team_member(user, proposal):
        return reverse("submissions:mine"), str(_("My proposals"))
    if user.has_perm("submissions.list_call_proposals", proposal.call):
        return reverse("submissions:office_list", args=[proposal.call.code]), str(_("Proposals of the call"))
    if is_reader_for_review(user, proposal):
        return reverse("review:mine"), str(_("My reviews"))
    return reverse("calls:list"), str(_("Calls"))


def _context(request: HttpRequest, proposal: Proposal, **forms_: Any) -> dict[str, Any]:
    user = request.user
    full = user.has_perm("submissions.view_proposal_full", proposal)
    editable = user.has_perm("submissions.change_proposal", proposal)
    call = proposal.call
    programme = call.programme
    # Read once what the sections, the forms and the eligibility checks all read.
    prefetch_related_objects([proposal], "answers", "budget_lines")
    prefetch_related_objects([call], "questions", "rules")
    years = proposal_years(proposal)
    partners = list(
        proposal.partners.select_related("organisation").prefetch_related(
            Prefetch("cofunding", queryset=CoFunding.objects.order_by("year"))
        )
    )
    budget = summarise(proposal, commitments=[c for p in partners for c in p.cofunding.all()]) if full else None
    if not full:
        # A partner contact sees only the commitments of their own company.
        mine = contact_organisation_ids(user, "partner_contact")
        partners = [p for p in partners if p.organisation_id in mine]
    categories = list(programme.cost_categories.all())
    questions = list(call.questions.all())
    ethics = EthicsAssessment.objects.filter(proposal=proposal).first()
    facts = services.decision_facts(proposal) if proposal.state == "submitted" else None
    decided = facts is not None
    # The team reads the outcome once told (letter sent, or project open); the office and the board
    # (who decide) always. Before that, nothing on the page hints at it.
    told = decided and user.has_perm("selection.view_outcome", proposal)
    knows = told or (decided and user.has_perm("selection.decide", proposal))
    ctx: dict[str, Any] = {
        "proposal": proposal,
        "call": call,
        "full": full,
        "editable": editable,
        "can_manage_team": user.has_perm("submissions.manage_team", proposal),
        "can_submit": user.has_perm("submissions.submit_proposal", proposal),
        "can_withdraw": user.has_perm("submissions.withdraw_proposal", proposal)
        and proposal.state != "withdrawn"
        and not decided
        and not guards.refusal("submissions.withdraw_proposal", proposal),
        "can_reopen": user.has_perm("submissions.reopen_proposal", proposal)
        and proposal.state != "draft"
        and call.is_open()
        and not decided
        and not guards.refusal("submissions.reopen_proposal", proposal),
        # Why the lead is offered neither withdrawing nor reopening: once a project is open, the
        # outcome section says it (the team can no longer decline); told the outcome, how to give up
        # the funding; not told yet, nothing that hints at the outcome.
        "decided": _decided_notice(facts, told) if user.has_perm("submissions.withdraw_proposal", proposal) else "",
        "awarded": facts["award__amount"] if knows and facts else None,
        "team": _team(user, proposal),
        "can_see_invitations": user.has_perm("submissions.view_invitations", proposal),
        "partners": partners,
        "years": years,
        "keywords": proposal.keywords.all(),
        "budget": budget,
        "categories": categories,
        "ethics": ethics,
        "ethics_lists": {
            "special": _labels(ethics.special_categories, SPECIAL_CATEGORIES),
            "practices": _labels(ethics.prohibited_practices, PROHIBITED_PRACTICES),
            "areas": _labels(ethics.annex_iii_areas, ANNEX_III_AREAS),
        }
        if ethics
        else {},
        "answers": {a.question_id: a for a in proposal.answers.all()} if full else {},
        "questions": questions,
        "sections": sections_for(user, proposal),
        "back": _back(user, proposal),
    }
    if editable:
        beneficiaries = _beneficiaries(proposal, partners)
        ctx.update(
            details_form=forms_.get("details_form") or ProposalDetailsForm(instance=proposal),
            invite_form=forms_.get("invite_form") or InviteForm(),
            partner_form=forms_.get("partner_form") or PartnerForm(),
            cofunding_form=forms_.get("cofunding_form")
            or CofundingForm(proposal=proposal, partners=partners, years=years),
            budget_form=forms_.get("budget_form")
            or BudgetForm(proposal=proposal, categories=categories, organisations=beneficiaries, years=years),
            answers_form=forms_.get("answers_form") or AnswersForm(proposal=proposal, questions=questions),
            ethics_form=forms_.get("ethics_form")
            or EthicsForm(instance=ctx["ethics"] or EthicsAssessment(proposal=proposal), proposal=proposal),
            failures=forms_.get("failures")
            if forms_.get("failures") is not None
            else check_eligibility(proposal, budget=budget),
        )
    elif full:
        ctx["failures"] = forms_.get("failures") or []
    return ctx


def _decided_notice(facts: dict[str, Any] | None, told: bool) -> str:
    if facts is None or facts["award__project__code"]:
        return ""
    return str(services.DECIDED_MESSAGE if told else services.IN_SELECTION_MESSAGE)


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code)
    return render(request, "submissions/proposal.html", _context(request, proposal))


def _edit(request: HttpRequest, code: str) -> Proposal:
    if request.method != "POST":
        raise Http404
    return _proposal(request, code, "submissions.change_proposal")


def _conflict(request: HttpRequest, proposal: Proposal, section: str, form: Any) -> HttpResponse:
    """Someone saved first: nothing is overwritten; the page shows the section as saved now (its
    new version) and, below the conflict message, what this person typed, to copy."""
    conflict = {"section": section, "message": ConcurrentEditError.kept_message, "kept": typed_values(form)}
    fresh = PROPOSALS.get(pk=proposal.pk)
    return render(request, "submissions/proposal.html", {**_context(request, fresh), "conflict": conflict}, status=409)


def _save_section(
    request: HttpRequest,
    proposal: Proposal,
    form: Any,
    *,
    form_name: str,
    section: str,
    save: Callable[[Any], object],
    message: str,
) -> HttpResponse:
    """The shared path of every section form: errors inline, version conflicts told, success.
    An upload refused while it arrived (too large, core/uploads.py) saves nothing."""
    refused = getattr(request, "upload_refused", None)
    if refused:  # nothing saved; what was typed beside the file comes back in the form, the file does not
        again = _(
            "Nothing was saved: your other answers are shown back below. "
            "Choose the file again (a smaller one), then save."
        )
        conflict = {"section": section, "message": f"{refused} {again}", "kept": []}
        return render(
            request,
            "submissions/proposal.html",
            {**_context(request, proposal, **{form_name: form}), "conflict": conflict},
            status=413,
        )
    if not form.is_valid():
        return render(request, "submissions/proposal.html", _context(request, proposal, **{form_name: form}))
    try:
        save(form)
    except ConcurrentEditError:
        return _conflict(request, proposal, section, form)
    messages.success(request, message)
    return _redirect_section(proposal, section)


@login_required
@require_POST
def edit_details(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _edit(request, code)
    response = _save_section(
        request,
        proposal,
        ProposalDetailsForm(request.POST, instance=Proposal.objects.get(pk=proposal.pk)),
        form_name="details_form",
        section="details",
        save=lambda form: services.update_proposal(
            proposal,
            actor=request.user,
            changes=form.changes(),
            expected_version=form.cleaned_data["version"],
            keywords=form.cleaned_data["keywords"],
        ),
        message=_("Details saved."),
    )
    if response.status_code == 302:  # saved: say at once when the amount is outside the call's range
        warning = amount_warning(Proposal.objects.select_related("call").get(pk=proposal.pk))
        if warning:
            messages.warning(request, warning)
            return redirect("submissions:detail", code=proposal.code)  # the top of the page, where it shows
    return response


@login_required
@require_POST
def invite(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "submissions.manage_team")
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite_member(proposal, actor=request.user, **form.cleaned_data)
        except services.SubmissionError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return _redirect_section(proposal, "team")
    return render(request, "submissions/proposal.html", _context(request, proposal, invite_form=form))


@login_required
@require_POST
def remove_member(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    proposal = _proposal(request, code, "submissions.manage_team")
    member = get_object_or_404(TeamMember, pk=pk, proposal=proposal)
    try:
        services.remove_member(member, actor=request.user)
    except services.SubmissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Removed from the team."))
    return _redirect_section(proposal, "team")


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    member = get_object_or_404(TeamMember.objects.select_related("proposal__call", "proposal__lead"), token=token)
    if member.email.lower() != request.user.email.lower():
        raise Http404  # an invitation is only visible to the address it was sent to
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        try:
            services.respond_to_invitation(member, actor=request.user, accept=accept)
        except services.SubmissionError as exc:
            messages.error(request, str(exc))
        else:
            if accept:
                messages.success(request, _("You joined the team of this proposal."))
                return redirect("submissions:detail", code=member.proposal.code)
            messages.info(request, _("Invitation declined."))
            return redirect("submissions:mine")
    return render(request, "submissions/invitation.html", {"member": member, "proposal": member.proposal})


@login_required
@require_POST
def add_partner(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _edit(request, code)
    form = PartnerForm(request.POST)
    if form.is_valid():
        try:
            services.add_partner(proposal, actor=request.user, **form.cleaned_data)
        except services.SubmissionError as exc:
            form.add_error("organisation", str(exc))
        else:
            messages.success(request, _("Partner added. Enter its co-funding commitments below."))
            return _redirect_section(proposal, "partners")
    return render(request, "submissions/proposal.html", _context(request, proposal, partner_form=form))


@login_required
@require_POST
def remove_partner(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    proposal = _edit(request, code)
    partner = get_object_or_404(ProposalPartner, pk=pk, proposal=proposal)
    services.remove_partner(partner, actor=request.user)
    messages.success(request, _("Partner removed."))
    return _redirect_section(proposal, "partners")


@login_required
@require_POST
def save_cofunding(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _edit(request, code)
    partners = list(proposal.partners.select_related("organisation").prefetch_related("cofunding"))
    return _save_section(
        request,
        proposal,
        CofundingForm(request.POST, proposal=proposal, partners=partners, years=proposal_years(proposal)),
        form_name="cofunding_form",
        section="partners",
        save=lambda form: services.save_cofunding(
            proposal, actor=request.user, values=form.values(form.keys), expected_version=form.cleaned_data["version"]
        ),
        message=_("Co-funding saved."),
    )


@login_required
@require_POST
def save_budget(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _edit(request, code)
    programme = proposal.call.programme
    partners = list(proposal.partners.all())
    form = BudgetForm(
        request.POST,
        proposal=proposal,
        categories=list(programme.cost_categories.all()),
        organisations=_beneficiaries(proposal, partners),
        years=proposal_years(proposal),
    )
    return _save_section(
        request,
        proposal,
        form,
        form_name="budget_form",
        section="budget",
        save=lambda form: services.save_budget(
            proposal, actor=request.user, values=form.values(form.keys), expected_version=form.cleaned_data["version"]
        ),
        message=_("Budget saved."),
    )


@login_required
@require_POST
def save_answers(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _edit(request, code)
    return _save_section(
        request,
        proposal,
        AnswersForm(request.POST, request.FILES, proposal=proposal, questions=list(proposal.call.questions.all())),
        form_name="answers_form",
        section="questions",
        save=lambda form: services.save_answers(
            proposal,
            actor=request.user,
            values=form.values(),
            files=form.files_by_question(),
            expected_version=form.cleaned_data["version"],
        ),
        message=_("Answers saved."),
    )


@login_required
@require_POST
def save_ethics(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _edit(request, code)
    ethics = EthicsAssessment.objects.filter(proposal=proposal).first() or EthicsAssessment(proposal=proposal)
    return _save_section(
        request,
        proposal,
        EthicsForm(request.POST, instance=ethics, proposal=proposal),
        form_name="ethics_form",
        section="ethics",
        save=lambda form: services.save_ethics(
            proposal, actor=request.user, data=form.values(), expected_version=form.cleaned_data["version"]
        ),
        message=_("Ethics and AI Act self-assessment saved."),
    )


@login_required
def submit(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "submissions.submit_proposal")
    if refused := post_only(request):
        return refused
    try:
        services.submit_proposal(proposal, actor=request.user)
    except services.SubmissionError as exc:
        messages.error(request, str(exc))
        return render(request, "submissions/proposal.html", _context(request, proposal, failures=exc.failures))
    messages.success(request, _("Proposal submitted. A receipt was sent to the team."))
    return redirect("submissions:detail", code=proposal.code)


@login_required
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "submissions.withdraw_proposal")
    if refused := post_only(request):
        return refused
    try:
        services.withdraw_proposal(proposal, actor=request.user)
    except services.SubmissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Proposal withdrawn."))
    return redirect("submissions:detail", code=proposal.code)


@login_required
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    proposal = _proposal(request, code, "submissions.reopen_proposal")
    if refused := post_only(request):
        return refused
    try:
        services.reopen_proposal(proposal, actor=request.user)
    except services.SubmissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The proposal is a draft again: submit it again before the deadline."))
    return redirect("submissions:detail", code=proposal.code)


@login_required
def summary(request: HttpRequest, code: str) -> HttpResponse:
    """A printable summary with the exact submission time."""
    proposal = _proposal(request, code, "submissions.view_proposal_full")
    return render(request, "submissions/summary.html", _context(request, proposal))


@login_required
def attachment(request: HttpRequest, code: str, pk: int) -> FileResponse:
    proposal = _proposal(request, code, "submissions.view_proposal_full")
    answer = get_object_or_404(Answer, pk=pk, proposal=proposal)
    if not answer.file:
        raise Http404
    return FileResponse(
        answer.file.open("rb"),
        as_attachment=True,
        filename=answer.file_name or "attachment.pdf",
        content_type="application/pdf",
    )
