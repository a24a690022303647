"""Demo data of the platform apps: a few consents (privacy) and a read-only API token for the
office's example script (docs/api.md), printed once when it is created."""

from __future__ import annotations

from grappe.api import services as api
from grappe.api.models import AccessToken
from grappe.demo.people import PeopleSeed
from grappe.people.models import User
from grappe.privacy import services as privacy

CONSENTS = {
    "applicant": {"matchmaking": True, "newsletter": True},
    "reviewer": {"public_profile": True, "newsletter": False},
    "partner contact": {"newsletter": True},
}


def seed_platform(people: PeopleSeed) -> str | None:
    """Record the demo consents (again: nothing new) and give the office a read token; returns the
    token when it was created now."""
    by_role = {account.role: account.email for account in people.accounts}
    users = {user.email: user for user in User.objects.filter(email__in=by_role.values()).select_related("person")}
    for role, choices in CONSENTS.items():
        user = users.get(by_role.get(role, ""))
        if user is None:
            continue
        for kind, given in choices.items():
            if given or user.person.consents.filter(kind=kind).exists():
                privacy.record_consent(user.person, kind, given=given, actor=user)
            else:
                privacy.record_consent(user.person, kind, given=True, actor=user)
                privacy.record_consent(user.person, kind, given=False, actor=user)
    office = users.get(by_role.get("office", ""))
    if office is None or AccessToken.objects.filter(user=office, name="Demo script").exists():
        return None
    _token, raw = api.create_token(office, name="Demo script", scope="read", days=365, actor=None)
    return raw
