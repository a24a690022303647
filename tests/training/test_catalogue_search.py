"""Catalogue search ignores accents and case and finds institutions; a wrong filter is named."""

import pytest
from django.db import connection

from grappe.training.models import Course, TrainingProgramme, fold
from tests.training.conftest import make_programme, make_session


def _titles(client, url):
    return [p.title for p in client.get(url).context["page"]]


def test_fold_drops_accents_and_case():
    assert fold("  École   NORMALE ") == "ecole normale"
    assert fold("ÉCOLE") == fold("ecole") == fold("Ecole") == "ecole"
    assert fold("Straße") == "strasse"  # casefold, not lower


@pytest.mark.parametrize("query", ["école", "Ecole", "ECOLE", "ecole", "ÉCOLE d'été"])
def test_search_ignores_accents_and_case(client, university, query):
    make_programme(university, title="École d'été en IA")
    make_programme(university, title="Apprentissage statistique")

    assert _titles(client, f"/training/?q={query}") == ["École d'été en IA"]


def test_search_finds_institution_names_short_names_and_courses(client, university, other_university):
    make_programme(university, title="Mineure santé")  # Université Exemple (UE)
    other = make_programme(other_university, title="Module vision")  # Institut Autre (IA)
    Course.objects.create(programme=other, title="Réseaux convolutifs")

    assert _titles(client, "/training/?q=universite exemple") == ["Mineure santé"]
    assert _titles(client, "/training/?q=INSTITUT") == ["Module vision"]
    assert _titles(client, "/training/?q=reseaux CONVOLUTIFS") == ["Module vision"]
    assert _titles(client, "/training/?q=sante institut") == []  # every word must match


def test_renaming_the_institution_keeps_search_true(client, university):
    make_programme(university, title="Mineure santé")
    university.name = "Sorbonne Université"
    university.save()

    assert _titles(client, "/training/?q=sorbonne") == ["Mineure santé"]
    assert _titles(client, "/training/?q=exemple") == []


def test_search_text_follows_edits_through_the_service(university, office):
    from grappe.training import services

    programme = make_programme(university, title="Ancien titre")
    services.save_programme(programme, {"title": "Éthique de l'IA"}, expected_version=1, actor=office)

    assert "ethique de l'ia" in TrainingProgramme.objects.get(pk=programme.pk).search_text
    print(f"search ran on {connection.vendor}")


def test_wrong_filter_value_is_named_and_others_still_apply(client, university):
    make_programme(university, title="Deep learning", kind="phd")
    make_programme(university, title="Talk", kind="awareness", trained_min_hours=None)

    response = client.get("/training/?kind=phd&start=31/02/2026&level=nope")

    assert [p.title for p in response.context["page"]] == ["Deep learning"]
    assert len(response.context["ignored"]) == 2
    assert b"notice-box" in response.content


def test_started_and_cancelled_sessions_are_not_offered(client, university):
    import datetime as dt

    from django.utils import timezone

    programme = make_programme(university, title="Mineure")
    upcoming = make_session(programme, days=5)
    started = make_session(programme, days=5)
    started.starts_at = timezone.now() - dt.timedelta(minutes=5)
    started.save()
    cancelled = make_session(programme, days=6)
    cancelled.cancelled_at = timezone.now()
    cancelled.save()

    page = client.get("/training/").context["page"]

    offered = [s.code for c in page[0].courses.all() for s in c.upcoming]
    assert offered == [upcoming.code]
