"""Everything Grappe holds about a person, as JSON plus the files they uploaded, in one zip."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.people.models import Person
from grappe.privacy.models import SelfDeclaration
from grappe.privacy.services import current_consents
from grappe.projects.models import ProjectMember
from grappe.review.models import ReviewAssignment
from grappe.submissions.models import Answer, InvitationState, TeamMember

# Every relation from a model to Person or User is declared below, so that a new model holding
# data about people cannot be forgotten (tests/privacy/test_export_coverage.py walks them all).

#: Exported in their own sections of ``personal_data`` (written by hand, richer than a row dump).
DETAILED: frozenset[tuple[str, str]] = frozenset(
    {
        ("people.Affiliation", "person"),
        ("people.Role", "person"),
        ("people.User", "person"),
        ("notifications.Notification", "person"),
        ("notifications.Preference", "person"),
        ("submissions.TeamMember", "person"),
        ("review.ReviewAssignment", "reviewer"),
        ("projects.ProjectMember", "person"),
        ("privacy.Consent", "person"),
        ("privacy.SelfDeclaration", "person"),
        ("partners.MatchingConsent", "person"),
        ("partners.ContactRequest", "researcher"),
        ("api.AccessToken", "user"),
        ("sso.Identity", "user"),
        ("core.AuditLog", "actor"),
        ("hearings.PaymentDetails", "person"),
    }
)

#: Records about the person, exported row by row under ``records`` (with the files they hold).
RECORDS: tuple[tuple[str, str], ...] = (
    ("submissions.Proposal", "lead"),
    ("review.PoolMember", "person"),
    ("review.Publication", "person"),
    ("review.PublicationImport", "person"),
    ("review.Conflict", "reviewer"),
    ("review.Bid", "reviewer"),
    ("review.Affinity", "reviewer"),
    ("review.ProposedPair", "reviewer"),
    ("selection.Consensus", "rapporteur"),
    ("stages.ReviewerChoice", "reviewer"),
    ("hearings.PanelMember", "person"),
    ("hearings.Hearing", "panel"),
    ("hearings.HearingScore", "member"),
    ("hearings.Declaration", "person"),
    ("projects.Project", "lead"),
    ("projects.WorkPackage", "lead"),
    ("projects.Deliverable", "owner"),
    ("projects.Deliverable", "reviewers"),
    ("projects.Deliverable", "approver"),
    ("training.TrainingSession", "trainers"),
    ("training.Registration", "person"),
    ("training.Enrolment", "person"),
    ("training.LearnerProfile", "person"),
    ("training.FundedTrainee", "person"),
    ("partners.PartnerContact", "person"),
    ("partners.SuggestionRun", "person"),
    ("partners.Suggestion", "person"),
    ("stages.RedressRequest", "filed_by"),
    ("stages.Rebuttal", "updated_by"),
    ("projects.GrantDocument", "uploaded_by"),
    ("funding.Evidence", "uploaded_by"),
)

#: Where the person (as a user) acted on a record of someone or something else: the record and the
#: part they played are exported under ``acts``, not the record's content (which is not about them).
ACTS: tuple[tuple[str, str], ...] = (
    ("review.PublicationImport", "created_by"),
    ("review.EngineRun", "created_by"),
    ("selection.Consensus", "approved_by"),
    ("selection.PortfolioRun", "created_by"),
    ("selection.PortfolioRun", "adopted_by"),
    ("selection.Decision", "decided_by"),
    ("selection.LetterSending", "created_by"),
    ("stages.ShortlistRun", "created_by"),
    ("stages.StageDecision", "decided_by"),
    ("stages.StageDecision", "declined_by"),
    ("stages.ReviewerChoice", "decided_by"),
    ("stages.RedressRequest", "examined_by"),
    ("hearings.SchedulingRun", "created_by"),
    ("hearings.SchedulingRun", "adopted_by"),
    ("projects.Amendment", "created_by"),
    ("projects.Deliverable", "decided_by"),
    ("funding.ExpenseStatement", "submitted_by"),
    ("funding.ExpenseStatement", "checked_by"),
    ("funding.Reallocation", "requested_by"),
    ("funding.Reallocation", "decided_by"),
    ("funding.DossierBuild", "created_by"),
    ("training.EnrolmentImport", "created_by"),
    ("partners.FeePayment", "recorded_by"),
    ("partners.Interaction", "recorded_by"),
    ("partners.Challenge", "created_by"),
    ("partners.Challenge", "closed_by"),
    ("partners.SuggestionRun", "created_by"),
    ("partners.ContactRequest", "sent_by"),
    ("api.AccessToken", "revoked_by"),
    ("privacy.Consent", "recorded_by"),
    ("reporting.TargetChange", "changed_by"),
    ("reporting.AnnualReport", "created_by"),
    ("funding.Contribution", "recorded_by"),
    ("funding.Contribution", "decided_by"),
    ("reporting.ManualValue", "recorded_by"),
    ("reporting.ManualValueVersion", "recorded_by"),
    ("admin.LogEntry", "user"),
)

#: Relations deliberately left out, with the reason.
EXCLUDED: dict[tuple[str, str], str] = {
    ("sso.SamlSession", "user"): "a technical session index kept only until the SAML logout, deleted then",
}

#: Fields never put in a download: secrets, and other people's data carried on the same row.
SECRET_FIELDS = frozenset({"token_hash", "password", "token"})


def _field(label: str, name: str) -> models.Field[Any, Any]:
    return apps.get_model(label)._meta.get_field(name)  # type: ignore[return-value]


def _records(person: Person, user: Any, files: list[tuple[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One query per declared relation (bounded, whatever the number of rows): the rows about the
    person, with their plain fields (related records by id), and the files those rows hold."""
    out: dict[str, list[dict[str, Any]]] = {}
    for label, name in RECORDS:
        field = _field(label, name)
        target = user if field.related_model is not Person else person
        if target is None:
            continue
        model = field.model
        file_fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        plain = [
            f.attname
            for f in model._meta.concrete_fields
            if f.name not in SECRET_FIELDS and not f.name.endswith("_encrypted")
        ]
        rows = []
        for row in model._default_manager.filter(**{name: target}).order_by("pk").values(*plain):
            for file_field in file_fields:
                stored = row.get(file_field)
                if stored:
                    zipped = f"files/{model._meta.model_name}/{row['id']}-{stored.rsplit('/', 1)[-1]}"
                    files.append((zipped, model._meta.get_field(file_field).storage, stored))
                    row[file_field] = zipped
            rows.append(row)
        if rows:
            out[f"{label} ({name})"] = rows
    return out


def _acts(user: Any) -> list[dict[str, Any]]:
    if user is None:
        return []
    acts = []
    for label, name in ACTS:
        model = _field(label, name).model
        for pk in model._default_manager.filter(**{name: user}).order_by("pk").values_list("pk", flat=True):
            acts.append({"record": label, "id": pk, "as": name})
    return acts


def personal_data(person: Person, *, for_office: bool = False) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The person's data as a JSON-ready dict, and the files to add (``(name in zip, FieldFile)`` or
    ``(name in zip, storage, stored name)``).

    ``for_office``: the copy the office downloads on the person's request leaves out the
    self-declared career stage and gender (docs/privacy.md: only the outcomes audit reads them, in
    groups of at least ten); the person's own download has them."""
    user = getattr(person, "user", None)
    files: list[tuple[str, Any]] = []
    data: dict[str, Any] = {
        "exported_at": timezone.now(),
        "person": {
            "code": person.code,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "orcid": person.orcid,
            "languages": person.languages,
            "preferred_language": person.preferred_language,
            "keywords": sorted(k.name for k in person.keywords.all()),
            "created_at": person.created_at,
        },
        "account": None,
        "affiliations": [
            {"organisation": a.organisation.name, "position": a.position, "from": a.start_date, "until": a.end_date}
            for a in person.affiliations.select_related("organisation")
        ],
        "roles": [
            {
                "role": r.kind,
                "organisation": r.organisation.name if r.organisation_id else None,
                "granted_at": r.granted_at,
            }
            for r in person.roles.select_related("organisation")
        ],
        "consents": [
            {"kind": c.kind, "given": c.given, "text_version": c.text_version, "recorded_at": c.recorded_at}
            for c in person.consents.all()
        ],
        "current_consents": {kind: (c.given if c else None) for kind, c in current_consents(person).items()},
        "self_declaration": "left out of the office's copy" if for_office else _self_declaration(person),
        "matchmaking": _matchmaking(person),
        "notifications": [
            {
                "kind": n.kind,
                "subject": n.subject,
                "body": n.body,
                "link": n.link,
                "created_at": n.created_at,
                "read_at": n.read_at,
                "emails": [
                    {"address": d.address, "mode": d.mode, "state": d.state, "sent_at": d.sent_at}
                    for d in n.deliveries.all()
                ],
            }
            for n in person.notifications.prefetch_related("deliveries").order_by("created_at", "pk")
        ],
        "notification_preferences": dict(person.notification_preferences.values_list("kind", "mode")),
    }
    if user is not None:
        data["account"] = {
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_verified_at": user.email_verified_at,
            "api_tokens": [
                {
                    "name": t.name,
                    "scope": t.scope,
                    "created_at": t.created_at,
                    "expires_at": t.expires_at,
                    "last_used_at": t.last_used_at,
                    "revoked_at": t.revoked_at,
                }
                for t in user.api_tokens.all()
            ],
            "linked_identities": [
                {
                    "provider": i.provider,
                    "subject": i.subject,
                    "email": i.email,
                    "linked_at": i.created_at,
                    "last_login_at": i.last_login_at,
                }
                for i in user.identities.all()
            ],
        }
    memberships = TeamMember.objects.filter(person=person).select_related("proposal", "proposal__call")
    data["proposals"] = []
    for member in memberships:
        proposal = member.proposal
        entry: dict[str, Any] = {
            "code": proposal.code,
            "call": proposal.call.code,
            "title": proposal.title,
            "state": proposal.state,
            "team_role": member.role,
            "invitation": member.state,
        }
        if member.state == InvitationState.ACCEPTED:
            entry["abstract"] = proposal.abstract
            entry["answers"] = []
            for answer in Answer.objects.filter(proposal=proposal).select_related("question"):
                item = {"question": str(answer.question), "value": answer.value}
                if answer.file:
                    name = f"files/proposals/{proposal.code}/{answer.pk}-{answer.file_name or 'file'}"
                    item["file"] = name
                    files.append((name, answer.file))
                entry["answers"].append(item)
        data["proposals"].append(entry)
    data["reviews"] = [
        {
            "proposal": a.proposal.code,
            "state": a.state,
            "review": None
            if not hasattr(a, "review")
            else {
                "scores": a.review.scores,
                "comments": a.review.comments,
                "applicant_comment": a.review.applicant_comment,
                "confidential_comment": a.review.confidential_comment,
                "recommendation": a.review.recommendation,
                "state": a.review.state,
                "submitted_at": a.review.submitted_at,
            },
        }
        for a in ReviewAssignment.objects.filter(reviewer=person).select_related("proposal", "review")
    ]
    data["projects"] = [
        {"project": m.project.code, "title": m.project.title, "role": m.role}
        for m in ProjectMember.objects.filter(person=person).select_related("project")
    ]
    data["payment_details"] = _payment_details(person)
    data["records"] = _records(person, user, files)
    data["acts"] = _acts(user)
    if user is not None:
        data["activity"] = [
            {"at": e.timestamp, "action": e.action, "object": e.object_repr, "details": e.data}
            for e in AuditLog.objects.filter(actor=user).order_by("timestamp")
        ]
    return data, files


def export_zip(person: Person, *, for_office: bool = False) -> bytes:
    data, files = personal_data(person, for_office=for_office)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for name, *where in files:
            try:
                if len(where) == 2:
                    storage, stored = where
                    handle = storage.open(stored, "rb")
                else:
                    handle = where[0].open("rb")
                with handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                archive.writestr(name + ".missing.txt", "The file is recorded but missing from storage.")
    return buffer.getvalue()


def _matchmaking(person: Person) -> dict[str, Any]:
    """What matchmaking holds on the person: their choice, and the contact requests about them."""
    from grappe.partners.models import ContactRequest, MatchingConsent

    consent = MatchingConsent.objects.filter(person=person).first()
    return {
        "suggested_to_partners": bool(consent and consent.opted_in),
        "consented_at": consent.consented_at if consent else None,
        "withdrawn_at": consent.withdrawn_at if consent else None,
        "text_version": consent.text_version if consent else None,
        "contact_requests": [
            {
                "challenge": r.challenge.title,
                "partner": r.challenge.organisation.name,
                "sent_by": r.side,
                "message": r.message,
                "state": r.state,
                "answer": r.answer,
                "sent_at": r.created_at,
                "answered_at": r.answered_at,
            }
            for r in ContactRequest.objects.filter(researcher=person).select_related("challenge__organisation")
        ],
    }


def _payment_details(person: Person) -> dict[str, Any] | None:
    """An expert's bank details and address (stored encrypted), in clear for their owner."""
    from grappe.hearings.models import PaymentDetails
    from grappe.hearings.services import decrypt

    found = PaymentDetails.objects.filter(person=person).first()
    if found is None:
        return None
    return {
        "iban": decrypt(found.iban_encrypted),
        "bic": decrypt(found.bic_encrypted),
        "address": decrypt(found.address_encrypted),
        "updated_at": found.updated_at,
    }


def _self_declaration(person: Person) -> dict[str, Any] | None:
    """Seniority and gender declared for the outcomes audit (decision 0021), if any."""
    found = SelfDeclaration.objects.filter(person=person).first()
    if found is None:
        return None
    return {
        "career_stage": found.career_stage,
        "phd_year": found.phd_year,
        "gender": found.gender,
        "updated_at": found.updated_at,
    }
