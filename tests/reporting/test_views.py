"""The reporting pages: who may open what, the catalogue and targets, drill-downs, the annual
report's snapshot and files, the public page, the data-quality panel, constant queries."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grappe.core.services import ConcurrentEditError
from grappe.projects.models import Output, OutputKind
from grappe.reporting import services
from grappe.reporting.models import AnnualReport, Indicator, ManualValue, Method, Target, TargetChange
from grappe.selection.models import Award, Decision, Outcome
from grappe.submissions.models import ProposalState
from tests.conftest import PERSONAS
from tests.factories import CallFactory, PersonFactory, ProposalFactory
from tests.projects.conftest import PDF, make_award, open_from
from tests.reporting.conftest import accepted_report, at, set_time

STAFF = {"office", "board"}


def url(name, programme, *args):
    return reverse(f"reporting:{name}", args=[programme.code, *args])


def submitted(call, when, **kwargs):
    return set_time(ProposalFactory(call=call, state=ProposalState.SUBMITTED, **kwargs), submitted_at=when)


@pytest.mark.django_db
def test_a_new_programme_gets_the_default_catalogue(funding_programme):
    codes = set(Indicator.objects.filter(programme=funding_programme).values_list("code", flat=True))
    assert {"TRA-1", "TRA-2", "RES-1", "FIN-1", "FIN-5", "CAL-1"} <= codes
    assert all(i.computation for i in Indicator.objects.filter(programme=funding_programme))
    assert services.ensure_defaults(funding_programme) == 0  # the command adds nothing twice


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["dashboard", "catalogue", "reports", "drill"])
def test_dashboards_for_office_and_board_only(as_persona, persona, page, funding_programme):
    args = ["proposals_submitted"] if page == "drill" else []
    response = as_persona(persona).get(url(page, funding_programme, *args))
    if persona in STAFF:
        assert response.status_code == 200
    elif persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["quality", "indicator_new"])
def test_catalogue_edits_and_quality_for_the_office_only(as_persona, persona, page, funding_programme):
    response = as_persona(persona).get(url(page, funding_programme))
    expected = {"office": 200, "anonymous": 302}.get(persona, 404)
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_public_impact_page_for_everyone(as_persona, persona, funding_programme):
    assert as_persona(persona).get(reverse("reporting:impact")).status_code == 200


@pytest.mark.django_db
def test_unknown_programme_or_computation_is_404(as_persona, funding_programme):
    office = as_persona("office")
    assert office.get(reverse("reporting:dashboard", args=["NOPE"])).status_code == 404
    assert office.get(url("drill", funding_programme, "not_a_computation")).status_code == 404


@pytest.mark.django_db
def test_office_creates_and_edits_an_indicator_with_optimistic_locking(as_persona, funding_programme, office):
    client = as_persona("office")
    data = {
        "code": "ATT-1",
        "name_fr": "Recrutements internationaux",
        "name_en": "International hires",
        "definition_fr": "",
        "definition_en": "",
        "unit": "count",
        "period": "calendar year",
        "baseline": "3",
        "method": "manual",
        "computation": "",
        "position": "5",
    }
    response = client.post(url("indicator_new", funding_programme), data)
    indicator = Indicator.objects.get(programme=funding_programme, code="ATT-1")
    assert response.status_code == 302 and indicator.method == Method.MANUAL
    # The same code twice: a clear error, nothing written.
    response = client.post(url("indicator_new", funding_programme), data)
    assert b"already has an indicator with this code" in response.content
    # Computed without naming the computation: refused.
    response = client.post(url("indicator_new", funding_programme), data | {"code": "X-1", "method": "computed"})
    assert b"Choose the computation" in response.content
    assert not Indicator.objects.filter(code="X-1").exists()
    # Two people edit: the second save, on the old version, is refused.
    edit = url("indicator_edit", funding_programme, indicator.pk)
    assert client.post(edit, data | {"name_en": "Hires from abroad", "version": "1"}).status_code == 302
    response = client.post(edit, data | {"name_en": "Stale", "version": "1"})
    assert response.status_code == 200
    indicator.refresh_from_db()
    assert indicator.name_en == "Hires from abroad"
    with pytest.raises(ConcurrentEditError):
        services.update_indicator(indicator, data, expected_version=1, actor=office)


@pytest.mark.django_db
def test_targets_are_frozen_then_changed_with_a_reason(funding_programme, office):
    indicator = Indicator.objects.get(programme=funding_programme, code="TRA-1")
    today = dt.date(2026, 6, 1)
    services.set_target(
        indicator, year=2026, value=Decimal("100"), frozen_on=dt.date(2026, 3, 1), actor=office, today=today
    )
    with pytest.raises(services.ReportingError, match="frozen"):
        services.set_target(indicator, year=2026, value=Decimal("80"), actor=office, today=today)
    services.set_target(
        indicator,
        year=2026,
        value=Decimal("80"),
        frozen_on=dt.date(2026, 3, 1),
        reason="The funder agreed on a smaller cohort.",
        actor=office,
        today=today,
    )
    target = Target.objects.get(indicator=indicator, year=2026)
    assert target.value == Decimal("80") and target.frozen_on == dt.date(2026, 3, 1)
    change = TargetChange.objects.get(target=target)
    assert (change.before, change.after, change.changed_by) == (Decimal("100"), Decimal("80"), office)
    # Before its freeze date, a target changes freely.
    services.set_target(
        indicator, year=2027, value=Decimal("120"), frozen_on=dt.date(2027, 1, 1), actor=office, today=today
    )
    services.set_target(
        indicator, year=2027, value=Decimal("150"), frozen_on=dt.date(2027, 1, 1), actor=office, today=today
    )
    assert not TargetChange.objects.filter(target__year=2027).exists()
    with pytest.raises(services.ReportingError, match="within the programme"):
        services.set_target(indicator, year=2040, value=Decimal("1"), actor=office)


@pytest.mark.django_db
def test_manual_value_needs_a_pdf_and_its_evidence_is_for_staff(as_persona, funding_programme, office):
    indicator = Indicator.objects.create(
        programme=funding_programme, code="ATT-1", name_fr="x", name_en="International hires", method=Method.MANUAL
    )
    client = as_persona("office")
    page = url("indicator", funding_programme, indicator.pk)
    fake = SimpleUploadedFile("e.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(page, {"value-year": "2026", "value-value": "4", "value-file": fake})
    assert b"not a PDF" in response.content and not ManualValue.objects.exists()
    response = client.post(
        page,
        {
            "value-year": "2026",
            "value-value": "4",
            "value-note": "HR",
            "value-file": SimpleUploadedFile("hr.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    row = ManualValue.objects.get()
    assert row.value == Decimal("4")
    evidence = url("evidence", funding_programme, row.pk)
    for persona in PERSONAS:
        status = as_persona(persona).get(evidence).status_code
        assert status == {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404), persona
    # The catalogue shows the value entered by hand.
    assert b"International hires" in client.get(url("catalogue", funding_programme)).content


@pytest.mark.django_db
def test_board_cannot_edit_the_catalogue(as_persona, funding_programme):
    indicator = Indicator.objects.filter(programme=funding_programme).first()
    board = as_persona("board")
    assert (
        board.post(
            url("indicator", funding_programme, indicator.pk), {"target-year": "2026", "target-value": "1"}
        ).status_code
        == 404
    )
    assert board.post(url("indicator_delete", funding_programme, indicator.pk)).status_code == 404
    assert not Target.objects.exists()


@pytest.mark.django_db
def test_drill_down_lists_what_the_figure_counts(as_persona, funding_programme, call):
    a = submitted(call, at(2026, 2))
    b = submitted(call, at(2026, 3))
    submitted(call, at(2025, 3))
    response = as_persona("board").get(url("drill", funding_programme, "proposals_submitted") + "?year=2026")
    assert response.status_code == 200
    assert response.context["count"] == 2 and response.context["value"] == 2
    html = response.content.decode()
    assert a.code in html and b.code in html
    # "As of" a past date.
    response = as_persona("board").get(
        url("drill", funding_programme, "proposals_submitted") + "?year=2026&as_of=2026-02-20"
    )
    assert response.context["count"] == 1
    # A future "as of" or two scopes at once: a clear error, the page still answers.
    response = as_persona("board").get(url("drill", funding_programme, "proposals_submitted") + "?as_of=2099-01-01")
    assert response.status_code == 200


def _fill(programme, call, n, applicant, university, other_university, company, office):
    for _i in range(n):
        p = submitted(call, at(2026, 2), eligible=True)
        Decision.objects.create(proposal=p, outcome=Outcome.FUNDED, amount=Decimal("1000"))
        Award.objects.create(proposal=p, call=call, amount=Decimal("1000"))
        CallFactory(programme=programme)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 6])
def test_dashboard_queries_do_not_grow_with_data(
    as_persona,
    django_assert_max_num_queries,
    funding_programme,
    call,
    n,
    applicant,
    university,
    other_university,
    company,
    office,
):
    _fill(funding_programme, call, n, applicant, university, other_university, company, office)
    client = as_persona("board")
    client.get(url("dashboard", funding_programme))  # warm the session and roles
    with django_assert_max_num_queries(50):  # 53 before the families shared their queries
        response = client.get(url("dashboard", funding_programme) + "?year=2026")
    assert response.status_code == 200
    assert response.context["funnel_rows"][0]["funded"] == n
    with django_assert_max_num_queries(15):
        client.get(url("drill", funding_programme, "proposals_funded") + "?year=2026")


@pytest.mark.django_db
def test_dashboard_narrowed_to_a_call_and_shows_charts_with_tables(as_persona, funding_programme, call):
    other = CallFactory(programme=funding_programme)
    submitted(call, at(2026, 2))
    submitted(other, at(2026, 2))
    response = as_persona("office").get(url("dashboard", funding_programme) + f"?year=2026&call={other.code}")
    html = response.content.decode()
    assert [r["call"] for r in response.context["funnel_rows"]] == [other]
    assert 'id="chart-data-funnel"' in html and "chart-4.6.1.umd.min.js" in html
    assert "<caption" in html  # the numbers stand in tables beside the charts


@pytest.fixture
def project(applicant, university, other_university, company, office, call):
    award = make_award(applicant, university, other_university, company, call=call)
    set_time(award.proposal, submitted_at=at(2026, 1))
    set_time(award, created_at=at(2026, 1, 20), committed_on=dt.date(2026, 1, 20))
    return open_from(award, office, university)


@pytest.mark.django_db
def test_annual_report_is_a_snapshot_with_pdf_and_excel(
    as_persona, funding_programme, call, project, office, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    client = as_persona("board")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("reports", funding_programme), {"year": "2026", "fresh": "0"})
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and report.state == "done" and report.progress == 100
    figures = {f["code"]: f for f in report.figures}
    assert figures["CAL-2"]["value"] == "1" and figures["FIN-1"]["value"] == "150000"
    assert report.records["CAL-2"]["year"] == [project.award.pk]

    pdf = b"".join(client.get(url("report_file", funding_programme, report.code, "pdf")).streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Annual report 2026" in text and "CAL-2" in text
    xlsx = b"".join(client.get(url("report_file", funding_programme, report.code, "xlsx")).streaming_content)
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert rows["CAL-2"][7] == 1  # actual of the year
    assert rows["FIN-1"][7] == 150000

    # The data change: the stored report keeps its numbers, generating again gives the same
    # snapshot, and the comparison shows what a fresh computation would say.
    submitted(call, at(2026, 5))
    Output.objects.create(
        project=project, report=accepted_report(project), kind=OutputKind.PUBLICATION, title="New", year=2026
    )
    response = client.post(url("reports", funding_programme), {"year": "2026", "fresh": "0"})
    assert AnnualReport.objects.count() == 1
    page = client.get(url("report", funding_programme, report.code) + "?compare=1")
    changed = {d.code: d for d in page.context["changed"]}
    assert changed["CAL-1"].stored == "1" and changed["CAL-1"].fresh == "2" and changed["CAL-1"].added == 1
    assert changed["RES-3"].added == 1
    assert "CAL-2" not in changed
    # The board may not take a new snapshot; the office may, and it counts the new records.
    assert client.post(url("reports", funding_programme), {"year": "2026", "fresh": "1"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        as_persona("office").post(url("reports", funding_programme), {"year": "2026", "fresh": "1"})
    latest = AnnualReport.objects.first()
    assert latest != report and {f["code"]: f for f in latest.figures}["CAL-1"]["value"] == "2"
    report.refresh_from_db()
    assert {f["code"]: f for f in report.figures}["CAL-1"]["value"] == "1"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_report_files_for_office_and_board_only(
    as_persona, persona, funding_programme, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(funding_programme, year=2026, language="en", actor=office, fresh=False)
    report.refresh_from_db()
    assert report.state == "done"
    for kind in ("pdf", "xlsx"):
        status = as_persona(persona).get(url("report_file", funding_programme, report.code, kind)).status_code
        assert status == {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)
    status = as_persona(persona).get(url("report", funding_programme, report.code)).status_code
    assert status == {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)


@pytest.mark.django_db
def test_report_for_a_year_outside_the_programme_is_refused(as_persona, funding_programme):
    response = as_persona("office").post(url("reports", funding_programme), {"year": "1999"}, follow=True)
    assert b"within the programme" in response.content and not AnnualReport.objects.exists()
    response = as_persona("office").post(url("reports", funding_programme), {"year": "abc"}, follow=True)
    assert response.status_code == 200 and not AnnualReport.objects.exists()


@pytest.mark.django_db
def test_public_page_shows_nothing_confidential(client, funding_programme, call, project, office):
    """Public indicators and public funded projects only: no unfunded proposal, no reviewer, no
    amount the office did not mark public."""
    from grappe.review.models import Review, ReviewAssignment

    unfunded = submitted(call, at(2026, 3), title="Secret unfunded idea")
    reviewer = PersonFactory(first_name="Zebulon", last_name="Reviewerson")
    assignment = ReviewAssignment.objects.create(call=call, reviewer=reviewer, proposal=project.proposal)
    Review.objects.create(assignment=assignment, state="submitted", submitted_at=at(2026, 2))
    hidden = Indicator.objects.get(programme=funding_programme, code="FIN-1")  # money committed: not public
    assert not hidden.is_public
    html = client.get(reverse("reporting:impact")).content.decode()
    assert project.title in html
    assert unfunded.title not in html
    assert "Reviewerson" not in html
    assert hidden.name_en not in html and "150,000" not in html and "150000" not in html
    assert Indicator.objects.get(programme=funding_programme, code="TRA-1").name_en in html
    # A project the office keeps off the public list stays off.
    project.is_public = False
    project.save()
    assert project.title not in client.get(reverse("reporting:impact")).content.decode()
    # The office marks the money public: now it shows.
    hidden.is_public = True
    hidden.save()
    assert hidden.name_en in client.get(reverse("reporting:impact")).content.decode()


@pytest.mark.django_db
def test_data_quality_lists_what_is_missing_with_links(as_persona, funding_programme, project):
    Output.objects.create(project=project, kind=OutputKind.PUBLICATION, title="No DOI yet", year=2026)
    response = as_persona("office").get(url("quality", funding_programme) + "?year=2026")
    gaps = {g.label: g for g in response.context["gaps"]}
    assert gaps["Outputs without evidence (no DOI, HAL, URL or number)"].count == 1
    assert gaps["Projects without a submitted report"].count == 1
    _text, link = gaps["Projects without a submitted report"].items[0]
    assert link == reverse("projects:reports", args=[project.code])
    assert (
        gaps["Indicators without a target for 2026"].count
        == Indicator.objects.filter(programme=funding_programme).count()
    )


@pytest.mark.django_db
def test_french_pages(as_persona, funding_programme, settings):
    settings.LANGUAGE_CODE = "fr"
    client = as_persona("office")
    client.cookies["django_language"] = "fr"
    html = client.get(url("catalogue", funding_programme), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Personnes formées à l'IA" in html or "Personnes formées à l&#x27;IA" in html


@pytest.mark.django_db
def test_board_opens_every_record_a_figure_counts(as_persona, funding_programme, call, project, university):
    """Every row of every drill-down links to a page the board may open (no figure whose records
    the board could not check)."""
    from grappe.partners.models import PartnerProfile
    from grappe.reporting import computations
    from grappe.training.models import Outcome as TrainingOutcome
    from tests.factories import CompanyFactory
    from tests.reporting.test_computations import enrol
    from tests.training.conftest import make_programme

    Output.objects.create(
        project=project, report=accepted_report(project), kind=OutputKind.PUBLICATION, title="A paper", year=2026
    )
    training = make_programme(university)
    enrol(training, PersonFactory(), TrainingOutcome.TRAINED, dt.date(2026, 2, 1))
    enrol(training, PersonFactory(), TrainingOutcome.AWARE, dt.date(2026, 3, 1))
    PartnerProfile.objects.create(organisation=CompanyFactory(), member_since=dt.date(2026, 1, 1))
    from grappe.calls.models import Call, CallState

    Call.objects.filter(pk=call.pk).update(state=CallState.CLOSED)
    # A proposal of a call still open: counted, but the board may not read it before the call closes.
    still_open = submitted(CallFactory(programme=funding_programme), at(2026, 2))
    client = as_persona("board")
    opened = set()
    for name in computations.REGISTRY:
        response = client.get(url("drill", funding_programme, name) + "?year=2026&cumulative=1")
        assert response.status_code == 200, name
        for values, link in response.context["rows"]:
            if values[0] == still_open.code:
                assert link == "" and response.context["closed"] == 1  # no link to a page that answers 404
                assert "has no link" in response.content.decode() or "aucun lien" in response.content.decode()
                continue
            assert link, (name, values)
            assert client.get(link).status_code == 200, (name, link)
            opened.add(name)
    assert {"proposals_submitted", "proposals_funded", "projects_opened", "outputs_publication"} <= opened
    assert {"people_trained", "people_aware", "partners_active"} <= opened


@pytest.mark.django_db
def test_french_indicator_and_dashboard_pages_read_in_french(as_persona, funding_programme, settings):
    """The default period, the funnel's labels and the dashboard's year are shown, in French."""
    settings.LANGUAGE_CODE = "fr"
    client = as_persona("board")
    client.cookies["django_language"] = "fr"
    indicator = Indicator.objects.filter(programme=funding_programme).first()
    assert indicator.period == "calendar year"  # stored in English by the defaults
    html = client.get(url("indicator", funding_programme, indicator.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "année civile" in html and "calendar year" not in html
    response = client.get(url("dashboard", funding_programme), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert "Déposées" in html and "Financées" in html  # the funnel speaks of proposals
    assert response.context["form"]["year"].value() == response.context["year"]  # the year shown is filled in


def test_the_edit_form_shows_the_default_period_in_french(as_persona, funding_programme, settings):
    settings.LANGUAGE_CODE = "fr"
    client = as_persona("office")
    client.cookies["django_language"] = "fr"
    indicator = Indicator.objects.filter(programme=funding_programme, period="calendar year").first()

    response = client.get(url("indicator_edit", funding_programme, indicator.pk), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.context["form"]["period"].value() == "année civile"
    assert "calendar year" not in response.content.decode()


@pytest.mark.django_db
def test_the_funnel_counts_each_stage_among_the_previous_one(as_persona, funding_programme, call):
    """Reviewed counts eligible proposals with a submitted review, never more than the eligible;
    a proposal funded without a review recorded in Grappe is tagged, not hidden."""
    from grappe.review.models import Review, ReviewAssignment, ReviewState

    eligible = submitted(call, at(2026, 2), eligible=True)
    ineligible = submitted(call, at(2026, 2), eligible=False)
    funded = submitted(call, at(2026, 2), eligible=True)
    for proposal in (eligible, ineligible):
        assignment = ReviewAssignment.objects.create(call=call, reviewer=PersonFactory(), proposal=proposal)
        Review.objects.create(assignment=assignment, state=ReviewState.SUBMITTED, submitted_at=at(2026, 3))
    Decision.objects.create(proposal=funded, outcome=Outcome.FUNDED, amount=Decimal("1000"))
    Award.objects.create(proposal=funded, call=call, amount=Decimal("1000"))
    response = as_persona("office").get(url("dashboard", funding_programme) + "?year=2026")
    row = response.context["funnel_rows"][0]
    assert (row["submitted"], row["eligible"], row["reviewed"], row["funded"], row["unreviewed"]) == (3, 2, 1, 1, 1)
    html = response.content.decode()
    assert 'data-testid="funded-unreviewed"' in html and 'data-testid="funnel-note"' in html
    assert 'data-testid="training-calendar-years"' in html
    # The funnel follows every call whatever the year chosen: the page says so (an outside walk
    # read 2025's page counting the 2026 call's awards).
    assert "Funnel of the calls, all years" in html and "whatever the year chosen above" in html


@pytest.mark.django_db
def test_stored_default_definitions_say_the_date_they_count_by(funding_programme):
    """Migration reporting.0005: a definition still the old default text gets the new one; one the
    office rewrote is kept."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("grappe.reporting.migrations.0005_dated_definitions")
    indicators = Indicator.objects.filter(programme=funding_programme)
    indicators.filter(code="FIN-3").update(definition_en=migration.OLD["FIN-3"][1])
    indicators.filter(code="RES-4").update(definition_en="Our own wording.")
    migration.forwards(apps, None)
    assert indicators.get(code="FIN-3").definition_en == (
        "Expense statements accepted by the office, in the year their period ends (EUR)."
    )
    assert indicators.get(code="RES-4").definition_en == "Our own wording."
