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

pytestmark = pytest.mark.django_db


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
    assert "Six more months for the field study." in page and "2027-12-31 → <strong>2028-06-30</strong>" in page
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
