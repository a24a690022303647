"""The partner portal: a partner contact's view of their organisation, its public profile and
its challenges."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.partners import queries, services
from grappe.partners.forms import ChallengeForm, PublicProfileForm
from grappe.partners.views.common import run_write
from grappe.partners.views.office import get_partner
from grappe.people.models import Organisation, Relationship, RoleKind
from grappe.people.rules import roles_of
from grappe.people.services import keywords_from_names


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """Straight to the portal of the user's partner organisation (a list when they have several)."""
    roles = roles_of(request.user)
    ids = [org for org, kinds in roles.by_org.items() if RoleKind.PARTNER_CONTACT in kinds]
    organisations = list(Organisation.objects.filter(pk__in=ids, relationship=Relationship.PARTNER).order_by("name"))
    if not organisations:
        raise Http404
    if len(organisations) == 1:
        return redirect("partners:portal", organisations[0].code)
    return render(request, "partners/portal_choose.html", {"organisations": organisations})


@login_required
def portal(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_partner(request, code, "partners.use_portal")
    profile = services.profile_of(organisation)
    projects = queries.projects_of(organisation)
    challenges = list(organisation.challenges.order_by("-created_at"))
    _per_partner, per_challenge = queries.funnel(organisation.challenges.all())
    return render(
        request,
        "partners/portal.html",
        {
            "organisation": organisation,
            "profile": profile,
            "proposals": queries.with_status(queries.proposals_of(organisation)),
            "money": queries.contributions_of(organisation, projects),
            "agreements": profile.agreements.all(),
            "challenges": challenges,
            "challenge_funnel": per_challenge,
            "events": queries.upcoming_events(organisation),
            "can_publish": request.user.has_perm("partners.publish_challenge", organisation),
            "waiting": list(
                queries.awaiting_answer(request.user.person, organisation)
                .select_related("challenge", "researcher")
                .order_by("created_at")[:20]
            )
            if getattr(request.user, "person", None) is not None
            else [],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def public_profile(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_partner(request, code, "partners.edit_public_profile")
    profile = services.profile_of(organisation)
    initial = {
        "description": organisation.description,
        "website": organisation.website,
        "interests": profile.interests,
        "keywords": ", ".join(k.name for k in profile.keywords.all()),
        "organisation_version": organisation.version,
        "profile_version": profile.version,
    }
    form = PublicProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and run_write(
        form,
        lambda: services.update_public_profile(
            organisation,
            description=form.cleaned_data["description"],
            website=form.cleaned_data["website"],
            interests=form.cleaned_data["interests"],
            keywords=keywords_from_names(form.cleaned_data["keywords"]),
            organisation_version=form.cleaned_data["organisation_version"],
            profile_version=form.cleaned_data["profile_version"],
            actor=request.user,
        ),
    ):
        messages.success(request, _("Public profile saved."))
        return redirect("partners:portal", organisation.code)
    return render(request, "partners/profile_form.html", {"organisation": organisation, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def challenge_new(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_partner(request, code, "partners.publish_challenge")
    form = ChallengeForm(request.POST or None)
    created = []
    if request.method == "POST":

        def write() -> None:
            data = {k: v for k, v in form.cleaned_data.items() if k != "keyword_names"}
            challenge = services.publish_challenge(
                organisation,
                data=data,
                keywords=keywords_from_names(form.cleaned_data["keyword_names"]),
                actor=request.user,
            )
            services.suggest_for_challenge(challenge, actor=request.user)
            created.append(challenge)

        if run_write(form, write):
            messages.success(request, _("Challenge published; the suggestions below come from the engine."))
            return redirect("partners:challenge", created[0].code)
    return render(request, "partners/challenge_form.html", {"organisation": organisation, "form": form})
