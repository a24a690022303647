"""Remind owners and leads of deliverables due soon or late; meant for a daily scheduler."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from grappe.projects.services import send_deliverable_reminders


class Command(BaseCommand):
    help = (
        "Email the owner and the lead of each deliverable still owed (draft or returned): on the days before "
        "its due date set per programme (ReminderRules; default 30, 7 and 1 days) and, while it is late, every "
        "N days (default 7). Each deliverable is reminded at most once a day, so running it twice is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to act as (YYYY-MM-DD)")

    def handle(self, *args: object, today: dt.date | None, **options: object) -> None:
        sent = send_deliverable_reminders(today=today)
        self.stdout.write(f"{sent} deliverables reminded")
