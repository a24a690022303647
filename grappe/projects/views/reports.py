"""Periodic reports and their outputs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.forms import Form
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
    # Outputs: the lead while the report is being written, the office until it accepts it; an
    # accepted report's outputs are frozen (they count in the indicators).
    can_declare = can_write or (
        user.has_perm("projects.review_report", project) and report.state != ReportState.ACCEPTED
    )
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
        if can_write and (action in ("save", "submit") or "version" in request.POST):
            # One form: the sections travel with every button, so adding an output or importing
            # publications also saves the text typed (nothing is lost on the reload).
            report_form = ReportForm(request.POST, report=report)
        if action in ("save", "submit"):
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
        else:
            declared = output_form = OutputForm(request.POST) if action == "output" else output_form
            if action == "import":
                declared = import_form = ImportOutputsForm(request.POST)
            # The page posts the sections with the output; a post without them adds the output only.
            text = report_form if can_write and "version" in request.POST else None
            saved = _declare(request, report, action, declared, text)
        if saved:
            messages.success(request, _SAVED[action])
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


_SAVED = {
    "save": gettext_lazy("Report saved."),
    "submit": gettext_lazy("Report submitted."),
    "review": gettext_lazy("Decision recorded."),
    "output": gettext_lazy("Output added; the text of the report is saved too."),
    "import": gettext_lazy("Publications imported; the text of the report is saved too."),
}


def _declare(request: HttpRequest, report: Report, action: str, form: Form, text: ReportForm | None) -> bool:
    """Add an output or import publications; with ``text`` (the lead's sections, posted in the
    same form) the draft is saved in the same transaction, or nothing is saved at all."""
    if text is not None and not text.is_valid():
        form.is_valid()  # show the output form's own errors too
        return False

    @transaction.atomic
    def write() -> None:
        if text is not None:
            services.save_report(
                report,
                answers=text.answers(),
                submit=False,
                expected_version=text.cleaned_data["version"],
                actor=request.user,
            )
        data = form.cleaned_data
        if action == "output":
            services.add_outputs(report, kind=data["kind"], items=[data], actor=request.user)
        else:
            items = services.parse_outputs(data["content"], data["fmt"])
            services.add_outputs(report, kind=OutputKind.PUBLICATION, items=items, actor=request.user)

    return run_write(form, write)
