"""Give every programme the default indicators it lacks (DOMAIN.md §1.2)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from grappe.programmes.models import Programme
from grappe.reporting.services import ensure_defaults


class Command(BaseCommand):
    help = "Create the default indicator catalogue for every programme that lacks some of it."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for programme in Programme.objects.all():
            total += ensure_defaults(programme)
        self.stdout.write(f"{total} indicator(s) added.")
