"""Co-funding realised against pledges and leverage; the payment schedule and payments; the
programme's ledger (committed never beyond the envelope), and who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.funding import queries, services
from grappe.funding.models import Contribution, Instalment
from grappe.people.models import Organisation, OrganisationKind
from grappe.projects import services as projects
from tests.conftest import PERSONAS
from tests.funding.test_statements import make_statement
from tests.projects.conftest import dates, fake, make_award, open_from, pdf, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("late_in_project")]  # today: 2027-12-20


def realise(project, organisation, year, kind, amount, *, received_on=None, evidence=False, confirm=True):
    """Record ``amount`` realised by ``organisation`` (on 1 March of ``year`` by default), confirmed
    by the office unless ``confirm`` is false. In kind, it has its description and evidence."""
    evidence = evidence or kind == "in_kind"
    contribution = services.record_contribution(
        project,
        organisation=organisation,
        kind=kind,
        amount=Decimal(amount),
        received_on=received_on or dt.date(year, 3, 1),
        description="Engineer time at cost" if kind == "in_kind" else "",
        upload=pdf() if evidence else None,
        content_type="application/pdf" if evidence else "",
        actor=None,
    )
    if confirm:
        services.decide_contribution(contribution, confirm=True, comment="", expected_version=1, actor=None)
    return contribution


def _contribution(client, project, organisation, **extra):
    data = {
        "organisation": organisation.pk,
        "kind": "cash",
        "amount": "15000",
        "received_on": "2026-05-02",
        "description": "Transfer of 2 May",
    } | extra
    return client.post(reverse("funding:cofunding", args=[project.code]), data)


def test_lead_declares_a_contribution_the_office_confirms_it(as_persona, project, company):
    response = _contribution(as_persona("applicant"), project, company, file=png())

    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.content_type, contribution.file_name, contribution.state) == (
        Decimal("15000.00"),
        "image/png",
        "receipt.png",
        "declared",
    )

    def mine():
        rows = queries.cofunding_rows(project, None)
        return [(r.year, r.kind, r.pledged, r.realised, r.declared) for r in rows if r.organisation == company]

    # Declared: shown as waiting, counted nowhere yet
    assert mine()[0] == (2026, "cash", Decimal("20000.00"), Decimal("0"), Decimal("15000.00"))
    assert queries.leverage_of(project).realised == 0
    office = as_persona("office")
    page = office.get(reverse("funding:cofunding", args=[project.code])).content.decode()
    assert "1 contribution waits for your confirmation." in page and "Declared, waiting for the office" in page

    confirmed = office.post(
        reverse("funding:cofunding", args=[project.code]),
        {"decide": contribution.pk, "version": "1", "decision": "confirm", "comment": ""},
        follow=True,
    )

    assert "Contribution confirmed: it counts in the co-funding realised." in confirmed.content.decode()
    contribution.refresh_from_db()
    assert (contribution.state, contribution.version, contribution.decided_by.email) == (
        "confirmed",
        2,
        "office@example.org",
    )
    assert mine() == [
        (2026, "cash", Decimal("20000.00"), Decimal("15000.00"), Decimal("0")),
        (2027, "in_kind", Decimal("10000.00"), Decimal("0"), Decimal("0")),
    ]
    assert queries.leverage_of(project).realised_cash == Decimal("15000.00")
    ledger = office.get(reverse("funding:ledger", args=[project.call.programme.code]))
    assert ledger.context["totals"]["realised"] == Decimal("15000.00")


def test_office_rejects_a_contribution_with_a_reason(as_persona, project, company):
    contribution = realise(project, company, 2026, "cash", "9999999", confirm=False)
    office = as_persona("office")
    url = reverse("funding:cofunding", args=[project.code])
    page = office.get(url)
    assert "above pledge" in page.content.decode()

    no_reason = office.post(url, {"decide": contribution.pk, "version": "1", "decision": "reject", "comment": "no"})

    form = dict(no_reason.context["contributions"])[Contribution.objects.get()]
    assert form.errors["comment"] == ["Say why the contribution is rejected (10 characters at least)."]
    rejected = office.post(
        url,
        {"decide": contribution.pk, "version": "1", "decision": "reject", "comment": "No transfer of that size."},
        follow=True,
    )
    assert "Contribution rejected: it does not count." in rejected.content.decode()
    assert "No transfer of that size." in rejected.content.decode()
    contribution.refresh_from_db()
    assert contribution.state == "rejected"
    assert queries.leverage_of(project).realised == 0
    assert all(r.realised == r.declared == 0 for r in queries.cofunding_rows(project, None))
    again = office.post(url, {"decide": contribution.pk, "version": "2", "decision": "confirm"}, follow=True)
    assert "This contribution is confirmed or rejected already." in again.content.decode()
    assert Contribution.objects.get().state == "rejected"


@pytest.mark.parametrize("persona", ["applicant", "partner_contact", "board"])
def test_only_the_office_confirms(as_persona, project, company, persona):
    contribution = realise(project, company, 2026, "cash", "1000", confirm=False)

    response = as_persona(persona).post(
        reverse("funding:cofunding", args=[project.code]),
        {"decide": contribution.pk, "version": "1", "decision": "confirm"},
    )

    assert response.status_code == 404
    assert Contribution.objects.get().state == "declared"


def test_office_records_a_contribution_confirmed_at_once(as_persona, project, company):
    response = _contribution(as_persona("office"), project, company, amount="1500,00", received_on="2027-12-20")

    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.state, contribution.year) == (Decimal("1500.00"), "confirmed", 2027)
    assert queries.leverage_of(project).realised_cash == Decimal("1500.00")


def test_year_is_the_year_of_the_date_received(as_persona, project, company):
    response = _contribution(as_persona("applicant"), project, company, year="2027", received_on="2026-03-01")

    assert response.status_code == 302
    assert Contribution.objects.get().year == 2026


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"amount": "10.123"}, "amount", "Give the amount in euros with at most 2 decimals (cents)."),
        ({"amount": "0"}, "amount", "The amount must be at least 0.01 €."),
        (
            {"received_on": "2028-02-01"},
            "received_on",
            "The date must be inside the project: from <2026-01-01> to <2027-12-31>.",
        ),
        (
            {"file": fake("proof.png")},
            "file",
            "Evidence must be a PDF or an image (PNG or JPEG), whatever its name says.",
        ),
        (
            {"received_on": "2027-12-21"},
            "received_on",
            "A contribution is recorded once received or valued: the date cannot be after today (<2027-12-20>).",
        ),
        (
            {"kind": "in_kind", "description": "", "file": png()},
            "description",
            "Describe what the partner brought in kind and how it is valued (e.g. 120 engineer hours × 65 €).",
        ),
        (
            {"kind": "in_kind", "description": "120 engineer hours × 65 €"},
            "file",
            "Attach the evidence of the valuation in kind (PDF or image).",
        ),
        ({"amount": "1.500,00"}, "amount", "Enter an amount in euros, e.g. 1500.00."),
    ],
)
def test_contribution_errors(as_persona, project, company, extra, field, message):
    response = _contribution(as_persona("applicant"), project, company, **extra)

    assert response.context["form"].errors[field] == [dates(message)]
    assert response.context["form"]["organisation"].value() == str(company.pk)
    assert not Contribution.objects.exists()


def test_evidence_too_large_records_nothing_and_says_the_limit(as_persona, project, company, settings):
    """Cut while it arrived, the evidence used to be missing from an otherwise valid form: the
    contribution was recorded without it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.GRAPPE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), content_type="application/pdf")
    response = _contribution(as_persona("applicant"), project, company, file=big)

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["This file is 3 MB; the limit is 1 MB."]
    assert 'value="Transfer of 2 May"' in response.text and not Contribution.objects.exists()


def test_service_refuses_what_the_form_refuses(project, company):
    with pytest.raises(services.FundingError, match="Attach the evidence of the valuation in kind"):
        services.record_contribution(
            project, organisation=company, kind="in_kind", amount=Decimal("5000"), received_on=dt.date(2026, 3, 1),
            description="Lab time", upload=None, content_type="", actor=None,
        )  # fmt: skip
    with pytest.raises(services.FundingError, match="cannot be after today"):
        services.record_contribution(
            project, organisation=company, kind="cash", amount=Decimal("5000"), received_on=dt.date(2027, 12, 24),
            description="", upload=None, content_type="", actor=None,
        )  # fmt: skip


def test_in_kind_with_description_and_evidence_is_declared(as_persona, project, company):
    response = _contribution(
        as_persona("applicant"),
        project,
        company,
        kind="in_kind",
        amount="7800",
        description="120 engineer hours × 65 €",
        file=pdf("timesheets.pdf"),
    )

    assert response.status_code == 302
    assert Contribution.objects.get().kind == "in_kind"


def test_partner_contact_sees_only_their_own_contributions(as_persona, project, company):
    other = project.partners.exclude(organisation=company).get().organisation
    realise(project, company, 2026, "cash", "1000", evidence=True)
    theirs = realise(project, other, 2026, "cash", "700", evidence=True)
    client = as_persona("partner_contact")

    response = client.get(reverse("funding:cofunding", args=[project.code]))

    assert {r.organisation for r in response.context["rows"]} == {company}
    assert [c.amount for c, _decide in response.context["contributions"]] == [Decimal("1000.00")]
    assert response.context["leverage"] is None and response.context["form"] is None
    assert client.get(reverse("funding:contribution_file", args=[project.code, theirs.pk])).status_code == 404
    mine = Contribution.objects.get(organisation=company)
    assert client.get(reverse("funding:contribution_file", args=[project.code, mine.pk])).status_code == 200
    assert _contribution(client, project, company).status_code == 404


def test_leverage_per_euro_of_cluster_money(project, company):
    realise(project, company, 2026, "cash", "15000")
    realise(project, company, 2027, "in_kind", "7500")

    leverage = queries.leverage_of(project)

    assert (leverage.cluster, leverage.pledged, leverage.realised) == (
        Decimal("150000.00"),
        Decimal("45000.00"),
        Decimal("22500.00"),
    )
    assert (leverage.pledged_cash, leverage.pledged_in_kind, leverage.realised_in_kind) == (
        Decimal("25000.00"),
        Decimal("20000.00"),
        Decimal("7500.00"),
    )
    assert (leverage.pledged_ratio, leverage.realised_ratio, leverage.cash_ratio) == (
        Decimal("0.30"),
        Decimal("0.15"),
        Decimal("0.10"),
    )


def test_industry_share_counts_companies_only(as_persona, project, company):
    # The second partner becomes a public body: its money counts in the total cost, not in the share
    Organisation.objects.filter(name__startswith="Autre Industrie").update(kind=OrganisationKind.PUBLIC_BODY)
    realise(project, company, 2026, "cash", "15000")
    realise(project, company, 2027, "in_kind", "7500")

    leverage = queries.leverage_of(project)

    # pledged: companies 20,000 cash + 10,000 in kind over 150,000 + 45,000; realised: over 150,000 + 22,500
    assert [[share for _amount, share in cells] for _label, cells in leverage.industry_table()] == [
        [Decimal("10.3"), Decimal("5.1"), Decimal("15.4")],
        [Decimal("8.7"), Decimal("4.3"), Decimal("13.0")],
    ]
    assert leverage.industry_table()[0][1][2][0] == Decimal("30000.00")
    page = as_persona("applicant").get(reverse("funding:cofunding", args=[project.code]))
    assert "Industry share" in page.content.decode() and "15.4 %" in page.content.decode()


def _schedule(client, project, **data):
    return client.post(
        reverse("funding:payments", args=[project.code]),
        {"kind": "advance", "trigger": "signature", "due_date": "2026-02-01"} | data,
    )


def test_schedule_by_share_and_never_beyond_the_maximum(as_persona, project):
    office = as_persona("office")

    _schedule(office, project, share="0.3")
    _schedule(office, project, kind="intermediate", trigger="statement", amount="75000", due_date="2027-01-15")
    too_much = _schedule(office, project, kind="balance", trigger="statement", amount="30000.01", due_date="2028-06-30")

    assert [i.amount for i in Instalment.objects.all()] == [Decimal("45000.00"), Decimal("75000.00")]
    assert too_much.context["form"].non_field_errors() == [
        "30,000.01 € is more than what is left to schedule under the grant's maximum (30,000.00 €)."
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "100", "share": "0.1"}, "amount", "Give either an amount or a share of the maximum, not both."),
        ({}, "amount", "Give an amount, or a share of the maximum."),
        ({"amount": "-3"}, "amount", "The amount must be at least 0.01 €."),
        ({"share": "1.5"}, "share", "A share of the maximum is more than 0 and at most 1 (0.3 = 30 %)."),
        ({"share": "0"}, "share", "A share of the maximum is more than 0 and at most 1 (0.3 = 30 %)."),
        ({"share": "0.33333"}, "share", "Give the share with at most 4 decimals (0.3333 = 33.33 %)."),
        ({"share": "a third"}, "share", "Enter a share as a number, e.g. 0.3 for 30 %."),
        (
            {"amount": "100", "due_date": "2029-01-01"},
            "due_date",
            "A payment falls between the project's start and a year after its end: from <2026-01-01> to <2028-12-31>.",
        ),
    ],
)
def test_schedule_errors(as_persona, project, data, field, message):
    response = _schedule(as_persona("office"), project, **data)

    assert response.context["form"].errors == {field: [dates(message)]}
    assert not Instalment.objects.exists()


@pytest.mark.parametrize(("data", "amount"), [({"amount": "1500,00"}, "1500.00"), ({"amount": "1500.00"}, "1500.00"),
                                              ({"share": "0,3"}, "45000.00")])  # fmt: skip
def test_schedule_takes_a_decimal_comma_or_point(as_persona, project, data, amount):
    assert _schedule(as_persona("office"), project, **data).status_code == 302
    assert Instalment.objects.get().amount == Decimal(amount)


def test_a_payment_is_not_recorded_in_the_future(as_persona, project):
    instalment = services.schedule_instalment(
        project, kind="advance", amount=Decimal("45000"), share=None, trigger="signature",
        due_date=dt.date(2026, 2, 1), actor=None,
    )  # fmt: skip
    projects.sign_grant(project.grant, signed_on=dt.date(2026, 1, 20), document=pdf(), expected_version=1, actor=None)
    office = as_persona("office")
    url = reverse("funding:payments", args=[project.code])

    future = office.post(url, {"pay": instalment.pk, "version": "1", "paid_on": "2028-06-01"}, follow=True)

    assert dates(
        "A payment is recorded once made: the date paid cannot be after today (<2027-12-20>)."
    ) in future.content.decode().replace("&#x27;", "'")
    assert Instalment.objects.get().paid_on is None
    with pytest.raises(services.FundingError, match="cannot be after today"):
        services.pay_instalment(instalment, paid_on=dt.date(2027, 12, 21), expected_version=1, actor=None)
    office.post(url, {"pay": instalment.pk, "version": "1", "paid_on": "2027-12-20"})
    assert Instalment.objects.get().paid_on == dt.date(2027, 12, 20)


def test_payment_waits_for_its_condition(project):
    instalment = services.schedule_instalment(
        project,
        kind="advance",
        amount=Decimal("45000"),
        share=None,
        trigger="signature",
        due_date=dt.date(2026, 2, 1),
        actor=None,
    )
    with pytest.raises(services.FundingError, match="waits for its condition: Signature of the grant"):
        services.pay_instalment(instalment, paid_on=dt.date(2026, 2, 3), expected_version=1, actor=None)
    projects.sign_grant(project.grant, signed_on=dt.date(2026, 1, 20), document=pdf(), expected_version=1, actor=None)

    services.pay_instalment(instalment, paid_on=dt.date(2026, 2, 3), expected_version=1, actor=None)

    assert Instalment.objects.get().paid_on == dt.date(2026, 2, 3)
    with pytest.raises(services.FundingError, match="paid already"):
        services.pay_instalment(instalment, paid_on=dt.date(2026, 2, 4), expected_version=2, actor=None)


def test_statement_condition_and_the_pay_form(as_persona, project, university):
    instalment = services.schedule_instalment(
        project,
        kind="intermediate",
        amount=Decimal("40000"),
        share=None,
        trigger="statement",
        due_date=dt.date(2027, 1, 15),
        actor=None,
    )
    office = as_persona("office")
    url = reverse("funding:payments", args=[project.code])

    refused = office.post(url, {"pay": instalment.pk, "version": "1", "paid_on": "2027-01-20"}, follow=True)
    assert "This instalment waits for its condition: An accepted expense statement." in refused.content.decode()
    make_statement(project, university, state="accepted")
    office.post(url, {"pay": instalment.pk, "version": "1", "paid_on": "2027-01-20"})

    assert Instalment.objects.get().paid_on == dt.date(2027, 1, 20)
    assert (
        as_persona("applicant").post(url, {"pay": instalment.pk, "version": "2", "paid_on": "2027-01-21"}).status_code
        == 404
    )


def test_programme_ledger_totals(as_persona, project, university, company):
    make_statement(project, university, state="accepted")
    projects.sign_grant(project.grant, signed_on=dt.date(2026, 1, 20), document=pdf(), expected_version=1, actor=None)
    advance = services.schedule_instalment(
        project,
        kind="advance",
        amount=Decimal("45000"),
        share=None,
        trigger="signature",
        due_date=dt.date(2026, 2, 1),
        actor=None,
    )
    services.pay_instalment(advance, paid_on=dt.date(2026, 2, 3), expected_version=1, actor=None)
    realise(project, company, 2026, "cash", "15000")
    programme = project.call.programme

    response = as_persona("board").get(reverse("funding:ledger", args=[programme.code]))

    totals = response.context["totals"]
    assert {
        k: totals[k] for k in ("envelope", "reserved", "committed", "paid", "spent", "pledged", "realised", "left")
    } == {
        "envelope": Decimal("1000000.00"),
        "reserved": Decimal("500000.00"),
        "committed": Decimal("150000.00"),
        "paid": Decimal("45000.00"),
        "spent": Decimal("43000.00"),
        "pledged": Decimal("45000.00"),
        "realised": Decimal("15000.00"),
        "left": Decimal("850000.00"),
    }
    assert [c.project_count for c in response.context["calls"]] == [1]
    assert (totals["leverage"].realised_ratio, totals["leverage"].pledged_ratio) == (Decimal("0.10"), Decimal("0.30"))
    call = response.context["calls"][0]
    assert (call.leverage.realised_ratio, call.leverage.pledged_ratio) == (Decimal("0.10"), Decimal("0.30"))
    # cash and in kind apart: 25,000 cash and 20,000 in kind pledged (see conftest), 15,000 cash realised
    assert [[r for _amount, r in cells] for _label, cells in call.leverage.table()] == [
        [Decimal("0.17"), Decimal("0.13"), Decimal("0.30")],
        [Decimal("0.10"), Decimal("0.00"), Decimal("0.10")],
    ]
    # every partner is a company here: 15,000 realised over 150,000 + 15,000; 45,000 pledged over 195,000
    for leverage in (call.leverage, totals["leverage"]):
        assert [cells[2][1] for _label, cells in leverage.industry_table()] == [Decimal("23.1"), Decimal("9.1")]
    assert "Industry share of the programme" in response.content.decode()


def test_programme_ledger_shows_cents_a_total_row_and_the_unit(as_persona, project):
    """A call's reserve of 0.01 € shows as such (not 0), the per-call tables end on a total row
    equal to the header's figures, and the unit is said."""
    from tests.factories import CallFactory

    programme = project.call.programme
    CallFactory(programme=programme, budget=Decimal("0.01"), title_en="Tiny call", title_fr="Tiny call")
    response = as_persona("office").get(reverse("funding:ledger", args=[programme.code]))
    html = response.content.decode()
    assert response.context["totals"]["reserved"] == Decimal("500000.01")
    calls = html.split('data-testid="ledger-calls"')[1].split("</table>")[0]
    assert ">0.01<" in calls and "500,000.01" in calls and "<tfoot>" in calls and "(€)" in calls
    assert 'data-testid="ledger-unit"' in html
    assert response.context["totals"]["projects"] == 1
    leverage = html.split('data-testid="ledger-leverage"')[1].split("</table>")[0]
    assert "<tfoot>" in leverage and "0.10 / 0.00 / 0.10" not in calls


@pytest.mark.parametrize("persona", PERSONAS)
def test_ledger_and_payments_access(as_persona, project, persona):
    client = as_persona(persona)

    ledger = client.get(reverse("funding:ledger", args=[project.call.programme.code])).status_code
    payments = client.get(reverse("funding:payments", args=[project.code])).status_code

    assert ledger == {"office": 200, "board": 200, "anonymous": 302}.get(persona, 404)
    insiders = {"office": 200, "board": 200, "institution_contact": 200, "applicant": 200, "anonymous": 302}
    assert payments == insiders.get(persona, 404)


@pytest.mark.parametrize("item_count", [1, 3])
def test_ledger_keeps_a_constant_query_count(
    as_persona, django_assert_num_queries, applicant, university, other_university, company, office, item_count
):
    call = None
    for n in range(item_count):
        award = make_award(applicant, university, other_university, company, title=f"P{n}", call=call)
        call = award.call
        make_statement(open_from(award, office, university), university, state="accepted")
    programme = call.programme
    client = as_persona("office")

    with django_assert_num_queries(6):
        response = client.get(reverse("funding:ledger", args=[programme.code]))

    assert response.context["totals"]["spent"] == Decimal("43000.00") * item_count


def test_unpaid_instalment_is_unscheduled_a_paid_one_never(as_persona, project):
    first, second = (
        services.schedule_instalment(
            project, kind=kind, amount=Decimal("1000"), share=None, trigger="signature", due_date=day, actor=None
        )
        for kind, day in (("advance", dt.date(2026, 2, 1)), ("intermediate", dt.date(2027, 2, 1)))
    )
    projects.sign_grant(project.grant, signed_on=dt.date(2026, 1, 20), document=pdf(), expected_version=1, actor=None)
    services.pay_instalment(first, paid_on=dt.date(2026, 2, 3), expected_version=1, actor=None)
    url = reverse("funding:payments", args=[project.code])

    assert as_persona("applicant").post(url, {"unschedule": second.pk, "version": 1}).status_code == 404
    stale = as_persona("office").post(url, {"unschedule": second.pk, "version": 7}, follow=True)
    assert "Someone else saved this while you were editing it" in stale.content.decode()
    as_persona("office").post(url, {"unschedule": second.pk, "version": 1})
    paid = as_persona("office").post(url, {"unschedule": first.pk, "version": 2}, follow=True)

    assert list(Instalment.objects.values_list("pk", flat=True)) == [first.pk]
    assert "A paid instalment is part of the ledger: it cannot be deleted." in paid.content.decode()


def test_contributions_recorded_before_the_confirmation_stay_counted(project, company):
    """Migration funding.0006: what was recorded (and counted) before stays counted, confirmed as of
    the day it was recorded."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("grappe.funding.migrations.0006_contribution_states")
    old = Contribution.objects.create(
        project=project, organisation=company, year=2026, kind="cash", amount=Decimal("5000"),
        received_on=dt.date(2026, 3, 1),
    )  # fmt: skip

    migration.confirm_recorded(apps, None)

    old.refresh_from_db()
    assert (old.state, old.decided_at) == ("confirmed", old.created_at)
    assert list(Contribution.objects.counted()) == [old]
