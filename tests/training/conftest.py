import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from grappe.training.models import Course, Kind, TrainingProgramme, TrainingSession


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_programme(institution, **kwargs):
    values = {
        "title": "Mineure IA et santé",
        "kind": Kind.MASTER,
        "institution": institution,
        "hours": Decimal("24"),
        "trained_min_hours": Decimal("6"),
        "aware_min_hours": Decimal("2"),
    } | kwargs
    return TrainingProgramme.objects.create(**values)


def make_session(programme, *, capacity=2, days=10, hours="3"):
    course = programme.courses.first() or Course.objects.create(programme=programme, title="Apprentissage profond")
    start = timezone.now() + dt.timedelta(days=days)
    return TrainingSession.objects.create(
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        hours=Decimal(hours),
        place="Campus Jussieu, amphi 25",
        capacity=capacity,
    )


def held(*sessions):
    """Move sessions to an hour ago (registrations are taken before; attendance only once a
    session has taken place)."""
    start = timezone.now() - dt.timedelta(hours=2)
    for session in sessions:
        TrainingSession.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=1))
        session.refresh_from_db()


@pytest.fixture
def programme(university):
    return make_programme(university)


@pytest.fixture
def session(programme):
    return make_session(programme)


def xlsx(rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _run_on_commit(request, monkeypatch):
    """Emails and tasks leave on commit, which never comes inside a test's transaction: run them
    at once instead (tests marked ``transaction=True`` commit for real)."""
    if "transaction" in str(request.node.get_closest_marker("django_db")):
        return
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())
