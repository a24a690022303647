"""Public call pages and the office's call configuration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.calls import services
from grappe.calls.forms import CallForm, CriterionFormSet, QuestionForm, RulesForm, SchemeForm
from grappe.calls.models import Call, CallState, EvaluationScheme, Question
from grappe.calls.queries import open_calls
from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.core.services import ConcurrentEditError
from grappe.programmes.services import EnvelopeExceeded


def call_list(request: HttpRequest) -> HttpResponse:
    """Open calls for everyone; recently closed ones below them."""
    closed = Call.objects.filter(
        Q(state=CallState.CLOSED) | Q(state=CallState.PUBLISHED, closes_at__lte=timezone.now())
    )
    return render(
        request,
        "calls/call_list.html",
        {"open_calls": open_calls(), "closed_calls": closed.order_by("-closes_at")[:10]},
    )


def call_detail(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.select_related("programme"), "calls.view_call", code=code)
    scheme = EvaluationScheme.objects.filter(call=call).prefetch_related("criteria").first()
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "rules": call.rules.all(),
            "questions": call.questions.all(),
            "scheme": scheme,
            "is_open": call.is_open(),
            "can_manage": request.user.has_perm("calls.manage_call", call),
        },
    )


# --- Office -------------------------------------------------------------------------------


@login_required
def office_call_list(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "calls.list_calls_office")
    calls = (
        Call.objects.select_related("programme")
        .annotate(
            drafts=Count("proposals", filter=Q(proposals__state="draft")),
            submitted=Count("proposals", filter=Q(proposals__state="submitted")),
        )
        .order_by("-closes_at")
    )
    return render(request, "calls/office_call_list.html", {"calls": calls})


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    require_perm_or_404(request.user, "calls.manage_call")
    form = CallForm(request.POST or None, initial={"programme": request.GET.get("programme")})
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        programme = fields.pop("programme")
        try:
            call = services.create_call(actor=request.user, programme=programme, **fields)
        except EnvelopeExceeded as exc:
            form.add_error("budget", str(exc))
        else:
            messages.success(request, _("Call created as a draft. Configure it, then publish it."))
            return redirect("calls:configure", code=call.code)
    return render(request, "calls/call_form.html", {"form": form, "call": None})


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.all(), "calls.manage_call", code=code)
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        changes.pop("programme", None)
        try:
            services.update_call(
                Call.objects.get(pk=call.pk),
                actor=request.user,
                changes=changes,
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as exc:
            form.add_error(None, str(exc.message))
        except (EnvelopeExceeded, services.BudgetBelowCommitments) as exc:
            form.add_error("budget", str(exc))
        else:
            messages.success(request, _("Call saved."))
            return redirect("calls:configure", code=call.code)
    return render(request, "calls/call_form.html", {"form": form, "call": call})


def _configure_context(call: Call, **forms_: object) -> dict[str, object]:
    scheme, _created = EvaluationScheme.objects.get_or_create(call=call)
    criteria = [
        {"label_fr": c.label_fr, "label_en": c.label_en, "weight": c.weight, "threshold": c.threshold}
        for c in scheme.criteria.all()
    ]
    return {
        "call": call,
        # Proposals already handed in never see a question added now (their answers are frozen).
        "submitted_count": call.proposals.filter(state="submitted").count(),  # submissions.ProposalState.SUBMITTED
        "rules_form": forms_.get("rules_form") or RulesForm(call=call),
        "questions": call.questions.all(),
        "question_form": forms_.get("question_form") or QuestionForm(),
        "scheme": scheme,
        "scheme_form": forms_.get("scheme_form") or SchemeForm(initial={"overall_threshold": scheme.overall_threshold}),
        "criteria_formset": forms_.get("criteria_formset") or CriterionFormSet(initial=criteria, prefix="criteria"),
        "transitions": sorted(services.TRANSITIONS[CallState(call.state)]),
        "state_labels": dict(CallState.choices),
    }


@login_required
def call_configure(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.select_related("programme"), "calls.manage_call", code=code)
    return render(request, "calls/call_configure.html", _configure_context(call))


@login_required
@require_POST
def call_rules(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.select_related("programme"), "calls.manage_call", code=code)
    form = RulesForm(request.POST, call=call)
    if form.is_valid():
        services.set_rules(call, form.rules(), actor=request.user)
        messages.success(request, _("Eligibility rules saved."))
        return redirect("calls:configure", code=call.code)
    return render(request, "calls/call_configure.html", _configure_context(call, rules_form=form))


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.select_related("programme"), "calls.manage_call", code=code)
    question = get_object_or_404(Question, pk=pk, call=call) if pk else None
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        services.save_question(call, form.instance, actor=request.user)
        messages.success(request, _("Question saved."))
        return redirect("calls:configure", code=call.code)
    if question is None and request.method == "POST":
        return render(request, "calls/call_configure.html", _configure_context(call, question_form=form))
    return render(request, "calls/question_form.html", {"call": call, "form": form, "question": question})


@login_required
@require_POST
def question_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.all(), "calls.manage_call", code=code)
    question = get_object_or_404(Question, pk=pk, call=call)
    try:
        services.delete_question(question, actor=request.user)
    except services.CallStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Question deleted."))
    return redirect("calls:configure", code=call.code)


@login_required
@require_POST
def call_scheme(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.select_related("programme"), "calls.manage_call", code=code)
    if "preset" in request.POST:
        services.apply_horizon_europe_preset(call, actor=request.user)
        messages.success(
            request, _("Horizon Europe scheme applied: Excellence, Impact, Implementation; thresholds 3 and 10.")
        )
        return redirect("calls:configure", code=call.code)
    form = SchemeForm(request.POST)
    formset = CriterionFormSet(request.POST, prefix="criteria")
    if form.is_valid() and formset.is_valid():
        criteria = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        for c in criteria:
            c.pop("DELETE", None)
        services.save_scheme(
            call, actor=request.user, overall_threshold=form.cleaned_data["overall_threshold"], criteria=criteria
        )
        messages.success(request, _("Evaluation scheme saved."))
        return redirect("calls:configure", code=call.code)
    return render(
        request, "calls/call_configure.html", _configure_context(call, scheme_form=form, criteria_formset=formset)
    )


@login_required
@require_POST
def call_state(request: HttpRequest, code: str) -> HttpResponse:
    call = get_for_user_or_404(request.user, Call.objects.all(), "calls.manage_call", code=code)
    state = request.POST.get("state", "")
    if state not in CallState.values:
        messages.error(request, _("Unknown state."))
        return redirect("calls:configure", code=call.code)
    try:
        services.set_call_state(call, state, actor=request.user)
    except services.CallStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The call is now “%(state)s”.") % {"state": CallState(state).label})
    return redirect("calls:configure", code=call.code)
