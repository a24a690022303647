"""The evaluation summary of a proposal as a PDF (WeasyPrint): consensus, thresholds, decision.
Never a reviewer's identity."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation

from grappe.selection.explain import combined_score, steps_for
from grappe.selection.models import Decision
from grappe.selection.services import criteria_of, weighted
from grappe.submissions.models import Proposal


def evaluation_summary(proposal: Proposal, *, language: str) -> bytes:
    from weasyprint import HTML

    call = proposal.call
    consensus = getattr(proposal, "consensus", None)
    decision = Decision.objects.filter(proposal=proposal).first()
    with translation.override(language):
        criteria = criteria_of(call)
        scores = consensus.scores if consensus else {}
        combined = combined_score(proposal)
        html = render_to_string(
            "selection/summary_pdf.html",
            {
                "proposal": proposal,
                "call": call,
                "consensus": consensus,
                "rows": [
                    (
                        c,
                        Decimal(str(scores[str(c.pk)])) if str(c.pk) in scores else None,
                        (consensus.comments if consensus else {}).get(str(c.pk), ""),
                    )
                    for c in criteria
                ],
                "total": weighted(scores, criteria) if consensus else None,
                "threshold": getattr(getattr(call, "scheme", None), "overall_threshold", None),
                "decision": decision,
                "combined": combined,
                "steps": steps_for(proposal, combined),
                "language": language,
            },
        )
    return bytes(HTML(string=html).write_pdf())
