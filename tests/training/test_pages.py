"""What people read: one academic-year label everywhere, the waiting position in "My trainings",
plain counts with a message for a wrong breakdown, French short dates in lower case, French
typography in the certificate, tables that fit a phone."""

import pytest
from django.test import Client
from django.utils import translation

from grappe.training import services
from grappe.training.models import Enrolment, Outcome, year_label
from grappe.training.services.attendance import certificate_for
from tests.factories import UserFactory
from tests.training.conftest import make_session


def _register(session, user):
    return services.register_person(session, user.person, email=user.email, actor=user)


def test_mine_shows_waiting_position_and_the_academic_year(client, programme):
    session = make_session(programme, capacity=1)
    users = [UserFactory() for _ in range(3)]
    for user in users:
        _register(session, user)
    Enrolment.objects.create(
        programme=programme, person=users[2].person, academic_year=2025, enrolled_on="2025-10-01", outcome="aware"
    )
    client.force_login(users[2])

    response = client.get("/training/mine/")

    (registration,) = response.context["registrations"]
    assert registration.position == 2
    assert "2025–2026" in response.content.decode()


def test_mine_positions_in_constant_queries(client, university, django_assert_max_num_queries):
    from tests.training.conftest import make_programme

    user = UserFactory()
    for i in range(4):
        session = make_session(make_programme(university, title=f"P{i}"), capacity=1)
        _register(session, UserFactory())
        _register(session, user)
    client.force_login(user)

    with django_assert_max_num_queries(12):
        response = client.get("/training/mine/")

    assert [r.position for r in response.context["registrations"]] == [1, 1, 1, 1]


def test_year_label_is_the_academic_year_everywhere(client, programme):
    user = UserFactory()
    enrolment = Enrolment.objects.create(
        programme=programme,
        person=user.person,
        academic_year=2024,
        enrolled_on="2024-10-01",
        outcome=Outcome.TRAINED,
        certificate_code="ABCDEF123456",
        completed_on="2025-06-30",
    )

    assert enrolment.year_label == year_label(2024) == "2024–2025"
    assert "2024–2025" in client.get("/training/verify/ABCDEF123456/").content.decode()


def test_certificate_uses_french_typography(programme):
    """The PDF's text, drawn in French, has a no-break space before each colon."""
    html = _certificate_html(programme, "fr")

    assert "Code de vérification\u00a0:" in html or "\u00a0:" in html
    assert "2024–2025" in html
    assert certificate_for(_enrolment(programme), language="fr")[:5] == b"%PDF-"


def _enrolment(programme):
    return Enrolment.objects.create(
        programme=programme,
        person=UserFactory().person,
        academic_year=2024,
        enrolled_on="2024-10-01",
        outcome=Outcome.TRAINED,
        certificate_code=f"CODE{Enrolment.objects.count():08d}",
        completed_on="2025-06-30",
    )


def _certificate_html(programme, language):
    from django.template.loader import render_to_string

    enrolment = _enrolment(programme)
    with translation.override(language):
        return render_to_string(
            "training/certificate_pdf.html",
            {"enrolment": enrolment, "programme": programme, "verify_url": "https://x/", "language": language},
        )


def test_french_short_month_names_are_lower_case(programme):
    session = make_session(programme)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")

    html = client.get(f"/training/programmes/{programme.code}/").content.decode()

    with translation.override("fr"):
        from django.utils import dateformat, timezone

        month = dateformat.format(timezone.localtime(session.starts_at), "N")
    assert month == month.lower()
    assert month in html and month.capitalize() not in html.replace(month, "")


@pytest.mark.parametrize(("by", "shown"), [("kind", "kind"), ("foo", ""), ("<script>", "")])
def test_counts_name_a_wrong_breakdown(as_persona, by, shown):
    response = as_persona("office").get("/office/training/counts/", {"by": by})

    assert response.status_code == 200
    assert response.context["dimension"] == shown
    assert bool(response.context["unknown"]) == (shown == "")
    assert "<script>" not in response.content.decode()


def test_counts_say_they_use_academic_years_not_the_reports_calendar_years(as_persona):
    html = as_persona("office").get("/office/training/counts/").content.decode()
    assert "1 September to 31 August" in html and 'data-testid="counts-academic-years"' in html
    assert "calendar years (1 January to 31 December)" in html


def test_tables_become_cards_on_a_phone(client, office, session):
    _register(session, UserFactory())
    client.force_login(office)

    html = client.get(f"/training/sessions/{session.code}/organise/").content.decode()

    assert 'class="table table-cards"' in html
    assert 'data-label="' in html


def test_no_word_is_said_twice_on_an_applied_import(as_persona, office):
    from grappe.training.models import EnrolmentImport

    record = EnrolmentImport.objects.create(
        file_name="x.csv",
        created_by=office,
        state="applied",
        summary={"rows": 1, "new": 1, "existing": 0, "new_people": 1, "errors": 0},
    )
    client = as_persona("office")
    for language in ("fr", "en"):
        client.cookies["django_language"] = language
        html = client.get(f"/office/training/imports/{record.code}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        label = "Appliqué" if language == "fr" else "Applied"
        assert html.count(f">{label}<") == 1
