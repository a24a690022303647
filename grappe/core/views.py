from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from grappe.core import replay
from grappe.core.access import post_only, require_perm_or_404
from grappe.core.forms import ActivityFilterForm
from grappe.core.models import AuditLog
from grappe.core.paginate import paginate


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    """The office's view of the audit log, filterable by object, actor and action."""
    require_perm_or_404(request.user, "core.view_activity")
    form = ActivityFilterForm(request.GET or None)
    entries = AuditLog.objects.select_related("content_type", "actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["object_type"]:
            entries = entries.filter(content_type=data["object_type"])
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"])
        if data["actor"]:
            entries = entries.filter(actor=data["actor"])
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"])
        if data["q"]:
            entries = entries.filter(Q(object_repr__icontains=data["q"]) | Q(action__icontains=data["q"]))
    page = paginate(request, entries)
    return render(request, "core/activity.html", {"form": form, "page": page})


@login_required
def replay_run(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Replay a run from its stored inputs (office) and show what came out (docs/accountability.md).

    POST only, but whoever may not replay gets 404 whatever the method (never a 405 that tells the
    address exists); the office gets 405 on another method, once the run is found."""
    require_perm_or_404(request.user, "core.replay_run")
    if kind not in replay.REPLAYERS:
        raise Http404
    if refused := post_only(request):
        try:
            replay.REPLAYERS[kind].get(pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        return refused
    try:
        result = replay.replay(kind, pk, actor=request.user)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    label = replay.REPLAYERS[kind].label()
    return render(request, "core/replay.html", {"result": result, "back": back, "label": label})
