"""Everything Grappe holds about a person, as JSON plus the files they uploaded, in one zip."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.funding.models import Evidence
from grappe.people.models import Person
from grappe.privacy.models import SelfDeclaration
from grappe.privacy.services import current_consents
from grappe.projects.models import ProjectMember
from grappe.review.models import ReviewAssignment
from grappe.submissions.models import Answer, InvitationState, TeamMember


def personal_data(person: Person) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The person's data as a JSON-ready dict, and the files to add (``(name in zip, FieldFile)``)."""
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
        "self_declaration": _self_declaration(person),
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
    if user is not None:
        for evidence in Evidence.objects.filter(uploaded_by=user):
            if evidence.file:
                files.append((f"files/evidence/{evidence.pk}-{evidence.file.name.rsplit('/', 1)[-1]}", evidence.file))
        data["activity"] = [
            {"at": e.timestamp, "action": e.action, "object": e.object_repr, "details": e.data}
            for e in AuditLog.objects.filter(actor=user).order_by("timestamp")
        ]
    return data, files


def export_zip(person: Person) -> bytes:
    data, files = personal_data(person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for name, field_file in files:
            try:
                with field_file.open("rb") as handle:
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
