"""The hearing scheduler: every constraint held, the same schedule for the same seed, and an
impossible schedule that names what blocks it."""

import pytest

from grappe.engine.hearings import HearingNeed, PanelMember, Problem, Time, Unschedulable, solve


def _times(days=1, per_half=3):
    out = []
    for d in range(days):
        for half in ("am", "pm"):
            for _ in range(per_half):
                out.append(Time(len(out), f"d{d}:{half}"))
    return tuple(out)


def _check(problem, schedule):
    times = {t.index: t for t in problem.times}
    members = {m.key: m for m in problem.members}
    hearings = {h.key: h for h in problem.hearings}
    assert {p.hearing for p in schedule.placements} == set(hearings)
    seen = set()
    for p in schedule.placements:
        half = times[p.time].half_day
        assert half not in hearings[p.hearing].unavailable
        assert len(p.panel) == problem.panel_size
        assert p.room < problem.rooms
        for m in p.panel:
            assert half not in members[m].unavailable
            assert (m, p.hearing) not in problem.conflicts
            assert (m, p.time) not in seen  # never in two hearings at once
            seen.add((m, p.time))


def test_constraints_hold_and_the_seed_repeats():
    problem = Problem(
        times=_times(days=2),
        hearings=tuple(HearingNeed(f"H{i}", frozenset({"d0:am"}) if i < 3 else frozenset()) for i in range(10)),
        members=tuple(PanelMember(f"M{i}", frozenset({"d0:pm"}) if i == 0 else frozenset()) for i in range(5)),
        conflicts=frozenset({("M1", "H4"), ("M2", "H4")}),
        rooms=2,
        panel_size=2,
    )
    first = solve(problem, seed=3)
    _check(problem, first)
    assert solve(problem, seed=3).placements == first.placements
    assert max(first.loads.values()) - min(first.loads.values()) <= 2  # the load is spread


def test_a_member_away_for_a_morning_is_never_put_on_it():
    problem = Problem(
        times=_times(days=1, per_half=4),
        hearings=tuple(HearingNeed(f"H{i}") for i in range(6)),
        members=(PanelMember("A", frozenset({"d0:am"})), PanelMember("B"), PanelMember("C")),
        panel_size=2,
    )
    schedule = solve(problem)
    _check(problem, schedule)
    assert all("A" not in p.panel for p in schedule.placements if p.time < 4)


def test_a_team_unavailable_everywhere_is_named():
    problem = Problem(
        times=_times(),
        hearings=(HearingNeed("H1", frozenset({"d0:am", "d0:pm"})), HearingNeed("H2")),
        members=(PanelMember("A"),),
    )
    with pytest.raises(Unschedulable) as caught:
        solve(problem)
    assert [(b.kind, b.hearings) for b in caught.value.blockers] == [("team_constraints", ("H1",))]


def test_a_hearing_without_a_free_panel_without_conflict_is_named():
    problem = Problem(
        times=_times(),
        hearings=(HearingNeed("H1"), HearingNeed("H2")),
        members=(PanelMember("A"), PanelMember("B")),
        conflicts=frozenset({("A", "H2")}),
        panel_size=2,
    )
    with pytest.raises(Unschedulable) as caught:
        solve(problem)
    assert caught.value.blockers[0].kind == "panel"
    assert caught.value.blockers[0].hearings == ("H2",)
    assert caught.value.blockers[0].members == ("A",)


def test_hearings_that_cannot_hold_together_are_named_by_the_solver():
    # Three teams can only come in the morning, which has two times, one room.
    problem = Problem(
        times=_times(per_half=2),
        hearings=(*(HearingNeed(f"H{i}", frozenset({"d0:pm"})) for i in range(3)), HearingNeed("H9")),
        members=(PanelMember("A"),),
    )
    with pytest.raises(Unschedulable) as caught:
        solve(problem)
    blocker = caught.value.blockers[0]
    assert blocker.kind == "together"
    assert set(blocker.hearings) >= {"H0", "H1", "H2"}
    assert "H9" not in blocker.hearings


def test_too_many_hearings_for_the_places():
    problem = Problem(
        times=_times(per_half=1), hearings=tuple(HearingNeed(f"H{i}") for i in range(3)), members=(PanelMember("A"),)
    )
    with pytest.raises(Unschedulable) as caught:
        solve(problem)
    assert caught.value.blockers[0].kind == "capacity"
