"""The outcomes audit by self-declared seniority and gender (issue 19, decision 0021): declared on
the profile with a recorded consent, counted only while it stands, shown only in groups of at least
ten people (funded and not funded each none or at least ten); a planted bias is found, none is
not invented."""

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from grappe.accountability.queries import NOT_SHOWN, outcomes_audit
from grappe.privacy import services as privacy
from grappe.privacy.models import CareerStage, Consent, ConsentKind, SelfDeclaration
from grappe.privacy.texts import CONSENT_TEXTS
from grappe.selection.models import Decision, Outcome
from grappe.submissions.models import ProposalState
from grappe.training.models import Gender
from tests.factories import CallFactory, OrganisationFactory, PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _call_with_leads(groups, *, seed=1, consent=True):
    """A closed call; ``groups`` maps a (career stage, gender) to (number of leads, funding rate)."""
    rng = random.Random(seed)
    call = CallFactory(
        closes_at=timezone.now() - dt.timedelta(days=30), opens_at=timezone.now() - dt.timedelta(days=90)
    )
    organisation = OrganisationFactory(kind="university")
    for (stage, gender), (count, rate) in groups.items():
        for _n in range(count):
            lead = PersonFactory()
            if stage or gender:
                privacy.save_self_declaration(
                    lead, consent=consent, career_stage=stage, phd_year=None, gender=gender, actor=None
                )
            proposal = ProposalFactory(
                call=call, lead=lead, lead_organisation=organisation, state=ProposalState.SUBMITTED
            )
            funded = rng.random() < rate
            Decision.objects.create(proposal=proposal, outcome=Outcome.FUNDED if funded else Outcome.REJECTED)
    return call


def _rows(audit, key):
    return {row.label: row for row in next(b for b in audit.breakdowns if b.key == key).rows}


def test_a_planted_gender_bias_is_found():
    call = _call_with_leads({("", Gender.MALE): (80, 0.55), ("", Gender.FEMALE): (100, 0.17)})

    rows = _rows(outcomes_audit(call), "gender")

    assert rows["Woman"].rate_flag and rows["Woman"].rate_gap < -0.15
    assert rows["Man"].rate_flag and "larger than chance" in rows["Man"].verdict


def test_no_gender_bias_is_not_mistaken_for_one():
    call = _call_with_leads({("", Gender.MALE): (60, 0.35), ("", Gender.FEMALE): (60, 0.35)})

    rows = _rows(outcomes_audit(call), "gender")

    assert set(rows) == {"Woman", "Man"}
    assert not any(row.rate_flag for row in rows.values())


def test_a_planted_seniority_bias_is_found_and_the_year_of_the_phd_gives_a_stage():
    call = _call_with_leads({(CareerStage.SENIOR, ""): (60, 0.7), (CareerStage.EARLY, ""): (100, 0.17)})
    for declaration in SelfDeclaration.objects.filter(career_stage=CareerStage.EARLY)[:10]:
        declaration.career_stage = ""
        declaration.phd_year = timezone.now().year - 3  # early career, from the year
        declaration.save()

    audit = outcomes_audit(call)
    rows = _rows(audit, "seniority")

    early = str(CareerStage.EARLY.label)
    assert rows[early].proposals == 100 and rows[early].rate_flag
    assert next(b for b in audit.breakdowns if b.key == "seniority").declared == 160


def test_groups_under_ten_people_are_not_shown():
    call = _call_with_leads(
        {("", Gender.FEMALE): (30, 0.5), ("", Gender.MALE): (30, 0.5), ("", Gender.OTHER): (4, 0.5), ("", ""): (6, 0.5)}
    )

    rows = _rows(outcomes_audit(call), "gender")

    assert "Other" not in rows
    assert rows[str(NOT_SHOWN)].proposals == 10  # the four "other" with the six who declared nothing


def test_a_group_whose_funded_people_are_fewer_than_ten_is_not_shown():
    # Twelve women, of whom at least one but fewer than ten are funded: not shown.
    call = _call_with_leads({("", Gender.FEMALE): (12, 0.3), ("", Gender.MALE): (40, 0.0)}, seed=3)
    funded = Decision.objects.filter(proposal__call=call, outcome=Outcome.FUNDED).count()
    assert 0 < funded < 10

    rows = _rows(outcomes_audit(call), "gender")

    assert "Woman" not in rows and "Man" in rows and rows[str(NOT_SHOWN)].proposals == 12


def test_without_a_standing_consent_nothing_is_counted():
    call = _call_with_leads({("", Gender.FEMALE): (30, 0.5), ("", Gender.MALE): (30, 0.5)})
    woman = SelfDeclaration.objects.filter(gender=Gender.FEMALE).first().person
    # A consent withdrawn by another path (an import, the admin) leaves the row: it is not counted.
    Consent.objects.create(person=woman, kind=ConsentKind.EQUALITY, given=False, text_version="2026-11")

    rows = _rows(outcomes_audit(call), "gender")

    assert rows["Woman"].proposals == 29


def test_withdrawing_the_consent_deletes_the_declaration():
    person = PersonFactory()
    privacy.save_self_declaration(
        person, consent=True, career_stage=CareerStage.MID, phd_year=2012, gender=Gender.OTHER, actor=None
    )

    privacy.save_self_declaration(person, consent=False, career_stage="", phd_year=None, gender="", actor=None)

    assert not SelfDeclaration.objects.filter(person=person).exists()
    given, withdrawn = Consent.objects.filter(person=person, kind=ConsentKind.EQUALITY).order_by("pk")
    assert (given.given, withdrawn.given) == (True, False)
    assert given.text_version == CONSENT_TEXTS[ConsentKind.EQUALITY][0]


def test_the_audit_page_shows_the_declared_breakdowns(as_persona, university):
    call = _call_with_leads({("", Gender.FEMALE): (12, 0.0), ("", Gender.MALE): (3, 0.0)})

    page = as_persona("board").get(reverse("accountability:audit", args=[call.code])).content.decode()

    assert "gender (self-declared)" in page and "15 lead applicants declared it" in page
    assert "at least 10 people" in page and "Woman" in page
    assert ">Man<" not in page


# --- Declaring on one's profile ---------------------------------------------------------------


def test_a_person_declares_with_consent_on_my_data(as_persona, applicant):
    client = as_persona("applicant")
    url = reverse("privacy:mine")
    assert 'id="self-declaration"' in client.get(url).content.decode()

    response = client.post(
        url, {"form": "declaration", "career_stage": "early", "phd_year": "2021", "gender": "female", "consent": "on"}
    )

    assert response.status_code == 302
    declaration = SelfDeclaration.objects.get(person=applicant.person)
    assert (declaration.career_stage, declaration.phd_year, declaration.gender) == ("early", 2021, "female")
    consent = Consent.objects.get(person=applicant.person, kind=ConsentKind.EQUALITY)
    assert consent.given and consent.text_version == "2026-11" and consent.recorded_by == applicant
    # The other consents are untouched by this form.
    assert not Consent.objects.filter(person=applicant.person).exclude(kind=ConsentKind.EQUALITY).exists()


def test_declaring_without_consent_is_refused_with_a_message(as_persona, applicant):
    response = as_persona("applicant").post(reverse("privacy:mine"), {"form": "declaration", "gender": "male"})

    assert response.status_code == 200 and "Tick the consent" in response.content.decode()
    assert not SelfDeclaration.objects.exists() and not Consent.objects.exists()


@pytest.mark.parametrize("year", ["2999", "abc", "1200"])
def test_a_bad_year_is_refused_with_a_message(as_persona, applicant, year):
    response = as_persona("applicant").post(
        reverse("privacy:mine"), {"form": "declaration", "phd_year": year, "consent": "on"}
    )

    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert not SelfDeclaration.objects.exists()


def test_a_declaration_is_in_the_persons_data_export(applicant):
    from grappe.privacy.export import personal_data

    privacy.save_self_declaration(
        applicant.person, consent=True, career_stage="senior", phd_year=None, gender="", actor=None
    )

    assert personal_data(applicant.person)[0]["self_declaration"]["career_stage"] == "senior"


def test_saving_the_empty_form_without_ever_consenting_records_nothing(as_persona, applicant):
    response = as_persona("applicant").post(reverse("privacy:mine"), {"form": "declaration"})

    assert response.status_code == 302
    assert not Consent.objects.exists() and not SelfDeclaration.objects.exists()
