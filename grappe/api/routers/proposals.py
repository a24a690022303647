"""Proposals: those the caller may open (their own, their organisation's once submitted, all for the
office), read as the proposal page shows them; the team edits a draft's details with If-Match."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router
from pydantic import Field

from grappe.api.auth import require_write
from grappe.api.common import ERRORS, WRITE_ERRORS, etag, expected_version, form_errors
from grappe.api.pagination import page
from grappe.api.priming import prime_proposals
from grappe.api.problems import ApiProblem
from grappe.api.routers.directory import PageQuery
from grappe.api.schemas import ProposalOut, ProposalPage, ProposalPatch, money
from grappe.core.access import get_for_user_or_404
from grappe.core.services import ConcurrentEditError
from grappe.submissions import services
from grappe.submissions.eligibility import amount_warning
from grappe.submissions.forms import ProposalDetailsForm
from grappe.submissions.models import Proposal, ProposalState
from grappe.submissions.queries import proposals_visible_to

router = Router(tags=["proposals"])
RELATED = ("call", "lead", "lead_organisation")


class ProposalFilters(PageQuery):
    call: str = Field("", max_length=12)
    state: ProposalState | None = None


def proposal_out(proposal: Proposal, user: Any) -> dict[str, Any]:
    full = user.has_perm("submissions.view_proposal_full", proposal)
    out: dict[str, Any] = {
        "code": proposal.code,
        "call": proposal.call.code,
        "state": proposal.state,
        "title": proposal.title,
        "acronym": proposal.acronym,
        "lead": proposal.lead.code,
        "lead_name": proposal.lead.full_name,
        "lead_organisation": proposal.lead_organisation.code if proposal.lead_organisation_id else None,
        "submitted_at": proposal.submitted_at,
        "version": proposal.version,
        "full": full,
    }
    if full:
        out.update(
            abstract=proposal.abstract,
            keywords=sorted(k.name for k in proposal.keywords.all()),
            requested_amount=money(proposal.requested_amount),
            duration_months=proposal.duration_months,
            eligible=proposal.final_eligibility,
        )
    return out


@router.get("/proposals", response={200: ProposalPage, **ERRORS})
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> Any:
    """The proposals the caller may open (as on "My proposals"; every proposal for the office)."""
    user = request.user
    proposals = proposals_visible_to(user).select_related(*RELATED).prefetch_related("keywords")
    if filters.call:
        proposals = proposals.filter(call__code=filters.call)
    if filters.state:
        proposals = proposals.filter(state=filters.state)
    return page(
        proposals,
        cursor=filters.cursor,
        limit=filters.limit,
        item=lambda p: proposal_out(p, user),
        prepare=lambda rows: prime_proposals(user, rows),
    )


def _proposal(request: HttpRequest, code: str) -> Proposal:
    return get_for_user_or_404(
        request.user, Proposal.objects.select_related(*RELATED), "submissions.view_proposal", code=code
    )


@router.get("/proposals/{code}", response={200: ProposalOut, **ERRORS})
def get_proposal(request: HttpRequest, response: HttpResponse, code: str) -> Any:
    """A proposal; its ``ETag`` is its version, to send back in ``If-Match`` when changing it."""
    proposal = _proposal(request, code)
    response["ETag"] = etag(proposal.version)
    return proposal_out(proposal, request.user)


@router.patch("/proposals/{code}", response={200: ProposalOut, **WRITE_ERRORS})
def patch_proposal(
    request: HttpRequest,
    response: HttpResponse,
    code: str,
    body: ProposalPatch,
    if_match: str | None = Header(None, alias="If-Match"),
) -> Any:
    """Change a draft's details (its team, with a read and write token). A stale ``If-Match``
    answers 412 and changes nothing; a submitted proposal answers 409."""
    user = require_write(request)
    proposal = _proposal(request, code)
    if not user.has_perm("submissions.change_proposal", proposal):
        if proposal.state != ProposalState.DRAFT and user.has_perm("submissions.view_invitations", proposal):
            raise ApiProblem(409, _("This proposal is submitted or withdrawn: it can no longer be edited."))
        raise ApiProblem(403, _("You may read this proposal but not change it."))
    version = expected_version(request, if_match)
    if version != proposal.version:
        raise ConcurrentEditError()
    data = {
        "title": proposal.title,
        "acronym": proposal.acronym,
        "abstract": proposal.abstract,
        "requested_amount": str(proposal.requested_amount),
        "duration_months": str(proposal.duration_months),
        "lead_organisation": proposal.lead_organisation.code if proposal.lead_organisation_id else "",
        "keywords": ", ".join(sorted(k.name for k in proposal.keywords.all())),
        "version": str(version),
    }
    for name, value in body.dict(exclude_unset=True).items():
        if value is None:
            continue
        data[name] = ", ".join(value) if name == "keywords" else str(value)
    form = ProposalDetailsForm(data, instance=Proposal.objects.get(pk=proposal.pk))
    if not form.is_valid():
        raise ApiProblem(422, _("Some values are missing or invalid."), kind="invalid", errors=form_errors(form))
    try:
        services.update_proposal(
            proposal,
            actor=user,
            changes=form.changes(),
            expected_version=version,
            keywords=form.cleaned_data["keywords"],
        )
    except services.SubmissionError as exc:
        raise ApiProblem(409, str(exc)) from exc
    proposal = Proposal.objects.select_related(*RELATED).get(pk=proposal.pk)
    response["ETag"] = etag(proposal.version)
    out = proposal_out(proposal, user)
    warning = amount_warning(proposal)
    out["warnings"] = [warning] if warning else []
    return out
