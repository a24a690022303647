"""A funded award ready to become a project, and the project opened from it.

The lead is the ``applicant`` persona (of ``university``, the managing institution); a member of
``other_university``; partners ``company`` (whose contact is ``partner_contact``) and a second
company, each with co-funding pledges; a budget table over two years and two beneficiaries.
"""

import datetime as dt
from decimal import Decimal

import pytest

from grappe.funding import services as funding
from grappe.programmes.models import CostCategory
from grappe.projects.services import Opening
from grappe.selection.models import Award, Decision, Outcome
from grappe.submissions.models import (
    BudgetLine,
    CoFunding,
    InvitationState,
    ProposalPartner,
    ProposalState,
    TeamMember,
)
from tests.factories import CompanyFactory, PersonFactory, ProposalFactory

START = dt.date(2026, 1, 1)
# "Today" for tests whose dates must be past (signatures, payments, contributions): near the
# test project's end (2027-12-31).
LATE_IN_PROJECT = dt.date(2027, 12, 20)


@pytest.fixture
def late_in_project(monkeypatch):
    """Today (``timezone.localdate()``, Europe/Paris) is 20 December 2027: every date of the test
    project but its last days is past. Only the day moves (freezegun's fake datetimes would reach
    the API's schemas)."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return LATE_IN_PROJECT if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def make_award(
    applicant, university, other_university, company, *, title="Grapes of Wrath AI", amount="150000", call=None
):
    extra = {"call": call} if call is not None else {}
    proposal = ProposalFactory(
        **extra,
        title=title,
        acronym="GWAI",
        lead=applicant.person,
        lead_organisation=university,
        requested_amount=Decimal(amount),
        state=ProposalState.SUBMITTED,
    )
    member = PersonFactory()
    TeamMember.objects.create(
        proposal=proposal,
        person=member,
        email=member.email,
        organisation=other_university,
        state=InvitationState.ACCEPTED,
    )
    other = CompanyFactory(name=f"Autre Industrie {proposal.code}")
    for org, cash in ((company, "20000"), (other, "5000")):
        partner = ProposalPartner.objects.create(proposal=proposal, organisation=org)
        CoFunding.objects.create(partner=partner, year=2026, kind="cash", amount=Decimal(cash))
        CoFunding.objects.create(partner=partner, year=2027, kind="in_kind", amount=Decimal("10000"))
    staff = CostCategory.objects.get(code="personnel")
    general = CostCategory.objects.get(code="general")
    for year in (2026, 2027):
        BudgetLine.objects.create(
            proposal=proposal, category=staff, organisation=university, year=year, amount=Decimal("50000")
        )
        BudgetLine.objects.create(
            proposal=proposal, category=general, organisation=other_university, year=year, amount=Decimal("12500.50")
        )
    Decision.objects.create(proposal=proposal, outcome=Outcome.FUNDED, amount=Decimal(amount))
    return Award.objects.create(proposal=proposal, call=proposal.call, amount=Decimal(amount))


@pytest.fixture
def award(applicant, university, other_university, company):
    return make_award(applicant, university, other_university, company)


def open_from(award, office, university, **kwargs):
    params = {"start_date": START, "managing_institution": university, "rf_version": "RF 2023"} | kwargs
    params["public_partner_ids"] = frozenset(params.get("public_partner_ids", ()))
    return funding.open_project_from_award(award, Opening(**params), actor=office)


@pytest.fixture
def project(award, office, university, company):
    return open_from(award, office, university, public_partner_ids={company.pk})


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf(name="signed.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name="receipt.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")


def fake(name="virus.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"MZ not a pdf at all", content_type="application/pdf")


def dates(text):
    """``text`` with each ``<YYYY-MM-DD>`` written as the active language's short date (the
    date format belongs to the site, not to these tests)."""
    import re

    from django.utils.formats import date_format

    return re.sub(r"<(\d{4}-\d\d-\d\d)>", lambda m: date_format(dt.date.fromisoformat(m[1]), "SHORT_DATE_FORMAT"), text)
