"""The demo cluster's impact reporting: targets for every default indicator (frozen at the
grant's signature, one changed since with its reason), an indicator entered by hand with its
evidence, and the funder's annual reports for 2025 and 2026 as snapshots."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from grappe.programmes.models import Programme
from grappe.reporting import queries, services
from grappe.reporting.models import AnnualReport, Indicator, ManualValue, Method, Target, TargetChange

FROZEN_ON = dt.date(2025, 3, 1)  # the grant's signature
# The smallest PDF a viewer opens: the demo's evidence for a figure entered by hand.
EVIDENCE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _round(value: Decimal) -> Decimal:
    if value < 10:
        return value.quantize(Decimal("0.01")) if value < 1 else value.quantize(Decimal("1"))
    digits = len(str(int(value))) - 2
    step = Decimal(10) ** digits
    return (value / step).quantize(Decimal("1")) * step


def _outdated(report: AnnualReport) -> bool:
    """A demo snapshot that no longer says what its "as of" computes: taken before leverage kept
    its denominator, or before the demo's records carried the dates of their history (or the
    computations counted them by those dates)."""
    if queries.lacks_a_denominator(report) or report.computed_at is None:
        return True
    figures, records = queries.snapshot(report.programme, report.year, as_of=report.computed_at)
    kept = {"figures": report.figures, "records": report.records}
    return bool(queries.compare_figures(kept, {"figures": figures, "records": records}))


def seed_reporting(rng: random.Random, programme: Programme) -> dict[str, int]:
    """Idempotent: what exists is left alone."""
    services.ensure_defaults(programme)
    hires, _created = Indicator.objects.get_or_create(
        programme=programme,
        code="ATT-1",
        defaults={
            "name_fr": "Recrutements internationaux",
            "name_en": "International hires",
            "definition_fr": "Chercheurs et ingénieurs recrutés depuis l'étranger (déclaration des établissements).",
            "definition_en": "Researchers and engineers hired from abroad (declared by the institutions).",
            "method": Method.MANUAL,
            "unit": "people",
            "is_public": True,
            "position": 500,
        },
    )
    for year, value in ((2025, 7), (2026, 11)):
        if not ManualValue.objects.filter(indicator=hires, year=year).exists():
            row = ManualValue(indicator=hires, year=year, value=Decimal(value), note="DRH des établissements membres")
            row.file_name = f"recrutements-{year}.pdf"
            row.file.save(row.file_name, ContentFile(EVIDENCE), save=False)
            row.save()
    indicators = list(Indicator.objects.filter(programme=programme))
    if not Target.objects.filter(indicator__in=indicators).exists():
        # Targets about what the cluster does, some above and some below, for every year.
        current = queries.actuals(programme, 2026, indicators=indicators)
        for actual in current:
            base = actual.value if actual.value else actual.cumulative or Decimal("5")
            for year in programme.years:
                factor = Decimal(str(round(rng.uniform(0.8, 1.3), 2)))
                growth = Decimal(1) + Decimal("0.15") * (year - 2026)
                value = _round(
                    max(base * factor * growth, Decimal("1") if actual.indicator.unit != "ratio" else Decimal("0.1"))
                )
                Target.objects.create(indicator=actual.indicator, year=year, value=value, frozen_on=FROZEN_ON)
        trained = Target.objects.filter(indicator__programme=programme, indicator__code="TRA-1", year=2026).first()
        if trained is not None:
            TargetChange.objects.create(
                target=trained,
                before=trained.value,
                after=_round(trained.value * Decimal("0.9")),
                reason="Cohorte de la mineure réduite après l'avenant de mars 2026 (accord du financeur).",
            )
            trained.value = _round(trained.value * Decimal("0.9"))
            trained.save(update_fields=["value"])
    made = 0
    # Computed as of now: the demo's trainings and outputs are recorded by the seed today (a real
    # cluster's 2025 report would be computed early in 2026).
    for year in (2025, 2026):
        done = AnnualReport.objects.filter(programme=programme, year=year, state="done").select_related("inputs")
        stale = [r for r in done if _outdated(r)]
        for report in stale:
            report.delete()
        if len(stale) < len(done):
            continue
        report = AnnualReport.objects.create(programme=programme, year=year, language="fr")
        services.build_report(report.pk, as_of=timezone.now())
        made += 1
    return {"indicators": len(indicators), "reports": made}
