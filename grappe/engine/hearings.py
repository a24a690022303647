"""Hearing schedules: which time each shortlisted team is heard at, and by which panel members.

The input is plain data: the times a hearing may start (each in a half-day, e.g. ``2026-12-01:am``),
how many hearings run in parallel at a time (rooms), the panel members and the half-days they are
unavailable, the half-days each team is unavailable, and the (member, hearing) pairs in conflict
of interest. Each hearing gets one time and ``panel_size`` members who are free then, not in
conflict with it, and not in two hearings at the same time. Among the schedules that do, the
solver (OR-Tools CP-SAT, one worker, a deterministic time budget: the same inputs and seed give
the same schedule) spreads the panel's load evenly, then starts the hearings as early as it can.

When no schedule exists, :class:`Unschedulable` names what blocks it: first the simple causes
checked one hearing at a time (no time left by the team's constraints, no time with enough free
members without conflict), then the capacity (more hearings than places), and otherwise the set of
hearings and constraints the solver found that cannot hold together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from grappe.engine.types import Infeasible


@dataclass(frozen=True)
class Time:
    """A time a hearing may start at: ``index`` orders times; ``half_day`` is its half-day key."""

    index: int
    half_day: str
    label: str = ""


@dataclass(frozen=True)
class HearingNeed:
    key: str
    unavailable: frozenset[str] = frozenset()  # half-days the team cannot come


@dataclass(frozen=True)
class PanelMember:
    key: str
    unavailable: frozenset[str] = frozenset()  # half-days the member is away


@dataclass(frozen=True)
class Problem:
    times: tuple[Time, ...]
    hearings: tuple[HearingNeed, ...]
    members: tuple[PanelMember, ...]
    conflicts: frozenset[tuple[str, str]] = frozenset()  # (member key, hearing key)
    rooms: int = 1
    panel_size: int = 1


@dataclass(frozen=True)
class Placement:
    hearing: str
    time: int  # Time.index
    room: int  # 0-based, in the order of the rooms
    panel: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    placements: tuple[Placement, ...]
    loads: dict[str, int] = field(default_factory=dict)
    status: str = ""
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class Blocker:
    """One reason a schedule cannot be made: ``kind`` is a stable code, ``hearings`` and
    ``members`` the keys involved (for the caller to name them in the user's language)."""

    kind: str  # "team_constraints", "panel", "capacity", "together"
    hearings: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    half_days: tuple[str, ...] = ()


class Unschedulable(Infeasible):
    def __init__(self, blockers: Sequence[Blocker]) -> None:
        self.blockers = tuple(blockers)
        super().__init__("; ".join(f"{b.kind}: {', '.join(b.hearings)}" for b in self.blockers))


def _free_members(problem: Problem, hearing: HearingNeed, time: Time) -> list[str]:
    return [
        m.key
        for m in problem.members
        if time.half_day not in m.unavailable and (m.key, hearing.key) not in problem.conflicts
    ]


def check(problem: Problem) -> list[Blocker]:
    """The causes found without the solver, one hearing at a time, then the capacity."""
    blockers: list[Blocker] = []
    if problem.panel_size > len(problem.members):
        blockers.append(Blocker("panel_size", members=tuple(m.key for m in problem.members)))
        return blockers
    for hearing in problem.hearings:
        open_times = [t for t in problem.times if t.half_day not in hearing.unavailable]
        if not open_times:
            blockers.append(
                Blocker("team_constraints", hearings=(hearing.key,), half_days=tuple(sorted(hearing.unavailable)))
            )
            continue
        if not any(len(_free_members(problem, hearing, t)) >= problem.panel_size for t in open_times):
            conflicted = tuple(sorted(m for m, h in problem.conflicts if h == hearing.key))
            blockers.append(Blocker("panel", hearings=(hearing.key,), members=conflicted))
    if len(problem.hearings) > len(problem.times) * problem.rooms:
        blockers.append(Blocker("capacity", hearings=tuple(h.key for h in problem.hearings)))
    return blockers


def solve(problem: Problem, *, seed: int = 0, budget: float = 10.0) -> Schedule:
    """The schedule, or :class:`Unschedulable` naming what blocks it. ``budget`` is CP-SAT's
    deterministic time limit per phase (about seconds, but the same on every machine).

    Two phases keep it fast: first the times (one variable per hearing and time, with every
    condition on the panel that pairs of parallel hearings must meet), then the panels at those
    times (one variable per hearing and free member), evening out the members' loads. Should a
    time's panels not fit (three or more rooms can need more than pairs), that set of hearings is
    forbidden at that time and the times are solved again.
    """
    import time as clock

    started = clock.perf_counter()
    blockers = check(problem)
    if blockers:
        raise Unschedulable(blockers)
    if not problem.hearings:
        return Schedule(placements=(), loads={m.key: 0 for m in problem.members}, status="OPTIMAL")
    free = {
        (h, t): frozenset(_free_members(problem, hearing, time))
        for h, hearing in enumerate(problem.hearings)
        for t, time in enumerate(problem.times)
    }
    cuts: list[tuple[int, tuple[int, ...]]] = []
    for _attempt in range(50):
        times, status = _times(problem, free, cuts, seed=seed, budget=budget)
        panels, bad = _panels(problem, free, times, seed=seed, budget=budget)
        if panels is not None:
            break
        cuts.extend(bad)
    else:  # pragma: no cover - needs a pathological panel
        raise Unschedulable([Blocker("timeout", hearings=tuple(h.key for h in problem.hearings))])
    used: dict[int, int] = {}
    placements = []
    for h, hearing in enumerate(problem.hearings):
        t = times[h]
        room = used.get(t, 0)
        used[t] = room + 1
        placements.append(
            Placement(hearing=hearing.key, time=problem.times[t].index, room=room, panel=tuple(sorted(panels[h])))
        )
    placements.sort(key=lambda p: (p.time, p.room))
    counts = {m.key: 0 for m in problem.members}
    for p in placements:
        for key in p.panel:
            counts[key] += 1
    return Schedule(
        placements=tuple(placements),
        loads=counts,
        status=status,
        wall_seconds=round(clock.perf_counter() - started, 3),
    )


def _solver(seed: int, budget: float) -> object:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = budget
    return solver


def _times(  # noqa: PLR0912 - one constraint family per branch
    problem: Problem,
    free: dict[tuple[int, int], frozenset[str]],
    cuts: list[tuple[int, tuple[int, ...]]],
    *,
    seed: int,
    budget: float,
) -> tuple[list[int], str]:
    """Phase 1: each hearing's time (an index into ``problem.times``)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    n_h, n_t, size = len(problem.hearings), len(problem.times), problem.panel_size
    members_at = [sum(1 for m in problem.members if time.half_day not in m.unavailable) for time in problem.times]
    at: dict[tuple[int, int], cp_model.IntVar] = {}
    scheduled = [model.new_bool_var(f"scheduled_{h}") for h in range(n_h)]
    team_ok = [model.new_bool_var(f"team_{h}") for h in range(n_h)]
    panel_ok = [model.new_bool_var(f"panel_{t}") for t in range(n_t)]
    for h, hearing in enumerate(problem.hearings):
        for t, time in enumerate(problem.times):
            at[h, t] = model.new_bool_var(f"at_{h}_{t}")
            if time.half_day in hearing.unavailable:
                model.add(at[h, t] == 0).only_enforce_if(team_ok[h])
            elif len(free[h, t]) < size:
                model.add(at[h, t] == 0).only_enforce_if(panel_ok[t])
        model.add_exactly_one(at[h, t] for t in range(n_t)).only_enforce_if(scheduled[h])
        model.add(sum(at[h, t] for t in range(n_t)) <= 1)
    for t in range(n_t):
        column = [at[h, t] for h in range(n_h)]
        model.add(sum(column) <= problem.rooms)
        model.add(size * sum(column) <= members_at[t]).only_enforce_if(panel_ok[t])
        if problem.rooms > 1:  # two parallel hearings need 2 x panel_size members between them
            for h1 in range(n_h):
                for h2 in range(h1 + 1, n_h):
                    if len(free[h1, t] | free[h2, t]) < 2 * size:
                        model.add_bool_or([at[h1, t].negated(), at[h2, t].negated()]).only_enforce_if(panel_ok[t])
    for t, together in cuts:
        model.add_bool_or([at[h, t].negated() for h in together])
    for (h, t), value in _greedy(problem, free, members_at).items():  # a start the solver improves
        model.add_hint(at[h, t], value)
    model.minimize(sum(t * at[h, t] for h in range(n_h) for t in range(n_t)))
    model.add_assumptions([*scheduled, *team_ok, *panel_ok])
    solver = _solver(seed, budget)
    status = solver.solve(model)  # type: ignore[attr-defined]
    if status == cp_model.INFEASIBLE:
        literals = {v.index: v for v in [*scheduled, *team_ok, *panel_ok]}
        core = _minimal_core(
            model,
            literals,
            set(solver.sufficient_assumptions_for_infeasibility()),  # type: ignore[attr-defined]
            seed=seed,
            budget=budget,
        )
        hearings = tuple(
            h.key for i, h in enumerate(problem.hearings) if scheduled[i].index in core or team_ok[i].index in core
        )
        half_days = tuple(sorted({problem.times[t].half_day for t in range(n_t) if panel_ok[t].index in core}))
        away = tuple(m.key for m in problem.members if set(half_days) & m.unavailable)
        raise Unschedulable(
            [
                Blocker(
                    "together",
                    hearings=hearings or tuple(h.key for h in problem.hearings),
                    members=away,
                    half_days=half_days,
                )
            ]
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise Unschedulable([Blocker("timeout", hearings=tuple(h.key for h in problem.hearings))])
    chosen = [next(t for t in range(n_t) if solver.value(at[h, t])) for h in range(n_h)]  # type: ignore[attr-defined]
    return chosen, str(solver.status_name(status))  # type: ignore[attr-defined]


def _minimal_core(
    model: Any, literals: dict[int, Any], core: set[int], *, seed: int, budget: float, tries: int = 40
) -> set[int]:
    """Drop from the solver's core each assumption without which the model stays infeasible (the
    core CP-SAT returns is sufficient, not minimal): what is left all takes part in the block."""
    from ortools.sat.python import cp_model

    model.clear_objective()
    for index in sorted(core)[:tries]:
        trial = core - {index}
        model.clear_assumptions()
        model.add_assumptions([literals[i] for i in sorted(trial)])
        status = _solver(seed, budget).solve(model)  # type: ignore[attr-defined]
        if status == cp_model.INFEASIBLE:
            core = trial
    return core


def _greedy(
    problem: Problem, free: dict[tuple[int, int], frozenset[str]], members_at: list[int]
) -> dict[tuple[int, int], int]:
    """Earliest-fit: each hearing, most constrained first, at the first time it fits."""
    size, taken = problem.panel_size, [0] * len(problem.times)
    order = sorted(
        range(len(problem.hearings)),
        key=lambda h: sum(1 for t in range(len(problem.times)) if len(free[h, t]) >= size),
    )
    hint = {(h, t): 0 for h in order for t in range(len(problem.times))}
    for h in order:
        hearing = problem.hearings[h]
        for t, time in enumerate(problem.times):
            if (
                time.half_day not in hearing.unavailable
                and len(free[h, t]) >= size
                and taken[t] < problem.rooms
                and size * (taken[t] + 1) <= members_at[t]
            ):
                taken[t] += 1
                hint[h, t] = 1
                break
    return hint


def _panels(
    problem: Problem,
    free: dict[tuple[int, int], frozenset[str]],
    times: list[int],
    *,
    seed: int,
    budget: float,
) -> tuple[dict[int, set[str]] | None, list[tuple[int, tuple[int, ...]]]]:
    """Phase 2: the members of each hearing at its time, loads as even as possible; or the
    (time, hearings) sets whose panels cannot be formed."""
    from ortools.sat.python import cp_model

    by_time: dict[int, list[int]] = {}
    for h, t in enumerate(times):
        by_time.setdefault(t, []).append(h)
    keys = [m.key for m in problem.members]
    model = cp_model.CpModel()
    on = {(h, m): model.new_bool_var(f"on_{h}_{m}") for h, t in enumerate(times) for m in free[h, t]}
    for h in range(len(times)):
        model.add(sum(on[h, m] for m in free[h, times[h]]) == problem.panel_size)
    for together in by_time.values():
        if len(together) > 1:
            for m in keys:
                seats = [on[h, m] for h in together if (h, m) in on]
                if len(seats) > 1:
                    model.add_at_most_one(seats)
    peak = model.new_int_var(0, len(times), "peak")
    low = model.new_int_var(0, len(times), "low")
    for m in keys:
        load = sum(v for (_h, k), v in on.items() if k == m)
        model.add(load <= peak)
        model.add(load >= low)
    model.minimize(peak - low)
    solver = _solver(seed, budget)
    status = solver.solve(model)  # type: ignore[attr-defined]
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, [(t, tuple(together)) for t, together in by_time.items() if len(together) > 1]
    panels = {h: {m for m in free[h, times[h]] if solver.value(on[h, m])} for h in range(len(times))}  # type: ignore[attr-defined]
    return panels, []
