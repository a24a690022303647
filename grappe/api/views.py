"""Pages to manage API tokens: each person on their profile, the office across everyone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.api import services
from grappe.api.forms import TokenForm
from grappe.api.models import AccessToken
from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.paginate import paginate


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's tokens, and a form to create one (its secret is shown once, on this page)."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, created = services.create_token(request.user, **form.cleaned_data, actor=request.user)
        except services.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            form = TokenForm()
    tokens = AccessToken.objects.filter(user=request.user)
    return render(request, "api/token_list.html", {"form": form, "tokens": tokens, "created": created})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_for_user_or_404(request.user, AccessToken.objects.select_related("user"), "api.revoke_token", pk=pk)
    services.revoke_token(token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect("tokens:office_list")
    return redirect("tokens:list")


@login_required
def office_token_list(request: HttpRequest) -> HttpResponse:
    """Every person's API tokens, newest first, for the office to revoke one."""
    require_perm_or_404(request.user, "api.list_all_tokens")
    tokens = AccessToken.objects.select_related("user__person", "revoked_by")
    show = request.GET.get("show", "active")
    if show == "active":
        from django.utils import timezone

        tokens = tokens.filter(revoked_at=None, expires_at__gt=timezone.now())
    return render(request, "api/office_token_list.html", {"page": paginate(request, tokens), "show": show})
