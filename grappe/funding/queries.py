"""Reusable reads about a project's money: budget tables, pledges a user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from grappe.core.models import AuditLog
from grappe.funding.models import (
    Contribution,
    ContributionState,
    ExpenseLine,
    ExpenseStatement,
    Instalment,
    PlannedBudget,
    Pledge,
    StatementState,
)
from grappe.people.models import OrganisationKind
from grappe.programmes.models import CostCategory
from grappe.projects.models import Project
from grappe.projects.queries import partner_orgs_of_user
from grappe.submissions.models import ContributionKind

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
    """The planned budget per cost category and year, with a column for every year of the grant
    as it stands (an amendment that extends the project adds its years, empty until planned)."""
    cells: dict[tuple[Any, Any], Decimal] = defaultdict(lambda: ZERO)
    categories: dict[int, Any] = {}
    grant = getattr(project, "grant", None)
    years: set[int] = set(range(grant.start_date.year, grant.end_date.year + 1)) if grant else set()
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


# --- Co-funding and leverage --------------------------------------------------------------------


@dataclass
class CoFundingRow:
    organisation: Any
    year: int
    kind: str
    pledged: Decimal = ZERO
    realised: Decimal = ZERO  # confirmed by the office
    declared: Decimal = ZERO  # waiting for the office's confirmation

    @property
    def below(self) -> bool:
        return self.realised < self.pledged

    @property
    def above(self) -> bool:
        """More realised (or declared) than pledged: worth a look before confirming."""
        return self.realised + self.declared > self.pledged


def cofunding_rows(project: Project, organisation_ids: set[int] | None) -> list[CoFundingRow]:
    """Pledged against realised (confirmed by the office) per partner × year × kind, with what is
    declared and waits for the office (``organisation_ids``: only those; None: all)."""
    rows: dict[tuple[int, int, str], CoFundingRow] = {}
    pledges = Pledge.objects.filter(project=project).select_related("organisation")
    contributions = (
        Contribution.objects.filter(project=project)
        .exclude(state=ContributionState.REJECTED)
        .select_related("organisation")
    )
    if organisation_ids is not None:
        pledges = pledges.filter(organisation_id__in=organisation_ids)
        contributions = contributions.filter(organisation_id__in=organisation_ids)
    for p in pledges:
        rows.setdefault(
            (p.organisation_id, p.year, p.kind), CoFundingRow(p.organisation, p.year, p.kind)
        ).pledged += p.amount
    for c in contributions:
        row = rows.setdefault((c.organisation_id, c.year, c.kind), CoFundingRow(c.organisation, c.year, c.kind))
        if c.state == ContributionState.CONFIRMED:
            row.realised += c.amount
        else:
            row.declared += c.amount
    return sorted(rows.values(), key=lambda r: (r.organisation.name, r.year, r.kind))


@dataclass
class Leverage:
    """Partner money per euro of cluster money (DOMAIN.md R6.8), pledged and realised, cash and
    in kind apart and together. ``cluster``: the grant's maximum (a project) or what the awards
    committed (a call, the programme). The ``company_*`` sums are the part of the partner money
    given by companies (large companies, SMEs, start-ups: ``OrganisationKind.companies()``), for
    the industry share (``industry_table``)."""

    cluster: Decimal
    pledged_cash: Decimal = ZERO
    pledged_in_kind: Decimal = ZERO
    realised_cash: Decimal = ZERO
    realised_in_kind: Decimal = ZERO
    company_pledged_cash: Decimal = ZERO
    company_pledged_in_kind: Decimal = ZERO
    company_realised_cash: Decimal = ZERO
    company_realised_in_kind: Decimal = ZERO

    @staticmethod
    def _ratio(value: Decimal, base: Decimal) -> Decimal | None:
        return (value / base).quantize(Decimal("0.01")) if base else None

    @staticmethod
    def _percent(value: Decimal, base: Decimal) -> Decimal | None:
        return (value / base * 100).quantize(Decimal("0.1")) if base else None

    @property
    def pledged(self) -> Decimal:
        return self.pledged_cash + self.pledged_in_kind

    @property
    def realised(self) -> Decimal:
        return self.realised_cash + self.realised_in_kind

    @property
    def pledged_ratio(self) -> Decimal | None:
        return self._ratio(self.pledged, self.cluster)

    @property
    def realised_ratio(self) -> Decimal | None:
        return self._ratio(self.realised, self.cluster)

    @property
    def cash_ratio(self) -> Decimal | None:
        return self._ratio(self.realised_cash, self.cluster)

    def table(self) -> list[tuple[str, list[tuple[Decimal, Decimal | None]]]]:
        """Rows pledged / realised; columns cash, in kind, together: (amount, ratio) each."""
        rows = []
        for label, cash, in_kind in (
            (_("Pledged"), self.pledged_cash, self.pledged_in_kind),
            (_("Realised"), self.realised_cash, self.realised_in_kind),
        ):
            rows.append((label, [(v, self._ratio(v, self.cluster)) for v in (cash, in_kind, cash + in_kind)]))
        return rows

    def industry_table(self) -> list[tuple[str, list[tuple[Decimal, Decimal | None]]]]:
        """The industry share (DOMAIN.md R6.8): companies' money / total project cost, where the
        total cost is the cluster money plus every partner's money (pledged, or realised).
        Rows pledged / realised; columns cash, in kind, together: (amount, percentage) each."""
        rows = []
        for label, cash, in_kind, partners in (
            (_("Pledged"), self.company_pledged_cash, self.company_pledged_in_kind, self.pledged),
            (_("Realised"), self.company_realised_cash, self.company_realised_in_kind, self.realised),
        ):
            total_cost = self.cluster + partners
            rows.append((label, [(v, self._percent(v, total_cost)) for v in (cash, in_kind, cash + in_kind)]))
        return rows


def _by_kind(queryset: QuerySet[Any]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Cash, in kind, companies' cash, companies' in kind: one aggregate query."""
    cash, company = Q(kind=ContributionKind.CASH), Q(organisation__kind__in=OrganisationKind.companies())
    sums = queryset.aggregate(
        cash=Sum("amount", filter=cash),
        in_kind=Sum("amount", filter=~cash),
        company_cash=Sum("amount", filter=cash & company),
        company_in_kind=Sum("amount", filter=~cash & company),
    )
    return sums["cash"] or ZERO, sums["in_kind"] or ZERO, sums["company_cash"] or ZERO, sums["company_in_kind"] or ZERO


def leverage_of(project: Project) -> Leverage:
    p_cash, p_kind, cp_cash, cp_kind = _by_kind(Pledge.objects.filter(project=project))
    r_cash, r_kind, cr_cash, cr_kind = _by_kind(Contribution.objects.counted().filter(project=project))
    return Leverage(project.grant.max_amount, p_cash, p_kind, r_cash, r_kind, cp_cash, cp_kind, cr_cash, cr_kind)


# --- The programme's ledger ---------------------------------------------------------------------


def _sum_by_call(queryset: QuerySet[Any], call_path: str, field: str = "amount") -> Subquery:
    return Subquery(
        # order_by(): a model's default ordering would split the GROUP BY (one row per ordering value).
        queryset.filter(**{call_path: OuterRef("pk")})
        .order_by()
        .values(call_path)
        .annotate(t=Sum(field))
        .values("t")[:1],
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def _money(sub: Subquery) -> Coalesce:
    return Coalesce(sub, Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


COMPANY_KEYS = ("company_pledged", "company_pledged_cash", "company_realised", "company_realised_cash")


def _company_sums() -> dict[str, Coalesce]:
    """Per call, the co-funding given by companies (for the industry share): four subqueries."""
    company = Q(organisation__kind__in=OrganisationKind.companies())
    cash = Q(kind=ContributionKind.CASH)
    out = {}
    for name, model, extra in (
        ("company_pledged", Pledge, Q()),
        ("company_pledged_cash", Pledge, cash),
        ("company_realised", Contribution, Q(state=ContributionState.CONFIRMED)),
        ("company_realised_cash", Contribution, cash & Q(state=ContributionState.CONFIRMED)),
    ):
        out[name] = _money(_sum_by_call(model.objects.filter(company & extra), "project__call_id"))
    return out


def ledger_calls(programme: Any) -> QuerySet[Any]:
    """The programme's calls with reserved (budget), committed (awards), paid (instalments), spent
    (accepted statements), pledged and realised co-funding: one query, whatever the number of projects."""
    from grappe.calls.models import Call
    from grappe.selection.models import Award

    return (
        Call.objects.filter(programme=programme)
        .annotate(
            committed=_money(_sum_by_call(Award.objects.all(), "call_id")),
            paid=_money(_sum_by_call(Instalment.objects.exclude(paid_on=None), "project__call_id")),
            spent=_money(
                _sum_by_call(
                    ExpenseStatement.objects.filter(state=StatementState.ACCEPTED), "project__call_id", "total"
                )
            ),
            pledged=_money(_sum_by_call(Pledge.objects.all(), "project__call_id")),
            pledged_cash=_money(_sum_by_call(Pledge.objects.filter(kind=ContributionKind.CASH), "project__call_id")),
            realised=_money(_sum_by_call(Contribution.objects.counted(), "project__call_id")),
            realised_cash=_money(
                _sum_by_call(Contribution.objects.counted().filter(kind=ContributionKind.CASH), "project__call_id")
            ),
            **_company_sums(),
            project_count=Coalesce(
                Subquery(
                    Project.objects.filter(call_id=OuterRef("pk"))
                    .values("call_id")
                    .annotate(n=Count("id"))
                    .values("n")[:1]
                ),
                Value(0),
            ),
        )
        .order_by("opens_at", "code")
    )


def ledger_totals(calls: list[Any], programme: Any) -> dict[str, Any]:
    """The programme's totals; each call (and the programme) also gets its ``leverage``: pledged
    and realised co-funding per euro committed by the awards, cash and in kind apart and together,
    with the companies' part for the industry share."""
    keys = ("committed", "paid", "spent", "pledged", "pledged_cash", "realised", "realised_cash", *COMPANY_KEYS)
    totals: dict[str, Any] = {k: sum((getattr(c, k) for c in calls), ZERO) for k in keys}
    totals["reserved"] = sum((c.budget for c in calls), ZERO)
    totals["projects"] = sum(c.project_count for c in calls)
    totals["envelope"] = programme.total_amount
    totals["left"] = programme.total_amount - totals["committed"]
    for values in [*(vars(c) for c in calls), totals]:
        values["leverage"] = Leverage(
            values["committed"],
            values["pledged_cash"],
            values["pledged"] - values["pledged_cash"],
            values["realised_cash"],
            values["realised"] - values["realised_cash"],
            values["company_pledged_cash"],
            values["company_pledged"] - values["company_pledged_cash"],
            values["company_realised_cash"],
            values["company_realised"] - values["company_realised_cash"],
        )
    return totals


@dataclass
class SettingsChange:
    """One save of a programme's project settings: when, by whom, which part, what changed."""

    timestamp: Any
    actor: str
    part: str
    changes: list[tuple[str, str, str]]


SETTINGS_ACTIONS = {
    "programme.reminderrules_saved": "reminders",
    "programme.fundingrules_saved": "funding",
    "programme.reporttemplate_saved": "template",
}


def settings_history(programme: Any, *, limit: int = 50) -> list[SettingsChange]:
    """The last saves of ``programme``'s project settings, newest first, read from the audit log
    (one query): each with the fields whose value changed, before → after."""
    entries = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(programme, for_concrete_model=True),
        object_id=str(programme.pk),
        action__in=SETTINGS_ACTIONS,
    ).order_by("-timestamp", "-id")[:limit]
    history = []
    for entry in entries:
        before = entry.data.get("before") or {}
        after = entry.data.get("after") or {}
        changes = [(name, before.get(name, ""), new) for name, new in after.items() if before.get(name) != new]
        history.append(SettingsChange(entry.timestamp, entry.actor_repr, SETTINGS_ACTIONS[entry.action], changes))
    return history
