"""The audit dossier of one project: time, zip size and peak memory (Python allocations) of
``funding.dossier.to_file`` for a demo-sized project and a large one.

Demo-sized: 2 statements with 1 piece of evidence each (100 KB), 2 reports, 3 instalments.
Large: 30 statements (6 beneficiaries × 5 years) with 3 pieces of evidence each (300 KB,
incompressible), 5 reports, 3 instalments, 2 signed documents.
Run: ``python -m bench.bench_dossier`` (SQLite and media in a temporary directory).
"""

from __future__ import annotations

import os
import time
import tracemalloc

from bench.bench_projects import _populate
from bench.bench_submissions import _setup

PDF_HEAD = b"%PDF-1.4\n"


def _fill(project, *, statements: int, evidence: int, size: int, reports: int) -> None:
    import datetime as dt

    from django.core.files.base import ContentFile

    from grappe.funding.models import Evidence
    from grappe.projects.models import GrantDocument, Report

    for n in range(2):
        GrantDocument.objects.create(
            grant=project.grant,
            title=f"Convention {n}",
            file=ContentFile(PDF_HEAD + os.urandom(size), name="doc.pdf"),
            file_name="convention.pdf",
        )
    for statement in project.statements.all()[:statements]:
        for n in range(evidence):
            Evidence.objects.create(
                statement=statement,
                file=ContentFile(PDF_HEAD + os.urandom(size), name="e.pdf"),
                file_name=f"receipt-{n}.pdf",
                content_type="application/pdf",
            )
    project.statements.exclude(pk__in=list(project.statements.values_list("pk", flat=True)[:statements])).delete()
    for year in range(reports):
        Report.objects.create(
            project=project,
            title=f"Report {2026 + year}",
            due_date=dt.date(2026 + year, 12, 31),
            sections=[{"fr": "Avancement", "en": "Progress"}],
            answers={"0": "Lorem ipsum dolor sit amet. " * 200},
            state="accepted",
        )


def _measure(project) -> tuple[float, int, float]:
    from grappe.funding import dossier

    started = time.perf_counter()
    archive = dossier.to_file(project, language="fr")
    seconds = time.perf_counter() - started
    size = archive.seek(0, 2)
    archive.close()
    tracemalloc.start()
    dossier.to_file(project, language="fr").close()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, size, peak


def main() -> None:
    _setup()
    from django.conf import settings

    from grappe.projects.models import Project

    os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
    _populate(2)
    demo, large = Project.objects.order_by("pk")
    _fill(demo, statements=2, evidence=1, size=100_000, reports=2)
    _fill(large, statements=30, evidence=3, size=300_000, reports=5)
    print("| project | files in the zip | zip size | time | peak Python memory |")
    print("|---|---|---|---|---|")
    for name, project in (("demo-sized", demo), ("large", large)):
        seconds, size, peak = _measure(project)
        evidence = sum(s.evidence.count() for s in project.statements.all())
        # index, grant, payments, 2 signed documents, then statements, evidence and reports
        files = 5 + project.statements.count() + evidence + project.reports.count()
        print(f"| {name} | {files} | {size / 1e6:.1f} MB | {seconds:.1f} s | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
