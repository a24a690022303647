"""Records for the reporting tests, each dated on purpose (the computations read the dates)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.factories import CallFactory, ProgrammeFactory
from tests.projects.conftest import _media, make_award, open_from, pdf  # noqa: F401 - fixtures and helpers


def at(year, month=6, day=15, hour=12):
    """An aware instant, Paris time."""
    return dt.datetime(year, month, day, hour, tzinfo=ZoneInfo("Europe/Paris"))


def set_time(obj, **fields):
    """Write timestamps that ``auto_now_add`` would not let a test choose."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


@pytest.fixture
def funding_programme(db):
    return ProgrammeFactory(name="IA-Cluster Exemple", start_year=2024, end_year=2028, total_amount=Decimal("5000000"))


@pytest.fixture
def call(funding_programme):
    return CallFactory(programme=funding_programme, budget=Decimal("2000000"), max_amount=Decimal("500000"))


def accepted_report(project, when=None):
    """A report the office accepted at ``when`` (its outputs count in the indicators from then)."""
    from django.utils import timezone

    from grappe.projects.models import Report, ReportState

    when = when or timezone.now()
    return Report.objects.create(
        project=project, title="Annual report", due_date=when.date(), state=ReportState.ACCEPTED, accepted_at=when
    )
