"""Who sees what: the public catalogue, the offer, organising a session, counts, trainees."""

import pytest

from grappe.training import queries
from grappe.training.models import Enrolment, LearnerProfile, Outcome
from tests.factories import PersonFactory
from tests.training.conftest import make_programme, make_session


@pytest.mark.parametrize("item_count", [1, 4])
def test_catalogue_constant_queries(client, university, item_count, django_assert_max_num_queries):
    for i in range(item_count):
        programme = make_programme(university, title=f"Programme {i}")
        make_session(programme)
        make_session(programme, days=20)

    with django_assert_max_num_queries(7):
        response = client.get("/training/?kind=master&language=fr")

    assert len(response.context["page"]) == item_count


def test_catalogue_filters_and_hides_unpublished(client, university, other_university):
    make_programme(university, title="Deep learning", kind="phd")
    make_programme(other_university, title="IA pour tous", kind="awareness", trained_min_hours=None)
    make_programme(university, title="Hidden", is_published=False)

    titles = lambda url: [p.title for p in client.get(url).context["page"]]  # noqa: E731

    assert titles("/training/") == ["Deep learning", "IA pour tous"]
    assert titles("/training/?kind=awareness") == ["IA pour tous"]
    assert titles(f"/training/?institution={university.pk}") == ["Deep learning"]
    assert titles("/training/?q=deep") == ["Deep learning"]
    assert client.get("/training/?start=garbage&kind=\x00").status_code == 200


@pytest.mark.parametrize(
    ("persona", "edit", "organise"),
    [
        ("office", 200, 200),
        ("institution_contact", 200, 200),
        ("board", 404, 404),
        ("applicant", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_offer_and_organise_by_persona(as_persona, persona, edit, organise, session, programme):
    client = as_persona(persona)

    assert client.get(f"/office/training/programmes/{programme.code}/").status_code == edit
    assert client.get(f"/training/sessions/{session.code}/organise/").status_code == organise
    assert client.get(f"/training/sessions/{session.code}/registrants.csv").status_code == organise


def test_contact_edits_only_their_institution(as_persona, other_university):
    foreign = make_programme(other_university)

    client = as_persona("institution_contact")

    assert client.get(f"/office/training/programmes/{foreign.code}/").status_code == 404


def test_trainer_organises_their_session(client, session):
    from tests.factories import UserFactory

    trainer = UserFactory()
    session.trainers.add(trainer.person)
    client.force_login(trainer)

    assert client.get(f"/training/sessions/{session.code}/organise/").status_code == 200
    assert client.get(f"/office/training/programmes/{session.course.programme.code}/").status_code == 404


def test_unpublished_programme_is_404_for_the_public(client, university):
    hidden = make_programme(university, is_published=False)

    assert client.get(f"/training/programmes/{hidden.code}/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("office", 200), ("board", 200), ("institution_contact", 404), ("applicant", 404)]
)
def test_counts_by_persona(as_persona, persona, status):
    assert as_persona(persona).get("/office/training/counts/?by=gender").status_code == status


@pytest.mark.parametrize(("persona", "status"), [("office", 200), ("board", 404), ("applicant", 404)])
def test_trainees_by_persona(as_persona, persona, status):
    assert as_persona(persona).get("/office/training/trainees/").status_code == status


def test_counts_best_outcome_and_small_gender_groups_hidden(university):
    talk = make_programme(university, title="Talk", kind="awareness", trained_min_hours=None)
    minor = make_programme(university, title="Minor")
    people = [PersonFactory() for _ in range(13)]
    for i, person in enumerate(people):
        Enrolment.objects.create(
            programme=talk, person=person, academic_year=2025, enrolled_on="2025-10-01", outcome=Outcome.AWARE
        )
        LearnerProfile.objects.create(person=person, gender="female" if i < 11 else "male")
    Enrolment.objects.create(
        programme=minor, person=people[0], academic_year=2025, enrolled_on="2025-10-01", outcome=Outcome.TRAINED
    )

    total = queries.yearly_counts()
    by_gender = queries.yearly_counts("gender")

    assert total == [{"year": 2025, "group": "", "trained": 1, "aware": 12}]
    # 11 women, one of them trained: "1 trained" would single her out, so the row is not shown.
    assert by_gender == [{"year": 2025, "group": "", "trained": 1, "aware": 12}]
    Enrolment.objects.filter(programme=minor).delete()
    assert queries.yearly_counts("gender") == [
        {"year": 2025, "group": "female", "trained": 0, "aware": 11},
        {"year": 2025, "group": "", "trained": 0, "aware": 2},
    ]


def test_behind_trainee_listed_first(as_persona, university):
    import datetime as dt

    from grappe.training.models import FundedTrainee

    programme = make_programme(university)
    late = FundedTrainee.objects.create(
        person=PersonFactory(), kind="phd", funding_note="Chaire X", due_on=dt.date(2020, 1, 1)
    )
    late.required.add(programme)
    done = FundedTrainee.objects.create(
        person=PersonFactory(), kind="postdoc", funding_note="Y", due_on=dt.date(2020, 1, 1)
    )
    done.required.add(programme)
    Enrolment.objects.create(
        programme=programme, person=done.person, academic_year=2024, enrolled_on="2024-10-01", outcome=Outcome.TRAINED
    )

    response = as_persona("office").get("/office/training/trainees/")

    assert [(t.pk, behind) for t, _items, behind in response.context["rows"]] == [(late.pk, True), (done.pk, False)]
