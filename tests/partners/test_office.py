"""The office's partner list, export and partner page: access per persona, constant queries,
bad input on agreements."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from grappe.partners import services
from grappe.partners.models import Agreement
from tests.conftest import PERSONAS
from tests.factories import CompanyFactory
from tests.notifications.checks import assert_notified
from tests.submissions.conftest import PDF

ALLOWED_LIST = {"office", "board"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_and_page_per_persona(as_persona, persona, company, relation):
    client = as_persona(persona)
    for url in (reverse("partners:list"), reverse("partners:detail", args=[company.code]), reverse("partners:funnel")):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302
        elif persona in ALLOWED_LIST:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, (persona, url)


@pytest.mark.parametrize("persona", ["board", "partner_contact", "applicant"])
def test_only_the_office_manages(as_persona, persona, company, relation):
    response = as_persona(persona).get(reverse("partners:add", args=[company.code, "agreement"]))
    assert response.status_code == 404


def test_list_query_count_is_constant(as_persona, company, relation, django_assert_max_num_queries):
    client = as_persona("office")
    client.get(reverse("partners:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("partners:list"))
    for i in range(15):
        services.profile_of(CompanyFactory(name=f"Partenaire {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("partners:list"))
    assert response.status_code == 200


def test_filters_and_export(as_persona, company, relation):
    CompanyFactory(name="Sans Accord SARL", kind="sme")
    client = as_persona("office")
    response = client.get(reverse("partners:list"), {"level": "strategic"})
    assert company.name in response.text and "Sans Accord" not in response.text
    response = client.get(reverse("partners:list"), {"min_contribution": "-5"})
    assert response.status_code == 200 and "cannot be negative" in response.text
    export = client.get(reverse("partners:export"), {"level": "strategic"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][0] == company.name and len(rows) == 2


def test_agreement_end_before_start_and_fake_pdf(as_persona, company, relation):
    client = as_persona("office")
    url = reverse("partners:add", args=[company.code, "agreement"])
    base = {"kind": "nda", "title": "NDA", "ip_clause": "none", "start_date": "2026-05-01", "notice_days": "60"}
    response = client.post(url, {**base, "end_date": "2026-04-01"})
    assert response.status_code == 200 and "cannot end before it starts" in response.text
    fake = SimpleUploadedFile("nda.pdf", b"%PDF-1.4 <html>not really</html>", content_type="application/pdf")
    response = client.post(url, {**base, "end_date": "2027-04-01", "upload": fake})
    assert "not a PDF" in response.text
    assert not Agreement.objects.exists()
    upload = SimpleUploadedFile("nda.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {**base, "end_date": "2027-04-01", "upload": upload})
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    pdf_url = reverse("partners:agreement_file", args=[company.code, agreement.pk])
    assert client.get(pdf_url).status_code == 200
    assert as_persona("partner_contact").get(pdf_url).status_code == 200
    assert as_persona("applicant").get(pdf_url).status_code == 404


def test_an_agreement_pdf_too_large_saves_nothing_and_says_the_limit(as_persona, company, relation, settings):
    """Cut while it arrived, the file used to be missing from an otherwise valid form: the
    agreement was saved without it."""
    settings.GRAPPE_MAX_UPLOAD_MB = 1
    client = as_persona("office")
    url = reverse("partners:add", args=[company.code, "agreement"])
    base = {"kind": "nda", "title": "NDA Exemplix", "ip_clause": "none", "start_date": "2026-05-01"}
    big = SimpleUploadedFile("nda.pdf", PDF + b"0" * (3 * 1024 * 1024), content_type="application/pdf")
    response = client.post(url, {**base, "end_date": "2027-04-01", "notice_days": "60", "upload": big})
    assert response.status_code == 200
    assert response.context["form"].errors["upload"] == ["This file is 3 MB; the limit is 1 MB."]
    assert 'value="NDA Exemplix"' in response.text and not Agreement.objects.exists()
    assert "PDF, at most 1 MB." in client.get(url).text


def test_office_forms_record_history(as_persona, company, relation, applicant):
    client = as_persona("office")
    add = lambda what, data: client.post(reverse("partners:add", args=[company.code, what]), data)  # noqa: E731
    assert (
        add(
            "relation",
            {
                "level": "full",
                "member_since": "2026-01-01",
                "member_until": "2025-01-01",
                "annual_fee": "5000",
                "version": relation.version,
            },
        ).status_code
        == 200
    )
    assert (
        add(
            "relation",
            {"level": "full", "member_since": "2026-01-01", "annual_fee": "5000", "version": relation.version},
        ).status_code
        == 302
    )
    assert add("relation", {"level": "associate", "version": relation.version}).status_code == 200  # stale version
    assert add("payment", {"year": "2026", "amount": "5000", "paid_on": "2026-02-01"}).status_code == 302
    assert add("contact", {"email": "nobody@example.org", "role": "main"}).status_code == 200
    assert add("contact", {"email": applicant.email, "role": "scientific"}).status_code == 302
    assert (
        add(
            "interaction",
            {"kind": "meeting", "date": "2026-03-02", "participants": "Claire, Marc", "notes": "Kick-off"},
        ).status_code
        == 302
    )
    page = client.get(reverse("partners:detail", args=[company.code])).text
    assert "Kick-off" in page and "5,000.00" in page and applicant.person.full_name in page


def test_renewal_reminders_once(company, relation, office, mailoutbox):
    today = dt.date(2026, 6, 1)
    Agreement.objects.create(
        profile=relation,
        kind="nda",
        title="NDA",
        start_date=dt.date(2025, 1, 1),
        end_date=today + dt.timedelta(days=30),
    )
    Agreement.objects.create(
        profile=relation,
        kind="charter",
        title="Charter",
        start_date=dt.date(2025, 1, 1),
        end_date=today + dt.timedelta(days=300),
    )
    assert services.send_agreement_reminders(today=today) == 1
    assert services.send_agreement_reminders(today=today) == 0
    assert len(mailoutbox) == 1 and "NDA" in mailoutbox[0].subject
    assert_notified("deadline", office.email)


def test_contributions_from_the_records(project, company, relation):
    from grappe.funding.models import Contribution, Pledge
    from grappe.partners import queries

    Contribution.objects.create(
        project=project,
        organisation=company,
        year=2026,
        kind="cash",
        amount=Decimal("15000"),
        received_on=dt.date(2026, 5, 1),
        state="confirmed",
        decided_at=dt.datetime(2026, 5, 2, tzinfo=dt.UTC),
    )
    Contribution.objects.create(  # declared, not confirmed by the office: not counted
        project=project, organisation=company, year=2026, kind="cash", amount=Decimal("5000"),
        received_on=dt.date(2026, 6, 1),
    )  # fmt: skip
    money = queries.contributions_of(company, queries.projects_of(company))
    pledged = sum(p.amount for p in Pledge.objects.filter(organisation=company))
    assert money.pledged == pledged and money.realised == Decimal("15000") == money.realised_cash
    row = queries.partners_for_office().get(pk=company.pk)
    assert row.realised == Decimal("15000") and row.project_pledged == pledged


def test_the_office_finds_the_agreements_to_renew(as_persona, company, relation):
    """The renewal filter lists partners whose active agreement is inside its notice period."""
    import datetime as dt

    from django.utils import timezone

    later = CompanyFactory(name="Renouvellement Lointain SA", kind="sme")
    today = timezone.localdate()
    Agreement.objects.create(
        profile=relation,
        kind="nda",
        title="NDA",
        start_date=today - dt.timedelta(days=300),
        end_date=today + dt.timedelta(days=20),
        notice_days=60,
    )
    from grappe.partners.models import PartnerProfile

    far = PartnerProfile.objects.create(organisation=later)
    Agreement.objects.create(
        profile=far, kind="nda", title="NDA", start_date=today, end_date=today + dt.timedelta(days=400), notice_days=60
    )

    response = as_persona("office").get(reverse("partners:list"), {"agreements": "renewal"})

    assert company.name in response.text and later.name not in response.text
