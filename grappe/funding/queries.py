"""Reusable reads about a project's money: budget tables, pledges a user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from grappe.funding.models import PlannedBudget, Pledge
from grappe.projects.models import Project
from grappe.projects.queries import partner_orgs_of_user

ZERO = Decimal("0")


@dataclass
class Table:
    """A money table: rows × columns with totals (cells are Decimal)."""

    columns: list[Any]
    rows: list[tuple[Any, list[Decimal], Decimal]] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=list)
    total: Decimal = ZERO


def table(cells: dict[tuple[Any, Any], Decimal], rows: list[Any], columns: list[Any]) -> Table:
    out = Table(columns=columns)
    out.totals = [ZERO for _ in columns]
    for row in rows:
        values = [cells.get((row, col), ZERO) for col in columns]
        out.rows.append((row, values, sum(values, ZERO)))
        out.totals = [a + b for a, b in zip(out.totals, values, strict=True)]
    out.total = sum(out.totals, ZERO)
    return out


def planned_by_category_year(project: Project) -> Table:
    cells: dict[tuple[Any, Any], Decimal] = defaultdict(lambda: ZERO)
    categories: dict[int, Any] = {}
    years: set[int] = set()
    for line in PlannedBudget.objects.filter(project=project).select_related("category"):
        categories[line.category_id] = line.category
        years.add(line.year)
        cells[(line.category, line.year)] += line.amount
    ordered = sorted(categories.values(), key=lambda c: (c.position, c.code))
    return table(cells, ordered, sorted(years))


def pledges_visible_to(user: Any, project: Project) -> QuerySet[Pledge]:
    """Every pledge for insiders; a partner contact only their organisation's."""
    pledges = Pledge.objects.filter(project=project).select_related("organisation")
    if user.has_perm("projects.view_project_full", project):
        return pledges
    return pledges.filter(organisation_id__in=partner_orgs_of_user(user, project))
