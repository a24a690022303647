import io
import random

import pytest
from django.core.management import call_command

from grappe.demo.people import DEMO_DOMAIN, MEMBERS, seed_people
from grappe.demo.stages import STAGE1_CODE, STAGE2_CODE
from grappe.hearings.models import Hearing, PanelMember, SchedulingRun
from grappe.partners.models import Agreement, Challenge, ContactRequest, MatchingConsent, RequestState
from grappe.people.models import Affiliation, Organisation, Person, Relationship, Role, RoleKind, User
from grappe.privacy.models import Consent, SelfDeclaration
from grappe.stages.models import StageDecision, TwoStageCall
from grappe.submissions.models import Proposal

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Organisation.objects.values_list("code", "name")),
        sorted(Person.objects.values_list("code", "email")),
        Affiliation.objects.count(),
        Role.objects.count(),
        User.objects.count(),
    )


def test_seed_builds_the_demo_cluster(capsys, client):
    """One seed for everything the demo promises (a seed takes minutes: CI time is counted)."""
    call_command("seed_demo")

    out = capsys.readouterr().out
    names = set(Organisation.objects.values_list("name", flat=True))
    assert {m[0] for m in MEMBERS} <= names
    assert Organisation.objects.filter(relationship=Relationship.PARTNER).count() >= 60
    # training's learners apart; with a partnerships manager for each partner without staff in the directory
    assert 300 <= Person.objects.exclude(email__endswith="@etu.example.org").count() <= 330
    assert Affiliation.objects.count() >= 300
    learners = Person.objects.filter(email__endswith="@etu.example.org")
    assert Person.objects.filter(keywords__isnull=True).exclude(pk__in=learners).count() == 1  # the technical admin
    assert set(Role.objects.values_list("kind", flat=True)) == set(RoleKind.values)
    assert f"office@{DEMO_DOMAIN}" in out
    assert "demo-office-2026" in out
    _assert_partners_demo()
    _assert_two_stage_demo()
    _assert_reporting_demo()
    _assert_decisions_with_their_chain()
    _assert_reviewers_can_read_the_documents()

    # Every kind of run of the demo replays bit for bit from its stored inputs (issue 19).
    call_command("replay", "--all")
    replayed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert {line.split(":")[0] for line in replayed} >= {
        "affinity",
        "assignment",
        "portfolio",
        "conflicts",
        "ranking",
        "matchmaking",
        "indicators",
        "hearings",
        "shortlist",
    }
    assert all("Reproduced bit for bit" in line for line in replayed)
    _seed_again_changes_nothing_and_accounts_log_in(client)


def _assert_reporting_demo():
    """Issue 16: the 2025 and 2026 reports are stored, and each of their figures (ratios included)
    is the dashboard's for the same year and "as of"."""
    from decimal import Decimal

    from grappe.reporting import queries
    from grappe.reporting.models import AnnualReport

    for year in (2025, 2026):
        report = AnnualReport.objects.get(year=year, state="done")
        stored = {f["code"]: f for f in report.figures}
        for actual in queries.actuals(report.programme, year, as_of=report.computed_at):
            row = stored[actual.indicator.code]
            for live, kept in ((actual.value, row["value"]), (actual.cumulative, row["cumulative"])):
                assert (None if live is None else Decimal(live)) == (None if kept is None else Decimal(kept)), (
                    year,
                    actual.indicator.code,
                )
        assert not queries.lacks_a_denominator(report)


def _assert_decisions_with_their_chain():
    """Issue 19's walk: a few decisions of the closed call have every record of the chain, who
    and when included; one departs with a shared justification; the board still has the rest."""
    from grappe.selection.chain import RELATED, chains
    from grappe.selection.models import Decision

    decisions = list(
        Decision.objects.filter(portfolio_run__isnull=False, ranking_run__isnull=False)
        .select_related(*RELATED)
        .order_by("pk")
    )
    assert len(decisions) == 3
    call = decisions[0].proposal.call
    assert Proposal.objects.filter(call=call, state="submitted", decision__isnull=True).count() > 100
    assert [d.departs for d in decisions] == [False, False, True] and decisions[2].shared_justification
    for chain in chains(call, decisions):
        decision = chain.decision
        assert chain.reviews.count >= 2 and chain.rank and not chain.imported
        assert decision.proposal.consensus.approved_by.email.startswith("office@")
        assert decision.portfolio_run.created_by and decision.portfolio_run.adopted_by and decision.decided_by


def _assert_partners_demo():
    """The issue's "Demo": every partner with a level, agreements (some expiring soon), contacts,
    interactions; 20 challenges with suggestions; contact requests in each state."""
    partners = Organisation.objects.filter(relationship=Relationship.PARTNER)
    assert partners.count() == 64
    for relation in ("agreements", "contacts", "interactions"):
        assert not partners.filter(**{f"partner_profile__{relation}__isnull": True}).exists(), relation
    assert not partners.filter(partner_profile__level="").exists()
    assert sum(a.expires_soon for a in Agreement.objects.all()) >= 5
    assert Challenge.objects.count() == 20
    assert Challenge.objects.filter(runs__suggestions__person__isnull=False).distinct().count() == 20
    assert set(ContactRequest.objects.values_list("state", flat=True)) == set(RequestState.values)
    assert Consent.objects.filter(kind="matchmaking", given=True).count() == MatchingConsent.objects.count() > 0
    # Self-declared seniority and gender for the audit, each with its consent (decision 0021).
    assert Consent.objects.filter(kind="equality", given=True).count() == SelfDeclaration.objects.count() >= 50


def _assert_two_stage_demo():
    """Issue 18's demo: one two-stage call, 40 letters of intent, 15 invited, 5 hearings scheduled
    on its full-proposal stage (invited teams, a panel member away the first morning)."""
    link = TwoStageCall.objects.get(stage1__code=STAGE1_CODE, stage2__code=STAGE2_CODE)
    assert Proposal.objects.filter(call=link.stage1).count() == 40
    assert StageDecision.objects.filter(proposal__call=link.stage1, invited=True).count() == 15
    hearings = Hearing.objects.filter(call=link.stage2, starts_at__isnull=False)
    assert hearings.count() == 5
    invited = set(StageDecision.objects.filter(invited=True).values_list("full_proposal_id", flat=True))
    assert set(hearings.values_list("proposal_id", flat=True)) <= invited
    assert SchedulingRun.objects.get(call=link.stage2).adopted_at is not None
    away = PanelMember.objects.filter(call=link.stage2).exclude(unavailable=[]).get()
    assert not hearings.filter(panel=away.person, starts_at__lt=_noon_of(away.unavailable[0])).exists()
    # Hearings on weekdays only; real honoraria: the letters' reviews paid, the closed call's
    # hearings scored so their half-days are paid too (issue 18's walk-through).
    assert all(h.starts_at.weekday() < 5 for h in Hearing.objects.exclude(starts_at=None))
    from openpyxl import load_workbook

    from grappe.hearings import services as hearing_services

    paid = hearing_services.honoraria(link.stage1)
    assert sum(o.reviews for o in paid) == 80 and sum(o.amount for o in paid) == 80 * 150
    closed = Hearing.objects.exclude(call__in=[link.stage1, link.stage2]).first().call
    assert sum(o.half_days for o in hearing_services.honoraria(closed)) > 0
    sheet = load_workbook(io.BytesIO(hearing_services.payment_file(link.stage1))).active
    assert sheet.max_row > 1


def _assert_reviewers_can_read_the_documents():
    """A reviewer opens the scientific document and reads a proposal, not a placeholder."""
    from pypdf import PdfReader

    from grappe.submissions.models import Answer

    answer = Answer.objects.exclude(file="").select_related("proposal").order_by("pk").first()
    with answer.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()), strict=True)
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert answer.proposal.title in text and "Methodology and work plan" in text
    assert answer.proposal.abstract[:60] in text


def _noon_of(half_day):
    import datetime as dt
    from zoneinfo import ZoneInfo

    day = dt.date.fromisoformat(half_day.split(":")[0])
    return dt.datetime.combine(day, dt.time(12, 30), tzinfo=ZoneInfo("Europe/Paris"))


def test_seed_is_deterministic_from_its_seed(django_db_blocker):
    seed_people(random.Random(7), partner_count=5, people_count=20)
    first = _snapshot()
    Role.objects.all().delete()
    User.objects.all().delete()
    Affiliation.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()

    seed_people(random.Random(7), partner_count=5, people_count=20)

    assert _snapshot() == first


def _seed_again_changes_nothing_and_accounts_log_in(client):
    first = _snapshot(), SchedulingRun.objects.count(), Hearing.objects.count()
    call_command("seed_demo", "--quiet-accounts")
    assert (_snapshot(), SchedulingRun.objects.count(), Hearing.objects.count()) == first  # idempotent

    response = client.post("/accounts/login/", {"username": f"board@{DEMO_DOMAIN}", "password": "demo-board-2026"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=f"board@{DEMO_DOMAIN}").pk)
