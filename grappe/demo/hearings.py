"""Demo hearings, each time five hearings over two days, a panel of four experts of the call's
pool (one away on the first morning), an automatic schedule adopted by the office, honoraria
rates: on the closed call (the five best-ranked proposals, heard and paid for), and on the
full-proposal stage of the two-stage call (the five invited teams best ranked at stage 1, heard
after stage 2 closes). Skipped for a call that has a scheduling run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from grappe.calls.models import Call
from grappe.hearings import services
from grappe.hearings.models import Hearing, HearingScore, SchedulingRun
from grappe.review.models import PoolMember, PoolState
from grappe.selection.services import criteria_of, rows


def seed_hearings(call: Call) -> dict[str, int]:
    """The closed call: the five best-ranked proposals."""

    def best(call: Call) -> None:
        ranked = sorted((r for r in rows(call) if r.score is not None), key=lambda r: -r.score)[:5]
        services.shortlist(call, [r.proposal.code for r in ranked], actor=None)

    return _seed(call, best, days_after=21)


def seed_rates(call: Call) -> None:
    """The call's honoraria rates (the letters of intent's reviews are paid too), once."""
    setup = services.setup_for(call)
    if setup.fee_per_review == 0 and setup.fee_per_half_day == 0:
        services.save_rates(
            call, {"fee_per_review": "150", "fee_per_half_day": "300"}, expected_version=setup.version, actor=None
        )


def _score_past_hearings(call: Call) -> int:
    """Every member of the panel of each hearing already held scores it (3.5–5, fixed by the
    hearing's rank), so the half-days they attended are paid; skipped where scores exist."""
    if HearingScore.objects.filter(hearing__call=call).exists():
        return 0
    criteria = criteria_of(call)
    held = (
        Hearing.objects.filter(call=call, starts_at__lte=timezone.now()).prefetch_related("panel").order_by("starts_at")
    )
    count = 0
    for index, hearing in enumerate(held):
        value = f"{5 - (index % 4) / 2:.1f}"
        for person in hearing.panel.all():
            services.save_score(hearing, person, {f"score_{c.pk}": value for c in criteria}, actor=None)
            count += 1
    return count


def seed_stage2_hearings(call: Call) -> dict[str, int]:
    """The full-proposal stage: the five invited teams best ranked at stage 1."""
    return _seed(call, lambda call: services.shortlist_from(call, "invited", 5, actor=None), days_after=14)


@transaction.atomic
def _seed(call: Call, shortlist: Callable[[Call], None], *, days_after: int) -> dict[str, int]:
    if SchedulingRun.objects.filter(call=call).exists():
        return {"hearings": 0}
    first = timezone.localtime(call.closes_at).date() + dt.timedelta(days=days_after)
    while first.weekday() > 3:  # two weekdays: Monday to Thursday, then the next day
        first += dt.timedelta(days=1)
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
    shortlist(call)
    experts = PoolMember.objects.filter(call=call, state=PoolState.ACCEPTED).select_related("person")[:4]
    members = [services.add_panel_member(call, m.person, actor=None) for m in experts]
    if members:
        services.set_member_unavailable(members[0], [f"{first.isoformat()}:am"], actor=None)
    run = services.run_schedule(call, actor=None, seed=0)
    if not run.error:
        services.adopt_run(run, actor=None)
        _score_past_hearings(call)
    return {"hearings": len(run.result.get("placements", []))}
