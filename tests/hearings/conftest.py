"""The review call of tests/review, with hearing days after it closed, a panel of the three pool
experts, and the three proposals shortlisted."""

import datetime as dt

import pytest
from django.utils import timezone

from grappe.hearings import services
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 - fixtures


def setup_data(call, **extra):
    first = (timezone.localtime(call.closes_at) + dt.timedelta(days=10)).date()
    data = {
        "first_day": first.isoformat(),
        "last_day": (first + dt.timedelta(days=1)).isoformat(),
        "morning_start": "09:00",
        "morning_end": "10:00",
        "afternoon_start": "14:00",
        "afternoon_end": "15:00",
        "presentation_minutes": "10",
        "questions_minutes": "10",
        "break_minutes": "5",
        "rooms": "1",
        "panel_size": "2",
        "mode": "in_person",
        "places": "Room A",
        "score_mode": "ignore",
        "fee_per_review": "150",
        "fee_per_half_day": "300",
    }
    data.update(extra)
    return data


@pytest.fixture
def hearing_call(review_call, proposals, pool, office):  # noqa: F811 - fixtures
    setup = services.setup_for(review_call)
    services.save_setup(review_call, setup_data(review_call), expected_version=setup.version, actor=office)
    services.shortlist(review_call, [p.code for p in proposals], actor=office)
    for member in pool:
        services.add_panel_member(review_call, member.person, actor=office)
    return review_call
