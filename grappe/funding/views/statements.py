"""Expense statements (create, lines, evidence, submit, check) and reallocations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.forms import posted_int
from grappe.core.services import ConcurrentEditError
from grappe.core.uploads import refuse_cut_upload
from grappe.funding import services
from grappe.funding.forms import CheckForm, DecisionForm, EvidenceForm, LinesForm, ReallocationForm, StatementForm
from grappe.funding.models import Evidence, ExpenseStatement, Reallocation, StatementState
from grappe.projects.validators import IMAGE_MAGIC
from grappe.projects.views.pages import get_project, run_write


def _content_type(upload: Any) -> str:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(IMAGE_MAGIC[0]):
        return "image/png"
    if head.startswith(IMAGE_MAGIC[1]):
        return "image/jpeg"
    return "application/pdf"


@login_required
def new_statement(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "funding.file_statement")
    form = StatementForm(request.POST or None, project=project)
    created: list[ExpenseStatement] = []

    def write() -> None:
        data = form.cleaned_data
        created.append(
            services.create_statement(
                project,
                beneficiary=data["beneficiary"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                actor=request.user,
            )
        )

    if request.method == "POST" and run_write(form, write):
        return redirect("funding:statement", project.code, created[0].code)
    return render(request, "funding/statement_new.html", {"project": project, "full": True, "form": form})


def _statement(request: HttpRequest, code: str, scode: str) -> tuple[Any, ExpenseStatement]:
    project = get_project(request, code, "funding.view_budget")
    statement = get_object_or_404(
        ExpenseStatement.objects.select_related("beneficiary", "submitted_by__person", "checked_by__person"),
        project=project,
        code=scode,
    )
    statement.project = project
    return project, statement


@login_required
def statement_page(request: HttpRequest, code: str, scode: str) -> HttpResponse:
    project, statement = _statement(request, code, scode)
    user = request.user
    editable = statement.state in StatementState.editable() and user.has_perm("funding.file_statement", project)
    deletable = editable and services.never_submitted(statement)
    checkable = statement.state == StatementState.SUBMITTED and user.has_perm("funding.check_statement", project)
    categories = list(project.call.programme.cost_categories.all())
    lines_form = LinesForm(statement=statement, categories=categories)
    evidence_form, check_form = EvidenceForm(), CheckForm(initial={"version": statement.version})
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None:
        if not (
            {"lines": editable, "evidence": editable, "submit": editable, "check": checkable, "delete": deletable}
        ).get(action):
            raise Http404
        saved = False
        if action == "lines":
            lines_form = LinesForm(request.POST, statement=statement, categories=categories)
            saved = run_write(
                lines_form,
                lambda: services.save_lines(
                    statement, lines_form.lines(), expected_version=lines_form.cleaned_data["version"], actor=user
                ),
            )
        elif action == "evidence":
            evidence_form = EvidenceForm(request.POST, request.FILES)
            # Cut while it arrived (too large): its size and the limit, not "this field is required".
            saved = not refuse_cut_upload(request, evidence_form, "file") and run_write(
                evidence_form,
                lambda: services.add_evidence(
                    statement,
                    upload=evidence_form.cleaned_data["file"],
                    content_type=_content_type(evidence_form.cleaned_data["file"]),
                    actor=user,
                ),
            )
        elif action in ("submit", "delete"):
            try:
                version = posted_int(request.POST.get("version"))
                if action == "delete":
                    services.delete_statement(statement, expected_version=version, actor=user)
                    messages.success(request, _("The draft statement is deleted."))
                    return redirect("funding:budget", project.code)
                services.submit_statement(statement, expected_version=version, actor=user)
            except ConcurrentEditError:
                messages.error(request, str(ConcurrentEditError.message))
            except services.FundingError as exc:
                messages.error(request, str(exc))
            else:
                saved = True
        else:
            check_form = CheckForm(request.POST)
            saved = run_write(
                check_form,
                lambda: services.check_statement(
                    statement,
                    accept=check_form.cleaned_data["decision"] == "accept",
                    comment=check_form.cleaned_data["comment"],
                    expected_version=check_form.cleaned_data["version"],
                    actor=user,
                ),
            )
        if saved:
            accepted = action == "check" and check_form.cleaned_data["decision"] == "accept"
            done = {
                "submit": _("Statement submitted: the office will check it."),
                "evidence": _("Evidence added."),
                "check": _("Statement accepted.") if accepted else _("Statement returned with your comment."),
            }
            messages.success(request, done.get(action) or _("Statement saved."))
            return redirect("funding:statement", project.code, statement.code)
    return render(
        request,
        "funding/statement.html",
        {
            "project": project,
            "full": True,
            "statement": statement,
            "lines": statement.lines.select_related("category"),
            "evidence": statement.evidence.all(),
            "lines_form": lines_form if editable else None,
            "evidence_form": evidence_form if editable else None,
            "check_form": check_form if checkable else None,
            "can_submit": editable,
            "can_delete": deletable,
        },
    )


@login_required
def evidence_file(request: HttpRequest, code: str, scode: str, pk: int) -> FileResponse:
    _project, statement = _statement(request, code, scode)
    evidence = get_object_or_404(Evidence, pk=pk, statement=statement)
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.file_name, content_type=evidence.content_type
    )


@login_required
def reallocate(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "funding.request_reallocation")
    form = ReallocationForm(request.POST or None, project=project)

    def write() -> None:
        data = form.cleaned_data
        realloc = services.request_reallocation(
            project,
            beneficiary=data["beneficiary"],
            year=data["year"],
            from_category=data["from_category"],
            to_category=data["to_category"],
            amount=data["amount"],
            reason=data["reason"],
            actor=request.user,
        )
        messages.success(
            request,
            _("Reallocation applied.")
            if realloc.state == "applied"
            else _("Reallocation requested: the office will decide."),
        )

    if request.method == "POST" and run_write(form, write):
        return redirect("funding:budget", project.code)
    return render(request, "funding/reallocate.html", {"project": project, "full": True, "form": form})


@login_required
@require_POST
def decide_reallocation(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = get_project(request, code, "funding.decide_reallocation")
    realloc = get_object_or_404(Reallocation, project=project, pk=pk)
    form = DecisionForm(request.POST)
    if not run_write(
        form,
        lambda: services.decide_reallocation(
            realloc,
            approve=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["comment"],
            actor=request.user,
        ),
    ):
        for error in form.non_field_errors() or [_("Choose a decision.")]:
            messages.error(request, error)
    return redirect("funding:budget", project.code)
