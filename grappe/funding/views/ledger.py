"""Co-funding (pledged against realised, leverage), payments and the programme's ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from grappe.core import jobs
from grappe.core.access import get_for_user_or_404
from grappe.core.forms import posted_int
from grappe.core.uploads import refuse_cut_upload
from grappe.funding import queries, services
from grappe.funding.forms import ContributionDecisionForm, ContributionForm, InstalmentForm, PayForm, UnscheduleForm
from grappe.funding.models import Contribution, ContributionState, DossierBuild, Instalment, JobState
from grappe.funding.views.statements import _content_type
from grappe.programmes.models import Programme
from grappe.projects.queries import partner_orgs_of_user
from grappe.projects.views.pages import get_project, run_write


def _decide_contribution(request: HttpRequest, project: Any) -> HttpResponse | tuple[int, ContributionDecisionForm]:
    """The office's decision on a declared contribution: a redirect once recorded, else the
    contribution's pk and its bound form (with the errors, what was typed kept)."""
    if not request.user.has_perm("funding.confirm_contribution", project):
        raise Http404
    contribution = get_object_or_404(Contribution, project=project, pk=posted_int(request.POST.get("decide")))
    decide = ContributionDecisionForm(request.POST, auto_id=f"id_c{contribution.pk}_%s")
    if run_write(
        decide,
        lambda: services.decide_contribution(
            contribution,
            confirm=decide.cleaned_data["decision"] == "confirm",
            comment=decide.cleaned_data["comment"],
            expected_version=decide.cleaned_data["version"],
            actor=request.user,
        ),
    ):
        messages.success(
            request,
            _("Contribution confirmed: it counts in the co-funding realised.")
            if contribution.state == ContributionState.CONFIRMED
            else _("Contribution rejected: it does not count."),
        )
        return redirect("funding:cofunding", project.code)
    if contribution.state != ContributionState.DECLARED:  # decided meanwhile: its form is gone
        for error in decide.non_field_errors():
            messages.error(request, error)
        return redirect("funding:cofunding", project.code)
    return contribution.pk, decide


def _record_contribution(request: HttpRequest, project: Any, form: ContributionForm, *, confirmed: bool) -> bool:
    def write() -> None:
        data = form.cleaned_data
        services.record_contribution(
            project,
            organisation=data["organisation"],
            kind=data["kind"],
            amount=data["amount"],
            received_on=data["received_on"],
            description=data["description"],
            upload=data["file"],
            content_type=_content_type(data["file"]) if data["file"] else "",
            actor=request.user,
            confirmed=confirmed,
        )

    if not run_write(form, write):
        return False
    messages.success(
        request,
        _("Contribution recorded and confirmed.")
        if confirmed
        else _("Contribution declared: it counts once the office confirms it."),
    )
    return True


@login_required
def cofunding(request: HttpRequest, code: str) -> HttpResponse:
    """Each partner's pledges against what the office confirmed was realised; a partner contact
    sees only their own. The project declares contributions, the office confirms or rejects them
    (its own records are confirmed at once)."""
    project = get_project(request, code, "funding.view_cofunding")
    full = request.user.has_perm("projects.view_project_full", project)
    only = None if full else partner_orgs_of_user(request.user, project)
    can_record = request.user.has_perm("funding.record_contribution", project)
    can_confirm = request.user.has_perm("funding.confirm_contribution", project)
    deciding = request.method == "POST" and "decide" in request.POST
    form = None
    if can_record:
        form = ContributionForm(None if deciding else request.POST or None, request.FILES or None, project=project)
    decision: tuple[int, ContributionDecisionForm] | None = None
    if deciding:
        outcome = _decide_contribution(request, project)
        if isinstance(outcome, HttpResponse):
            return outcome
        decision = outcome
    elif request.method == "POST":
        if form is None:
            raise Http404
        # Evidence cut while it arrived (too large): its size and the limit; nothing recorded.
        if not refuse_cut_upload(request, form, "file") and _record_contribution(
            request, project, form, confirmed=can_confirm
        ):
            return redirect("funding:cofunding", project.code)
    contributions = list(
        project.contributions.select_related("organisation", "decided_by__person").order_by(
            "organisation__name", "-received_on", "-pk"
        )
    )
    if only is not None:
        contributions = [c for c in contributions if c.organisation_id in only]
    rows = []
    for c in contributions:
        decide_form = None
        if can_confirm and c.state == ContributionState.DECLARED:
            decide_form = (
                decision[1]
                if decision is not None and decision[0] == c.pk
                else ContributionDecisionForm(initial={"version": c.version}, auto_id=f"id_c{c.pk}_%s")
            )
        rows.append((c, decide_form))
    return render(
        request,
        "funding/cofunding.html",
        {
            "project": project,
            "full": full,
            "rows": queries.cofunding_rows(project, only),
            "contributions": rows,
            "waiting": sum(1 for c in contributions if c.state == ContributionState.DECLARED),
            "leverage": queries.leverage_of(project) if full else None,
            "form": form,
            "can_confirm": can_confirm,
        },
    )


@login_required
def contribution_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    project = get_project(request, code, "funding.view_cofunding")
    contribution = get_for_user_or_404(
        request.user, Contribution.objects.filter(project=project), "funding.view_pledge", pk=pk
    )
    if not contribution.file:
        raise Http404
    return FileResponse(
        contribution.file.open("rb"),
        as_attachment=True,
        filename=contribution.file_name,
        content_type=contribution.content_type,
    )


@login_required
def payments(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "funding.view_payments")
    can_manage = request.user.has_perm("funding.manage_payments", project)
    form = InstalmentForm(project=project)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if "pay" in request.POST:
            instalment = get_object_or_404(Instalment, project=project, pk=request.POST.get("pay"))
            pay = PayForm(request.POST)
            if not run_write(
                pay,
                lambda: services.pay_instalment(
                    instalment,
                    paid_on=pay.cleaned_data["paid_on"],
                    expected_version=pay.cleaned_data["version"],
                    actor=request.user,
                ),
            ):
                for error in [*pay.non_field_errors(), *pay.errors.get("paid_on", [])]:
                    messages.error(request, error)
            else:
                messages.success(request, _("Payment recorded."))
            return redirect("funding:payments", project.code)
        if "unschedule" in request.POST:
            instalment = get_object_or_404(Instalment, project=project, pk=request.POST.get("unschedule"))
            drop = UnscheduleForm(request.POST)
            if run_write(
                drop,
                lambda: services.unschedule_instalment(
                    instalment, expected_version=drop.cleaned_data["version"], actor=request.user
                ),
            ):
                messages.success(request, _("Instalment taken out of the schedule."))
            else:
                for error in drop.non_field_errors():
                    messages.error(request, error)
            return redirect("funding:payments", project.code)
        form = InstalmentForm(request.POST, project=project)
        if run_write(
            form,
            lambda: services.schedule_instalment(
                project,
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                share=form.cleaned_data["share"],
                trigger=form.cleaned_data["trigger"],
                due_date=form.cleaned_data["due_date"],
                actor=request.user,
            ),
        ):
            messages.success(request, _("Instalment scheduled."))
            return redirect("funding:payments", project.code)
    instalments = list(project.instalments.all())
    return render(
        request,
        "funding/payments.html",
        {
            "project": project,
            "full": True,
            "instalments": instalments,
            "scheduled": sum((i.amount for i in instalments), queries.ZERO),
            "paid": sum((i.amount for i in instalments if i.paid_on), queries.ZERO),
            "form": form if can_manage else None,
            "can_manage": can_manage,
        },
    )


@login_required
def programme_ledger(request: HttpRequest, code: str) -> HttpResponse:
    """The envelope: reserved by calls, committed by awards, paid, spent, and co-funding leverage."""
    programme = get_for_user_or_404(request.user, Programme.objects.all(), "funding.view_ledger", code=code)
    calls = list(queries.ledger_calls(programme))
    return render(
        request,
        "funding/ledger.html",
        {
            "programme": programme,
            "calls": calls,
            "totals": queries.ledger_totals(calls, programme),
            "can_configure": request.user.has_perm("funding.configure_rules", programme),
        },
    )


@login_required
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    """The audit dossier: the office asks the task worker for it (POST), the page polls while it
    is built (a build whose worker died is marked failed here), then offers the zip."""
    project = get_project(request, code, "funding.export_dossier")
    if request.method == "POST":
        services.request_dossier(project, language=request.LANGUAGE_CODE, actor=request.user)
        messages.success(request, _("The dossier is being built: this page shows when it is ready."))
        return redirect("funding:dossier", project.code)
    jobs.fail_stale(DossierBuild.objects.filter(project=project))
    builds = list(DossierBuild.objects.filter(project=project).select_related("created_by__person")[:5])
    latest = builds[0] if builds else None
    ready = next((b for b in builds if b.state == JobState.DONE and b.file), None)
    return render(
        request,
        "funding/dossier.html",
        {
            "project": project,
            "full": True,
            "builds": builds,
            "latest": latest,
            "ready": ready,
            "in_progress": latest is not None and latest.state in jobs.ACTIVE,
        },
    )


@login_required
def dossier_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A built dossier's zip, streamed from storage."""
    project = get_project(request, code, "funding.export_dossier")
    build = get_object_or_404(DossierBuild.objects.exclude(file=""), project=project, pk=pk, state=JobState.DONE)
    return FileResponse(
        build.file.open("rb"),
        as_attachment=True,
        filename=f"dossier-{project.code}.zip",
        content_type="application/zip",
    )
