import random

from django.core.management.base import BaseCommand, CommandParser

from grappe.calls.models import Call
from grappe.demo.calls import seed_calls
from grappe.demo.hearings import seed_hearings, seed_rates, seed_stage2_hearings
from grappe.demo.partners import seed_partners
from grappe.demo.people import seed_people
from grappe.demo.platform import seed_platform
from grappe.demo.projects import seed_projects
from grappe.demo.reporting import seed_reporting
from grappe.demo.review import seed_review
from grappe.demo.selection import seed_declarations, seed_selection
from grappe.demo.stages import STAGE1_CODE, STAGE2_CODE, seed_stages
from grappe.demo.training import seed_training


class Command(BaseCommand):
    help = (
        "Load the demo cluster 'PostGenAI@Paris (démo)': its academic members, 60+ fictional industrial "
        "partners, about 300 people with affiliations and expertise, one account per role, a 35 M€ programme, "
        "a closed call with about 200 submitted proposals and an open call with a few drafts, "
        "a training offer with about 5,000 enrolments over three academic years, "
        "impact indicators with targets and the funder's annual reports for 2025 and 2026. "
        "Deterministic from --seed; running it again adds nothing that exists already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--quiet-accounts", action="store_true", help="do not print the demo accounts")

    def handle(self, *args: object, seed: int, quiet_accounts: bool, **options: object) -> None:
        rng = random.Random(seed)
        people = seed_people(rng)
        calls = seed_calls(rng, people)
        review = seed_review(rng, people, calls["closed"])
        selection = seed_selection(rng, calls["closed"])
        declared = seed_declarations(random.Random(seed + 19), calls["closed"])
        hearings = seed_hearings(calls["closed"])
        funded = seed_projects(rng, people, calls["programme"])
        trained = seed_training(random.Random(seed + 15))
        partners = seed_partners(rng, people)
        token = seed_platform(people)
        stages = seed_stages(random.Random(seed + 18), calls["programme"])
        stage2_hearings = seed_stage2_hearings(Call.objects.get(code=STAGE2_CODE))
        seed_rates(Call.objects.get(code=STAGE1_CODE))
        reporting = seed_reporting(random.Random(seed + 16), calls["programme"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo cluster ready: {len(people.members)} member organisations, {len(people.partners)} industrial "
                f"partners, {len(people.people)} new people, {calls['proposals']} new proposals, {review['experts']} experts, "
                f"{review['assignments']} review assignments, {review['reviews']} reviews, "
                f"{selection['consensus']} consensus reports, {selection['funded']} proposals in the recommended portfolio, "
                f"{selection['decided']} decisions recorded (the rest left to the board), "
                f"{declared} lead applicants' self-declared career stage and gender (with consent), "
                f"{hearings['hearings']} hearings scheduled, "
                f"{funded['projects']} funded projects about two years in, "
                f"{trained['programmes']} training programmes with {trained['enrolments']} enrolments, "
                f"{partners['challenges']} partner challenges with suggestions and {partners['requests']} contact requests, "
                f"a two-stage call ({STAGE1_CODE} → {STAGE2_CODE}) with {stages['letters']} letters of intent, "
                f"{stages['invited']} invited to stage 2 and {stage2_hearings['hearings']} of them heard, "
                f"{reporting['indicators']} impact indicators with targets and {reporting['reports']} annual report snapshots."
            )
        )
        if quiet_accounts:
            return
        self.stdout.write("\nDemo accounts (log in at /accounts/login/):")
        width = max(len(a.email) for a in people.accounts)
        for account in people.accounts:
            note = f"  ({account.note})" if account.note else ""
            self.stdout.write(f"  {account.role:<26} {account.email:<{width}}  {account.password}{note}")
        if token:
            self.stdout.write(f"\nThe office's read-only API token (shown once; docs/api.md): {token}")
