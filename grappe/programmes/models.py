"""Funding envelopes: what the cluster may commit, and what its calls have reserved."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grappe.core.codes import new_code

MONEY = {"max_digits": 14, "decimal_places": 2}


class CostCategory(models.Model):
    """An eligible cost category (ANR's five by default, editable per programme)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label_fr = models.CharField(_("label (French)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("cost category")
        verbose_name_plural = _("cost categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "fr").startswith("en") else self.label_fr


# ANR "Règlement financier" categories since 2017 (DOMAIN.md R2.3).
ANR_COST_CATEGORIES = [
    ("personnel", "Frais de personnel", "Staff costs"),
    ("equipment", "Instruments, matériel et consommables", "Instruments, equipment and consumables"),
    ("buildings", "Bâtiments et terrains", "Buildings and land"),
    ("services", "Prestations de service et droits de propriété intellectuelle", "Services and intellectual property"),
    ("general", "Frais généraux (missions, fonctionnement)", "General costs (travel, running costs)"),
]


class Programme(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code, editable=False)
    name = models.CharField(_("name"), max_length=200)
    funders = models.CharField(_("funders"), max_length=300, help_text=_("e.g. France 2030, operated by ANR"))
    total_amount = models.DecimalField(
        _("total amount (EUR)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR", editable=False)
    start_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("last year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    overhead_rate = models.DecimalField(
        _("flat overhead rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0800"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the direct costs added as flat overheads (0.08 = 8 %)."),
    )
    cost_categories = models.ManyToManyField(CostCategory, verbose_name=_("eligible cost categories"), related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_year", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="programme_years_ordered"),
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="programme_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))
