"""The grant record: edits before signature, the signature, amendments with before/after."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.core.services import ConcurrentEditError
from grappe.projects import services
from grappe.projects.models import Amendment, Grant, GrantDocument
from tests.conftest import PERSONAS
from tests.projects.conftest import dates, fake, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("late_in_project")]  # today: 2027-12-20


def _values(grant, **changes):
    data = {
        "version": str(grant.version),
        "rf_version": grant.rf_version,
        "managing_institution": str(grant.managing_institution_id),
        "start_date": grant.start_date.isoformat(),
        "end_date": grant.end_date.isoformat(),
        "max_amount": str(grant.max_amount),
        "overhead_rate": str(grant.overhead_rate),
        "regime": grant.regime,
    }
    return data | changes


def _post(client, project, action, data):
    return client.post(reverse("projects:grant", args=[project.code]), {"action": action} | data)


def test_office_edits_the_grant_before_signature(as_persona, project):
    grant = project.grant

    response = _post(as_persona("office"), project, "update", _values(grant, max_amount="120000.50", regime="full"))

    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.max_amount, grant.regime, grant.version) == (Decimal("120000.50"), "full", 2)
    entry = AuditLog.objects.get(action="grant.updated")
    assert entry.data["changed"] == {"max_amount": ["150000.00", "120000.50"], "regime": ["marginal", "full"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_amount", "150000.01", "150,000.01 € is more than the award committed for this project (150,000.00 €)."),
        ("max_amount", "100.001", "Give the amount in euros with at most 2 decimals (cents)."),
        ("max_amount", "-5", "The amount cannot be negative."),
        ("max_amount", "12abc", "Enter an amount in euros, e.g. 1500.00."),
        ("max_amount", "1.500,00", "Enter an amount in euros, e.g. 1500.00."),
        ("end_date", "2025-12-31", "The end must come after the start."),
        ("end_date", "2029-01-31", "The project must end by the programme's last day (<2028-12-31>)."),
        ("overhead_rate", "1.5", "Ensure this value is less than or equal to 1."),
    ],
)
def test_grant_form_errors_name_the_limit_and_save_nothing(as_persona, project, field, value, message):
    grant = project.grant

    response = _post(as_persona("office"), project, "update", _values(grant, **{field: value}))

    assert response.context["forms"]["update"].errors[field] == [dates(message)]
    assert Grant.objects.get(pk=grant.pk).version == 1 and not AuditLog.objects.filter(action="grant.updated").exists()


def test_stale_version_is_refused(as_persona, project):
    grant = project.grant
    services.update_grant(grant, changes={"rf_version": "RF 2024"}, expected_version=1, actor=None)

    response = _post(as_persona("office"), project, "update", _values(grant, version="1", rf_version="RF 2025"))

    assert Grant.objects.get(pk=grant.pk).rf_version == "RF 2024"
    # The typed value comes back beside the conflict message; the form shows the saved grant.
    assert response.status_code == 409
    assert response.context["conflict"]["message"] == ConcurrentEditError.kept_message
    assert ("Financial rules version", "RF 2025") in response.context["conflict"]["kept"]
    assert response.context["forms"]["update"]["rf_version"].value() == "RF 2024"
    assert 'id="kept-update"' in response.content.decode()


def test_signature_needs_a_real_pdf(as_persona, project):
    client = as_persona("office")

    bad = _post(client, project, "sign", {"version": "1", "signed_on": "2026-01-10", "document": fake()})
    assert bad.context["forms"]["sign"].errors["document"] == [
        "This file is not a PDF (whatever its name says): export your document as PDF."
    ]
    assert Grant.objects.get().state == "draft" and not GrantDocument.objects.exists()

    good = _post(client, project, "sign", {"version": "1", "signed_on": "2026-01-10", "document": pdf()})
    assert good.status_code == 302
    grant = Grant.objects.get()
    assert (grant.state, grant.signed_on) == ("signed", dt.date(2026, 1, 10))
    assert [d.file_name for d in grant.documents.all()] == ["signed.pdf"]


def test_after_signature_changes_are_amendments_with_history(as_persona, project):
    grant = services.sign_grant(
        project.grant, signed_on=dt.date(2026, 1, 10), document=pdf(), expected_version=1, actor=None
    )
    with pytest.raises(services.ProjectError, match="record an amendment"):
        services.update_grant(grant, changes={"rf_version": "x"}, expected_version=grant.version, actor=None)
    client = as_persona("office")
    data = _values(grant, end_date="2028-06-30", reason="Six more months for the field study.", signed_on="2027-03-01")

    response = _post(client, project, "amend", data | {"document": pdf("amendment-1.pdf")})

    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.number, amendment.changes) == (1, {"end_date": ["2027-12-31", "2028-06-30"]})
    assert amendment.document.file_name == "amendment-1.pdf"
    grant.refresh_from_db()
    assert grant.end_date == dt.date(2028, 6, 30)
    page = client.get(reverse("projects:grant", args=[project.code])).content.decode()
    assert "Six more months for the field study." in page and "31 Dec 2027 → <strong>30 Jun 2028</strong>" in page
    amendment.changes["max_amount"] = ["325430.00", "200000"]  # amounts as the reader writes them too
    amendment.save()
    french = client.get(reverse("projects:grant", args=[project.code]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "31 déc. 2027 → <strong>30 juin 2028</strong>" in french.text
    assert "325\u202f430,00 → <strong>200\u202f000,00</strong>" in french.text
    nothing = _post(
        client,
        project,
        "amend",
        _values(grant, reason="Nothing at all changes.", signed_on="2027-04-01") | {"document": pdf()},
    )
    assert nothing.context["forms"]["amend"].non_field_errors() == [
        "This amendment changes nothing: change at least one value."
    ]
    assert Amendment.objects.count() == 1 and GrantDocument.objects.count() == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_grant_page_access(as_persona, project, persona):
    response = as_persona(persona).get(reverse("projects:grant", args=[project.code]))

    expected = {"office": 200, "board": 200, "institution_contact": 200, "applicant": 200, "anonymous": 302}
    assert response.status_code == expected.get(persona, 404)


@pytest.mark.parametrize("persona", ["board", "institution_contact", "applicant", "partner_contact"])
def test_only_the_office_changes_the_grant(as_persona, project, persona):
    response = _post(as_persona(persona), project, "update", _values(project.grant, rf_version="Hacked"))

    assert response.status_code == 404 and Grant.objects.get().rf_version == "RF 2023"


def test_signed_documents_download_for_insiders_only(as_persona, project):
    services.sign_grant(project.grant, signed_on=dt.date(2026, 1, 10), document=pdf(), expected_version=1, actor=None)
    url = reverse("projects:grant_document", args=[project.code, GrantDocument.objects.get().pk])

    response = as_persona("applicant").get(url)

    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert as_persona("partner_contact").get(url).status_code == 404


@pytest.mark.parametrize("typed", ["120000,50", "120000.50", "120 000,50"])
def test_amounts_take_a_decimal_comma_or_point(as_persona, project, typed):
    response = _post(as_persona("office"), project, "update", _values(project.grant, max_amount=typed))

    assert response.status_code == 302
    project.grant.refresh_from_db()
    assert project.grant.max_amount == Decimal("120000.50")


def _money_used(project, university):
    """Sign; pay a 45,000 advance; accept a 43,000 statement; schedule 60,000 more (unpaid)."""
    from grappe.funding import services as funding
    from tests.funding.test_statements import make_statement

    grant = services.sign_grant(
        project.grant, signed_on=dt.date(2026, 1, 10), document=pdf(), expected_version=1, actor=None
    )
    advance = funding.schedule_instalment(
        project, kind="advance", amount=Decimal("45000"), share=None, trigger="signature",
        due_date=dt.date(2026, 2, 1), actor=None,
    )  # fmt: skip
    funding.pay_instalment(advance, paid_on=dt.date(2026, 2, 3), expected_version=1, actor=None)
    make_statement(project, university, state="accepted")
    funding.schedule_instalment(
        project, kind="intermediate", amount=Decimal("60000"), share=None, trigger="statement",
        due_date=dt.date(2027, 2, 1), actor=None,
    )  # fmt: skip
    grant.refresh_from_db()
    return grant


def _amend(client, project, grant, **changes):
    data = _values(grant, reason="The consortium lost a partner.", signed_on="2027-12-01") | changes
    return _post(client, project, "amend", data | {"document": pdf("amendment.pdf")})


def test_maximum_never_below_what_is_paid_accepted_or_scheduled(as_persona, project, university):
    grant = _money_used(project, university)
    client = as_persona("office")

    refused = _amend(client, project, grant, max_amount="100000")

    assert refused.context["forms"]["amend"].errors["max_amount"] == [
        "100,000.00 € is below what the project already uses (paid 45,000.00 €; accepted statements 43,000.00 €; "
        "scheduled payments 105,000.00 €): the maximum must be at least 105,000.00 €."
    ]
    assert refused.context["forms"]["amend"]["reason"].value() == "The consortium lost a partner."
    assert not Amendment.objects.exists()
    with pytest.raises(services.ProjectError, match="below what the project already uses"):
        services.amend_grant(
            grant, changes={"max_amount": Decimal("44000")}, reason="Cut below the payments.",
            signed_on=dt.date(2027, 12, 1), document=pdf(), expected_version=grant.version, actor=None,
        )  # fmt: skip

    assert _amend(client, project, grant, max_amount="105000").status_code == 302
    grant.refresh_from_db()
    assert grant.max_amount == Decimal("105000.00")


@pytest.mark.parametrize(
    ("action", "signed_on", "message"),
    [
        ("sign", "2027-12-21", "A signature date cannot be in the future: give the day it was signed (today is <2027-12-20>)."),
        ("amend", "2030-01-01", "A signature date cannot be in the future: give the day it was signed (today is <2027-12-20>)."),
        ("amend", "2026-01-09", "An amendment is signed after the grant itself (signed on <2026-01-10>)."),
    ],
)  # fmt: skip
def test_signature_dates_are_not_in_the_future(as_persona, project, action, signed_on, message):
    grant = project.grant
    if action == "amend":
        grant = services.sign_grant(
            grant, signed_on=dt.date(2026, 1, 10), document=pdf(), expected_version=1, actor=None
        )
    data = {"version": str(grant.version), "signed_on": signed_on, "document": pdf()}
    if action == "amend":
        data = _values(grant, end_date="2028-06-30", reason="Six more months for the field study.") | data

    response = _post(as_persona("office"), project, action, data)

    assert response.context["forms"][action].errors["signed_on"] == [dates(message)]
    grant.refresh_from_db()
    assert (grant.state, grant.end_date, Amendment.objects.count()) == (
        "signed" if action == "amend" else "draft",
        dt.date(2027, 12, 31),
        0,
    )
    with pytest.raises(services.ProjectError, match="signature date cannot be in the future"):
        if action == "sign":
            services.sign_grant(
                grant, signed_on=dt.date(2030, 1, 1), document=pdf(), expected_version=grant.version, actor=None
            )
        else:
            services.amend_grant(
                grant, changes={"end_date": dt.date(2028, 6, 30)}, reason="Six more months, again.",
                signed_on=dt.date(2030, 1, 1), document=pdf(), expected_version=grant.version, actor=None,
            )  # fmt: skip


def test_signature_today_is_accepted(as_persona, project):
    response = _post(
        as_persona("office"), project, "sign", {"version": "1", "signed_on": "2027-12-20", "document": pdf()}
    )

    assert response.status_code == 302
    project.grant.refresh_from_db()
    assert (project.grant.state, project.grant.signed_on) == ("signed", dt.date(2027, 12, 20))
