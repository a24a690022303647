"""Reusable reads about a project's money: budget tables, pledges a user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from grappe.funding.models import ExpenseLine, PlannedBudget, Pledge, StatementState
from grappe.programmes.models import CostCategory
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


@dataclass
class Comparison:
    """Planned against accepted spending for one cost category and year, flagged by the tolerances."""

    category: Any
    year: int
    planned: Decimal
    actual: Decimal
    flag: str  # "", "over" or "under"

    @property
    def ratio(self) -> Decimal | None:
        return (self.actual / self.planned * 100).quantize(Decimal("1")) if self.planned else None


def actual_cells(project: Project) -> dict[tuple[int, int], Decimal]:
    """Accepted spending per (category id, year): one aggregate query."""
    cells: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    rows = ExpenseLine.objects.filter(statement__project=project, statement__state=StatementState.ACCEPTED).values_list(
        "category_id", "statement__period_end", "amount"
    )
    for category_id, end, amount in rows:
        cells[(category_id, end.year)] += amount
    return cells


def planned_vs_actual(project: Project, rules: dict[str, Decimal], *, today: Any) -> list[Comparison]:
    """Every category × year with planned or accepted money. Over-spend is flagged as soon as it
    passes the tolerance; under-spend only for years that are over."""
    planned: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    categories: dict[int, Any] = {}
    for line in PlannedBudget.objects.filter(project=project).select_related("category"):
        planned[(line.category_id, line.year)] += line.amount
        categories[line.category_id] = line.category
    actual = actual_cells(project)
    missing = {c for c, _y in actual} - set(categories)
    categories |= {c.pk: c for c in CostCategory.objects.filter(pk__in=missing)}
    out = []
    for key in sorted(set(planned) | set(actual), key=lambda k: (k[1], categories[k[0]].position)):
        p, a = planned.get(key, ZERO), actual.get(key, ZERO)
        flag = ""
        if a > p * (1 + rules["overspend_tolerance"]):
            flag = "over"
        elif key[1] < today.year and a < p * (1 - rules["underspend_tolerance"]):
            flag = "under"
        out.append(Comparison(categories[key[0]], key[1], p, a, flag))
    return out
