"""Demo hearings on the closed call (the two-stage call of issue 18 is built on another branch):
the five best-ranked proposals shortlisted, a panel of four experts of the pool (one away on the
first morning), an automatic schedule adopted by the office, honoraria rates. Skipped when a
scheduling run exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from grappe.calls.models import Call
from grappe.hearings import services
from grappe.hearings.models import SchedulingRun
from grappe.review.models import PoolMember, PoolState
from grappe.selection.services import rows


@transaction.atomic
def seed_hearings(call: Call) -> dict[str, int]:
    if SchedulingRun.objects.filter(call=call).exists():
        return {"hearings": 0}
    first = timezone.localtime(call.closes_at).date() + dt.timedelta(days=21)
    setup = services.setup_for(call)
    services.save_setup(
        call,
        {
            "first_day": first.isoformat(),
            "last_day": (first + dt.timedelta(days=1)).isoformat(),
            "morning_start": "09:00",
            "morning_end": "12:30",
            "afternoon_start": "14:00",
            "afternoon_end": "17:30",
            "presentation_minutes": "10",
            "questions_minutes": "10",
            "break_minutes": "5",
            "rooms": "1",
            "panel_size": "3",
            "mode": "in_person",
            "places": "Salle du conseil, campus Jussieu",
            "score_mode": "average",
            "fee_per_review": Decimal("150"),
            "fee_per_half_day": Decimal("300"),
        },
        expected_version=setup.version,
        actor=None,
    )
    ranked = sorted((r for r in rows(call) if r.score is not None), key=lambda r: -r.score)[:5]
    services.shortlist(call, [r.proposal.code for r in ranked], actor=None)
    experts = PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED).select_related("person")[:4]
    members = [services.add_panel_member(call, m.person, actor=None) for m in experts]
    if members:
        services.set_member_unavailable(members[0], [f"{first.isoformat()}:am"], actor=None)
    run = services.run_schedule(call, actor=None, seed=0)
    if not run.error:
        services.adopt_run(run, actor=None)
    return {"hearings": len(run.result.get("placements", []))}
