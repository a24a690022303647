"""What an outside walk-through of the reporting found (issue 16): the annual report's ratios, the
"as of" date's round trip, reports of years not begun, provisional snapshots."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.funding.models import Contribution
from grappe.reporting import queries, services
from grappe.reporting.computations import as_of_day, window
from grappe.reporting.forms import ScopeForm
from grappe.reporting.models import AnnualReport, Unit
from tests.projects.conftest import make_award, open_from
from tests.reporting.conftest import at, set_time


def url(name, programme, *args):
    return reverse(f"reporting:{name}", args=[programme.code, *args])


@pytest.fixture
def project(applicant, university, other_university, company, office, call):
    award = make_award(applicant, university, other_university, company, call=call)
    set_time(award.proposal, submitted_at=at(2026, 1))
    set_time(award, created_at=at(2026, 1, 20), committed_on=dt.date(2026, 1, 20))
    opened = open_from(award, office, university)
    for year, amount in ((2025, "5000"), (2026, "20000")):
        contribution = Contribution.objects.create(
            project=opened,
            organisation=company,
            year=year,
            kind="cash",
            amount=Decimal(amount),
            received_on=dt.date(year, 5, 1),
            state="confirmed",
            decided_at=at(year, 5, 2),
        )
        set_time(contribution, created_at=at(year, 5, 2))
    set_time(opened, created_at=at(2026, 2))
    return opened


@pytest.mark.django_db
def test_every_figure_of_the_report_equals_the_dashboards(funding_programme, project):
    """The snapshot used to store a ratio's numerator (leverage showed the co-funding, not 0.17)."""
    as_of = at(2026, 11, 1)
    for year in (2025, 2026):
        figures, _records = queries.snapshot(funding_programme, year, as_of=as_of)
        stored = {f["code"]: f for f in figures}
        live = queries.actuals(funding_programme, year, as_of=as_of)
        assert live and len(stored) == len(live)
        for actual in live:
            row = stored[actual.indicator.code]
            for value, text in ((actual.value, row["value"]), (actual.cumulative, row["cumulative"])):
                assert (None if value is None else Decimal(value)) == (None if text is None else Decimal(text)), (
                    year,
                    actual.indicator.code,
                )
    leverage = {f["code"]: f for f in queries.snapshot(funding_programme, 2026, as_of=as_of)[0]}
    ratio = next(f for f in leverage.values() if f["computation"] == "leverage")
    assert ratio["unit"] == Unit.RATIO
    # 20,000 co-funding over 150,000 committed in 2026; 25,000 over 150,000 cumulated.
    assert ratio["value"] == "0.13" and ratio["cumulative"] == "0.17"


@pytest.mark.django_db
def test_the_stored_report_and_its_replay_show_the_ratio(
    funding_programme, project, office, django_capture_on_commit_callbacks
):
    from grappe.reporting.documents import rows_of

    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(funding_programme, year=2026, language="en", actor=office, fresh=False)
    report.refresh_from_db()
    row = next(r for r in rows_of(report) if r["computation"] == "leverage")
    assert row["value"] == Decimal("0.13") and row["cumulative"] == Decimal("0.17")
    assert not [d for d in queries.compare(report) if d.changed]


@pytest.mark.django_db
def test_the_as_of_date_round_trips(as_persona, funding_programme, project):
    form = ScopeForm(
        {"as_of": "2026-02-15"}, programme=funding_programme, choices=queries.scope_choices(funding_programme)
    )
    assert form.is_valid()
    instant = form.as_of_instant()
    assert as_of_day(instant) == dt.date(2026, 2, 15)
    assert window(2026, as_of=instant).last_day == dt.date(2026, 2, 15)
    client = as_persona("board")
    page = client.get(url("dashboard", funding_programme) + "?year=2026&as_of=2026-02-15")
    assert page.context["as_of"] == dt.date(2026, 2, 15)
    body = page.content.decode()
    assert "15/02/2026" in body and "as_of=2026-02-15" in body and "as_of=2026-02-16" not in body
    drill = client.get(url("drill", funding_programme, "amount_committed") + "?year=2026&as_of=2026-02-15&cumulative=1")
    assert drill.context["as_of"] == dt.date(2026, 2, 15) and "15/02/2026" in drill.content.decode()
    # Without "as of", today.
    assert client.get(url("dashboard", funding_programme)).context["as_of"] == timezone.localdate()


@pytest.mark.django_db
def test_no_report_for_a_year_not_begun(as_persona, funding_programme, office):
    next_year = timezone.localdate().year + 1
    assert funding_programme.start_year <= next_year <= funding_programme.end_year
    for persona in ("office", "board"):
        client = as_persona(persona)
        page = client.get(url("reports", funding_programme))
        assert next_year not in page.context["years"] and timezone.localdate().year in page.context["years"]
        response = client.post(url("reports", funding_programme), {"year": str(next_year), "fresh": "0"}, follow=True)
        assert response.status_code == 200 and b"has not begun" in response.content
    assert not AnnualReport.objects.exists()


@pytest.mark.django_db
def test_a_report_of_the_current_year_is_provisional(
    as_persona, funding_programme, office, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        current = services.request_report(funding_programme, year=year, language="en", actor=office, fresh=False)
        past = services.request_report(funding_programme, year=year - 1, language="en", actor=office, fresh=False)
    current.refresh_from_db()
    past.refresh_from_db()
    assert current.provisional and not past.provisional
    page = as_persona("board").get(url("report", funding_programme, current.code))
    assert b'data-testid="provisional"' in page.content
    assert timezone.localdate().strftime("%d/%m/%Y").encode() in page.content  # its "as of" date
    assert (
        b'data-testid="provisional"' not in as_persona("board").get(url("report", funding_programme, past.code)).content
    )
    # The office takes a new snapshot of the current year (the board may not).
    assert (
        as_persona("board").post(url("reports", funding_programme), {"year": str(year), "fresh": "1"}).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        as_persona("office").post(url("reports", funding_programme), {"year": str(year), "fresh": "1"})
    assert AnnualReport.objects.filter(year=year).count() == 2


@pytest.mark.django_db
def test_a_filtered_dashboard_draws_no_gap_and_marks_programme_wide_figures(
    as_persona, funding_programme, call, project
):
    from grappe.reporting.models import Indicator, Method, Target

    trained = Indicator.objects.get(programme=funding_programme, computation="people_trained")
    Indicator.objects.create(programme=funding_programme, code="ATT-1", name_fr="x", name_en="x", method=Method.MANUAL)
    Target.objects.create(indicator=trained, year=2026, value=Decimal("100"))
    client = as_persona("board")
    whole = client.get(url("dashboard", funding_programme) + "?year=2026")
    rows = {a.indicator.code: a for a in whole.context["rows"]}
    assert rows[trained.code].gap is not None and not rows[trained.code].programme_wide
    assert b'data-testid="targets-programme-wide"' not in whole.content

    narrowed = client.get(url("dashboard", funding_programme) + f"?year=2026&call={call.code}")
    rows = {a.indicator.code: a for a in narrowed.context["rows"]}
    assert all(a.gap is None and a.gap_cumulative is None for a in rows.values())
    assert rows[trained.code].target == Decimal("100")  # shown, said to be the programme's
    body = narrowed.content.decode()
    assert 'data-testid="targets-programme-wide"' in body and 'data-testid="training-programme-wide"' in body
    # Training and partners do not follow a call; manual figures follow no filter; money does.
    wide = {a.indicator.computation or a.indicator.code for a in rows.values() if a.programme_wide}
    assert {"people_trained", "partners_active"} <= wide
    assert "amount_committed" not in wide and "leverage" not in wide
    manual = [a for a in rows.values() if a.indicator.method == Method.MANUAL]
    assert manual and all(a.programme_wide for a in manual)
    assert f'data-testid="programme-wide-{trained.code}"' in body
    # Narrowed to an institution, training follows it.
    by_institution = client.get(
        url("dashboard", funding_programme) + f"?year=2026&institution={project.proposal.lead_organisation.code}"
    )
    rows = {a.indicator.computation: a for a in by_institution.context["rows"]}
    assert not rows["people_trained"].programme_wide and rows["partners_active"].programme_wide


@pytest.mark.django_db
def test_entering_a_value_again_keeps_the_earlier_evidence(
    as_persona, funding_programme, office, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grappe.reporting.models import Indicator, ManualValue, ManualValueVersion, Method
    from tests.projects.conftest import PDF

    indicator = Indicator.objects.filter(programme=funding_programme, method=Method.MANUAL).first() or (
        Indicator.objects.create(
            programme=funding_programme, code="ATT-1", name_fr="x", name_en="x", method=Method.MANUAL
        )
    )
    year = timezone.localdate().year - 1
    first = services.record_manual_value(
        indicator,
        year=year,
        value=Decimal("3"),
        note="HR",
        upload=SimpleUploadedFile("first.pdf", PDF, content_type="application/pdf"),
        actor=office,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(funding_programme, year=year, language="en", actor=office, fresh=False)
    report.refresh_from_db()
    kept = {f["code"]: f for f in report.figures}[indicator.code]
    version = ManualValueVersion.objects.get()
    assert kept["evidence"] == version.pk and kept["value"] == "3"

    with django_capture_on_commit_callbacks(execute=True):
        services.record_manual_value(
            indicator,
            year=year,
            value=Decimal("5"),
            note="HR, corrected",
            upload=SimpleUploadedFile("second.pdf", PDF + b"%2", content_type="application/pdf"),
            actor=office,
        )
    assert ManualValue.objects.get().value == Decimal("5") and ManualValueVersion.objects.count() == 2
    old = ManualValueVersion.objects.get(pk=version.pk)
    assert old.value == Decimal("3") and old.file.name == first.file.name
    assert old.file.storage.exists(old.file.name)  # not deleted when the value was entered again
    client = as_persona("board")
    page = client.get(url("report", funding_programme, report.code))
    link = url("evidence_version", funding_programme, version.pk)
    assert link in page.content.decode()
    assert b"".join(client.get(link).streaming_content) == PDF
    # The indicator's page lists both values with their files.
    assert (
        b'data-testid="versions"' in as_persona("office").get(url("indicator", funding_programme, indicator.pk)).content
    )
    for persona, status in (("office", 200), ("board", 200), ("applicant", 404)):
        assert as_persona(persona).get(link).status_code == status


@pytest.mark.django_db
def test_a_value_by_hand_lies_in_the_programme_and_a_count_is_whole(as_persona, funding_programme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grappe.reporting.models import Indicator, ManualValue, Method
    from tests.projects.conftest import PDF

    indicator = Indicator.objects.create(
        programme=funding_programme, code="ATT-1", name_fr="x", name_en="x", method=Method.MANUAL, unit=Unit.COUNT
    )
    client = as_persona("office")
    page = url("indicator", funding_programme, indicator.pk)
    for year, value, error in (("2031", "4", b"within the programme"), ("2026", "2.5", b"whole number")):
        response = client.post(
            page,
            {
                "value-year": year,
                "value-value": value,
                "value-file": SimpleUploadedFile("e.pdf", PDF, content_type="application/pdf"),
            },
        )
        assert response.status_code == 200 and error in response.content
    assert not ManualValue.objects.exists()


@pytest.mark.django_db
def test_drill_down_keeps_the_dashboard_and_groups_amounts(as_persona, funding_programme, project, settings):
    client = as_persona("board")
    query = f"?year=2026&as_of=2026-11-01&institution={project.proposal.lead_organisation.code}"
    page = client.get(url("drill", funding_programme, "amount_committed") + query + "&cumulative=1")
    back = page.context["back"]
    assert "as_of=2026-11-01" in back and "institution=" in back and "cumulative" not in back
    assert "150,000.00" in page.content.decode()  # grouped, in English
    # A filter not understood is said, not silently dropped.
    for bad in ("?year=1900", "?call=NOPE"):
        for name in ("dashboard",):
            assert b'data-testid="scope-errors"' in client.get(url(name, funding_programme) + bad).content
        response = client.get(url("drill", funding_programme, "amount_committed") + bad)
        assert b'data-testid="scope-errors"' in response.content


@pytest.mark.django_db
def test_success_rate_leaves_letters_of_intent_out(as_persona, funding_programme, call, project):
    from grappe.stages.models import TwoStageCall
    from tests.factories import CallFactory, ProposalFactory

    letters = CallFactory(programme=funding_programme)
    TwoStageCall.objects.create(stage1=letters, stage2=call)
    for _n in range(3):
        set_time(ProposalFactory(call=letters, state="submitted"), submitted_at=at(2026, 1))
    page = as_persona("board").get(url("dashboard", funding_programme) + "?year=2026")
    rows = {r["call"].pk: r for r in page.context["funnel_rows"]}
    assert rows[letters.pk]["letters"] and rows[letters.pk]["success"] is None
    assert page.context["success"] == rows[call.pk]["success"]  # the letters do not dilute it
    assert b'data-testid="rates-note"' in page.content
