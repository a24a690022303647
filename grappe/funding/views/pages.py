"""Funding pages: opening projects from awards, the budget and the co-funding of a project."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.paginate import paginate
from grappe.funding import charts, queries, services
from grappe.funding.forms import OpenProjectForm
from grappe.projects.services import Opening, ProjectError
from grappe.projects.views.pages import get_project
from grappe.selection.models import Award


@login_required
def awards(request: HttpRequest) -> HttpResponse:
    """Awards waiting for their project (the office opens each in one step)."""
    require_perm_or_404(request.user, "funding.list_awards")
    waiting = (
        Award.objects.filter(project__isnull=True)
        .select_related("proposal", "call", "proposal__lead")
        .order_by("call__closes_at", "proposal__code")
    )
    return render(request, "funding/awards.html", {"page": paginate(request, waiting)})


@login_required
def open_project(request: HttpRequest, code: str) -> HttpResponse:
    award = get_for_user_or_404(
        request.user,
        Award.objects.filter(project__isnull=True).select_related("proposal", "call__programme"),
        "projects.open_project",
        proposal__code=code,
    )
    form = OpenProjectForm(request.POST or None, award=award)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opening = Opening(
                start_date=data["start_date"],
                managing_institution=data["managing_institution"],
                finance_contact=data["finance_contact"],
                public_partner_ids=frozenset(o.pk for o in data["public_partners"]),
                rf_version=data["rf_version"],
                regime=data["regime"],
            )
            project = services.open_project_from_award(award, opening, actor=request.user)
        except ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Project opened: the team, partners, budget and pledges were carried over."))
            return redirect("projects:detail", project.code)
    return render(request, "funding/open.html", {"award": award, "proposal": award.proposal, "form": form})


@login_required
def budget(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "funding.view_budget")
    rules = services.rules_for(project)
    comparison = queries.planned_vs_actual(project, rules, today=timezone.localdate())
    by_category: dict[str, list[Decimal]] = {}
    for row in comparison:
        cell = by_category.setdefault(row.category.label, [Decimal("0"), Decimal("0")])
        cell[0] += row.planned
        cell[1] += row.actual
    chart = charts.planned_actual_bars(
        [(label, p, a) for label, (p, a) in by_category.items()],
        planned_label=_("Planned"),
        actual_label=_("Accepted"),
        title=_("Planned and accepted spending per cost category, all years together"),
    )
    return render(
        request,
        "funding/budget.html",
        {
            "project": project,
            "full": True,
            "planned": queries.planned_by_category_year(project),
            "comparison": comparison,
            "rules": rules,
            "chart": chart,
            "statements": project.statements.select_related("beneficiary").order_by(
                "period_start", "beneficiary__name"
            ),
            "reallocations": project.reallocations.select_related(
                "beneficiary", "from_category", "to_category", "requested_by__person"
            ),
            "can_file": request.user.has_perm("funding.file_statement", project),
        },
    )
