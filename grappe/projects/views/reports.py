"""Periodic reports and their outputs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from grappe.projects import services
from grappe.projects.forms import (
    ImportOutputsForm,
    OutputForm,
    ReportForm,
    ReviewDeliverableForm,
    ScheduleReportForm,
)
from grappe.projects.models import Output, OutputKind, Report, ReportState
from grappe.projects.views.pages import get_project, run_write


@login_required
def reports(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "projects.view_project_full")
    can_schedule = request.user.has_perm("projects.schedule_report", project)
    form = ScheduleReportForm(request.POST or None) if can_schedule else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if run_write(
            form,
            lambda: services.schedule_report(
                project, title=form.cleaned_data["title"], due_date=form.cleaned_data["due_date"], actor=request.user
            ),
        ):
            messages.success(request, _("Report scheduled."))
            return redirect("projects:reports", project.code)
    counts = dict.fromkeys(OutputKind.values, 0)
    for kind in project.outputs.values_list("kind", flat=True):
        counts[kind] += 1
    return render(
        request,
        "projects/reports.html",
        {
            "project": project,
            "full": True,
            "reports": project.reports.all(),
            "outputs": project.outputs.select_related("report"),
            "counts": [(OutputKind(k).label, n) for k, n in counts.items()],
            "form": form,
        },
    )


@login_required
def report_page(request: HttpRequest, code: str, rcode: str) -> HttpResponse:
    project = get_project(request, code, "projects.view_project_full")
    report = get_object_or_404(Report, project=project, code=rcode)
    report.project = project
    user = request.user
    can_write = user.has_perm("projects.write_report", project) and report.state in ReportState.editable()
    can_review = user.has_perm("projects.review_report", project) and report.state == ReportState.SUBMITTED
    can_declare = user.has_perm("projects.write_report", project) or user.has_perm("projects.review_report", project)
    report_form = ReportForm(report=report)
    review_form = ReviewDeliverableForm(initial={"version": report.version})
    output_form, import_form = OutputForm(), ImportOutputsForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None:
        allowed = {
            "save": can_write,
            "submit": can_write,
            "review": can_review,
            "output": can_declare,
            "import": can_declare,
        }
        if not allowed.get(action):
            raise Http404
        if action in ("save", "submit"):
            report_form = ReportForm(request.POST, report=report)
            saved = run_write(
                report_form,
                lambda: services.save_report(
                    report,
                    answers=report_form.answers(),
                    submit=action == "submit",
                    expected_version=report_form.cleaned_data["version"],
                    actor=user,
                ),
            )
        elif action == "review":
            review_form = ReviewDeliverableForm(request.POST)
            saved = run_write(
                review_form,
                lambda: services.review_report(
                    report,
                    accept=review_form.cleaned_data["decision"] == "approve",
                    comment=review_form.cleaned_data["comment"],
                    expected_version=review_form.cleaned_data["version"],
                    actor=user,
                ),
            )
        elif action == "output":
            output_form = OutputForm(request.POST)
            saved = run_write(
                output_form,
                lambda: services.add_outputs(
                    report, kind=output_form.cleaned_data["kind"], items=[output_form.cleaned_data], actor=user
                ),
            )
        else:
            import_form = ImportOutputsForm(request.POST)
            saved = run_write(
                import_form,
                lambda: services.add_outputs(
                    report,
                    kind=OutputKind.PUBLICATION,
                    items=services.parse_outputs(import_form.cleaned_data["content"], import_form.cleaned_data["fmt"]),
                    actor=user,
                ),
            )
        if saved:
            messages.success(request, _("Report saved."))
            return redirect("projects:report", project.code, report.code)
    answers = [(s, report.answers.get(str(i), "")) for i, s in enumerate(report.sections)]
    return render(
        request,
        "projects/report.html",
        {
            "project": project,
            "full": True,
            "report": report,
            "answers": answers,
            "outputs": Output.objects.filter(report=report),
            "report_form": report_form if can_write else None,
            "review_form": review_form if can_review else None,
            "output_form": output_form if can_declare else None,
            "import_form": import_form if can_declare else None,
        },
    )
