import random

import pytest
from django.core.management import call_command

from grappe.demo.people import DEMO_DOMAIN, MEMBERS, seed_people
from grappe.people.models import Affiliation, Organisation, Person, Relationship, Role, RoleKind, User

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Organisation.objects.values_list("code", "name")),
        sorted(Person.objects.values_list("code", "email")),
        Affiliation.objects.count(),
        Role.objects.count(),
        User.objects.count(),
    )


def test_seed_builds_the_demo_cluster(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    names = set(Organisation.objects.values_list("name", flat=True))
    assert {m[0] for m in MEMBERS} <= names
    assert Organisation.objects.filter(relationship=Relationship.PARTNER).count() >= 60
    assert 300 <= Person.objects.exclude(email__endswith="@etu.example.org").count() <= 320  # training's learners apart
    assert Affiliation.objects.count() >= 300
    learners = Person.objects.filter(email__endswith="@etu.example.org")
    assert Person.objects.filter(keywords__isnull=True).exclude(pk__in=learners).count() == 1  # the technical admin
    assert set(Role.objects.values_list("kind", flat=True)) == set(RoleKind.values)
    assert f"office@{DEMO_DOMAIN}" in out
    assert "demo-office-2026" in out

    # Every kind of run of the demo replays bit for bit from its stored inputs (issue 19).
    call_command("replay", "--all")
    replayed = capsys.readouterr().out.splitlines()
    assert {line.split(":")[0] for line in replayed} >= {"affinity", "assignment", "portfolio"}
    assert all("Reproduced bit for bit" in line for line in replayed)


def test_seed_is_idempotent():
    call_command("seed_demo", "--quiet-accounts")
    first = _snapshot()

    call_command("seed_demo", "--quiet-accounts")

    assert _snapshot() == first


def test_seed_is_deterministic_from_its_seed(django_db_blocker):
    seed_people(random.Random(7), partner_count=5, people_count=20)
    first = _snapshot()
    Role.objects.all().delete()
    User.objects.all().delete()
    Affiliation.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()

    seed_people(random.Random(7), partner_count=5, people_count=20)

    assert _snapshot() == first


def test_demo_accounts_can_log_in(client):
    call_command("seed_demo", "--quiet-accounts")

    response = client.post("/accounts/login/", {"username": f"board@{DEMO_DOMAIN}", "password": "demo-board-2026"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=f"board@{DEMO_DOMAIN}").pk)
