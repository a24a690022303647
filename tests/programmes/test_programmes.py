from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.programmes.models import Programme
from grappe.programmes.services import EnvelopeExceeded, ensure_anr_categories, update_programme
from tests.conftest import PERSONAS
from tests.factories import CallFactory, ProgrammeFactory


def test_office_creates_a_programme_with_the_anr_categories(as_persona, db):
    response = as_persona("office").post(
        reverse("programmes:create"),
        {
            "name": "IA-Cluster",
            "funders": "France 2030",
            "total_amount": "35000000",
            "start_year": "2025",
            "end_year": "2029",
            "overhead_rate": "0.08",
            # The ids, not 1–5: a transactional test before this one may have recreated the categories.
            "cost_categories": [str(c.pk) for c in ensure_anr_categories()],
        },
    )

    programme = Programme.objects.get(name="IA-Cluster")
    assert response.status_code == 302
    assert programme.years == [2025, 2026, 2027, 2028, 2029]
    assert sorted(programme.cost_categories.values_list("code", flat=True)) == [
        "buildings",
        "equipment",
        "general",
        "personnel",
        "services",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("end_year", "2020", "The last year must not be before the first year."),
        ("overhead_rate", "1.5", "Ensure this value is less than or equal to 1."),
        ("total_amount", "abc", "Enter a number."),
    ],
)
def test_bad_programme_input(as_persona, db, field, value, message):
    data = {
        "name": "P",
        "funders": "F",
        "total_amount": "100",
        "start_year": "2025",
        "end_year": "2026",
        "overhead_rate": "0.08",
    }

    response = as_persona("office").post(reverse("programmes:create"), {**data, field: value, "cost_categories": ["1"]})

    assert response.context["form"].errors[field] == [message]
    assert not Programme.objects.exists()


def test_total_cannot_drop_below_what_calls_reserved(db, office):
    programme = ProgrammeFactory(total_amount=Decimal("1000000"))
    CallFactory(programme=programme, budget=Decimal("600000"))

    with pytest.raises(EnvelopeExceeded):
        update_programme(programme, actor=office, changes={"total_amount": Decimal("599999")}, expected_version=1)

    assert Programme.objects.get(pk=programme.pk).total_amount == Decimal("1000000")


def test_programme_page_shows_the_envelope(as_persona, db):
    programme = ProgrammeFactory(total_amount=Decimal("1000000"))
    CallFactory(programme=programme, budget=Decimal("250000"))

    response = as_persona("board").get(reverse("programmes:detail", args=[programme.code]))

    assert (response.context["reserved"], response.context["left"], response.context["reserved_pct"]) == (
        Decimal("250000"),
        Decimal("750000"),
        25,
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_programme_pages_access(as_persona, db, persona):
    programme = ProgrammeFactory()

    response = as_persona(persona).get(reverse("programmes:detail", args=[programme.code]))

    assert response.status_code == (200 if persona in {"office", "board"} else 302 if persona == "anonymous" else 404)
