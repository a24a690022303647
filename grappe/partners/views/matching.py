"""Challenges, their suggestions and contact requests; a researcher's matchmaking page; "find
partners for my proposal"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.access import get_for_user_or_404, posted_code
from grappe.core.paginate import paginate
from grappe.partners import queries, services
from grappe.partners.forms import (
    AnswerForm,
    ChallengeEditForm,
    CloseChallengeForm,
    ConsentForm,
    ContactRequestForm,
    PartnerDirectoryForm,
)
from grappe.partners.models import (
    Challenge,
    ContactRequest,
    MatchingConsent,
    RequestSide,
    RunTarget,
    Suggestion,
    SuggestionRun,
    Visibility,
    open_challenge_filter,
)
from grappe.partners.views.common import run_write
from grappe.people.models import Person
from grappe.people.services import keywords_from_names
from grappe.submissions.models import Proposal


def draft_key(challenge: Challenge) -> str:
    return f"partners.draft.{challenge.code}"


def keep_draft(request: HttpRequest, challenge: Challenge, form: ContactRequestForm) -> None:
    """The refused message's errors shown, and its text kept for the challenge page's form."""
    for error in form.non_field_errors() + form.errors.get("message", []):
        messages.error(request, error)
    request.session[draft_key(challenge)] = {
        "message": (request.POST.get("message") or "")[:20_000],
        "researcher": posted_code(request.POST.get("researcher") or ""),
    }


def partner_public(request: HttpRequest, code: str) -> HttpResponse:
    """An industrial partner as the cluster's members see it: what the directory says, its research
    interests and keywords, its open challenges the viewer may read (public ones to everyone,
    members' ones to signed-in accounts), and how to get in touch (writing about a challenge)."""
    organisation = get_for_user_or_404(
        request.user, queries.public_partners(), "people.view_public_organisation", code=code
    )
    profile = getattr(organisation, "partner_profile", None)
    challenges = list(
        queries.open_challenges(request.user).filter(organisation=organisation).order_by("end_date", "pk")
    )
    return render(
        request,
        "partners/public.html",
        {
            "organisation": organisation,
            "profile": profile,
            "interests": queries.interest_segments(profile.interests) if profile is not None else (),
            "keywords": list(profile.keywords.order_by("name")) if profile is not None else [],
            "challenges": challenges,
        },
    )


def partner_directory(request: HttpRequest) -> HttpResponse:
    """The industrial partners that have a public page, searchable, each with what its public page
    shows first (sector, research interests, keywords) and how many open challenges the viewer may
    read there. Open to everyone, like the public pages it leads to."""
    form = PartnerDirectoryForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    partners = queries.partner_directory(request.user, q=data.get("q") or "", sector=data.get("sector") or "")
    page = paginate(request, partners)
    for organisation in page:
        profile = getattr(organisation, "partner_profile", None)
        interests = queries.interest_segments(profile.interests) if profile is not None else ()
        organisation.interest_list = interests[:INTERESTS_SHOWN]  # type: ignore[attr-defined]
        organisation.more_interests = max(len(interests) - INTERESTS_SHOWN, 0)  # type: ignore[attr-defined]
        keywords = sorted(profile.keywords.all(), key=lambda k: k.name.lower()) if profile is not None else []
        organisation.keyword_list = keywords[:KEYWORDS_SHOWN]  # type: ignore[attr-defined]
    return render(
        request,
        "partners/directory.html",
        {"form": form, "page": page, "filtered": bool(data.get("q") or data.get("sector"))},
    )


INTERESTS_SHOWN = 3
KEYWORDS_SHOWN = 6


def challenge_list(request: HttpRequest) -> HttpResponse:
    page = paginate(
        request, queries.open_challenges(request.user).select_related("organisation").order_by("end_date", "pk")
    )
    return render(request, "partners/challenge_list.html", {"page": page})


def get_challenge(request: HttpRequest, code: str, perm: str) -> Challenge:
    return get_for_user_or_404(request.user, Challenge.objects.select_related("organisation"), perm, code=code)


def challenge_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The challenge; for its partner and the office, the latest suggestions beside the contact
    requests made since; for a signed-in researcher, a way to answer it. A signed-out visitor
    asking for an open members-only challenge is sent to log in (any account may read it);
    other challenges they may not read answer 404."""
    if not request.user.is_authenticated and (
        Challenge.objects.filter(
            open_challenge_filter(), code=posted_code(code), visibility=Visibility.MEMBERS
        ).exists()
    ):
        return redirect_to_login(request.get_full_path())
    challenge = get_challenge(request, code, "partners.read_challenge")
    manage = request.user.has_perm("partners.manage_challenge", challenge)
    run = queries.latest_run(challenge) if manage else None
    people, teams = queries.suggestions_with_outcome(run) if manage else ([], [])
    # Scores compare only within one list (researchers' publications, projects' texts): each is
    # shown as a share of its list's best.
    for group in (people, teams):
        best = max((s.score for s in group), default=0.0)
        for suggestion in group:
            suggestion.relative = round(100 * suggestion.score / best) if best else 0  # type: ignore[attr-defined]
    draft = request.session.pop(draft_key(challenge), None)
    if not isinstance(draft, dict):
        draft = {"message": draft or "", "researcher": ""}
    own_request = None
    person_id = getattr(request.user, "person_id", None)
    if person_id and not manage:
        own_request = ContactRequest.objects.filter(challenge=challenge, researcher_id=person_id).first()
    return render(
        request,
        "partners/challenge.html",
        {
            "challenge": challenge,
            "keywords": challenge.keywords.all(),
            "manage": manage,
            "run": run,
            "people": people,
            "teams": teams,
            # A message refused (too long) comes back as typed, with the reason shown above.
            "request_form": ContactRequestForm(initial={"message": draft["message"]}),
            "draft": draft,
            "can_respond": request.user.has_perm("partners.respond_to_challenge", challenge),
            "own_request": own_request,
            "counts": queries.requests_by_state(challenge) if manage else {},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit an open challenge (its partner's contacts, the office); a new statement is matched again."""
    challenge = get_challenge(request, code, "partners.manage_challenge")
    if not challenge.is_open:
        messages.error(request, _("This challenge is closed: it can no longer be edited."))
        return redirect("partners:challenge", challenge.code)
    initial = {name: getattr(challenge, name) for name in services.CHALLENGE_FIELDS}
    initial["keyword_names"] = ", ".join(k.name for k in challenge.keywords.all())
    initial["version"] = challenge.version
    form = ChallengeEditForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def write() -> None:
            if services.update_challenge(
                challenge,
                data=form.cleaned_data,
                keywords=keywords_from_names(form.cleaned_data["keyword_names"]),
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            ):
                services.suggest_for_challenge(challenge, actor=request.user)

        if run_write(form, write):
            messages.success(request, _("Challenge saved."))
            return redirect("partners:challenge", challenge.code)
    return render(
        request,
        "partners/challenge_form.html",
        {"organisation": challenge.organisation, "form": form, "challenge": challenge},
    )


@login_required
@require_POST
def challenge_close(request: HttpRequest, code: str) -> HttpResponse:
    """Close a challenge before its end date (its partner's contacts, the office)."""
    challenge = get_challenge(request, code, "partners.manage_challenge")
    form = CloseChallengeForm(request.POST)
    if run_write(
        form,
        lambda: services.close_challenge(challenge, expected_version=form.cleaned_data["version"], actor=request.user),
    ):
        messages.success(request, _("Challenge closed: it is no longer listed nor suggested."))
    else:
        for error in form.non_field_errors() or [_("The form was incomplete: reload the page and try again.")]:
            messages.error(request, error)
    return redirect("partners:challenge", challenge.code)


@login_required
@require_POST
def challenge_suggest(request: HttpRequest, code: str) -> HttpResponse:
    challenge = get_challenge(request, code, "partners.manage_challenge")
    if not challenge.is_open:
        messages.error(request, _("This challenge is closed: no new suggestions."))
        return redirect("partners:challenge", challenge.code)
    services.suggest_for_challenge(challenge, actor=request.user)
    messages.success(request, _("New suggestions computed."))
    return redirect("partners:challenge", challenge.code)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_requests(request: HttpRequest, code: str) -> HttpResponse:
    """The challenge's contact requests (its partner and the office only); POST sends one to a
    suggested researcher."""
    challenge = get_challenge(request, code, "partners.manage_challenge")
    form = ContactRequestForm(request.POST or None)
    if request.method == "POST":
        suggestion = (
            Suggestion.objects.filter(
                run__challenge=challenge, person__code=posted_code(request.POST.get("researcher")), person__isnull=False
            )
            .select_related("person")
            .order_by("-run__created_at")
            .first()
        )
        if suggestion is None:
            raise Http404  # only researchers the engine suggested for this challenge
        if run_write(
            form,
            lambda: services.send_request(
                challenge,
                researcher=suggestion.person,
                side=RequestSide.PARTNER,
                message=form.cleaned_data["message"],
                suggestion=suggestion,
                actor=request.user,
            ),
        ):
            messages.success(request, _("Contact request sent."))
            return redirect("partners:challenge_requests", challenge.code)
        keep_draft(request, challenge, form)
        return redirect("partners:challenge", challenge.code)
    requests = challenge.requests.select_related("researcher", "sent_by").order_by("-created_at")
    return render(request, "partners/challenge_requests.html", {"challenge": challenge, "requests": requests})


@login_required
@require_POST
def challenge_respond(request: HttpRequest, code: str) -> HttpResponse:
    """A researcher writes to the challenge's partner."""
    challenge = get_challenge(request, code, "partners.respond_to_challenge")
    form = ContactRequestForm(request.POST)
    created: list[ContactRequest] = []
    if run_write(
        form,
        lambda: created.append(
            services.send_request(
                challenge,
                researcher=request.user.person,
                side=RequestSide.RESEARCHER,
                message=form.cleaned_data["message"],
                actor=request.user,
            )
        ),
    ):
        messages.success(request, _("Your message was sent to the partner."))
        return redirect("partners:request", created[0].code)
    keep_draft(request, challenge, form)
    return redirect("partners:challenge", challenge.code)


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, code: str) -> HttpResponse:
    contact = get_for_user_or_404(
        request.user,
        ContactRequest.objects.select_related("challenge__organisation", "researcher", "sent_by__person"),
        "partners.view_request",
        code=code,
    )
    can_answer = request.user.has_perm("partners.answer_request", contact)
    form = AnswerForm(request.POST or None) if can_answer else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if run_write(
            form,
            lambda: services.answer_request(
                contact,
                accept=form.cleaned_data["decision"] == "accept",
                answer=form.cleaned_data["answer"],
                actor=request.user,
            ),
        ):
            messages.success(request, _("Answer sent."))
            return redirect("partners:request", contact.code)
    services.mark_request_read(contact, getattr(request.user, "person", None))
    affiliations = contact.researcher.affiliations.filter(end_date=None).select_related("organisation")
    sent_by = _sent_by(contact, affiliations)
    # Once accepted, both sides see the other's address (the researcher agreed by accepting, or wrote first).
    partner_people = []
    if contact.state == "accepted":
        partner_people = [
            r.person for r in services.partner_contact_roles(contact.challenge.organisation) if r.person.email
        ]
    return render(
        request,
        "partners/request.html",
        {
            "contact": contact,
            "form": form,
            "affiliations": affiliations,
            "sent_by": sent_by,
            "partner_people": partner_people,
        },
    )


def _sent_by(contact: ContactRequest, researcher_affiliations: Any) -> str:
    """Who sent ``contact``, in words: the researcher with their affiliation (on the research side
    the researcher is the sender, even when the account that sent it is gone), or the partner's
    contact for their company (the company alone when the contact is not known)."""
    company = contact.challenge.organisation.name
    sender = getattr(contact.sent_by, "person", None) if contact.sent_by is not None else None
    if contact.side == RequestSide.RESEARCHER:
        person = sender or contact.researcher
        affiliations = (
            researcher_affiliations
            if person == contact.researcher
            else person.affiliations.filter(end_date=None).select_related("organisation")
        )
        names = ", ".join(a.organisation.name for a in affiliations)
        return _("%(name)s%(affiliation)s, writing to %(company)s") % {
            "name": person.full_name,
            "affiliation": f" ({names})" if names else "",
            "company": company,
        }
    if sender is None:
        return str(company)
    return _("%(name)s, for %(company)s") % {"name": sender.full_name, "company": company}


@login_required
@require_http_methods(["GET", "POST"])
def my_matchmaking(request: HttpRequest) -> HttpResponse:
    """A researcher's consent, the challenges that fit their work, their contact requests."""
    person: Person = request.user.person
    consent = MatchingConsent.objects.filter(person=person).first()
    form = ConsentForm(request.POST or None, initial={"opted_in": bool(consent and consent.opted_in)})
    if request.method == "POST":
        if "suggest" in request.POST:
            services.suggest_for_researcher(person, user=request.user)
            messages.success(request, _("Challenges matched to your work."))
            return redirect("partners:mine")
        if run_write(
            form, lambda: services.set_consent(person, opted_in=form.cleaned_data["opted_in"], actor=request.user)
        ):
            messages.success(request, _("Your choice is recorded."))
            return redirect("partners:mine")
    run = (
        SuggestionRun.objects.filter(target=RunTarget.RESEARCHER, person=person).order_by("-created_at", "-pk").first()
    )
    suggestions = list(run.suggestions.select_related("challenge__organisation")) if run else []
    suggestions = [s for s in suggestions if request.user.has_perm("partners.read_challenge", s.challenge)]
    requests = list(queries.requests_for(person)[:50])
    waiting = set(queries.awaiting_answer(person).values_list("pk", flat=True))
    for contact in requests:
        contact.waiting = contact.pk in waiting  # type: ignore[attr-defined]
    return render(
        request,
        "partners/mine.html",
        {"form": form, "consent": consent, "run": run, "suggestions": suggestions, "requests": requests},
    )


@login_required
@require_http_methods(["GET", "POST"])
def find_partners(request: HttpRequest, code: str) -> HttpResponse:
    """Partners whose interests fit the team's draft."""
    proposal = get_for_user_or_404(
        request.user, Proposal.objects.select_related("call"), "partners.find_partners", code=code
    )
    if request.method == "POST":
        services.suggest_partners_for_proposal(proposal, actor=request.user)
        return redirect("partners:find_partners", proposal.code)
    run = (
        SuggestionRun.objects.filter(target=RunTarget.PROPOSAL, proposal=proposal)
        .order_by("-created_at", "-pk")
        .first()
    )
    suggestions = list(run.suggestions.select_related("organisation__partner_profile")) if run else []
    # The challenges that explain a suggestion, still readable by this user (one query).
    codes = {s.document_code for s in suggestions if s.document_code and ":" not in s.document_code}
    readable = {c.code: c for c in queries.open_challenges(request.user).filter(code__in=codes)} if codes else {}
    for suggestion in suggestions:
        suggestion.explaining_challenge = readable.get(suggestion.document_code)  # type: ignore[attr-defined]
        suggestion.from_interests = suggestion.document_code.endswith(f":{queries.INTERESTS}")  # type: ignore[attr-defined]
    return render(
        request, "partners/find_partners.html", {"proposal": proposal, "run": run, "suggestions": suggestions}
    )
