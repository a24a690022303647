"""Every computation: the figure and its drill-down list agree, for a year, cumulated and "as of",
with the edge cases that would make a spreadsheet wrong."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from grappe.funding.models import Contribution, ExpenseStatement, Instalment, StatementState
from grappe.partners.models import PartnerProfile
from grappe.projects.models import Output, OutputKind, ProjectMember
from grappe.reporting import computations
from grappe.reporting.computations import Scope, window
from grappe.review.models import Review, ReviewAssignment, ReviewState
from grappe.selection import services as selection
from grappe.selection.models import Award, Decision, Outcome
from grappe.submissions.models import ProposalState
from grappe.training.models import Enrolment, FundedKind, FundedTrainee
from grappe.training.models import Outcome as TrainingOutcome
from tests.factories import CallFactory, CompanyFactory, PersonFactory, ProgrammeFactory, ProposalFactory
from tests.projects.conftest import open_from
from tests.reporting.conftest import accepted_report, at, set_time
from tests.training.conftest import make_programme


def check(name, scope, win, expected, *, value=None):
    """The figure equals the number of records listed (or their sum), and the list is ``expected``."""
    computation = computations.get(name)
    figure, records = computation.figure(scope, win)
    assert set(records.values_list("pk", flat=True)) == {o.pk for o in expected}
    assert records.count() == len(expected)
    if value is None:
        assert figure == Decimal(len(expected))
    else:
        assert figure == Decimal(value)
    if computation.family is not None:
        # The dashboard's one query per family gives the same figure.
        assert computation.family(scope, win)[name] == figure
    if computation.counter is not None:
        assert computation.counter(scope, win) == figure
    return figure


def submitted(call, when, **kwargs):
    proposal = ProposalFactory(call=call, state=ProposalState.SUBMITTED, **kwargs)
    return set_time(proposal, submitted_at=when)


def contribution(project, organisation, kind, amount, received_on):
    """A contribution the office confirmed (only those count), today."""
    return Contribution.objects.create(
        project=project,
        organisation=organisation,
        year=received_on.year,
        kind=kind,
        amount=Decimal(amount),
        received_on=received_on,
        state="confirmed",
        decided_at=timezone.now(),
    )


@pytest.mark.django_db
def test_proposals_submitted_per_year_cumulated_and_as_of(call, funding_programme):
    scope = Scope(funding_programme)
    a = submitted(call, at(2025, 3))
    b = submitted(call, at(2026, 2))
    ProposalFactory(call=call)  # a draft never counts
    withdrawn = submitted(call, at(2026, 2))
    withdrawn.state = ProposalState.WITHDRAWN
    withdrawn.save()
    submitted(CallFactory(), at(2026, 2))  # another programme's call
    check("proposals_submitted", scope, window(2025), [a])
    check("proposals_submitted", scope, window(2026), [b])
    check("proposals_submitted", scope, window(2026, cumulative=True), [a, b])
    # As of 1 January 2026, b was not submitted yet.
    check("proposals_submitted", scope, window(2026, cumulative=True, as_of=at(2026, 1, 1, 0)), [a])
    # Narrowed to a call, an institution.
    other_call = CallFactory(programme=funding_programme)
    c = submitted(other_call, at(2026, 4), lead_organisation=CompanyFactory())
    check("proposals_submitted", Scope(funding_programme, call=other_call), window(2026), [c])
    check("proposals_submitted", Scope(funding_programme, institution=c.lead_organisation), window(2026), [c])


@pytest.mark.django_db
def test_eligible_follows_the_office_override(call, funding_programme):
    scope = Scope(funding_programme)
    ok = submitted(call, at(2026, 2), eligible=True)
    overridden_in = submitted(call, at(2026, 2), eligible=False, eligibility_override=True)
    submitted(call, at(2026, 2), eligible=True, eligibility_override=False)
    submitted(call, at(2026, 2), eligible=False)
    check("proposals_eligible", scope, window(2026), [ok, overridden_in])


@pytest.mark.django_db
def test_reviewed_needs_a_submitted_review(call, funding_programme):
    scope = Scope(funding_programme)
    reviewed = submitted(call, at(2026, 2), eligible=True)
    draft_only = submitted(call, at(2026, 2), eligible=True)
    # A stage of the funnel: a review of a proposal found ineligible does not count it as reviewed.
    ineligible = submitted(call, at(2026, 2), eligible=True, eligibility_override=False)
    for proposal, state in (
        (reviewed, ReviewState.SUBMITTED),
        (draft_only, ReviewState.DRAFT),
        (ineligible, ReviewState.SUBMITTED),
    ):
        assignment = ReviewAssignment.objects.create(call=call, reviewer=PersonFactory(), proposal=proposal)
        Review.objects.create(
            assignment=assignment, state=state, submitted_at=at(2026, 3) if state == ReviewState.SUBMITTED else None
        )
    check("proposals_reviewed", scope, window(2026), [reviewed])
    check("proposals_reviewed", scope, window(2026, as_of=at(2026, 2, 20)), [])


@pytest.mark.django_db
def test_funded_and_committed_after_a_team_declines(call, funding_programme, office):
    """The award released by a team that declines is reallocated to the reserve: only the
    promoted proposal counts, with its amount."""
    scope = Scope(funding_programme)
    first = submitted(call, at(2026, 2), requested_amount=Decimal("100000"))
    reserve = submitted(call, at(2026, 2), requested_amount=Decimal("80000"))
    Decision.objects.create(proposal=first, outcome=Outcome.FUNDED, amount=Decimal("100000"))
    Award.objects.create(proposal=first, call=call, amount=Decimal("100000"))
    Decision.objects.create(proposal=reserve, outcome=Outcome.RESERVE, reserve_rank=1)
    check("proposals_funded", scope, window(2026), [first.award])
    check("amount_committed", scope, window(2026), [first.award], value="100000")
    promoted = selection.team_declines(first, reason="The PI moved abroad this summer.", actor=office)
    assert promoted.proposal == reserve
    award = Award.objects.get(proposal=reserve)
    check("proposals_funded", scope, window(2026), [award])
    check("amount_committed", scope, window(2026), [award], value="80000")
    check("proposals_funded", scope, window(2025), [])


@pytest.fixture
def opened(applicant, university, other_university, company, office, call):
    award = make_award_in(call, applicant, university, other_university, company)
    return open_from(award, office, university)


def make_award_in(call, applicant, university, other_university, company, **kwargs):
    from tests.projects.conftest import make_award

    award = make_award(applicant, university, other_university, company, call=call, **kwargs)
    set_time(award.proposal, submitted_at=at(2026, 1))
    return set_time(award, created_at=at(2026, 1, 20), committed_on=dt.date(2026, 1, 20))


@pytest.mark.django_db
def test_projects_money_and_leverage(opened, funding_programme, company):
    scope = Scope(funding_programme)
    project = opened
    set_time(project, created_at=at(2026, 2))
    check("projects_opened", scope, window(2026), [project])
    check("projects_opened", scope, window(2025), [])

    paid = Instalment.objects.create(
        project=project, kind="advance", amount=Decimal("30000"), trigger="signature", due_date=dt.date(2026, 2, 1)
    )
    paid.paid_on = dt.date(2026, 3, 1)
    paid.save()
    Instalment.objects.create(  # scheduled, not paid
        project=project, kind="balance", amount=Decimal("10000"), trigger="report", due_date=dt.date(2027, 2, 1)
    )
    Instalment.objects.filter(project=project, paid_on=None).exclude(pk=paid.pk).update(paid_on=None)
    check(
        "amount_paid",
        scope,
        window(2026),
        list(Instalment.objects.filter(project=project, paid_on__year=2026)),
        value=sum(i.amount for i in Instalment.objects.filter(project=project, paid_on__year=2026)),
    )

    accepted = ExpenseStatement.objects.create(
        project=project,
        beneficiary=project.grant.managing_institution,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
        state=StatementState.ACCEPTED,
        total=Decimal("12000"),
        checked_at=at(2026, 7),
    )
    ExpenseStatement.objects.create(
        project=project,
        beneficiary=project.grant.managing_institution,
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 12, 31),
        state=StatementState.SUBMITTED,
        total=Decimal("9000"),
    )
    check("amount_spent", scope, window(2026), [accepted], value="12000")
    check("amount_spent", scope, window(2026, as_of=at(2026, 6)), [], value="0")

    confirmed = {"state": "confirmed", "decided_at": at(2026, 10)}
    cash = Contribution.objects.create(
        project=project,
        organisation=company,
        year=2026,
        kind="cash",
        amount=Decimal("20000"),
        received_on=dt.date(2026, 5, 1),
        **confirmed,
    )
    in_kind = Contribution.objects.create(
        project=project,
        organisation=company,
        year=2026,
        kind="in_kind",
        amount=Decimal("10000"),
        received_on=dt.date(2026, 9, 1),
        **confirmed,
    )
    # Declared and waiting, or rejected by the office: never counted
    for state, decided in (("declared", None), ("rejected", at(2026, 10))):
        Contribution.objects.create(
            project=project,
            organisation=company,
            year=2026,
            kind="cash",
            amount=Decimal("9999999"),
            received_on=dt.date(2026, 6, 1),
            state=state,
            decided_at=decided,
        )
    check("cofunding_realised", scope, window(2026), [cash, in_kind], value="30000")
    check("cofunding_cash", scope, window(2026), [cash], value="20000")
    check("cofunding_realised", Scope(funding_programme, partner=company), window(2026), [cash, in_kind], value="30000")
    # 30,000 realised per 150,000 committed in 2026.
    check("leverage", scope, window(2026), [cash, in_kind], value="0.20")
    check("leverage", scope, window(2025), [], value="0")
    # As of before the office confirmed them, they did not count yet
    check("cofunding_realised", scope, window(2026, as_of=at(2026, 9, 30)), [], value="0")


@pytest.mark.django_db
def test_outputs_by_declared_year_or_declaration_date(opened, funding_programme):
    scope = Scope(funding_programme)
    report = accepted_report(opened, at(2025, 1))
    dated = Output.objects.create(project=opened, report=report, kind="publication", title="A paper", year=2025)
    undated = Output.objects.create(project=opened, report=report, kind=OutputKind.PUBLICATION, title="Other")
    set_time(undated, created_at=at(2026, 4))
    Output.objects.create(project=opened, report=report, kind=OutputKind.PATENT, title="A patent", year=2026)
    check("outputs_publication", scope, window(2025), [dated])
    check("outputs_publication", scope, window(2026), [undated])
    check("outputs_publication", scope, window(2026, cumulative=True), [dated, undated])
    for kind in ("patent", "startup", "software", "dataset", "hire"):
        expected = list(Output.objects.filter(kind=kind, year=2026))
        check(f"outputs_{kind}", scope, window(2026), expected)


@pytest.mark.django_db
def test_outputs_count_once_their_report_is_accepted(opened, funding_programme, office):
    """Two DOIs imported into a draft counted at once in the indicators and on /impact/ (outside
    walk-through): an output counts from the moment the office accepts its report, never before."""
    from grappe.projects import services as projects

    scope = Scope(funding_programme)
    report = projects.schedule_report(opened, title="Year 1", due_date=dt.date(2026, 12, 31), actor=office)
    projects.add_outputs(
        report, kind="publication", items=[{"title": "10.1234/a", "identifier": "10.1234/a", "year": 2026}], actor=None
    )
    paper = Output.objects.get()
    check("outputs_publication", scope, window(2026), [])  # a draft's
    report = projects.save_report(
        report, answers=dict.fromkeys("012", "x"), submit=True, expected_version=1, actor=None
    )
    check("outputs_publication", scope, window(2026), [])  # submitted, not yet accepted
    before = timezone.now()
    report = projects.review_report(report, accept=True, comment="", expected_version=report.version, actor=office)
    check("outputs_publication", scope, window(2026), [paper])
    # "As of" a moment before the acceptance (an annual report's snapshot): not counted.
    check("outputs_publication", scope, window(2026, as_of=before), [])
    # Accepted: frozen.
    with pytest.raises(projects.ProjectError, match="accepted"):
        projects.add_outputs(report, kind="patent", items=[{"title": "FR123"}], actor=None)
    assert Output.objects.count() == 1


def enrol(programme, person, outcome, completed, *, year=2025):
    row = Enrolment.objects.create(
        programme=programme,
        person=person,
        academic_year=year,
        enrolled_on=completed - dt.timedelta(days=30),
        outcome=outcome,
        completed_on=completed if outcome != TrainingOutcome.NONE else None,
    )
    return set_time(row, created_at=at(completed.year, completed.month, completed.day))


@pytest.mark.django_db
def test_people_trained_once_and_aware_at_best_outcome(funding_programme, university, other_university):
    scope = Scope(funding_programme)
    master = make_programme(university)
    talk = make_programme(other_university, title="Conférence IA", kind="awareness", trained_min_hours=None)
    twice, aware, both, cancelled, last_year = (PersonFactory() for _ in range(5))
    enrol(master, twice, TrainingOutcome.TRAINED, dt.date(2026, 2, 1))
    enrol(talk, twice, TrainingOutcome.TRAINED, dt.date(2026, 5, 1))  # trained twice in the year: once
    enrol(talk, aware, TrainingOutcome.AWARE, dt.date(2026, 3, 1))
    enrol(talk, both, TrainingOutcome.AWARE, dt.date(2026, 3, 1))
    enrol(master, both, TrainingOutcome.TRAINED, dt.date(2026, 6, 1))  # trained wins over made aware
    enrol(master, cancelled, TrainingOutcome.NONE, dt.date(2026, 6, 1))  # a cancelled place: no outcome
    enrol(master, last_year, TrainingOutcome.TRAINED, dt.date(2025, 6, 1), year=2024)
    check("people_trained", scope, window(2026), [twice, both])
    check("people_aware", scope, window(2026), [aware])
    check("people_trained", scope, window(2026, cumulative=True), [twice, both, last_year])
    check("people_trained", scope, window(2026, as_of=at(2026, 4, 1)), [twice])
    check("people_aware", scope, window(2026, as_of=at(2026, 4, 1)), [aware, both])
    check("people_trained", Scope(funding_programme, institution=other_university), window(2026), [twice])
    # The dashboard's one-pass count per year agrees with the computations.
    from django.utils import timezone

    from grappe.reporting.queries import training_by_year

    assert training_by_year(scope, [2025, 2026], timezone.now()) == {2025: (1, 0), 2026: (2, 1)}


@pytest.mark.django_db
def test_funded_phd_and_postdocs(opened, funding_programme):
    scope = Scope(funding_programme)
    set_time(opened, created_at=at(2026, 2))
    phd_member = ProjectMember.objects.create(project=opened, person=PersonFactory())
    postdoc_member = ProjectMember.objects.create(project=opened, person=PersonFactory())
    phd = FundedTrainee.objects.create(
        person=phd_member.person, kind=FundedKind.PHD, membership=phd_member, due_on=dt.date(2027, 1, 1)
    )
    postdoc = FundedTrainee.objects.create(
        person=postdoc_member.person, kind=FundedKind.POSTDOC, membership=postdoc_member, due_on=dt.date(2027, 1, 1)
    )
    FundedTrainee.objects.create(person=PersonFactory(), kind=FundedKind.PHD, due_on=dt.date(2027, 1, 1))  # no project
    check("phd_funded", scope, window(2026), [phd])
    check("postdocs_funded", scope, window(2026), [postdoc])
    check("phd_funded", scope, window(2025), [])


@pytest.mark.django_db
def test_partners_active_and_new(funding_programme):
    scope = Scope(funding_programme)
    old = PartnerProfile.objects.create(organisation=CompanyFactory(), member_since=dt.date(2024, 1, 1))
    new = PartnerProfile.objects.create(organisation=CompanyFactory(), member_since=dt.date(2026, 3, 1))
    PartnerProfile.objects.create(
        organisation=CompanyFactory(), member_since=dt.date(2024, 1, 1), member_until=dt.date(2025, 6, 30)
    )
    PartnerProfile.objects.create(organisation=CompanyFactory())  # no date: in the data-quality panel
    check("partners_active", scope, window(2026), [old, new])
    check("partners_new", scope, window(2026), [new])
    check("partners_new", scope, window(2026, as_of=at(2026, 2)), [])


TESTED = {
    "proposals_submitted",
    "proposals_eligible",
    "proposals_reviewed",
    "proposals_funded",
    "amount_committed",
    "projects_opened",
    "amount_paid",
    "amount_spent",
    "cofunding_realised",
    "cofunding_cash",
    "leverage",
    "outputs_publication",
    "outputs_patent",
    "outputs_startup",
    "outputs_software",
    "outputs_dataset",
    "outputs_hire",
    "people_trained",
    "people_aware",
    "phd_funded",
    "postdocs_funded",
    "partners_active",
    "partners_new",
}


def test_every_registered_computation_has_a_test_here():
    """A computation added to the registry needs its test above (and its name here)."""
    assert set(computations.REGISTRY) == TESTED


@pytest.mark.django_db
def test_another_programme_is_never_counted(funding_programme, call):
    other = ProgrammeFactory(start_year=2024, end_year=2028)
    submitted(CallFactory(programme=other), at(2026, 2))
    mine = submitted(call, at(2026, 2))
    check("proposals_submitted", Scope(funding_programme), window(2026), [mine])


@pytest.mark.django_db
def test_records_dated_2025_count_in_2025_whatever_their_created_at(
    applicant, university, other_university, company, office, call, funding_programme
):
    """The funder's report counts each record in the year of its business date: an award in the
    year of its decision, a project (and its trainees) in the year it starts, spending in the year
    its statement's period ends, a payment in the year paid, co-funding in the year received. The
    rows written in 2026 (as an import or the demo's history writes them) change nothing; "as of"
    still leaves out what was not recorded yet."""
    award = make_award_in(call, applicant, university, other_university, company)
    set_time(award, committed_on=dt.date(2025, 1, 6), created_at=at(2026, 3))
    set_time(award.proposal, submitted_at=at(2024, 9))
    project = open_from(award, office, university, start_date=dt.date(2025, 2, 1))
    set_time(project, created_at=at(2026, 3))
    statement = ExpenseStatement.objects.create(
        project=project,
        beneficiary=university,
        period_start=dt.date(2025, 2, 1),
        period_end=dt.date(2025, 12, 31),
        state=StatementState.ACCEPTED,
        total=Decimal("40000"),
        checked_at=at(2026, 2, 9),
    )
    set_time(statement, created_at=at(2026, 3))
    advance = {"kind": "advance", "trigger": "signature", "due_date": dt.date(2025, 2, 1)}
    instalment = Instalment.objects.create(
        project=project, amount=Decimal("45000"), paid_on=dt.date(2025, 2, 10), **advance
    )
    realised = contribution(project, company, "cash", "15000", dt.date(2025, 11, 15))
    member = ProjectMember.objects.create(project=project, person=PersonFactory())
    phd = FundedTrainee.objects.create(
        person=member.person, kind=FundedKind.PHD, membership=member, due_on=dt.date(2028, 1, 1)
    )
    scope = Scope(funding_programme)
    later = window(2025)
    check("proposals_funded", scope, later, [award])
    check("amount_committed", scope, later, [award], value=award.amount)
    check("projects_opened", scope, later, [project])
    check("phd_funded", scope, later, [phd])
    check("amount_spent", scope, later, [statement], value="40000")
    check("amount_paid", scope, later, [instalment], value="45000")
    check("cofunding_realised", scope, later, [realised], value="15000")
    check("leverage", scope, later, [realised], value=(Decimal("15000") / award.amount).quantize(Decimal("0.01")))
    for name in ("proposals_funded", "amount_committed", "projects_opened", "phd_funded", "amount_spent", "leverage"):
        check(name, scope, window(2026), [], value="0")
    # As of 1 February 2026 the award, the project and the acceptance were not recorded yet.
    early = window(2025, as_of=at(2026, 2, 1))
    for name in ("proposals_funded", "projects_opened", "phd_funded", "amount_spent"):
        check(name, scope, early, [], value="0")


@pytest.mark.django_db
def test_a_decision_recorded_by_the_service_is_committed_on_its_day(call, funding_programme):
    proposal = submitted(call, at(2026, 2), requested_amount=Decimal("100000"))
    award = Award.objects.create(proposal=proposal, call=call, amount=Decimal("100000"))
    assert award.committed_on == timezone.localdate()
    check("proposals_funded", Scope(funding_programme), window(award.committed_on.year), [award])
