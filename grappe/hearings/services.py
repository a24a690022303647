"""Hearings and experts, the logic: the setup, the shortlist, the panel and everyone's half-days,
scheduling runs (the engine) and their adoption, moves by hand, invitations with an ``.ics``,
hearing scores (into the ranking), declarations, honoraria, payment details. Every write is logged."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.core.access import posted_code
from grappe.core.calendar import event_ics
from grappe.core.replay import canonical, load_inputs, store_inputs
from grappe.core.services import ConcurrentEditError, log_action
from grappe.core.validation import clean_text, finite_decimal, one_line
from grappe.hearings.models import (
    Declaration,
    Hearing,
    HearingScore,
    HearingSetup,
    Mode,
    PanelMember,
    PaymentDetails,
    SchedulingRun,
    ScoreMode,
)
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.people.queries import organisation_names
from grappe.review.models import Conflict, PoolMember, PoolState, Review, ReviewState
from grappe.selection import ranking_store, shortlists
from grappe.selection.extra_scores import ExtraScore
from grappe.selection.services import criteria_of, weighted
from grappe.submissions.models import InvitationState, Proposal, ProposalState, TeamMember

PARIS = ZoneInfo("Europe/Paris")
MAX_DAYS = 31
DECLARATION_VERSION = "2026-1"


class HearingError(ValidationError):
    """A hearings action that cannot be done; the message says why, in the user's language."""


# --- Setup and half-days -----------------------------------------------------------------------


def setup_for(call: Call) -> HearingSetup:
    found, _created = HearingSetup.objects.get_or_create(call=call)
    return found


def _date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise HearingError(_("%(label)s: enter a date as YYYY-MM-DD.") % {"label": label}) from exc


def _int(value: Any, *, label: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        raise HearingError(
            _("%(label)s: a whole number from %(low)d to %(high)d.") % {"label": label, "low": low, "high": high}
        )
    return number


def _time(value: Any, label: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value)[:5])
    except ValueError as exc:
        raise HearingError(_("%(label)s: enter a time as HH:MM.") % {"label": label}) from exc


def call_last_date(call: Call) -> dt.date:
    """The call closes on this date (Paris): hearings come after it."""
    return timezone.localtime(call.closes_at, PARIS).date()


@transaction.atomic
def save_setup(call: Call, data: dict[str, Any], *, expected_version: int, actor: Any) -> HearingSetup:
    setup = HearingSetup.objects.select_for_update().get(pk=setup_for(call).pk)
    if setup.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    first = _date(data.get("first_day"), _("First day of hearings"))
    last = _date(data.get("last_day"), _("Last day of hearings")) or first
    closes = call_last_date(call)
    if first is not None and last is not None:
        if first <= closes:
            raise HearingError(
                _("Hearings come after the call closes (%(date)s): choose a first day after it.")
                % {"date": formats.date_format(closes, "SHORT_DATE_FORMAT")}
            )
        if last < first:
            raise HearingError(_("The last day of hearings comes before the first."))
        if (last - first).days >= MAX_DAYS:
            raise HearingError(_("Hearings last at most %(n)d days.") % {"n": MAX_DAYS})
    hours = {
        name: _time(data.get(name, getattr(setup, name)), label)
        for name, label in [
            ("morning_start", _("Morning starts")),
            ("morning_end", _("Morning ends")),
            ("afternoon_start", _("Afternoon starts")),
            ("afternoon_end", _("Afternoon ends")),
        ]
    }
    if not (hours["morning_start"] < hours["morning_end"] <= hours["afternoon_start"] < hours["afternoon_end"]):
        raise HearingError(
            _(
                "The day's hours overlap: the morning must end before the afternoon starts, "
                "each part start before it ends."
            )
        )
    numbers = {
        "presentation_minutes": _int(
            data.get("presentation_minutes"), label=_("Presentation (minutes)"), low=1, high=240
        ),
        "questions_minutes": _int(data.get("questions_minutes"), label=_("Questions (minutes)"), low=0, high=240),
        "break_minutes": _int(data.get("break_minutes"), label=_("Break between hearings (minutes)"), low=0, high=240),
        "rooms": _int(data.get("rooms"), label=_("Hearings in parallel"), low=1, high=10),
        "panel_size": _int(data.get("panel_size"), label=_("Panel members per hearing"), low=1, high=20),
    }
    mode = str(data.get("mode") or Mode.IN_PERSON)
    if mode not in Mode.values:
        raise HearingError(_("Choose in person or video link."))
    score_mode = str(data.get("score_mode") or ScoreMode.IGNORE)
    if score_mode not in ScoreMode.values:
        raise HearingError(_("Choose how hearing scores enter the ranking."))
    fees = _fees(data)
    video_link = one_line(data.get("video_link") or "")[:200]
    if mode == Mode.VIDEO and not re.match(r"^https://\S+$", video_link):
        raise HearingError(_("Hearings by video need a link starting with https://."))
    places = clean_text(data.get("places"), max_length=1000, label=_("Rooms"), error=HearingError)
    changed_ranking = setup.score_mode != score_mode
    setup.first_day, setup.last_day = first, last
    for name, value in {**hours, **numbers, **fees}.items():
        setup.__dict__[name] = value
    setup.mode, setup.score_mode, setup.video_link, setup.places = mode, score_mode, video_link, places
    setup.contracts = bool(data.get("contracts"))
    if setup.slot_minutes > _minutes(hours["afternoon_end"]) - _minutes(hours["afternoon_start"]):
        raise HearingError(_("A hearing is longer than the afternoon: shorten it or lengthen the day."))
    setup.version += 1
    setup.save()
    if changed_ranking:
        ranking_store.invalidate(call.pk)
    log_action(call, "hearings.setup_saved", actor=actor)
    return setup


def _fees(data: dict[str, Any]) -> dict[str, Decimal]:
    fees = {}
    for name, label in [
        ("fee_per_review", _("Honorarium per submitted review (EUR)")),
        ("fee_per_half_day", _("Honorarium per half-day of panel or hearing (EUR)")),
    ]:
        value = finite_decimal(str(data.get(name) or "0").replace(",", ".").replace(" ", ""), error=HearingError)
        if value is None or value < 0 or value >= Decimal("100000"):
            raise HearingError(_("%(label)s: an amount from 0 to 99,999.99.") % {"label": label})
        fees[name] = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return fees


@transaction.atomic
def save_rates(call: Call, data: dict[str, Any], *, expected_version: int, actor: Any) -> HearingSetup:
    """The honoraria rates alone, for any call (a call without hearings pays its reviews too)."""
    fees = _fees(data)
    setup = HearingSetup.objects.select_for_update().get(pk=setup_for(call).pk)
    if setup.version != expected_version:
        raise ConcurrentEditError(_("Someone else changed the setup since you opened the page: reload it."))
    setup.fee_per_review, setup.fee_per_half_day = fees["fee_per_review"], fees["fee_per_half_day"]
    setup.version += 1
    setup.save(update_fields=["fee_per_review", "fee_per_half_day", "version"])
    log_action(call, "hearings.rates_saved", actor=actor, data={k: str(v) for k, v in fees.items()})
    return setup


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class TimeSlot:
    index: int
    half_day: str  # "2026-12-01:am"
    starts_at: dt.datetime
    ends_at: dt.datetime


def days(setup: HearingSetup) -> list[dt.date]:
    if setup.first_day is None:
        return []
    last = setup.last_day or setup.first_day
    return [setup.first_day + dt.timedelta(days=i) for i in range((last - setup.first_day).days + 1)]


def half_days(setup: HearingSetup) -> list[tuple[str, str]]:
    """(key, label) of each half-day of the hearings, in order."""
    out = []
    morning, afternoon = _("morning"), _("afternoon")
    for day in days(setup):
        label = formats.date_format(day, "l j F")
        out.append((f"{day.isoformat()}:am", f"{label} — {morning}"))
        out.append((f"{day.isoformat()}:pm", f"{label} — {afternoon}"))
    return out


def half_day_of(moment: dt.datetime, setup: HearingSetup) -> str:
    local = timezone.localtime(moment, PARIS)
    part = "am" if local.time() < setup.morning_end else "pm"
    return f"{local.date().isoformat()}:{part}"


def time_slots(setup: HearingSetup) -> list[TimeSlot]:
    """Every time a hearing may start: each half-day cut into slot + break."""
    out: list[TimeSlot] = []
    step = setup.slot_minutes + setup.break_minutes
    for day in days(setup):
        for part, start, end in [
            ("am", setup.morning_start, setup.morning_end),
            ("pm", setup.afternoon_start, setup.afternoon_end),
        ]:
            at = _minutes(start)
            while at + setup.slot_minutes <= _minutes(end):
                begins = dt.datetime.combine(day, dt.time(at // 60, at % 60), tzinfo=PARIS)
                out.append(
                    TimeSlot(
                        len(out),
                        f"{day.isoformat()}:{part}",
                        begins,
                        begins + dt.timedelta(minutes=setup.slot_minutes),
                    )
                )
                at += step
    return out


def _clean_half_days(keys: list[str], setup: HearingSetup) -> list[str]:
    valid = {key for key, _label in half_days(setup)}
    return sorted({str(key) for key in keys if str(key) in valid})


# --- Shortlist and panel ---------------------------------------------------------------------


def _offered(call: Call) -> set[str]:
    """Codes another app offers for the call's shortlist (the full proposals of the teams invited
    after a letter-of-intent stage, drafts included), ``selection.shortlists``."""
    return {code for source in shortlists.sources_for(call) for code in source.codes}


@transaction.atomic
def shortlist(call: Call, codes: list[str], *, actor: Any) -> int:
    """Add these proposals of the call to the hearings (those already in stay): submitted ones,
    or those a shortlist source offers (on a two-stage call, the invited teams' full proposals,
    which may still be drafts)."""
    typed = [str(code).strip() for code in codes if str(code).strip()]
    # A code with control characters cannot be one; it is named back without them.
    wanted = {posted_code(code).upper() or one_line(code)[:20] or "?" for code in typed}
    proposals = list(
        Proposal.objects.filter(call=call, code__in=wanted).filter(
            Q(state=ProposalState.SUBMITTED) | Q(code__in=_offered(call) & wanted)
        )
    )
    unknown = wanted - {p.code for p in proposals}
    if unknown:
        raise HearingError(
            _("These codes are not submitted proposals of this call: %(codes)s.")
            % {"codes": ", ".join(sorted(unknown))}
        )
    added = 0
    for proposal in proposals:
        _hearing, created = Hearing.objects.get_or_create(call=call, proposal=proposal)
        added += created
    if added:
        log_action(call, "hearings.shortlisted", actor=actor, data={"codes": sorted(p.code for p in proposals)})
    return added


def shortlist_top(call: Call, count: int, *, actor: Any) -> int:
    """The first ``count`` proposals of the ranking that pass the thresholds."""
    rows = [row for row in ranking_store.ranking(call) if row.passes][: max(0, count)]
    return shortlist(call, [row.proposal.code for row in rows], actor=actor)


def shortlist_from(call: Call, key: str, count: int, *, actor: Any) -> int:
    """The first ``count`` proposals of a shortlist source (the invited teams, best first)."""
    source = next((s for s in shortlists.sources_for(call) if s.key == key), None)
    if source is None:
        raise HearingError(_("This call offers no such shortlist."))
    if count < 1:
        raise HearingError(_("Shortlist at least one proposal."))
    return shortlist(call, list(source.codes[:count]), actor=actor)


@transaction.atomic
def remove_from_shortlist(hearing: Hearing, *, actor: Any) -> None:
    if hearing.scores.exists():
        raise HearingError(_("The panel has scored this hearing: it stays on the shortlist."))
    log_action(hearing.call, "hearings.unshortlisted", actor=actor, data={"code": hearing.proposal.code})
    hearing.delete()
    ranking_store.invalidate(hearing.call_id)


@transaction.atomic
def add_panel_member(call: Call, person: Person, *, actor: Any) -> PanelMember:
    member, created = PanelMember.objects.get_or_create(call=call, person=person)
    if created:
        log_action(call, "hearings.panel_added", actor=actor, data={"person": person.code})
    return member


def panel_hearings(call: Call, person: Person) -> list[Hearing]:
    """The scheduled hearings of the call on whose panel the person sits, earliest first."""
    return list(
        Hearing.objects.filter(call=call, panel=person, starts_at__isnull=False)
        .select_related("proposal")
        .order_by("starts_at")
    )


def _hearing_label(hearing: Hearing) -> str:
    local = timezone.localtime(hearing.starts_at, PARIS)
    return f"{hearing.proposal.code} ({formats.date_format(local, 'DATETIME_FORMAT')})"


def away_on_panels(call: Call, hearings: list[Hearing] | None = None) -> dict[int, list[Person]]:
    """Per scheduled hearing (id), the members of its panel who said they are away that half-day:
    its invitation waits until the office moves the hearing or the member is free again. Pass the
    call's hearings with their panels prefetched to save the queries."""
    setup = setup_for(call)
    away = {m.person_id: set(m.unavailable or []) for m in PanelMember.objects.filter(call=call)}
    if hearings is None:
        hearings = list(Hearing.objects.filter(call=call, starts_at__isnull=False).prefetch_related("panel"))
    out: dict[int, list[Person]] = {}
    for hearing in hearings:
        if hearing.starts_at is None:
            continue
        half = half_day_of(hearing.starts_at, setup)
        missing = [p for p in hearing.panel.all() if half in away.get(p.pk, set())]
        if missing:
            out[hearing.pk] = missing
    return out


def proposal_section(user: Any, proposal: Proposal) -> dict[str, Any] | None:
    """The team's own proposal page links to its hearing (``submissions.sections``)."""
    hearing = Hearing.objects.filter(proposal=proposal).first()
    if hearing is None or not user.has_perm("hearings.team_constraints", hearing):
        return None
    return {"template": "hearings/includes/proposal_section.html", "hearing": hearing}


def sits_on_panels(call: Call, person: Person) -> str | None:
    """The guard of ``stages.exclude_reviewer``: a person on the panel of scheduled hearings of the
    call stays until the office changes those panels."""
    scheduled = panel_hearings(call, person)
    if not scheduled:
        return None
    return _(
        "%(name)s sits on the panel of scheduled hearings of stage 2: %(hearings)s. "
        "Change those panels on the hearings desk before excluding them."
    ) % {"name": person.full_name, "hearings": ", ".join(map(_hearing_label, scheduled))}


@transaction.atomic
def set_member_unavailable(member: PanelMember, keys: list[str], *, actor: Any) -> PanelMember:
    member.unavailable = _clean_half_days(keys, setup_for(member.call))
    member.save(update_fields=["unavailable"])
    log_action(member.call, "hearings.panel_availability", actor=actor, data={"person": member.person.code})
    return member


@transaction.atomic
def set_team_unavailable(hearing: Hearing, keys: list[str], *, expected_version: int, actor: Any) -> Hearing:
    """The team's constraints: the half-days it cannot come (until the office invites it)."""
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    if hearing.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    if hearing.invited_at is not None:
        raise HearingError(_("Your hearing is scheduled and you were invited: write to the office to change it."))
    setup = setup_for(hearing.call)
    cleaned = _clean_half_days(keys, setup)
    if len(cleaned) == len(half_days(setup)) and cleaned:
        raise HearingError(_("Leave at least one half-day when you can come."))
    hearing.unavailable = cleaned
    hearing.version += 1
    hearing.save(update_fields=["unavailable", "version"])
    log_action(hearing.proposal, "hearings.team_constraints", actor=actor)
    return hearing


# --- Scheduling runs -------------------------------------------------------------------------


def _problem_inputs(call: Call, setup: HearingSetup) -> tuple[dict[str, Any], list[TimeSlot]]:
    """What the scheduler reads, as plain JSON: the times, each hearing's and member's half-days
    away, and the conflicts of interest (no waiver) between them."""
    slots = time_slots(setup)
    hearings = list(Hearing.objects.filter(call=call).select_related("proposal").order_by("proposal__code"))
    members = list(PanelMember.objects.filter(call=call).select_related("person").order_by("person__code"))
    conflicts = set(
        Conflict.objects.filter(
            call=call,
            waived=False,
            proposal_id__in=[h.proposal_id for h in hearings],
            reviewer_id__in=[m.person_id for m in members],
        ).values_list("reviewer__code", "proposal__code")
    )
    inputs = {
        "times": [[s.index, s.half_day, s.starts_at.isoformat()] for s in slots],
        "hearings": {h.proposal.code: sorted(h.unavailable or []) for h in hearings},
        "members": {m.person.code: sorted(m.unavailable or []) for m in members},
        "conflicts": sorted([list(pair) for pair in conflicts]),
    }
    return inputs, slots


def stored_payload(inputs: dict[str, Any], parameters: dict[str, Any], seed: int) -> dict[str, Any]:
    """What a run stores for replay: the times, each hearing and member as ``[code, half-days
    away]`` in the order of their codes (so a replay names the records that changed since),
    the conflicts, the parameters and the seed."""
    return {
        "times": inputs["times"],
        "hearings": [[code, away] for code, away in sorted(inputs["hearings"].items())],
        "members": [[code, away] for code, away in sorted(inputs["members"].items())],
        "conflicts": inputs["conflicts"],
        "parameters": parameters,
        "seed": seed,
    }


def problem_from(payload: dict[str, Any]) -> Any:
    """The engine's problem from stored inputs (what a run solves and its replay solves again)."""
    from grappe.engine.hearings import HearingNeed, Problem, Time
    from grappe.engine.hearings import PanelMember as Member

    parameters = payload["parameters"]
    return Problem(
        times=tuple(Time(int(index), str(half)) for index, half, _start in payload["times"]),
        hearings=tuple(HearingNeed(str(code), frozenset(away)) for code, away in payload["hearings"]),
        members=tuple(Member(str(code), frozenset(away)) for code, away in payload["members"]),
        conflicts=frozenset((str(reviewer), str(proposal)) for reviewer, proposal in payload["conflicts"]),
        rooms=int(parameters["rooms"]),
        panel_size=int(parameters["panel_size"]),
    )


def schedule_outcome(payload: dict[str, Any]) -> dict[str, Any]:
    """The run's result from its stored inputs: the placements (times from the stored times) and
    the members' loads, or the blockers when no schedule exists. Deterministic for a seed."""
    from grappe.engine.hearings import Unschedulable, solve

    starts = {int(index): start for index, _half, start in payload["times"]}
    minutes = int(payload["parameters"]["slot_minutes"])
    try:
        schedule = solve(problem_from(payload), seed=int(payload["seed"]))
    except Unschedulable as exc:
        return {
            "blockers": [
                {
                    "kind": b.kind,
                    "hearings": list(b.hearings),
                    "members": list(b.members),
                    "half_days": list(b.half_days),
                }
                for b in exc.blockers
            ]
        }
    placements = []
    for p in schedule.placements:
        starts_at = dt.datetime.fromisoformat(starts[p.time])
        placements.append(
            {
                "hearing": p.hearing,
                "time": p.time,
                "starts_at": starts_at.isoformat(),
                "ends_at": (starts_at + dt.timedelta(minutes=minutes)).isoformat(),
                "room": p.room,
                "panel": list(p.panel),
            }
        )
    return {"placements": placements, "loads": dict(schedule.loads), "status": schedule.status}


def compare_schedules(kept: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The differences between a kept result and a recomputed one, in words."""
    if "blockers" in kept or "blockers" in new:
        if canonical(kept) == canonical(new):
            return []
        if "blockers" in kept and "blockers" in new:
            return [_("What blocks the schedule differs.")]
        return [_("The run found a schedule and the replay none, or the other way round.")]
    then = {p["hearing"]: p for p in kept.get("placements", [])}
    now = {p["hearing"]: p for p in new.get("placements", [])}
    lines = []
    for code in sorted(set(then) | set(now)):
        if canonical(then.get(code)) != canonical(now.get(code)):
            lines.append(_("Hearing %(code)s: time, room or panel differs.") % {"code": code})
    if not lines and canonical(kept) != canonical(new):
        lines.append(_("The members' loads or the solver's status differ."))
    return lines


def schedule_inputs_today(run: SchedulingRun) -> dict[str, Any] | None:
    """Today's inputs for the run's call, in the stored form (what changed since the run)."""
    setup = setup_for(run.call)
    if setup.first_day is None:
        return None
    inputs, _slots = _problem_inputs(run.call, setup)
    return stored_payload(inputs, _parameters(setup), run.seed)


def _parameters(setup: HearingSetup) -> dict[str, Any]:
    first = setup.first_day or dt.date.min  # callers check the days are set
    return {
        "first_day": first.isoformat(),
        "last_day": (setup.last_day or first).isoformat(),
        "slot_minutes": setup.slot_minutes,
        "presentation_minutes": setup.presentation_minutes,
        "questions_minutes": setup.questions_minutes,
        "break_minutes": setup.break_minutes,
        "rooms": setup.rooms,
        "panel_size": setup.panel_size,
        "hours": [
            str(setup.morning_start),
            str(setup.morning_end),
            str(setup.afternoon_start),
            str(setup.afternoon_end),
        ],
    }


def _names(call: Call) -> tuple[dict[str, str], dict[str, str]]:
    proposals = dict(Hearing.objects.filter(call=call).values_list("proposal__code", "proposal__title"))
    people = {m.person.code: m.person.full_name for m in PanelMember.objects.filter(call=call).select_related("person")}
    return proposals, people


def short_title(title: str, limit: int = 40) -> str:
    """The title cut at a word boundary, with an ellipsis when cut."""
    if len(title) <= limit:
        return title
    head = title[:limit].rsplit(" ", 1)[0] if " " in title[:limit] else title[:limit]
    return head.rstrip(" ,;:-") + "…"


def explain(blockers: list[dict[str, Any]], call: Call, setup: HearingSetup) -> list[str]:
    """Each blocker as a sentence naming the hearings, members and half-days involved."""
    proposals, people = _names(call)
    labels = dict(half_days(setup))

    def hearings(keys: list[str]) -> str:
        return ", ".join(f"{k} ({short_title(proposals.get(k, ''))})" for k in keys[:12]) + (
            "…" if len(keys) > 12 else ""
        )

    def members(keys: list[str]) -> str:
        return ", ".join(people.get(k, k) for k in keys) or _("none")

    def halves(keys: list[str]) -> str:
        return ", ".join(labels.get(k, k) for k in keys) or "—"

    away = "; ".join(
        f"{m.person.full_name} ({halves(m.unavailable)})"
        for m in PanelMember.objects.filter(call=call).select_related("person").order_by("person__last_name")
        if m.unavailable
    ) or _("nobody")

    out = []
    for b in blockers:
        kind, hs, ms, ds = b["kind"], b.get("hearings", []), b.get("members", []), b.get("half_days", [])
        if kind == "panel_size":
            out.append(
                _("The panel has %(n)d members, fewer than the %(size)d each hearing needs.")
                % {"n": len(ms), "size": setup.panel_size}
            )
        elif kind == "team_constraints":
            out.append(
                _("Hearing %(hearing)s: the team is unavailable on every half-day of the hearings (%(days)s).")
                % {"hearing": hearings(hs), "days": halves(ds)}
            )
        elif kind == "panel":
            out.append(
                _(
                    "Hearing %(hearing)s: at no time the team can come are %(size)d panel members free and without a "
                    "conflict of interest (conflicts: %(members)s; away: %(away)s)."
                )
                % {"hearing": hearings(hs), "size": setup.panel_size, "members": members(ms), "away": away}
            )
        elif kind == "capacity":
            out.append(
                _("%(n)d hearings for %(places)d places (%(times)d times × %(rooms)d in parallel): add days or rooms.")
                % {
                    "n": len(hs),
                    "places": len(time_slots(setup)) * setup.rooms,
                    "times": len(time_slots(setup)),
                    "rooms": setup.rooms,
                }
            )
        elif kind == "together":
            out.append(
                _(
                    "These hearings cannot all be placed together: %(hearing)s — the teams' constraints and the panel "
                    "members' availability leave too few places (half-days involved: %(days)s; members away then: "
                    "%(members)s)."
                )
                % {"hearing": hearings(hs), "days": halves(ds), "members": members(ms)}
            )
        else:
            out.append(_("The solver found no schedule in its time budget: %(hearing)s.") % {"hearing": hearings(hs)})
    return out


def run_schedule(call: Call, *, actor: Any, seed: int = 0) -> SchedulingRun:
    """Run the scheduler on the shortlist; the run is kept either way, with its exact inputs,
    parameters and seed stored for replay (``core.replay``) and the engine's version."""
    from grappe.engine import ENGINE_VERSION

    setup = setup_for(call)
    if setup.first_day is None:
        raise HearingError(_("Set the days of the hearings first."))
    if not Hearing.objects.filter(call=call).exists():
        raise HearingError(_("Shortlist proposals first: there is no hearing to schedule."))
    if not PanelMember.objects.filter(call=call).exists():
        raise HearingError(_("Add panel members first."))
    inputs, _slots = _problem_inputs(call, setup)
    parameters = _parameters(setup)
    stored = store_inputs(stored_payload(inputs, parameters, seed))
    payload = load_inputs(stored).payload  # solve what was stored, exactly as a replay will
    run = SchedulingRun(
        call=call,
        parameters=parameters,
        inputs=inputs,
        seed=seed,
        engine_version=ENGINE_VERSION,
        inputs_hash=stored.digest,
        stored_inputs=stored,
        created_by=actor,
    )
    started = timezone.now()
    run.result = schedule_outcome(payload)
    if "blockers" in run.result:
        run.error = "\n".join(explain(run.result["blockers"], call, setup))
    run.seconds = round((timezone.now() - started).total_seconds(), 3)
    run.save()
    log_action(call, "hearings.scheduled", actor=actor, data={"run": run.pk, "ok": not run.error})
    return run


@transaction.atomic
def adopt_run(run: SchedulingRun, *, actor: Any) -> int:
    """The office adopts a run: each hearing gets its time, room and panel (invitations not sent)."""
    run = SchedulingRun.objects.select_for_update().get(pk=run.pk)
    if run.error:
        raise HearingError(_("This run found no schedule: there is nothing to adopt."))
    call, setup = run.call, setup_for(run.call)
    hearings = {h.proposal.code: h for h in Hearing.objects.filter(call=call).select_related("proposal")}
    placements = run.result.get("placements", [])
    if {p["hearing"] for p in placements} != set(hearings):
        raise HearingError(_("The shortlist changed since this run: run the scheduler again."))
    if any(h.invited_at for h in hearings.values()):
        raise HearingError(_("Invitations were sent: move hearings one by one rather than adopting a new run."))
    people = dict(PanelMember.objects.filter(call=call).values_list("person__code", "person_id"))
    if any(code not in people for p in placements for code in p["panel"]):
        raise HearingError(_("The panel changed since this run: run the scheduler again."))
    places = setup.place_names()
    for p in placements:
        hearing = hearings[p["hearing"]]
        hearing.starts_at = dt.datetime.fromisoformat(p["starts_at"])
        hearing.ends_at = dt.datetime.fromisoformat(p["ends_at"])
        hearing.room = p["room"]
        hearing.place = places[p["room"]] if p["room"] < len(places) else ""
        hearing.run = run
        hearing.version += 1
        hearing.save()
        hearing.panel.set([people[code] for code in p["panel"]])
    SchedulingRun.objects.filter(call=call).exclude(pk=run.pk).update(adopted_at=None, adopted_by=None)
    run.adopted_at, run.adopted_by = timezone.now(), actor
    run.save(update_fields=["adopted_at", "adopted_by"])
    log_action(call, "hearings.run_adopted", actor=actor, data={"run": run.pk})
    return len(placements)


@transaction.atomic
def move_hearing(hearing: Hearing, data: dict[str, Any], *, expected_version: int, actor: Any) -> Hearing:
    """The office moves one hearing by hand: a date and time within the hearing days and hours, a
    room, and no overlap with another hearing in that room or for a member of its panel."""
    hearing = Hearing.objects.select_for_update().select_related("call").get(pk=hearing.pk)
    if hearing.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    setup = setup_for(hearing.call)
    day = _date(data.get("day"), _("Date"))
    start = _time(data.get("time"), _("Time"))
    if day is None:
        raise HearingError(_("Date: enter a date as YYYY-MM-DD."))
    if day not in days(setup):
        raise HearingError(
            _("%(date)s is outside the call's hearing days (%(first)s to %(last)s).")
            % {
                "date": formats.date_format(day, "SHORT_DATE_FORMAT"),
                "first": formats.date_format(setup.first_day, "SHORT_DATE_FORMAT") if setup.first_day else "—",
                "last": formats.date_format(setup.last_day or setup.first_day, "SHORT_DATE_FORMAT")
                if setup.first_day
                else "—",
            }
        )
    begins = _minutes(start)
    ends = begins + setup.slot_minutes
    inside = (_minutes(setup.morning_start) <= begins and ends <= _minutes(setup.morning_end)) or (
        _minutes(setup.afternoon_start) <= begins and ends <= _minutes(setup.afternoon_end)
    )
    if not inside:
        raise HearingError(
            _("This time is outside the hearing hours (or runs past the end of the morning or afternoon).")
        )
    room = _int(data.get("room") or 1, label=_("Room"), low=1, high=setup.rooms) - 1
    starts_at = dt.datetime.combine(day, start, tzinfo=PARIS)
    ends_at = starts_at + dt.timedelta(minutes=setup.slot_minutes)
    overlapping = (
        Hearing.objects.filter(call=hearing.call, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=hearing.pk)
        .select_related("proposal")
    )
    same_room = [h.proposal.code for h in overlapping if h.room == room]
    if same_room:
        raise HearingError(
            _("This slot overlaps hearing %(codes)s in the same room.") % {"codes": ", ".join(same_room)}
        )
    panel = set(hearing.panel.values_list("pk", flat=True))
    busy = Person.objects.filter(pk__in=panel, hearings__in=overlapping).distinct()
    if busy:
        raise HearingError(
            _("%(names)s would be in two hearings at once.") % {"names": ", ".join(p.full_name for p in busy)}
        )
    key = half_day_of(starts_at, setup)
    away = [
        m.person.full_name
        for m in PanelMember.objects.filter(call=hearing.call, person_id__in=panel).select_related("person")
        if key in (m.unavailable or [])
    ]
    if away:
        raise HearingError(_("%(names)s said they are unavailable then.") % {"names": ", ".join(away)})
    if key in (hearing.unavailable or []):
        raise HearingError(_("The team said it cannot come then."))
    places = setup.place_names()
    hearing.starts_at, hearing.ends_at, hearing.room = starts_at, ends_at, room
    hearing.place = places[room] if room < len(places) else ""
    hearing.version += 1
    hearing.save()
    log_action(hearing.proposal, "hearings.moved", actor=actor, data={"starts_at": starts_at.isoformat(), "room": room})
    return hearing


# --- Invitations -----------------------------------------------------------------------------


def hearing_ics(hearing: Hearing, setup: HearingSetup) -> bytes:
    if hearing.starts_at is None or hearing.ends_at is None:
        raise HearingError(_("This hearing is not scheduled yet."))
    url = settings.SITE_URL + reverse("hearings:hearing", args=[hearing.pk])
    where = setup.video_link if setup.mode == Mode.VIDEO else hearing.place
    return event_ics(
        uid=f"hearing-{hearing.pk}-{hearing.proposal.code}@grappe",
        starts_at=hearing.starts_at,
        ends_at=hearing.ends_at,
        summary=_("Hearing: %(code)s — %(call)s") % {"code": hearing.proposal.code, "call": hearing.call.title},
        location=where,
        description="\n".join(part for part in [where, url] if part),
        url=url,
        product="Hearings",
    )


def send_invitations(call: Call, *, actor: Any) -> int:
    """Email every scheduled, not yet invited team its hearing with an ``.ics``."""
    setup = setup_for(call)
    hearings = list(
        Hearing.objects.filter(call=call, starts_at__isnull=False, invited_at__isnull=True)
        .select_related("proposal", "call")
        .prefetch_related("panel")
        .order_by("starts_at")
    )
    held = away_on_panels(call, hearings)
    hearings = [h for h in hearings if h.pk not in held]  # a panel member is away: the office moves it first
    team: dict[int, list[tuple[int | None, str]]] = {}
    for proposal_id, person_id, email in TeamMember.objects.filter(
        proposal_id__in=[h.proposal_id for h in hearings], state=InvitationState.ACCEPTED
    ).values_list("proposal_id", "person_id", "email"):
        team.setdefault(proposal_id, []).append((person_id, email))
    people = Person.objects.in_bulk([pid for members in team.values() for pid, _e in members if pid])
    invited = []
    for hearing in hearings:
        members = team.get(hearing.proposal_id) or []
        if not members:
            continue
        url = settings.SITE_URL + reverse("hearings:hearing", args=[hearing.pk])
        local = timezone.localtime(hearing.starts_at, PARIS)

        def body(hearing: Hearing = hearing, local: Any = local, url: str = url) -> str:
            where = (
                setup.video_link if setup.mode == Mode.VIDEO else (hearing.place or _("the room given by the office"))
            )
            return _(
                "Your proposal %(code)s is invited to a hearing on %(when)s (Paris time): %(presentation)d minutes of "
                "presentation, then %(questions)d minutes of questions.\n\nWhere: %(where)s\n\nDetails: %(url)s"
            ) % {
                "code": hearing.proposal.code,
                "when": formats.date_format(local, "DATETIME_FORMAT"),
                "presentation": setup.presentation_minutes,
                "questions": setup.questions_minutes,
                "where": where,
                "url": url,
            }

        calendar = hearing_ics(hearing, setup)
        for person_id, email in members:
            notify(
                people.get(person_id) if person_id else None,
                Kind.DEADLINE,  # a date the team must keep: never silenced by a preference
                email=email,
                subject=lambda hearing=hearing: _("Hearing invitation: %(code)s") % {"code": hearing.proposal.code},
                body=body,
                link=url,
                attachments=[("hearing.ics", calendar, "text/calendar")],
            )
        invited.append(hearing)
    if invited:
        now = timezone.now()
        Hearing.objects.filter(pk__in=[h.pk for h in invited]).update(invited_at=now)
        log_action(call, "hearings.invited", actor=actor, data={"count": len(invited)})
        _tell_panel(invited, setup)
    return len(invited)


def _tell_panel(hearings: list[Hearing], setup: HearingSetup) -> None:
    """Each panel member of these hearings gets one email: their hearings, with an ``.ics`` each
    and the link to their expert page, where the hearings are listed."""
    mine: dict[int, list[Hearing]] = {}
    people: dict[int, Person] = {}
    for hearing in hearings:
        for person in hearing.panel.all():
            people[person.pk] = person
            mine.setdefault(person.pk, []).append(hearing)
    url = settings.SITE_URL + reverse("hearings:expert")
    for person_id, theirs in mine.items():
        person = people[person_id]

        def body(theirs: list[Hearing] = theirs) -> str:
            lines = [
                f"- {formats.date_format(timezone.localtime(h.starts_at, PARIS), 'DATETIME_FORMAT')} · "
                f"{h.proposal.code} · {settings.SITE_URL + reverse('hearings:hearing', args=[h.pk])}"
                for h in theirs
            ]
            return _(
                "You sit on the panel of these hearings (Paris time):\n\n%(lines)s\n\n"
                "Your hearings and honoraria: %(url)s"
            ) % {"lines": "\n".join(lines), "url": url}

        notify(
            person,
            Kind.DEADLINE,
            email=person.email,
            subject=lambda call=theirs[0].call: _("Hearings you sit on: %(call)s") % {"call": call.title},
            body=body,
            link=url,
            attachments=[(f"hearing-{h.proposal.code}.ics", hearing_ics(h, setup), "text/calendar") for h in theirs],
        )


# --- Hearing scores --------------------------------------------------------------------------


def _half(value: Any, label: str) -> str:
    score = finite_decimal(value, error=HearingError)
    if score is None or score < 0 or score > 5 or (score * 2) % 1:
        raise HearingError(_("%(label)s: scores are numbers from 0 to 5 in half points.") % {"label": label})
    return f"{score:.1f}"


def is_on_panel(person_id: int | None, hearing: Hearing) -> bool:
    return (
        person_id is not None
        and hearing.panel.filter(pk=person_id).exists()
        and not Conflict.objects.filter(reviewer_id=person_id, proposal_id=hearing.proposal_id, waived=False).exists()
    )


@transaction.atomic
def save_score(hearing: Hearing, member: Person, data: dict[str, Any], *, actor: Any) -> HearingScore:
    if not is_on_panel(member.pk, hearing):
        raise HearingError(_("Only the members of this hearing's panel score it."))
    if declaration_gate(member.pk, hearing.call_id):
        raise HearingError(_("Sign the call's declaration first."))
    if hearing.starts_at is None or hearing.starts_at > timezone.now():
        raise HearingError(_("You can score a hearing once it has started."))
    scores = {}
    for c in criteria_of(hearing.call):
        scores[str(c.pk)] = _half(data.get(f"score_{c.pk}"), c.label)
    comment = clean_text(data.get("comment"), max_length=5000, label=_("Comment"), error=HearingError)
    record, _created = HearingScore.objects.update_or_create(
        hearing=hearing, member=member, defaults={"scores": scores, "comment": comment}
    )
    ranking_store.invalidate(hearing.call_id)
    log_action(hearing.proposal, "hearings.scored", actor=actor)
    return record


def hearing_scores(call: Any, proposal_ids: list[int]) -> dict[int, ExtraScore]:
    """The ranking's provider: each heard proposal's mean weighted hearing score, as the call
    configures (nothing when hearing scores are not counted)."""
    mode = HearingSetup.objects.filter(call=call).values_list("score_mode", flat=True).first()
    if mode in (None, ScoreMode.IGNORE):
        return {}
    criteria = criteria_of(call)
    totals: dict[int, list[Decimal]] = {}
    for proposal_id, scores in HearingScore.objects.filter(hearing__proposal_id__in=proposal_ids).values_list(
        "hearing__proposal_id", "scores"
    ):
        total = weighted(scores, criteria, exact=True)
        if total is not None:
            totals.setdefault(proposal_id, []).append(total)
    return {
        pid: ExtraScore(
            # Unrounded: the ranking rounds the combined score once (docs/selection.md, "Ranking").
            score=sum(values, Decimal("0")) / len(values),
            mode=str(mode),
            label=_("hearing"),
        )
        for pid, values in totals.items()
    }


# --- Declarations ----------------------------------------------------------------------------


def declaration_text(call: Call) -> str:
    return _(
        "I will keep confidential everything I read or hear about the proposals of the call “%(call)s”, use it only "
        "for their evaluation, and destroy my copies afterwards. I declare that I have no conflict of interest with "
        "the proposals I am asked to evaluate or hear (no joint work, supervision, employment, family or financial "
        "tie in the last three years); should one appear, I will declare it at once and stop evaluating that "
        "proposal."
    ) % {"call": call.title}


def declaration_gate(person_id: int, call_id: int) -> str | None:
    """review's gate: the call requires the declaration and this expert has not signed it."""
    required = (
        HearingSetup.objects.filter(call_id=call_id, contracts=True)
        .exclude(call__declarations__person_id=person_id)
        .values_list("call__code", flat=True)
        .first()
    )
    return reverse("hearings:declaration", args=[required]) if required else None


def is_expert_of(person_id: int | None, call: Call) -> bool:
    return person_id is not None and (
        PoolMember.objects.filter(call=call, person_id=person_id).exclude(state=PoolState.DECLINED).exists()
        or PanelMember.objects.filter(call=call, person_id=person_id).exists()
    )


@transaction.atomic
def sign_declaration(call: Call, person: Person, *, ip: str | None, actor: Any) -> Declaration:
    if not is_expert_of(person.pk, call):
        raise HearingError(_("Only the call's experts sign its declaration."))
    record, created = Declaration.objects.get_or_create(
        call=call, person=person, defaults={"text_version": DECLARATION_VERSION, "ip": ip}
    )
    if created:
        log_action(call, "hearings.declaration_signed", actor=actor, data={"person": person.code})
    return record


# --- Honoraria and payment details -----------------------------------------------------------


@dataclass
class Owed:
    person: Person
    reviews: int
    half_days: int
    amount: Decimal
    details: dict[str, str] | None = None
    organisation: str = ""


def honoraria(call: Call, *, person_id: int | None = None) -> list[Owed]:
    """What each expert of the call is owed from what they did: submitted reviews, half-days of
    hearings they scored (attended), at the call's rates. A constant number of queries."""
    setup = setup_for(call)
    pool = PoolMember.objects.filter(call=call).exclude(state=PoolState.DECLINED).values_list("person_id", flat=True)
    panel = PanelMember.objects.filter(call=call).values_list("person_id", flat=True)
    people = Person.objects.filter(Q(pk__in=pool) | Q(pk__in=panel)).order_by("last_name", "first_name", "pk")
    if person_id is not None:
        people = people.filter(pk=person_id)
    reviews = dict(
        Review.objects.filter(assignment__call=call, state=ReviewState.SUBMITTED)
        .values("assignment__reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("assignment__reviewer_id", "n")
    )
    halves: dict[int, set[str]] = {}
    for member_id, starts_at in HearingScore.objects.filter(
        hearing__call=call, hearing__starts_at__isnull=False
    ).values_list("member_id", "hearing__starts_at"):
        halves.setdefault(member_id, set()).add(half_day_of(starts_at, setup))
    people_list = list(people)
    organisations = organisation_names([p.pk for p in people_list])
    out = []
    for person in people_list:
        n_reviews, n_halves = reviews.get(person.pk, 0), len(halves.get(person.pk, set()))
        amount = setup.fee_per_review * n_reviews + setup.fee_per_half_day * n_halves
        out.append(
            Owed(
                person,
                n_reviews,
                n_halves,
                amount.quantize(Decimal("0.01")),
                organisation=organisations.get(person.pk, ""),
            )
        )
    return out


def _fernet() -> Any:
    from cryptography.fernet import Fernet

    key = settings.PAYMENT_DETAILS_KEY
    if not key:  # development and tests: derived from the secret key (production sets its own)
        key = base64.urlsafe_b64encode(hashlib.sha256(f"payment:{settings.SECRET_KEY}".encode()).digest()).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    from cryptography.fernet import InvalidToken

    if not value:
        return ""
    try:
        return str(_fernet().decrypt(value.encode()).decode())
    except InvalidToken:
        return _("(unreadable: the encryption key changed)")


def details_of(record: PaymentDetails | None) -> dict[str, str]:
    if record is None:
        return {"iban": "", "bic": "", "address": ""}
    return {
        "iban": decrypt(record.iban_encrypted),
        "bic": decrypt(record.bic_encrypted),
        "address": decrypt(record.address_encrypted),
    }


def iban_is_valid(iban: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


@transaction.atomic
def save_payment_details(person: Person, data: dict[str, Any], *, expected_version: int, actor: Any) -> PaymentDetails:
    record, _created = PaymentDetails.objects.select_for_update().get_or_create(person=person)
    if record.version != expected_version:
        raise ConcurrentEditError(ConcurrentEditError.message)
    iban = re.sub(r"\s+", "", str(data.get("iban") or "")).upper()[:40]
    bic = re.sub(r"\s+", "", str(data.get("bic") or "")).upper()[:20]
    address = clean_text(data.get("address"), max_length=500, label=_("Postal address"), error=HearingError)
    if not iban_is_valid(iban):
        raise HearingError(_("This IBAN is not valid: check its letters and digits."))
    if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
        raise HearingError(_("A BIC has 8 or 11 letters and digits."))
    if not address.strip():
        raise HearingError(_("Enter your postal address."))
    record.iban_encrypted, record.bic_encrypted, record.address_encrypted = (
        encrypt(iban),
        encrypt(bic),
        encrypt(address),
    )
    record.version += 1
    record.save()
    log_action(person, "hearings.payment_details_saved", actor=actor)  # never the values
    return record


def payment_file(call: Call) -> bytes:
    """The finance office's Excel file: one row per expert owed something, with their details."""
    from openpyxl import Workbook

    from grappe.core.exports import header_row, xlsx_row

    rows = [row for row in honoraria(call) if row.amount > 0]
    records = {r.person_id: r for r in PaymentDetails.objects.filter(person_id__in=[row.person.pk for row in rows])}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Honoraria")[:31])
    header_row(
        sheet,
        [
            _("Expert"),
            _("Email"),
            _("Submitted reviews"),
            _("Half-days of hearings"),
            _("Amount (EUR)"),
            _("IBAN"),
            _("BIC"),
            _("Postal address"),
        ],
    )
    for row in rows:
        details = details_of(records.get(row.person.pk))
        sheet.append(
            xlsx_row(
                sheet,
                [
                    row.person.full_name,
                    row.person.email,
                    row.reviews,
                    row.half_days,
                    row.amount,
                    details["iban"],
                    details["bic"],
                    details["address"],
                ],
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
