"""The money of funded projects: planned budget, co-funding pledges (grown part by part)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.people.models import Organisation
from grappe.programmes.models import MONEY, CostCategory
from grappe.projects.models import Project
from grappe.submissions.models import ContributionKind


class PlannedBudget(models.Model):
    """Cluster money planned for one cost category × beneficiary × year (from the proposal)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="planned_budget")
    category = models.ForeignKey(
        CostCategory, verbose_name=_("cost category"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (EUR)"), **MONEY)
    person_months = models.DecimalField(_("person-months"), max_digits=6, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("planned budget line")
        ordering = ["year", "category__position", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "category", "organisation", "year"], name="planned_budget_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="planned_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.category} {self.organisation} {self.year}: {self.amount}"


class Pledge(models.Model):
    """A partner's co-funding pledge for one year, cash or in kind (DOMAIN.md R6.7)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pledges")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="pledges"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    amount = models.DecimalField(_("pledged (EUR)"), **MONEY)

    class Meta:
        verbose_name = _("co-funding pledge")
        ordering = ["organisation__name", "year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organisation", "year", "kind"], name="pledge_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pledge_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.organisation} {self.year} {self.kind}: {self.amount}"
