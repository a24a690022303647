"""The work plan pages: packages, tasks, deliverables and milestones, the timeline, a deliverable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.access import get_for_user_or_404
from grappe.core.services import ConcurrentEditError
from grappe.projects import services, timeline
from grappe.projects.forms import (
    DeliverableForm,
    MilestoneForm,
    MilestoneReachedForm,
    ReviewDeliverableForm,
    SubmitDeliverableForm,
    TaskForm,
    WorkPackageForm,
)
from grappe.projects.models import Deliverable, DeliverableState, Milestone, Project, Task, WorkPackage
from grappe.projects.validators import show_upload_refusal
from grappe.projects.views.pages import get_project, pdf_download

PLAN_FORMS: dict[str, type[forms.ModelForm]] = {
    "work_package": WorkPackageForm,
    "task": TaskForm,
    "deliverable": DeliverableForm,
    "milestone": MilestoneForm,
}


def plan_of(project: Project) -> dict[str, Any]:
    """The work plan read in four queries: packages with their tasks, deliverables, milestones."""
    packages = list(project.work_packages.select_related("lead").prefetch_related("tasks"))
    deliverables = list(project.deliverables.select_related("owner", "approver", "work_package"))
    milestones = list(project.milestones.select_related("work_package"))
    return {"packages": packages, "deliverables": deliverables, "milestones": milestones}


def timeline_rows(plan: dict[str, Any]) -> list[timeline.Row]:
    rows = []
    for wp in plan["packages"]:
        rows.append(timeline.Row(f"WP{wp.number} {wp.title}", "wp", wp.start_date, wp.end_date))
        rows += [
            timeline.Row(f"T{wp.number}.{t.number} {t.title}", "task", t.start_date, t.end_date) for t in wp.tasks.all()
        ]
    for d in plan["deliverables"]:
        done = d.state == DeliverableState.APPROVED
        rows.append(
            timeline.Row(f"{d.label} {d.title}", "deliverable", d.due_date, d.due_date, late=d.is_late, done=done)
        )
    for m in plan["milestones"]:
        rows.append(timeline.Row(m.title, "milestone", m.due_date, m.due_date, done=m.achieved_on is not None))
    return rows


@login_required
def workplan(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "projects.view_project_full")
    can_manage = request.user.has_perm("projects.manage_workplan", project)
    kind = request.POST.get("kind") if request.method == "POST" else None
    bound: forms.ModelForm | None = None
    if kind is not None:
        if not can_manage or kind not in PLAN_FORMS:
            raise Http404
        bound = PLAN_FORMS[kind](request.POST, project=project)
        if bound.is_valid():
            try:
                services.save_plan_item(
                    project,
                    bound._meta.model,
                    bound.values(),
                    reviewers=list(bound.cleaned_data["reviewers"]) if "reviewers" in bound.cleaned_data else None,
                    actor=request.user,
                )
            except services.ProjectError as exc:
                bound.add_error(None, str(exc))
            else:
                messages.success(request, _("Work plan saved."))
                return redirect("projects:workplan", project.code)
    plan = plan_of(project)
    grant = project.grant
    forms_ = {name: (bound if name == kind else cls(project=project)) for name, cls in PLAN_FORMS.items()}
    return render(
        request,
        "projects/workplan.html",
        {
            "project": project,
            "full": True,
            "can_manage": can_manage,
            "forms": forms_ if can_manage else {},
            "used_packages": {i.work_package_id for i in [*plan["deliverables"], *plan["milestones"]]},
            "chart": timeline.render(
                timeline_rows(plan), start=grant.start_date, end=grant.end_date, today=timezone.localdate()
            ),
            **plan,
        },
    )


@login_required
def timeline_page(request: HttpRequest, code: str) -> HttpResponse:
    """The timeline alone, laid out for paper."""
    project = get_project(request, code, "projects.view_project_full")
    plan = plan_of(project)
    grant = project.grant
    chart = timeline.render(timeline_rows(plan), start=grant.start_date, end=grant.end_date, today=timezone.localdate())
    return render(request, "projects/timeline.html", {"project": project, "chart": chart, **plan})


def _deliverable(request: HttpRequest, code: str, dcode: str) -> tuple[Project, Deliverable]:
    project = get_project(request, code, "projects.view_project_full")
    deliverable = get_for_user_or_404(
        request.user,
        Deliverable.objects.filter(project=project).select_related(
            "owner", "approver", "work_package", "decided_by__person"
        ),
        "projects.view_project_full",
        code=dcode,
    )
    deliverable.project = project
    return project, deliverable


@login_required
def deliverable_page(request: HttpRequest, code: str, dcode: str) -> HttpResponse:
    project, deliverable = _deliverable(request, code, dcode)
    user = request.user
    can_submit = (
        user.has_perm("projects.submit_deliverable", deliverable)
        and deliverable.state in DeliverableState.open_states()
    )
    can_review = (
        user.has_perm("projects.review_deliverable", deliverable) and deliverable.state == DeliverableState.SUBMITTED
    )
    can_edit = user.has_perm("projects.manage_workplan", project)
    action = request.POST.get("action") if request.method == "POST" else None
    allowed = {"submit": can_submit, "review": can_review, "edit": can_edit}
    submit_form = SubmitDeliverableForm(initial={"version": deliverable.version})
    review_form = ReviewDeliverableForm(initial={"version": deliverable.version})
    can_move = user.has_perm("projects.move_due_date", project)
    edit_form = DeliverableForm(
        instance=deliverable, project=project, initial={"version": deliverable.version}, can_move_due_date=can_move
    )
    if action is not None:
        if not allowed.get(action):
            raise Http404
        form: forms.Form
        if action == "submit":
            form = submit_form = SubmitDeliverableForm(request.POST, request.FILES)
            show_upload_refusal(request, form, "document")
        elif action == "review":
            form = review_form = ReviewDeliverableForm(request.POST)
        else:
            form = edit_form = DeliverableForm(
                request.POST, instance=deliverable, project=project, can_move_due_date=can_move
            )
        if form.is_valid():
            try:
                _act(request, project, deliverable, action, form)
            except ConcurrentEditError:
                form.add_error(None, ConcurrentEditError.message)
            except services.ProjectError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Deliverable saved."))
                return redirect("projects:deliverable", project.code, deliverable.code)
    return render(
        request,
        "projects/deliverable.html",
        {
            "project": project,
            "full": True,
            "deliverable": deliverable,
            "reviewers": deliverable.reviewers.all(),
            "submit_form": submit_form if can_submit else None,
            "review_form": review_form if can_review else None,
            "edit_form": edit_form if can_edit else None,
        },
    )


def _act(request: HttpRequest, project: Project, deliverable: Deliverable, action: str, form: forms.Form) -> None:
    data = form.cleaned_data
    if action == "submit":
        services.submit_deliverable(
            deliverable,
            upload=data["document"],
            justification=data["justification"],
            expected_version=data["version"],
            actor=request.user,
        )
    elif action == "review":
        services.review_deliverable(
            deliverable,
            approve=data["decision"] == "approve",
            comment=data["comment"],
            expected_version=data["version"],
            actor=request.user,
        )
    else:
        services.save_plan_item(
            project,
            Deliverable,
            form.values(),  # type: ignore[attr-defined]
            instance=deliverable,
            reviewers=list(data["reviewers"]),
            expected_version=data.get("version") or deliverable.version,
            due_date_reason=data.get("due_date_reason", ""),
            actor=request.user,
        )


@login_required
def deliverable_file(request: HttpRequest, code: str, dcode: str) -> FileResponse:
    _project, deliverable = _deliverable(request, code, dcode)
    return pdf_download(deliverable.file, deliverable.file_name)


@login_required
def milestone_reached(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = get_project(request, code, "projects.manage_workplan")
    if request.method != "POST":
        raise Http404
    milestone = Milestone.objects.filter(project=project, pk=pk).first()
    if milestone is None:
        raise Http404
    form = MilestoneReachedForm(request.POST)
    if form.is_valid():
        services.record_milestone(milestone, achieved_on=form.cleaned_data["achieved_on"], actor=request.user)
        messages.success(request, _("Milestone saved."))
    else:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
    return redirect("projects:workplan", project.code)


DELETABLE: dict[str, type[Any]] = {
    "work_package": WorkPackage,
    "task": Task,
    "deliverable": Deliverable,
    "milestone": Milestone,
}


EDITABLE = ("work_package", "task", "milestone")


def _plan_item(project: Project, kind: str, pk: int) -> Any:
    """The work-plan item ``kind``/``pk`` of ``project``, or 404."""
    if kind not in DELETABLE:
        raise Http404
    model = DELETABLE[kind]
    scope = {"work_package__project": project} if model is Task else {"project": project}
    item = model.objects.filter(pk=pk, **scope).first()
    if item is None:
        raise Http404
    return item


@login_required
def edit_item(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    """Edit a work package, task or milestone (office or lead); a stale form saves nothing.
    Deliverables are edited on their own page."""
    project = get_project(request, code, "projects.manage_workplan")
    if kind not in EDITABLE:
        raise Http404
    item = _plan_item(project, kind, pk)
    form_class = PLAN_FORMS[kind]
    if request.method == "POST":
        form = form_class(request.POST, instance=item, project=project)
        if form.is_valid():
            try:
                services.save_plan_item(
                    project,
                    form_class._meta.model,
                    form.values(),
                    instance=item,
                    expected_version=form.cleaned_data.get("version") or 0,
                    actor=request.user,
                )
            except ConcurrentEditError:
                form.add_error(None, ConcurrentEditError.message)
            except services.ProjectError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Work plan saved."))
                return redirect("projects:workplan", project.code)
    else:
        form = form_class(instance=item, project=project, initial={"version": item.version})
    return render(
        request,
        "projects/workplan_item.html",
        {"project": project, "full": True, "item": item, "kind": kind, "form": form},
    )


@login_required
def delete_item(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    """Delete a work-plan item (POST, office or lead) when nothing recorded hangs from it."""
    project = get_project(request, code, "projects.manage_workplan")
    if request.method != "POST" or kind not in DELETABLE:
        raise Http404
    item = _plan_item(project, kind, pk)
    try:
        services.delete_plan_item(project, item, actor=request.user)
    except services.ProjectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deleted from the work plan."))
    return redirect("projects:workplan", project.code)
