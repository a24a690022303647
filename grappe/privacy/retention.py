"""Retention rules (docs/privacy.md): how long each kind of record is kept, and why.

Durations come from ``settings.GRAPPE_RETENTION`` (years), so an institution sets its own."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def years(kind: str) -> int:
    return int(settings.GRAPPE_RETENTION[kind])


@dataclass(frozen=True)
class Processing:
    """One line of the processing register."""

    what: Promise
    why: Promise
    basis: Promise
    kept: Promise
    setting: str = ""


REGISTER = [
    Processing(
        _("Accounts and profiles: name, email, ORCID, affiliations, expertise keywords, language"),
        _("Sign-in, the directory, contacting applicants, experts and partners"),
        _("Public-interest task of the funded programme; contract for members"),
        _("While the account is used; erased on request unless a record below must be kept"),
    ),
    Processing(
        _("Proposals not funded, their answers, files and reviews"),
        _("Running the call, evaluation, appeals"),
        _("Public-interest task (the funder's call rules)"),
        _("Anonymised %(n)s years after the call closed (texts and files removed, scores kept)"),
        "unfunded_proposals",
    ),
    Processing(
        _("Funded proposals, projects, grants, expense statements and their evidence"),
        _("Managing the grant and the funder's audits"),
        _("Legal obligation (public funding audit rules)"),
        _("Kept %(n)s years after the grant ends (the funder's audit period), then anonymised"),
        "funded_projects",
    ),
    Processing(
        _("Audit log of changes"),
        _("Accountability of decisions and security"),
        _("Legitimate interest and legal obligation"),
        _("Kept with the records it describes; an erased person appears under a pseudonym"),
    ),
    Processing(
        _("Consents (matchmaking, public profile, newsletter) with date and text version"),
        _("Proof of what each person agreed to, and when"),
        _("Consent"),
        _("While the consent applies, then as proof as long as the processing it allowed"),
    ),
    Processing(
        _("Notifications and their emails (subject, text, address, delivery state), email preferences"),
        _("Telling people about deadlines, decisions, invitations and messages; proof that they were told"),
        _("Public-interest task of the funded programme; legitimate interest for the delivery record"),
        _("While the account exists; removed when the person is erased"),
    ),
    Processing(
        _("Self-declared career stage, year of the PhD and gender"),
        _("The outcomes audit of calls: success rates by group, in groups of at least ten people only"),
        _("Consent (withdrawable; withdrawing deletes the declaration)"),
        _("While the consent stands; removed when it is withdrawn or the person is erased"),
    ),
    Processing(
        _("API tokens (hash only), last use"),
        _("Letting a person's own tools use the API"),
        _("Contract (the person's request)"),
        _("Until revoked or expired; removed with the account"),
    ),
    Processing(
        _("Linked sign-in identities (provider, identifier there, email it gave, last sign-in)"),
        _("Logging in with an institution's account or ORCID"),
        _("Contract (the person's request)"),
        _("Until unlinked by the person; removed with the account"),
    ),
]


def register() -> list[dict[str, str]]:
    rows = []
    for line in REGISTER:
        kept = str(line.kept) % {"n": years(line.setting)} if line.setting else str(line.kept)
        rows.append({"what": str(line.what), "why": str(line.why), "basis": str(line.basis), "kept": kept})
    return rows
