"""The REST API, version 1 (docs/api.md): one NinjaAPI, the routers of each resource."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from grappe.api import problems
from grappe.api.auth import TokenAuth
from grappe.api.routers import calls, directory, notifications, office, projects, proposals, reviews


class GrappeAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Ninja's schema, with the error answers documented as ``application/problem+json``."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    body = content.get("application/json")
                    if body and body.get("schema", {}).get("$ref", "").endswith("/Problem"):
                        response["content"] = {"application/problem+json": body}
        return schema


api = GrappeAPI(
    title="Grappe API",
    version="1",
    description=(
        "Grappe's REST API. Authenticate with a personal access token (`Authorization: Bearer grp_…`, "
        "created on your profile); without one you read what the public reads. Errors are RFC 9457 "
        "problem details. Lists are cursor-paginated: pass `next` back as `?cursor=`. Writes need a "
        "read and write token and `If-Match` with the ETag you read (a stale one answers 412)."
    ),
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)
problems.install(api)
for module in (directory, calls, proposals, reviews, office, projects, notifications):
    api.add_router("", module.router)
