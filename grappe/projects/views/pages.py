"""Project pages: the public list and page, the internal list and page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from grappe.core.access import get_for_user_or_404
from grappe.core.forms import typed_values
from grappe.core.paginate import paginate
from grappe.core.services import ConcurrentEditError
from grappe.core.uploads import refuse_cut_upload
from grappe.programmes.models import Programme
from grappe.projects import queries, services
from grappe.projects.forms import AmendmentForm, DocumentForm, GrantForm, SignForm
from grappe.projects.models import Grant, GrantDocument, Project, ProjectRole

LIST_RELATED = ("call", "lead", "grant__managing_institution")


def public_list(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.filter(is_public=True).select_related(*LIST_RELATED).order_by("title", "code")
    return render(request, "projects/public_list.html", {"page": paginate(request, projects)})


def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = get_for_user_or_404(
        request.user, Project.objects.select_related(*LIST_RELATED), "projects.view_public_project", code=code
    )
    team = project.members.exclude(role=ProjectRole.FINANCE).select_related("person", "organisation")
    partners = project.partners.filter(shown_publicly=True).select_related("organisation")
    return render(request, "projects/public_detail.html", {"project": project, "team": team, "partners": partners})


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = queries.projects_visible_to(request.user).select_related(*LIST_RELATED).order_by("-created_at", "code")
    ledgers = Programme.objects.order_by("-start_year") if request.user.has_perm("funding.view_ledger") else []
    return render(request, "projects/list.html", {"page": paginate(request, projects), "programmes": ledgers})


def run_write(form: forms.Form, write: Any) -> bool:
    """Call ``write()`` when ``form`` is valid; a refusal (stale version, a rule of the
    services) becomes a form error and nothing is saved. True when saved."""
    if not form.is_valid():
        return False
    try:
        write()
    except ConcurrentEditError:
        form.add_error(None, ConcurrentEditError.in_form_message)  # what was typed stays in the form
    except services.ProjectError as exc:
        form.add_error(None, str(exc))
    else:
        return True
    return False


def get_project(request: HttpRequest, code: str, perm: str) -> Project:
    """Fetch a project and check ``perm`` on it; 404 for whoever may not know it exists."""
    queryset = Project.objects.select_related("call__programme", "lead", "grant__managing_institution", "award")
    return get_for_user_or_404(request.user, queryset, perm, code=code)


@login_required
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "projects.view_project")
    full = request.user.has_perm("projects.view_project_full", project)
    team = project.members.select_related("person", "organisation") if full else []
    partners = project.partners.select_related("organisation")
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "grant": project.grant,
            "team": team,
            "partners": partners,
            "full": full,
            "can_export": request.user.has_perm("funding.export_dossier", project),
        },
    )


GRANT_FORMS = {"update": GrantForm, "amend": AmendmentForm, "sign": SignForm, "document": DocumentForm}


def _grant_forms(grant: Grant, action: str | None, bound: forms.Form | None) -> dict[str, forms.Form]:
    out: dict[str, forms.Form] = {}
    for name, form_class in GRANT_FORMS.items():
        if name == action and bound is not None:
            out[name] = bound
        elif form_class is DocumentForm:
            out[name] = DocumentForm()
        elif form_class is SignForm:
            out[name] = SignForm(initial={"version": grant.version}, grant=grant)
        else:
            out[name] = form_class(grant=grant)
    return out


def _save_grant(request: HttpRequest, grant: Grant, action: str, form: forms.Form) -> None:
    data = form.cleaned_data
    if action == "update":
        services.update_grant(grant, changes=form.changes(), expected_version=data["version"], actor=request.user)
    elif action == "sign":
        services.sign_grant(
            grant,
            signed_on=data["signed_on"],
            document=data["document"],
            expected_version=data["version"],
            actor=request.user,
        )
    elif action == "amend":
        services.amend_grant(
            grant,
            changes=form.changes(),
            reason=data["reason"],
            signed_on=data["signed_on"],
            document=data["document"],
            expected_version=data["version"],
            actor=request.user,
        )
    else:
        services.add_grant_document(grant, title=data["title"], upload=data["document"], actor=request.user)


@login_required
def grant_page(request: HttpRequest, code: str) -> HttpResponse:
    """The grant record: current values, signed documents, amendments (history); the office edits."""
    project = get_project(request, code, "projects.view_project_full")
    grant = project.grant
    can_change = request.user.has_perm("projects.change_grant", project)
    action = request.POST.get("action") if request.method == "POST" else None
    bound = None
    conflict: dict[str, Any] = {}
    if action is not None:
        if not can_change or action not in GRANT_FORMS:
            raise Http404
        form_class = GRANT_FORMS[action]
        kwargs: dict[str, Any] = {"grant": grant} if form_class in (GrantForm, AmendmentForm, SignForm) else {}
        bound = form_class(request.POST, request.FILES, **kwargs)
        # A signed document cut while it arrived (too large): its size and the limit; nothing saved.
        field = "document" if "document" in bound.fields else None
        if not refuse_cut_upload(request, bound, field) and bound.is_valid():
            try:
                _save_grant(request, grant, action, bound)
            except ConcurrentEditError:
                # Nothing overwritten: the form shows the grant as saved now, what was typed below it.
                conflict = {"action": action, "message": ConcurrentEditError.kept_message, "kept": typed_values(bound)}
                bound = None
            except services.ProjectError as exc:
                bound.add_error(None, str(exc))
            else:
                messages.success(request, _("Grant record saved."))
                return redirect("projects:grant", project.code)
    return render(
        request,
        "projects/grant.html",
        {
            "project": project,
            "grant": grant,
            "full": True,
            "can_change": can_change,
            "forms": _grant_forms(grant, action, bound),
            "conflict": conflict,
            "documents": grant.documents.select_related("uploaded_by__person"),
            "amendments": [
                (a, a.readable_changes()) for a in grant.amendments.select_related("document", "created_by__person")
            ],
        },
        status=409 if conflict else 200,
    )


@login_required
def grant_document(request: HttpRequest, code: str, pk: int) -> FileResponse:
    project = get_project(request, code, "projects.view_project_full")
    document = get_object_or_404(GrantDocument, pk=pk, grant__project=project)
    return pdf_download(document.file, document.file_name)


def pdf_download(file: Any, name: str) -> FileResponse:
    """A stored private PDF, sent as an attachment (after the caller authorised the request)."""
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf")
