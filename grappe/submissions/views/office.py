"""The office's side: a call's proposals, filters and totals, exports, eligibility decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.calls.models import Call
from grappe.core.access import get_for_user_or_404
from grappe.core.exports import xlsx_response
from grappe.core.paginate import paginate
from grappe.submissions import exports, services
from grappe.submissions.forms import OverrideForm, ProposalFilterForm
from grappe.submissions.models import Proposal
from grappe.submissions.queries import call_is_closed
from grappe.submissions.queries_office import call_proposals, call_totals, filter_proposals, without_drafts


def _filtered(request: HttpRequest, call: Call) -> tuple[ProposalFilterForm, QuerySet[Proposal]]:
    form = ProposalFilterForm(request.GET or None)
    proposals = call_proposals(call)
    if not request.user.has_perm("submissions.list_call_drafts"):
        proposals = without_drafts(proposals)
    if form.is_valid():
        proposals = filter_proposals(proposals, form.cleaned_data)
    return form, proposals


@login_required
def call_proposal_list(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(
        request.user, Call.objects.select_related("programme"), "submissions.list_call_proposals", code=code
    )
    form, proposals = _filtered(request, call)
    # Paginate the bare ids, then compute the per-row totals for this page only: an OFFSET
    # over annotated rows would compute the totals of every skipped row.
    ids = Proposal.objects.filter(pk__in=proposals.values("pk")).order_by("-submitted_at", "title", "pk")
    page = paginate(request, ids.values_list("pk", flat=True))
    rows = call_proposals(call).in_bulk(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list]
    return render(
        request,
        "submissions/office_list.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "totals": call_totals(proposals),
            "query": request.GET.urlencode(),
            "can_override": request.user.has_perm("submissions.override_eligibility"),
            # The office opens every proposal; the board, the submitted ones once the call closed.
            "opens_all": request.user.has_perm("submissions.list_call_drafts"),
            "opens_submitted": call_is_closed(call),
        },
    )


def _export_name(call: Call, extension: str) -> str:
    return f"proposals-{call.code}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@login_required
def export_csv(request: HttpRequest, code: str) -> StreamingHttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.all(), "submissions.list_call_proposals", code=code)
    _form, proposals = _filtered(request, call)
    response = StreamingHttpResponse(
        exports.csv_chunks(proposals.order_by("pk")), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(call, "csv")}"'
    return response


@login_required
def export_xlsx(request: HttpRequest, code: str) -> FileResponse:
    call = get_for_user_or_404(request.user, Call.objects.all(), "submissions.list_call_proposals", code=code)
    _form, proposals = _filtered(request, call)
    handle = exports.write_xlsx(proposals.order_by("pk"), title=f"{call.title} — {timezone.localtime():%d/%m/%Y %H:%M}")
    return xlsx_response(handle, _export_name(call, "xlsx"))


@login_required
@require_POST
def override_eligibility(request: HttpRequest, code: str) -> HttpResponse:
    proposal = get_for_user_or_404(
        request.user, Proposal.objects.select_related("call"), "submissions.override_eligibility", code=code
    )
    form = OverrideForm(request.POST)
    if form.is_valid():
        services.override_eligibility(
            proposal, actor=request.user, eligible=form.eligible(), reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Eligibility decision recorded."))
    else:
        messages.error(request, _("The decision was not recorded: choose a decision and give the reason."))
    return redirect("submissions:detail", code=proposal.code)
