"""RFC 9457 problem details: every error the API answers is ``application/problem+json``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from grappe.core.services import ConcurrentEditError

PROBLEM_TYPE = "https://grappe.example/problems/"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    422: "Unprocessable content",
    428: "Precondition required",
}


class Problem(Schema):
    """An error, as RFC 9457 describes it; ``errors`` lists the fields at fault when there are."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    """Raised by endpoints to answer a problem (status, detail, optional field errors)."""

    def __init__(self, status: int, detail: str, *, kind: str = "", errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.kind, self.errors = status, detail, kind, errors


def problem(status: int, detail: str, *, kind: str = "", errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (kind or str(status)),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="grappe"'
    return response


def _jsonable_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error answers by problem details."""

    def on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem(exc.status, exc.detail, kind=exc.kind, errors=exc.errors)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(
            422, _("Some values are missing or invalid."), kind="invalid", errors=_jsonable_errors(exc.errors)
        )

    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(401, _("A valid API token is needed (Authorization: Bearer …)."), kind="unauthorized")

    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
        return problem(exc.status_code, detail)

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, _("Nothing here, or nothing you may see."), kind="not-found")

    def on_stale(request: HttpRequest, exc: ConcurrentEditError) -> HttpResponse:
        return problem(
            412,
            _("The object changed since you read it (its ETag differs): read it again, then redo the change."),
            kind="stale",
        )

    api.add_exception_handler(ApiProblem, on_problem)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(ConcurrentEditError, on_stale)
