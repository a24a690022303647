"""The project's settings page: summary, theme and public flag; the team with roles and
person-months; the partners shown on the public page. The office changes everything, the lead
the summary and theme; everyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from grappe.projects import services
from grappe.projects.forms import AddMemberForm, MemberForm, PartnersForm, ProjectForm
from grappe.projects.models import Project, ProjectMember
from grappe.projects.views.pages import get_project, run_write


def _write(request: HttpRequest, project: Project, action: str, form: forms.Form) -> bool:
    user = request.user

    def write() -> Any:
        data = form.cleaned_data
        version = data["version"]
        if action == "project":
            return services.update_project(
                project,
                changes=form.changes(),  # type: ignore[attr-defined]
                expected_version=version,
                actor=user,
            )
        if action == "partners":
            return services.set_public_partners(
                project,
                shown_ids=form.shown_ids(),  # type: ignore[attr-defined]
                expected_version=version,
                actor=user,
            )
        if action == "add_member":
            return services.add_member(
                project,
                person=data["email"],
                role=data["role"],
                organisation=data["organisation"],
                person_months=data["person_months"],
                expected_version=version,
                actor=user,
            )
        member = get_object_or_404(ProjectMember, project=project, pk=request.POST.get("member"))
        member.project = project
        if action == "remove_member":
            return services.remove_member(member, expected_version=version, actor=user)
        return services.change_member(
            member,
            role=data["role"],
            organisation=data["organisation"],
            person_months=data["person_months"],
            expected_version=version,
            actor=user,
        )

    return run_write(form, write)


def _bound_form(request: HttpRequest, project: Project, action: str, *, office: bool) -> forms.Form:
    """The posted form of ``action``; 404 for an action the user may not take."""
    if action == "project":
        return ProjectForm(request.POST, instance=project, office=office)
    if not office:
        raise Http404
    if action == "partners":
        return PartnersForm(request.POST, project=project)
    if action == "add_member":
        return AddMemberForm(request.POST, project=project)
    if action not in ("member", "remove_member"):
        raise Http404
    form = MemberForm(request.POST, auto_id=f"id_m{request.POST.get('member')}_%s", project=project)
    if action == "remove_member":
        form.fields["role"].required = form.fields["person_months"].required = False
    return form


@login_required
def project_settings(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "projects.change_project")
    office = request.user.has_perm("projects.manage_team", project)
    action = request.POST.get("action") if request.method == "POST" else None
    bound: dict[str, forms.Form] = {}
    if action is not None:
        form = _bound_form(request, project, action, office=office)
        if _write(request, project, action, form):
            messages.success(request, _("Project saved."))
            return redirect("projects:settings", project.code)
        bound[action if action != "remove_member" else "member"] = form
        if action in ("member", "remove_member"):
            bound["member_pk"] = request.POST.get("member")  # type: ignore[assignment]
    team = list(project.members.select_related("person", "organisation"))
    rows = []
    for m in team:
        if bound.get("member") is not None and str(m.pk) == str(bound.get("member_pk")):
            rows.append((m, bound["member"]))
        else:
            initial = {
                "role": m.role,
                "organisation": m.organisation_id,
                "person_months": m.person_months,
                "version": project.version,
            }
            form_ = MemberForm(initial=initial, project=project, auto_id=f"id_m{m.pk}_%s")
            rows.append((m, form_ if office else None))
    for m, form_ in rows:
        for field in form_.fields.values() if form_ is not None else []:
            field.widget.attrs["form"] = f"member-{m.pk}"  # inputs in the table row, the form in its last cell
    return render(
        request,
        "projects/settings.html",
        {
            "project": project,
            "full": True,
            "office": office,
            "project_form": bound.get("project") or ProjectForm(instance=project, office=office),
            "rows": rows,
            "add_form": (bound.get("add_member") or AddMemberForm(project=project)) if office else None,
            "partners_form": (bound.get("partners") or PartnersForm(project=project)) if office else None,
            "total_pm": sum((m.person_months for m in team), start=0),
        },
    )
