import pytest
from django.urls import reverse

from grappe.core.models import AuditLog
from grappe.core.services import log_action


def test_log_action_keeps_actor_object_and_json_data(office, university):
    import datetime
    from decimal import Decimal

    entry = log_action(
        university,
        "organisation.checked",
        actor=office,
        data={"amount": Decimal("12.50"), "on": datetime.date(2026, 1, 2)},
    )

    entry.refresh_from_db()
    assert (entry.actor, entry.actor_repr, entry.object_repr) == (office, "office@example.org", "Université Exemple")
    assert entry.data == {"amount": "12.50", "on": "2026-01-02"}


def test_log_action_without_actor_is_the_system(university):
    entry = log_action(university, "organisation.imported", actor=None)

    assert (entry.actor, entry.actor_repr) == (None, "system")


@pytest.fixture
def entries(office, board, university, company):
    log_action(university, "organisation.updated", actor=office)
    log_action(company, "organisation.updated", actor=board)
    log_action(company, "role.granted", actor=office)


def test_activity_filters_by_actor(as_persona, entries):
    client = as_persona("office")

    response = client.get(reverse("activity"), {"actor": "board@example.org"})

    assert [(e.action, e.object_repr) for e in response.context["page"]] == [("organisation.updated", "Exemplix Santé")]


def test_activity_filters_by_object(as_persona, entries, company):
    client = as_persona("office")
    entry = AuditLog.objects.filter(object_id=str(company.pk)).first()

    response = client.get(reverse("activity"), {"object_type": entry.content_type_id, "object_id": company.pk})

    assert [e.action for e in response.context["page"]] == ["role.granted", "organisation.updated"]


def test_activity_filters_by_action_prefix(as_persona, entries):
    client = as_persona("office")

    response = client.get(reverse("activity"), {"action": "role."})

    assert [e.action for e in response.context["page"]] == ["role.granted"]


def test_activity_with_unknown_actor_shows_the_error_and_no_crash(as_persona, entries):
    client = as_persona("office")

    response = client.get(reverse("activity"), {"actor": "ghost@example.org"})

    assert response.status_code == 200
    assert response.context["form"].errors["actor"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_activity_shows_labelled_values_never_none(as_persona, university, office):
    log_action(university, "decision.recorded", actor=office, data={"amount": None, "changed": {"name": ["A", "B"]}})

    text = as_persona("office").get(reverse("activity")).content.decode()

    assert "<strong>amount</strong>: —" in text
    assert "<strong>changed</strong>: Name: A → B" in text
    assert "None" not in text
