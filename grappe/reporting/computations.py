"""The registry of named computations: each returns the records it counts (a queryset, the
drill-down) and the figure drawn from them, for a calendar year or cumulated up to its end, and
"as of" any past instant (records not yet known then are left out).

A computation reads other apps' records only; nothing here writes. Where a model keeps no history
of a state (a proposal withdrawn, an enrolment's outcome, a partner's membership dates), "as of"
uses the record's creation or event timestamp and today's state: docs/reporting.md lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from grappe.funding.models import Contribution, ExpenseStatement, Instalment, StatementState
from grappe.partners.models import PartnerProfile
from grappe.people.models import Person
from grappe.people.rules import is_office
from grappe.projects.models import Output, OutputKind, Project, ReportState
from grappe.review.models import Review, ReviewState
from grappe.selection.models import Award
from grappe.submissions.models import ContributionKind, Proposal, ProposalState
from grappe.submissions.rules import is_board_reader
from grappe.training.models import Enrolment, FundedKind, FundedTrainee
from grappe.training.models import Outcome as TrainingOutcome

ZERO = Decimal("0")


@dataclass(frozen=True)
class Window:
    """What a figure covers: the days ``start``..``end`` (``start`` None: since the beginning) and
    the records known at ``as_of``."""

    start: dt.date | None
    end: dt.date
    as_of: dt.datetime

    @property
    def last_day(self) -> dt.date:
        """The last day that counts: the period's end, or the "as of" day if earlier."""
        return min(self.end, as_of_day(self.as_of))

    def start_instant(self) -> dt.datetime | None:
        if self.start is None:
            return None
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    def end_instant(self) -> dt.datetime:
        """The end of the last day, or ``as_of`` if earlier."""
        end = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        return min(end, self.as_of)


def as_of_day(as_of: dt.datetime) -> dt.date:
    """The day an "as of" instant stands for. The instant is exclusive (records known *before* it):
    "as of 15 February" is midnight at the start of the 16th in Europe/Paris, whose own local date
    is the 16th; the day it stands for is the one that ends there."""
    return timezone.localdate(as_of - dt.timedelta(microseconds=1))


def window(year: int, *, cumulative: bool = False, as_of: dt.datetime | None = None) -> Window:
    """Calendar ``year`` (Europe/Paris), or everything up to its end when ``cumulative``."""
    return Window(None if cumulative else dt.date(year, 1, 1), dt.date(year, 12, 31), as_of or timezone.now())


FILTERS = ("call", "institution", "partner")


@dataclass(frozen=True)
class Scope:
    """Whose figures: a programme, optionally narrowed to a call, an institution (the lead's
    organisation; a training's institution) or a partner organisation."""

    programme: Any
    call: Any = None
    institution: Any = None
    partner: Any = None

    def filters(self) -> list[str]:
        """The filters set: a call, an institution, a partner."""
        return [name for name in FILTERS if getattr(self, name) is not None]


@dataclass(frozen=True)
class Column:
    label: Promise | str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Computation:
    name: str
    label: Promise
    unit: str
    source: Promise
    build: Callable[[Scope, Window], QuerySet[Any]]
    columns: tuple[Column, ...]
    link: Callable[[Any], str] | None = None
    amount: str | None = None  # a field summed for the figure; None: the records are counted
    ratio: Callable[[Scope, Window], Decimal] | None = None  # the denominator of a ratio
    related: tuple[str, ...] = field(default_factory=tuple)  # select_related of the drill-down
    # A cheaper query giving the same number as counting ``build``'s records (tested to agree).
    counter: Callable[[Scope, Window], int] | None = None
    # One query giving the figures of this computation and its siblings (name: figure), used by
    # the dashboard to draw a family of figures at once (tested to agree with ``figure``).
    family: Callable[[Scope, Window], dict[str, Decimal]] | None = None
    # Whether a reader of the dashboard (office, board) may open a record's page, where that
    # depends on the record: the board reads a proposal once its call is closed, not before. The
    # drill-down links only what the reader may open. None: every record's page is open to them.
    opens: Callable[[Any, Any], bool] | None = None
    # The dashboard's filters this figure follows (a call, an institution, a partner); a filter it
    # does not follow leaves it programme-wide, and the dashboard says so.
    filters: frozenset[str] = frozenset(FILTERS)

    def follows(self, scope: Scope) -> bool:
        """Whether every filter of ``scope`` narrows this figure."""
        return all(name in self.filters for name in scope.filters())

    def records(self, scope: Scope, win: Window) -> QuerySet[Any]:
        return self.build(scope, win)

    def value_of(self, records: QuerySet[Any], scope: Scope, win: Window) -> Decimal:
        if self.amount:
            value = records.order_by().aggregate(t=Sum(self.amount))["t"] or ZERO
        else:
            value = Decimal(records.order_by().count())
        if self.ratio is not None:
            base = self.ratio(scope, win)
            return (value / base).quantize(Decimal("0.01")) if base else ZERO
        return value

    def figure(self, scope: Scope, win: Window) -> tuple[Decimal, QuerySet[Any]]:
        records = self.records(scope, win)
        if self.counter is not None:
            return Decimal(self.counter(scope, win)), records
        return self.value_of(records, scope, win), records


REGISTRY: dict[str, Computation] = {}


def register(computation: Computation) -> Computation:
    REGISTRY[computation.name] = computation
    return computation


def get(name: str) -> Computation | None:
    return REGISTRY.get(name)


def named(name: str) -> Computation:
    """A computation the code names itself (a KeyError is a bug, not a user's input)."""
    return REGISTRY[name]


def choices() -> list[tuple[str, Any]]:
    return [(c.name, c.label) for c in REGISTRY.values()]


# --- filters shared by the computations --------------------------------------------------------


def _between(path: str, win: Window, *, instant: bool) -> Q:
    """``path`` within the window: a datetime field up to ``as_of``, a date field up to the last day."""
    if instant:
        q = Q(**{f"{path}__lt": win.end_instant()})
        start = win.start_instant()
    else:
        q = Q(**{f"{path}__lte": win.last_day})
        start = win.start  # type: ignore[assignment]
    if start is not None:
        q &= Q(**{f"{path}__gte": start})
    return q


def _scoped(queryset: QuerySet[Any], scope: Scope, proposal: str) -> QuerySet[Any]:
    """Narrow ``queryset`` whose records lead to a proposal by ``proposal`` (a path, "" for one)."""
    prefix = f"{proposal}__" if proposal else ""
    queryset = queryset.filter(**{f"{prefix}call__programme": scope.programme})
    if scope.call is not None:
        queryset = queryset.filter(**{f"{prefix}call": scope.call})
    if scope.institution is not None:
        queryset = queryset.filter(**{f"{prefix}lead_organisation": scope.institution})
    if scope.partner is not None:
        pk = f"{prefix}pk" if prefix else "pk"
        partnered = Proposal.objects.filter(partners__organisation=scope.partner).values("pk")
        queryset = queryset.filter(**{f"{pk}__in": partnered})
    return queryset


# --- calls and proposals ----------------------------------------------------------------------


def _submitted(scope: Scope, win: Window) -> QuerySet[Any]:
    # Withdrawn proposals and drafts never count; a proposal withdrawn after ``as_of`` is left out
    # too (the model keeps no date of withdrawal: docs/reporting.md).
    return _scoped(Proposal.objects.filter(state=ProposalState.SUBMITTED), scope, "").filter(
        _between("submitted_at", win, instant=True)
    )


ELIGIBLE = Q(eligibility_override=True) | Q(eligibility_override__isnull=True, eligible=True)


def review_done(win: Window, proposal: str = "pk") -> Exists:
    """The proposal (``proposal``: the outer query's path to it) has a review submitted before ``as_of``."""
    return Exists(
        Review.objects.filter(
            assignment__proposal=OuterRef(proposal), state=ReviewState.SUBMITTED, submitted_at__lt=win.as_of
        )
    )


def _eligible(scope: Scope, win: Window) -> QuerySet[Any]:
    return _submitted(scope, win).filter(ELIGIBLE)


def _reviewed(scope: Scope, win: Window) -> QuerySet[Any]:
    # A stage of the funnel: the eligible proposals that were reviewed (a review of a proposal
    # found ineligible does not make it "reviewed" here).
    return _eligible(scope, win).filter(review_done(win))


def _proposal_family(scope: Scope, win: Window) -> dict[str, Decimal]:
    """Submitted, eligible and reviewed (among the eligible) in one query over the submitted proposals."""
    counts = (
        _submitted(scope, win)
        .annotate(reviewed_=review_done(win))
        .order_by()
        .aggregate(  # keys apart from the fields: "eligible" is one, which ELIGIBLE reads
            n_submitted=Count("pk"),
            n_eligible=Count("pk", filter=ELIGIBLE),
            n_reviewed=Count("pk", filter=ELIGIBLE & Q(reviewed_=True)),
        )
    )
    return {f"proposals_{key[2:]}": Decimal(value) for key, value in counts.items()}


def _funded(scope: Scope, win: Window) -> QuerySet[Any]:
    # Dated by the commitment's business date (the decision's day), known once recorded: never by
    # the time the row was written. An award released when the team declines is deleted and its
    # replacement created: the proposal promoted from the reserve list counts, the one that
    # declined does not.
    return _scoped(Award.objects.all(), scope, "proposal").filter(
        _between("committed_on", win, instant=False), created_at__lt=win.as_of
    )


def _proposal_columns() -> tuple[Column, ...]:
    return (
        Column(_("Code"), lambda p: p.code),
        Column(_("Title"), str),
        Column(_("Call"), lambda p: p.call.title),
        Column(_("Lead organisation"), lambda p: p.lead_organisation or ""),
    )


def _readable(user: Any, proposal: Any) -> bool:
    """The office reads every proposal; the board a submitted one once its call is closed (the
    rule of ``submissions.view_proposal`` for them, without its per-row queries for the others)."""
    return bool((is_office | is_board_reader).test(user, proposal))


def _proposal_link(p: Any) -> str:
    return reverse("submissions:detail", args=[p.code])


register(
    Computation(
        "proposals_submitted",
        _("Proposals submitted"),
        "count",
        _("Proposals of the programme's calls submitted in the period and not withdrawn."),
        _submitted,
        _proposal_columns(),
        _proposal_link,
        opens=_readable,
        related=("call", "lead_organisation"),
        family=_proposal_family,
    )
)
register(
    Computation(
        "proposals_eligible",
        _("Eligible proposals"),
        "count",
        _("Submitted proposals found eligible (the office's decision when there is one, else the rules)."),
        _eligible,
        _proposal_columns(),
        _proposal_link,
        opens=_readable,
        related=("call", "lead_organisation"),
        family=_proposal_family,
    )
)
register(
    Computation(
        "proposals_reviewed",
        _("Proposals reviewed"),
        "count",
        _("Eligible proposals with at least one submitted review."),
        _reviewed,
        _proposal_columns(),
        _proposal_link,
        opens=_readable,
        related=("call", "lead_organisation"),
        family=_proposal_family,
    )
)


def _award_columns() -> tuple[Column, ...]:
    return (
        Column(_("Code"), lambda a: a.proposal.code),
        Column(_("Title"), lambda a: str(a.proposal)),
        Column(_("Call"), lambda a: a.call.title),
        Column(_("Committed on"), lambda a: a.committed_on),
        Column(_("Amount (EUR)"), lambda a: a.amount),
    )


def _award_link(a: Any) -> str:
    return _proposal_link(a.proposal)


register(
    Computation(
        "proposals_funded",
        _("Proposals funded"),
        "count",
        _(
            "Awards whose funding decision falls in the period (a team that declined is replaced by the"
            " reserve it freed)."
        ),
        _funded,
        _award_columns(),
        _award_link,
        opens=lambda user, a: _readable(user, a.proposal),
        related=("proposal__call", "call"),
    )
)
register(
    Computation(
        "amount_committed",
        _("Money committed"),
        "eur",
        _("Sum of the awards whose funding decision falls in the period."),
        _funded,
        _award_columns(),
        _award_link,
        opens=lambda user, a: _readable(user, a.proposal),
        amount="amount",
        related=("proposal__call", "call"),
    )
)


# --- projects and money ------------------------------------------------------------------------


def _projects(scope: Scope, win: Window) -> QuerySet[Any]:
    # Dated by the project's start (its grant's start date), known once the project was opened.
    return _scoped(Project.objects.all(), scope, "proposal").filter(
        _between("grant__start_date", win, instant=False), created_at__lt=win.as_of
    )


def _project_link(p: Any) -> str:
    return reverse("projects:detail", args=[p.code])


register(
    Computation(
        "projects_opened",
        _("Funded projects started"),
        "count",
        _("Funded projects whose start date (the grant's) falls in the period."),
        _projects,
        (
            Column(_("Code"), lambda p: p.code),
            Column(_("Project"), lambda p: p.acronym or p.title),
            Column(_("Call"), lambda p: p.call.title),
            Column(_("Start"), lambda p: p.grant.start_date),
            Column(_("State"), lambda p: p.get_state_display()),
        ),
        _project_link,
        related=("call", "grant"),
    )
)


def _paid(scope: Scope, win: Window) -> QuerySet[Any]:
    return _scoped(Instalment.objects.exclude(paid_on=None), scope, "project__proposal").filter(
        _between("paid_on", win, instant=False)
    )


def _project_of(record: Any) -> str:
    return _project_link(record.project)


register(
    Computation(
        "amount_paid",
        _("Money paid"),
        "eur",
        _("Instalments paid to the projects in the period."),
        _paid,
        (
            Column(_("Project"), lambda i: i.project.acronym or i.project.title),
            Column(_("Kind"), lambda i: i.get_kind_display()),
            Column(_("Paid on"), lambda i: i.paid_on),
            Column(_("Amount (EUR)"), lambda i: i.amount),
        ),
        _project_of,
        amount="amount",
        related=("project",),
    )
)


def _spent(scope: Scope, win: Window) -> QuerySet[Any]:
    # Spending counts in the year its statement's period ends (the budget year, as
    # ``ExpenseStatement.year``), once the office accepted it (before ``as_of``).
    return _scoped(
        ExpenseStatement.objects.filter(state=StatementState.ACCEPTED).exclude(checked_at=None),
        scope,
        "project__proposal",
    ).filter(_between("period_end", win, instant=False), checked_at__lt=win.as_of)


register(
    Computation(
        "amount_spent",
        _("Money spent"),
        "eur",
        _("Expense statements accepted by the office whose period ends in the period."),
        _spent,
        (
            Column(_("Statement"), lambda s: s.code),
            Column(_("Project"), lambda s: s.project.acronym or s.project.title),
            Column(_("Period"), lambda s: f"{s.period_start:%d/%m/%Y} – {s.period_end:%d/%m/%Y}"),
            Column(_("Amount (EUR)"), lambda s: s.total),
        ),
        _project_of,
        amount="total",
        related=("project",),
    )
)


def _contributions(scope: Scope, win: Window) -> QuerySet[Any]:
    """Contributions the office confirmed (declared ones wait, rejected ones never count), as
    known at ``as_of``: confirmed before it."""
    return _scoped(Contribution.objects.counted(), scope, "project__proposal").filter(
        _between("received_on", win, instant=False), decided_at__lt=win.as_of
    )


def _contribution_columns() -> tuple[Column, ...]:
    return (
        Column(_("Partner"), lambda c: c.organisation),
        Column(_("Project"), lambda c: c.project.acronym or c.project.title),
        Column(_("Kind"), lambda c: c.get_kind_display()),
        Column(_("Received on"), lambda c: c.received_on),
        Column(_("Amount (EUR)"), lambda c: c.amount),
    )


def _committed_total(scope: Scope, win: Window) -> Decimal:
    return _funded(scope, win).aggregate(t=Sum("amount"))["t"] or ZERO


register(
    Computation(
        "cofunding_realised",
        _("Co-funding realised"),
        "eur",
        _("Partners' contributions (cash and in kind) received or valued in the period, confirmed by the office."),
        _contributions,
        _contribution_columns(),
        _project_of,
        amount="amount",
        related=("project", "organisation"),
    )
)
register(
    Computation(
        "cofunding_cash",
        _("Co-funding realised in cash"),
        "eur",
        _("Partners' cash contributions received in the period, confirmed by the office."),
        lambda scope, win: _contributions(scope, win).filter(kind=ContributionKind.CASH),
        _contribution_columns(),
        _project_of,
        amount="amount",
        related=("project", "organisation"),
    )
)
register(
    Computation(
        "leverage",
        _("Leverage"),
        "ratio",
        _("Co-funding realised per euro committed by the awards, over the same period."),
        _contributions,
        _contribution_columns(),
        _project_of,
        amount="amount",
        ratio=_committed_total,
        related=("project", "organisation"),
    )
)


# --- outputs ---------------------------------------------------------------------------------


def _all_outputs(scope: Scope, win: Window) -> QuerySet[Any]:
    # Only the outputs of a report the office accepted (before ``as_of``) count: a draft's
    # outputs are the lead's word until then. Dated by the output's year when declared, else the
    # year it was declared in Grappe.
    by_year = Q(year__lte=win.last_day.year) & (Q() if win.start is None else Q(year__gte=win.start.year))
    by_date = Q(year=None) & _between("created_at", win, instant=True)
    return _scoped(Output.objects.all(), scope, "project__proposal").filter(
        (by_year | by_date),
        created_at__lt=win.as_of,
        report__state=ReportState.ACCEPTED,
        report__accepted_at__lt=win.as_of,
    )


def _outputs(kind: str) -> Callable[[Scope, Window], QuerySet[Any]]:
    def build(scope: Scope, win: Window) -> QuerySet[Any]:
        return _all_outputs(scope, win).filter(kind=kind)

    return build


def _output_family(scope: Scope, win: Window) -> dict[str, Decimal]:
    """Every kind of output in one grouped query."""
    counts = dict(_all_outputs(scope, win).order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {f"outputs_{kind}": Decimal(counts.get(kind, 0)) for kind in OutputKind.values}


OUTPUT_COLUMNS = (
    Column(_("Title"), lambda o: o.title),
    Column(_("Year"), lambda o: o.year or timezone.localdate(o.created_at).year),
    Column(_("Identifier"), lambda o: o.identifier),
    Column(_("Project"), lambda o: o.project.acronym or o.project.title),
)

for _kind, _label, _source in (
    (
        OutputKind.PUBLICATION,
        _("Publications"),
        _("Publications declared in the accepted reports of the funded projects for the period."),
    ),
    (
        OutputKind.PATENT,
        _("Patents"),
        _("Patents declared in the accepted reports of the funded projects for the period."),
    ),
    (
        OutputKind.STARTUP,
        _("Start-ups created"),
        _("Start-ups declared in the accepted reports of the funded projects for the period."),
    ),
    (
        OutputKind.SOFTWARE,
        _("Software"),
        _("Software declared in the accepted reports of the funded projects for the period."),
    ),
    (
        OutputKind.DATASET,
        _("Datasets"),
        _("Datasets declared in the accepted reports of the funded projects for the period."),
    ),
    (
        OutputKind.HIRE,
        _("People hired"),
        _("Hires declared in the accepted reports of the funded projects for the period."),
    ),
):
    register(
        Computation(
            f"outputs_{_kind}",
            _label,
            "count",
            _source,
            _outputs(_kind),
            OUTPUT_COLUMNS,
            _project_of,
            related=("project",),
            family=_output_family,
        )
    )


# --- training (the whole cluster's offer: training is not tied to one programme) ---------------


def _enrolments(scope: Scope, win: Window, outcome: str) -> QuerySet[Any]:
    rows = Enrolment.objects.filter(outcome=outcome).exclude(completed_on=None)
    rows = rows.filter(_between("completed_on", win, instant=False), created_at__lt=win.as_of)
    if scope.institution is not None:
        rows = rows.filter(programme__institution=scope.institution)
    return rows


def _people_trained(scope: Scope, win: Window) -> QuerySet[Any]:
    # A person trained twice in the period counts once; cancelled registrations leave an
    # enrolment without outcome ("none"), which never counts.
    return Person.objects.filter(pk__in=_enrolments(scope, win, TrainingOutcome.TRAINED).values("person_id")).order_by(
        "last_name", "first_name", "pk"
    )


def _people_aware(scope: Scope, win: Window) -> QuerySet[Any]:
    # At their best outcome: someone trained in the period is not also counted as made aware.
    return (
        Person.objects.filter(pk__in=_enrolments(scope, win, TrainingOutcome.AWARE).values("person_id"))
        .exclude(pk__in=_enrolments(scope, win, TrainingOutcome.TRAINED).values("person_id"))
        .order_by("last_name", "first_name", "pk")
    )


def _people_counts(scope: Scope, win: Window) -> tuple[int, int]:
    """People trained and people made aware (and not trained) in ``win``, in one scan of the
    enrolments: those made aware only are everyone with either outcome less those trained."""
    rows = Enrolment.objects.filter(outcome__in=[TrainingOutcome.TRAINED, TrainingOutcome.AWARE]).exclude(
        completed_on=None
    )
    rows = rows.filter(_between("completed_on", win, instant=False), created_at__lt=win.as_of)
    if scope.institution is not None:
        rows = rows.filter(programme__institution=scope.institution)
    counts = rows.order_by().aggregate(
        anyone=Count("person_id", distinct=True),
        trained=Count("person_id", distinct=True, filter=Q(outcome=TrainingOutcome.TRAINED)),
    )
    return counts["trained"], counts["anyone"] - counts["trained"]


def _people_family(scope: Scope, win: Window) -> dict[str, Decimal]:
    trained, aware = _people_counts(scope, win)
    return {"people_trained": Decimal(trained), "people_aware": Decimal(aware)}


def _count_trained(scope: Scope, win: Window) -> int:
    """People trained, counted on the enrolments alone (no join to the people)."""
    return _people_counts(scope, win)[0]


def _count_aware(scope: Scope, win: Window) -> int:
    return _people_counts(scope, win)[1]


def _person_link(p: Any) -> str:
    return reverse("people:person_detail", args=[p.code])


PERSON_COLUMNS = (
    Column(_("Code"), lambda p: p.code),
    Column(_("Name"), lambda p: f"{p.first_name} {p.last_name}"),
)

register(
    Computation(
        "people_trained",
        _("People trained in AI"),
        "people",
        _("People with a training completed as trained in the period (each person once; all the cluster's trainings)."),
        _people_trained,
        PERSON_COLUMNS,
        _person_link,
        counter=_count_trained,
        family=_people_family,
        filters=frozenset({"institution"}),
    )
)
register(
    Computation(
        "people_aware",
        _("People made aware of AI"),
        "people",
        _("People made aware in the period and not trained in it (each person once; all the cluster's trainings)."),
        _people_aware,
        PERSON_COLUMNS,
        _person_link,
        counter=_count_aware,
        family=_people_family,
        filters=frozenset({"institution"}),
    )
)


def _trainees(kind: str) -> Callable[[Scope, Window], QuerySet[Any]]:
    def build(scope: Scope, win: Window) -> QuerySet[Any]:
        # Dated by the start of the project they are a member of (the trainee record keeps no date),
        # known once the project was opened.
        return _scoped(
            FundedTrainee.objects.filter(kind=kind).exclude(membership=None),
            scope,
            "membership__project__proposal",
        ).filter(
            _between("membership__project__grant__start_date", win, instant=False),
            membership__project__created_at__lt=win.as_of,
        )

    return build


TRAINEE_COLUMNS = (
    Column(_("Person"), lambda t: f"{t.person.first_name} {t.person.last_name}"),
    Column(_("Project"), lambda t: t.membership.project.acronym or t.membership.project.title),
)

register(
    Computation(
        "phd_funded",
        _("PhD students funded"),
        "people",
        _("PhD students linked to a funded project started in the period."),
        _trainees(FundedKind.PHD),
        TRAINEE_COLUMNS,
        lambda t: _project_link(t.membership.project),
        related=("person", "membership__project"),
    )
)
register(
    Computation(
        "postdocs_funded",
        _("Postdocs funded"),
        "people",
        _("Postdocs linked to a funded project started in the period."),
        _trainees(FundedKind.POSTDOC),
        TRAINEE_COLUMNS,
        lambda t: _project_link(t.membership.project),
        related=("person", "membership__project"),
    )
)


# --- industrial partners (the cluster's partner relations) -----------------------------------


def _partners(scope: Scope, win: Window) -> QuerySet[Any]:
    rows = PartnerProfile.objects.exclude(member_since=None).filter(member_since__lte=win.last_day)
    if win.start is not None:
        rows = rows.filter(Q(member_until=None) | Q(member_until__gte=win.start))
    if scope.partner is not None:
        rows = rows.filter(organisation=scope.partner)
    return rows


def _new_partners(scope: Scope, win: Window) -> QuerySet[Any]:
    rows = _partners(scope, win)
    return rows if win.start is None else rows.filter(member_since__gte=win.start)


PARTNER_COLUMNS = (
    Column(_("Partner"), lambda p: p.organisation),
    Column(_("Level"), lambda p: p.get_level_display()),
    Column(_("Member since"), lambda p: p.member_since),
)


def _partner_link(p: Any) -> str:
    return reverse("partners:detail", args=[p.organisation.code])


register(
    Computation(
        "partners_active",
        _("Industrial partners"),
        "count",
        _("Partner relations that were members at some point of the period (the cluster's, all programmes)."),
        _partners,
        PARTNER_COLUMNS,
        _partner_link,
        related=("organisation",),
        filters=frozenset({"partner"}),
    )
)
register(
    Computation(
        "partners_new",
        _("New industrial partners"),
        "count",
        _("Partner relations that started in the period."),
        _new_partners,
        PARTNER_COLUMNS,
        _partner_link,
        related=("organisation",),
        filters=frozenset({"partner"}),
    )
)
