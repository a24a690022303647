"""Hearing pages: the office's desk (setup, shortlist, panel, runs, schedule, invitations) and
honoraria; a hearing's page (team: constraints; panel: scores); the expert's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.calls.models import Call
from grappe.core.access import get_for_user_or_404, posted_code
from grappe.core.exports import xlsx_response
from grappe.core.forms import posted_int
from grappe.core.services import ConcurrentEditError
from grappe.hearings import services
from grappe.hearings.models import (
    Declaration,
    Hearing,
    HearingScore,
    Mode,
    PanelMember,
    PaymentDetails,
    SchedulingRun,
    ScoreMode,
)
from grappe.people.models import Person
from grappe.people.rules import roles_of
from grappe.review import gates
from grappe.review.models import PoolMember, PoolState
from grappe.selection import shortlists
from grappe.selection.services import criteria_of


def _call(request: HttpRequest, code: str) -> Call:
    return get_for_user_or_404(
        request.user, Call.objects.select_related("programme"), "hearings.manage_hearings", code=code
    )


def _errors(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ConcurrentEditError):
        messages.error(request, str(ConcurrentEditError.message))
        return
    for message in getattr(exc, "messages", [str(exc)]):
        messages.error(request, message)


def _failed(exc: Exception) -> bool:
    return isinstance(exc, (services.HearingError, ConcurrentEditError))


@login_required
def desk(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    setup = services.setup_for(call)
    hearings = list(
        Hearing.objects.filter(call=call)
        .select_related("proposal")
        .prefetch_related("panel")
        .order_by("starts_at", "room", "proposal__code")
    )
    halves = services.half_days(setup)
    labels = dict(halves)
    members = list(PanelMember.objects.filter(call=call).select_related("person").order_by("person__last_name"))
    runs = list(SchedulingRun.objects.filter(call=call).select_related("created_by__person", "adopted_by__person")[:10])
    shown = None
    wanted = posted_int(request.GET.get("run"), 0)
    shown = next((r for r in runs if r.pk == wanted), None) or (runs[0] if runs else None)
    codes = {m.person.code: m.person.full_name for m in members}
    proposals = {h.proposal.code: h.proposal for h in hearings}
    placements = []
    if shown and not shown.error:
        for p in shown.result.get("placements", []):
            placements.append(
                {
                    "proposal": proposals.get(p["hearing"]),
                    "code": p["hearing"],
                    "starts_at": dt.datetime.fromisoformat(p["starts_at"]),
                    "room": p["room"] + 1,
                    "panel": [codes.get(c, c) for c in p["panel"]],
                }
            )
    away = services.away_on_panels(call, hearings)
    in_pool = (
        Person.objects.filter(pools__call=call)
        .exclude(pools__state=PoolState.DECLINED)
        .exclude(panels__call=call)
        .distinct()
        .order_by("last_name", "first_name")
    )
    return render(
        request,
        "hearings/desk.html",
        {
            "call": call,
            "setup": setup,
            "closes": services.call_last_date(call),
            "hearings": [(h, [labels.get(k, k) for k in h.unavailable or []], away.get(h.pk, [])) for h in hearings],
            "members": [(m, set(m.unavailable or [])) for m in members],
            "halves": halves,
            "runs": runs,
            "shown": shown,
            "placements": placements,
            "in_pool": in_pool,
            "modes": Mode.choices,
            "score_modes": ScoreMode.choices,
            "slots": len(services.time_slots(setup)),
            "to_invite": sum(1 for h in hearings if h.starts_at and not h.invited_at and h.pk not in away),
            "away": away,
            "rooms": range(1, setup.rooms + 1),
            "sources": shortlists.sources_for(call),
        },
    )


def _back(call: Call, anchor: str = "") -> HttpResponse:
    from django.urls import reverse

    return redirect(reverse("hearings:desk", args=[call.code]) + anchor)


@login_required
@require_POST
def save_setup(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    try:
        services.save_setup(
            call, request.POST.dict(), expected_version=posted_int(request.POST.get("version")), actor=request.user
        )
    except (services.HearingError, ConcurrentEditError) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Hearing setup saved."))
        weekend = [d for d in services.days(services.setup_for(call)) if d.weekday() >= 5]
        if weekend:
            messages.warning(
                request,
                _("These hearing days fall on a weekend: %(days)s. Check that the panel and the teams can come.")
                % {"days": ", ".join(formats.date_format(d, "l j F") for d in weekend)},
            )
    return _back(call, "#setup")


@login_required
@require_POST
def shortlist(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    try:
        if request.POST.get("source"):
            added = services.shortlist_from(
                call,
                str(request.POST.get("source"))[:40],
                posted_int(request.POST.get("count"), 0),
                actor=request.user,
            )
        elif request.POST.get("top"):
            added = services.shortlist_top(call, posted_int(request.POST.get("top"), 0), actor=request.user)
        else:
            added = services.shortlist(call, str(request.POST.get("codes", ""))[:2000].split(), actor=request.user)
    except services.HearingError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(n)d proposals added to the shortlist.") % {"n": added})
    return _back(call, "#shortlist")


@login_required
@require_POST
def add_panel(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    person = (
        Person.objects.filter(code=posted_code(request.POST.get("person")), pools__call=call)
        .exclude(pools__state=PoolState.DECLINED)
        .first()
    )
    if person is None:
        messages.error(request, _("Choose an expert of the call's pool."))
    else:
        services.add_panel_member(call, person, actor=request.user)
        messages.success(request, _("%(name)s joins the panel.") % {"name": person.full_name})
    return _back(call, "#panel")


@login_required
@require_POST
def member_availability(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    call = _call(request, code)
    member = PanelMember.objects.filter(call=call, pk=pk).select_related("call", "person").first()
    if member is None:
        raise Http404
    services.set_member_unavailable(member, request.POST.getlist("unavailable"), actor=request.user)
    messages.success(request, _("Availability of %(name)s saved.") % {"name": member.person.full_name})
    away = set(member.unavailable)
    setup = services.setup_for(call)
    affected = [
        h for h in services.panel_hearings(call, member.person) if services.half_day_of(h.starts_at, setup) in away
    ]
    if affected:
        messages.warning(
            request,
            _(
                "%(name)s is away when they sit on the panel of these hearings: %(hearings)s. Their invitations "
                "are held until you move them or mark %(name)s free again."
            )
            % {"name": member.person.full_name, "hearings": ", ".join(h.proposal.code for h in affected)},
        )
    return _back(call, "#panel")


@login_required
@require_POST
def run(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    try:
        record = services.run_schedule(call, actor=request.user, seed=posted_int(request.POST.get("seed"), 0) % 10000)
    except services.HearingError as exc:
        _errors(request, exc)
        return _back(call, "#runs")
    if record.error:
        messages.error(request, _("No schedule: see what blocks it below."))
    else:
        messages.success(request, _("Schedule computed: check it, then adopt it."))
    from django.urls import reverse

    return redirect(reverse("hearings:desk", args=[call.code]) + f"?run={record.pk}#runs")


@login_required
@require_POST
def adopt(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    call = _call(request, code)
    record = SchedulingRun.objects.filter(call=call, pk=pk).first()
    if record is None:
        raise Http404
    try:
        count = services.adopt_run(record, actor=request.user)
    except services.HearingError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Run #%(run)d adopted: %(n)d hearings scheduled.") % {"run": pk, "n": count})
    return _back(call, "#schedule")


@login_required
@require_POST
def invite(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    sent = services.send_invitations(call, actor=request.user)
    messages.success(request, _("%(n)d invitations sent.") % {"n": sent})
    held = Hearing.objects.filter(pk__in=services.away_on_panels(call), invited_at__isnull=True).select_related(
        "proposal"
    )
    if held:
        messages.warning(
            request,
            _("Invitations held because a panel member is away: %(hearings)s. Move these hearings first.")
            % {"hearings": ", ".join(h.proposal.code for h in held)},
        )
    return _back(call, "#schedule")


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    hearing = get_for_user_or_404(
        request.user, Hearing.objects.select_related("call", "proposal"), "hearings.manage_hearings", pk=pk
    )
    try:
        services.move_hearing(
            hearing, request.POST.dict(), expected_version=posted_int(request.POST.get("version")), actor=request.user
        )
    except (services.HearingError, ConcurrentEditError) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Hearing %(code)s moved.") % {"code": hearing.proposal.code})
    return _back(hearing.call, "#schedule")


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    hearing = get_for_user_or_404(
        request.user, Hearing.objects.select_related("call", "proposal"), "hearings.manage_hearings", pk=pk
    )
    try:
        services.remove_from_shortlist(hearing, actor=request.user)
    except services.HearingError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(code)s removed from the shortlist.") % {"code": hearing.proposal.code})
    return _back(hearing.call, "#shortlist")


@login_required
def honoraria(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    rows = services.honoraria(call)
    records = {r.person_id: r for r in PaymentDetails.objects.filter(person_id__in=[row.person.pk for row in rows])}
    for row in rows:
        row.details = services.details_of(records.get(row.person.pk)) if row.person.pk in records else None
    signed = set(Declaration.objects.filter(call=call).values_list("person_id", flat=True))
    return render(
        request,
        "hearings/honoraria.html",
        {"call": call, "setup": services.setup_for(call), "rows": rows, "signed": signed},
    )


@login_required
@require_POST
def rates(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    try:
        services.save_rates(
            call, request.POST.dict(), expected_version=posted_int(request.POST.get("version")), actor=request.user
        )
    except (services.HearingError, ConcurrentEditError) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Honoraria rates saved."))
    return redirect("hearings:honoraria", call.code)


@login_required
def payment_file(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    return xlsx_response(services.payment_file(call), f"honoraria-{call.code}.xlsx")


@login_required
def hearing(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_for_user_or_404(
        request.user,
        Hearing.objects.select_related("call", "proposal").prefetch_related("panel"),
        "hearings.view_hearing",
        pk=pk,
    )
    setup = services.setup_for(item.call)
    person_id = roles_of(request.user).person_id
    team = request.user.has_perm("hearings.team_constraints", item)
    panel = request.user.has_perm("hearings.score_hearing", item)
    if panel:
        first = services.declaration_gate(person_id, item.call_id)
        if first:
            return redirect(gates.back_after(first, request))
    criteria = criteria_of(item.call) if panel else []
    mine = HearingScore.objects.filter(hearing=item, member_id=person_id).first() if panel else None
    if request.method == "POST":
        try:
            if panel and "score" in request.POST:
                services.save_score(item, Person.objects.get(pk=person_id), request.POST.dict(), actor=request.user)
                messages.success(request, _("Your scores are saved."))
            elif team:
                services.set_team_unavailable(
                    item,
                    request.POST.getlist("unavailable"),
                    expected_version=posted_int(request.POST.get("version")),
                    actor=request.user,
                )
                messages.success(request, _("Your constraints are saved."))
            else:
                raise Http404
        except (services.HearingError, ConcurrentEditError) as exc:
            _errors(request, exc)
        else:
            return redirect("hearings:hearing", item.pk)
    values: dict[str, Any] = request.POST.dict() if request.method == "POST" else {}
    office = request.user.has_perm("hearings.manage_hearings")
    return render(
        request,
        "hearings/hearing.html",
        {
            "hearing": item,
            # Before the invitations the slot may still move: the team is not shown a time as if fixed.
            "time_shown": item.starts_at is not None and (item.invited_at is not None or office or panel),
            "call": item.call,
            "setup": setup,
            "team": team,
            "panel": panel,
            "office": office,
            "halves": services.half_days(setup),
            "unavailable": set(item.unavailable or []),
            "criteria": [
                (c, values.get(f"score_{c.pk}", (mine.scores if mine else {}).get(str(c.pk), ""))) for c in criteria
            ],
            "half_points": [f"{x / 2:.1f}" for x in range(11)],
            "mine": mine,
            "comment": values.get("comment", mine.comment if mine else ""),
            "started": item.starts_at is not None and item.starts_at <= timezone.now(),
            "where": setup.video_link if setup.mode == Mode.VIDEO else item.place,
        },
    )


@login_required
def ics(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_for_user_or_404(
        request.user, Hearing.objects.select_related("call", "proposal"), "hearings.view_hearing", pk=pk
    )
    if item.starts_at is None:
        raise Http404
    if item.invited_at is None and not (
        request.user.has_perm("hearings.manage_hearings") or request.user.has_perm("hearings.score_hearing", item)
    ):
        raise Http404  # the team gets its calendar entry with the invitation, once the time is fixed
    response = HttpResponse(services.hearing_ics(item, services.setup_for(item.call)), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="hearing.ics"'
    return response


def _expert_calls(person_id: int | None) -> list[Call]:
    if person_id is None:
        return []
    ids = set(
        PoolMember.objects.filter(person_id=person_id)
        .exclude(state=PoolState.DECLINED)
        .values_list("call_id", flat=True)
    ) | set(PanelMember.objects.filter(person_id=person_id).values_list("call_id", flat=True))
    return list(Call.objects.filter(pk__in=ids).order_by("-closes_at"))


@login_required
def expert(request: HttpRequest) -> HttpResponse:
    """The expert's own page: each call's declaration and honoraria; their payment details."""
    person_id = roles_of(request.user).person_id
    calls = _expert_calls(person_id)
    if not calls and not PoolMember.objects.filter(person_id=person_id).exists():
        raise Http404
    person = Person.objects.get(pk=person_id)
    record = PaymentDetails.objects.filter(person=person).first()
    if request.method == "POST":
        try:
            services.save_payment_details(
                person,
                request.POST.dict(),
                expected_version=posted_int(request.POST.get("version"), 1),
                actor=request.user,
            )
        except (services.HearingError, ConcurrentEditError) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Your payment details are saved (encrypted)."))
            return redirect("hearings:expert")
    signed = dict(Declaration.objects.filter(person=person).values_list("call_id", "signed_at"))
    required = set(
        Call.objects.filter(pk__in=[c.pk for c in calls], hearing_setup__contracts=True).values_list("pk", flat=True)
    )
    rows = []
    for call in calls:
        owed = services.honoraria(call, person_id=person_id)
        rows.append(
            (call, call.pk in required, signed.get(call.pk), owed[0] if owed else None, services.setup_for(call))
        )
    details = services.details_of(record) if request.method != "POST" else request.POST.dict()
    return render(
        request,
        "hearings/expert.html",
        {
            "rows": rows,
            "details": details,
            "version": record.version if record else 1,
            "has_details": record is not None,
            "my_hearings": Hearing.objects.filter(panel=person, starts_at__isnull=False)
            .select_related("call", "proposal")
            .order_by("starts_at"),
        },
    )


@login_required
def declaration(request: HttpRequest, code: str) -> HttpResponse:
    person_id = roles_of(request.user).person_id
    call = Call.objects.filter(code=posted_code(code)).first()
    if call is None or not services.is_expert_of(person_id, call):
        raise Http404
    signed = Declaration.objects.filter(call=call, person_id=person_id).first()
    back = str(request.POST.get("next") or request.GET.get("next") or "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = ""  # only a page of this site: never an open redirect
    if request.method == "POST" and signed is None:
        if request.POST.get("agree") != "on":
            messages.error(request, _("Tick the box to sign the declaration."))
        else:
            services.sign_declaration(
                call, Person.objects.get(pk=person_id), ip=request.META.get("REMOTE_ADDR"), actor=request.user
            )
            messages.success(request, _("Declaration signed: you can now read the call's proposals."))
            return redirect(back or "review:mine")
    return render(
        request,
        "hearings/declaration.html",
        {
            "call": call,
            "text": services.declaration_text(call),
            "signed": signed,
            "version": services.DECLARATION_VERSION,
            "next": back,
        },
    )
