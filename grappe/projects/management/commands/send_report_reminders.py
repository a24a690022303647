"""Remind project leads of periodic reports due soon or late; meant for a daily scheduler."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from grappe.projects.services import send_report_reminders


class Command(BaseCommand):
    help = (
        "Email the lead of each project whose periodic report is still owed (draft or returned): on the days "
        "before its due date set per programme (ReminderRules, the same as for deliverables; default 30, 7 and 1 "
        "days) and, while it is late, every N days (default 7). Each report is reminded at most once a day, so "
        "running it twice is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to act as (YYYY-MM-DD)")

    def handle(self, *args: object, today: dt.date | None, **options: object) -> None:
        sent = send_report_reminders(today=today)
        self.stdout.write(f"{sent} reports reminded")
