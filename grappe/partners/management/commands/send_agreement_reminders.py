"""Remind the office of agreements coming up for renewal; meant for a daily scheduler."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from grappe.partners.services import send_agreement_reminders


class Command(BaseCommand):
    help = (
        "Email the cluster office about each partner agreement entering its renewal window (its 'renewal "
        "reminder' days before the end, default 60). Each agreement is reminded once, so running it daily is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to act as (YYYY-MM-DD)")

    def handle(self, *args: object, today: dt.date | None, **options: object) -> None:
        sent = send_agreement_reminders(today=today)
        self.stdout.write(f"{sent} agreements reminded")
