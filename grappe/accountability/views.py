"""The outcomes audit of a call (office and board)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from grappe.accountability import exports
from grappe.accountability.queries import SIGNIFICANCE, outcomes_audit
from grappe.calls.models import Call
from grappe.core.access import get_for_user_or_404
from grappe.core.exports import xlsx_response

PERM = "accountability.view_audit"


def _call(request: HttpRequest, code: str) -> Call:
    return get_for_user_or_404(request.user, Call.objects.select_related("programme"), PERM, code=code)


@login_required
def audit(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    return render(
        request, "accountability/audit.html", {"audit": outcomes_audit(call), "call": call, "threshold": SIGNIFICANCE}
    )


@login_required
def audit_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    return xlsx_response(exports.audit_xlsx(outcomes_audit(call)), f"outcomes-audit-{call.code}.xlsx")


@login_required
def audit_pdf(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    response = HttpResponse(exports.audit_pdf(outcomes_audit(call)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="outcomes-audit-{call.code}.pdf"'
    return response
