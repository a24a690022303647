"""Hearings: setup checks, scheduling runs kept with their inputs, adoption, moves refused with
clear messages, invitations with an .ics, scores into the ranking, declarations, honoraria and
encrypted payment details."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from grappe.core.services import ConcurrentEditError
from grappe.hearings import services
from grappe.hearings.models import Declaration, Hearing, HearingSetup, PanelMember, PaymentDetails, SchedulingRun
from grappe.review import services as review
from grappe.review.models import Conflict, ConflictOrigin
from grappe.selection import ranking_store
from tests.hearings.conftest import setup_data

pytestmark = pytest.mark.django_db


def _save(call, office, **extra):
    setup = services.setup_for(call)
    return services.save_setup(call, setup_data(call, **extra), expected_version=setup.version, actor=office)


def test_hearing_days_must_follow_the_call_and_hours_must_not_overlap(hearing_call, office):
    before = HearingSetup.objects.get(call=hearing_call)
    closes = timezone.localtime(hearing_call.closes_at).date()
    with pytest.raises(services.HearingError, match="after the call closes"):
        _save(hearing_call, office, first_day=closes.isoformat())
    with pytest.raises(services.HearingError, match="overlap"):
        _save(hearing_call, office, morning_end="15:00")
    with pytest.raises(services.HearingError, match="https://"):
        _save(hearing_call, office, mode="video", video_link="")
    after = HearingSetup.objects.get(call=hearing_call)
    assert (after.first_day, after.version, after.morning_end) == (before.first_day, before.version, before.morning_end)
    with pytest.raises(ConcurrentEditError):
        services.save_setup(hearing_call, setup_data(hearing_call), expected_version=before.version - 1, actor=office)


def test_time_slots_cut_each_half_day(hearing_call):
    slots = services.time_slots(services.setup_for(hearing_call))
    # 09:00–10:00 and 14:00–15:00, 20 + 5 minutes: 09:00, 09:25 (09:50 would end at 10:10) — per half-day
    assert [s.starts_at.strftime("%H:%M") for s in slots[:4]] == ["09:00", "09:25", "14:00", "14:25"]
    assert len(slots) == 8


def test_a_run_is_kept_with_its_inputs_and_adopted(hearing_call, office, pool, proposals):
    member = PanelMember.objects.get(call=hearing_call, person=pool[0].person)
    first_morning = services.half_days(services.setup_for(hearing_call))[0][0]
    services.set_member_unavailable(member, [first_morning], actor=office)
    run = services.run_schedule(hearing_call, actor=office, seed=7)
    assert run.error == ""
    assert run.seed == 7 and run.engine_version and len(run.inputs_hash) == 64
    assert run.inputs["members"][pool[0].person.code] == [first_morning]
    services.adopt_run(run, actor=office)
    hearings = list(Hearing.objects.filter(call=hearing_call).prefetch_related("panel"))
    assert all(h.starts_at and h.panel.count() == 2 and h.place == "Room A" for h in hearings)
    for h in hearings:
        if services.half_day_of(h.starts_at, services.setup_for(hearing_call)) == first_morning:
            assert pool[0].person not in h.panel.all()
    assert SchedulingRun.objects.get(pk=run.pk).adopted_at is not None


def test_an_impossible_run_names_the_hearing_and_the_constraint(hearing_call, office, proposals, applicant):
    hearing = Hearing.objects.get(proposal=proposals[0])
    every = [k for k, _label in services.half_days(services.setup_for(hearing_call))][:-1]
    services.set_team_unavailable(hearing, every, expected_version=hearing.version, actor=applicant)
    # Two of the three panel members conflicted with the second proposal: no panel of two.
    for member in PanelMember.objects.filter(call=hearing_call)[:2]:
        Conflict.objects.create(
            call=hearing_call, reviewer=member.person, proposal=proposals[1], origin=ConflictOrigin.DECLARED
        )
    run = services.run_schedule(hearing_call, actor=office)
    assert proposals[1].code in run.error and "conflict" in run.error
    with pytest.raises(services.HearingError, match="nothing to adopt"):
        services.adopt_run(run, actor=office)
    assert not Hearing.objects.filter(call=hearing_call, starts_at__isnull=False).exists()


def test_moves_refuse_overlaps_and_days_outside_the_hearings(hearing_call, office):
    run = services.run_schedule(hearing_call, actor=office)
    services.adopt_run(run, actor=office)
    first, second = list(Hearing.objects.filter(call=hearing_call).order_by("starts_at"))[:2]
    local = timezone.localtime(first.starts_at)
    with pytest.raises(services.HearingError, match="overlaps hearing"):
        services.move_hearing(
            second,
            {
                "day": local.date().isoformat(),
                "time": (local + dt.timedelta(minutes=10)).strftime("%H:%M"),
                "room": "1",
            },
            expected_version=second.version,
            actor=office,
        )
    with pytest.raises(services.HearingError, match="outside the call's hearing days"):
        services.move_hearing(
            second, {"day": "2001-01-01", "time": "09:00", "room": "1"}, expected_version=second.version, actor=office
        )
    with pytest.raises(services.HearingError, match="outside the hearing hours"):
        services.move_hearing(
            second,
            {"day": local.date().isoformat(), "time": "12:00", "room": "1"},
            expected_version=second.version,
            actor=office,
        )
    kept = Hearing.objects.get(pk=second.pk)
    assert (kept.starts_at, kept.version) == (second.starts_at, second.version)


def test_invitations_carry_an_ics(hearing_call, office, proposals):
    services.adopt_run(services.run_schedule(hearing_call, actor=office), actor=office)
    assert services.send_invitations(hearing_call, actor=office) == 3
    message = next(m for m in mail.outbox if proposals[0].lead.email in m.to)
    name, content, kind = message.attachments[0]
    assert (name, kind) == ("hearing.ics", "text/calendar")
    content = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VEVENT" in content and proposals[0].code in content
    assert services.send_invitations(hearing_call, actor=office) == 0  # once


def _criteria(call, value):
    return {f"score_{c.pk}": value for c in call.scheme.criteria.all()}


def _reviewed(call, person, proposal, value, office):
    """A review of ``proposal`` by ``person``, submitted with ``value`` on every criterion."""
    assignment = review.add_assignment(call, reviewer=person, proposal=proposal, reason="t", actor=office)
    review.save_review(
        assignment,
        _criteria(call, value) | {"applicant_comment": "ok", "recommendation": "fund"},
        expected_version=1,
        submit=True,
        actor=office,
    )


@pytest.mark.parametrize("mode, expected", [("replace", "4.00"), ("average", "3.00"), ("add", "6.00")])
def test_hearing_scores_enter_the_ranking_as_configured(hearing_call, office, pool, proposals, mode, expected):
    for member in pool[:2]:
        _reviewed(hearing_call, member.person, proposals[2], "2.0", office)
    _save(hearing_call, office, score_mode=mode)
    hearing = Hearing.objects.get(proposal=proposals[2])
    hearing.starts_at = timezone.now() - dt.timedelta(hours=1)
    hearing.ends_at = hearing.starts_at + dt.timedelta(minutes=20)
    hearing.save()
    hearing.panel.set([pool[0].person])
    weights = sum(c.weight for c in hearing_call.scheme.criteria.all())
    services.save_score(hearing, pool[0].person, _criteria(hearing_call, "4.0"), actor=office)
    row = next(r for r in ranking_store.ranking(hearing_call) if r.proposal == proposals[2])
    written = Decimal("2.0") * weights
    heard = Decimal("4.0") * weights
    combined = {"replace": heard, "average": (written + heard) / 2, "add": written + heard}[mode]
    assert row.score == combined.quantize(Decimal("0.01"))
    assert expected  # the scale: criteria weights multiply the half-point scores


def test_only_the_panel_scores_and_only_once_started(hearing_call, office, pool, proposals):
    hearing = Hearing.objects.get(proposal=proposals[0])
    hearing.panel.set([pool[0].person])
    with pytest.raises(services.HearingError, match="once it has started"):
        services.save_score(hearing, pool[0].person, _criteria(hearing_call, "4.0"), actor=office)
    with pytest.raises(services.HearingError, match="Only the members"):
        services.save_score(hearing, pool[1].person, _criteria(hearing_call, "4.0"), actor=office)


def test_the_declaration_gates_reading_until_signed(hearing_call, office, pool, proposals, reviewer):
    _save(hearing_call, office, contracts="on")
    assignment = review.add_assignment(
        hearing_call, reviewer=reviewer.person, proposal=proposals[1], reason="t", actor=office
    )
    review.confirm_assignment(assignment, actor=reviewer)
    assert not reviewer.has_perm("review.read_proposal", proposals[1])
    assert services.declaration_gate(reviewer.person.pk, hearing_call.pk).endswith(
        f"/experts/calls/{hearing_call.code}/declaration/"
    )
    services.sign_declaration(hearing_call, reviewer.person, ip="192.0.2.1", actor=reviewer)
    from grappe.people.rules import forget_roles

    forget_roles(reviewer)
    fresh = type(proposals[1]).objects.get(pk=proposals[1].pk)
    assert reviewer.has_perm("review.read_proposal", fresh)
    signed = Declaration.objects.get(call=hearing_call, person=reviewer.person)
    assert (signed.ip, signed.text_version) == ("192.0.2.1", services.DECLARATION_VERSION)


def test_honoraria_count_what_was_done(hearing_call, office, pool, proposals):
    _reviewed(hearing_call, pool[1].person, proposals[0], "3.0", office)
    base = timezone.now() - dt.timedelta(days=1)
    for index, proposal in enumerate(proposals[:2]):  # two hearings in one half-day, scored
        hearing = Hearing.objects.get(proposal=proposal)
        hearing.starts_at = base.replace(hour=8, minute=0, second=0) + dt.timedelta(minutes=25 * index)
        hearing.ends_at = hearing.starts_at + dt.timedelta(minutes=20)
        hearing.save()
        hearing.panel.set([pool[1].person])
        services.save_score(hearing, pool[1].person, _criteria(hearing_call, "3.0"), actor=office)
    owed = {row.person.pk: row for row in services.honoraria(hearing_call)}
    row = owed[pool[1].person.pk]
    assert (row.reviews, row.half_days, row.amount) == (1, 1, Decimal("450.00"))
    assert owed[pool[0].person.pk].amount == Decimal("0.00")


def test_payment_details_are_encrypted_and_checked(hearing_call, pool):
    person = pool[0].person
    with pytest.raises(services.HearingError, match="IBAN"):
        services.save_payment_details(
            person, {"iban": "FR76 0000", "bic": "BNPAFRPP", "address": "1 rue"}, expected_version=1, actor=None
        )
    assert not PaymentDetails.objects.filter(person=person).exists()
    services.save_payment_details(
        person,
        {"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "BNPAFRPPXXX", "address": "1 rue de la Paix, Paris"},
        expected_version=1,
        actor=None,
    )
    record = PaymentDetails.objects.get(person=person)
    assert "FR76" not in record.iban_encrypted and "Paix" not in record.address_encrypted
    assert services.details_of(record)["iban"] == "FR7630006000011234567890189"
    with pytest.raises(ConcurrentEditError):
        services.save_payment_details(person, {}, expected_version=1, actor=None)


def test_payment_file_lists_what_is_owed(hearing_call, office, pool, proposals):
    from io import BytesIO

    from openpyxl import load_workbook

    _reviewed(hearing_call, pool[2].person, proposals[0], "3.0", office)
    services.save_payment_details(
        pool[2].person,
        {"iban": "FR7630006000011234567890189", "bic": "BNPAFRPP", "address": "=cmd|x"},
        expected_version=1,
        actor=None,
    )
    sheet = load_workbook(BytesIO(services.payment_file(hearing_call))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == pool[2].person.full_name and rows[1][4] == 150 and rows[1][5] == "FR7630006000011234567890189"
    assert rows[1][7] == "=cmd|x" and sheet.cell(row=2, column=8).data_type == "s"  # never a formula
    assert len(rows) == 2
