"""The API's output and input shapes (money as decimal strings, times in ISO 8601 with offset)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field


class Page(Schema):
    next: str | None = Field(None, description="Cursor of the next page (pass as ?cursor=), null on the last.")


class OrganisationOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    sector: str
    country: str
    website: str
    ror: str
    relationship: str
    parent: str | None
    siren: str | None = Field(None, description="Only for readers of the private page (office, board, contacts).")


class OrganisationPage(Page):
    items: list[OrganisationOut]


class AffiliationOut(Schema):
    organisation: str
    organisation_name: str
    position: str


class PersonOut(Schema):
    code: str
    first_name: str
    last_name: str
    email: str
    orcid: str
    keywords: list[str]
    affiliations: list[AffiliationOut]


class PersonPage(Page):
    items: list[PersonOut]


class ProgrammeOut(Schema):
    code: str
    name: str
    funders: str
    total_amount: str
    currency: str
    start_year: int
    end_year: int


class ProgrammePage(Page):
    items: list[ProgrammeOut]


class CallOut(Schema):
    code: str
    programme: str
    programme_name: str
    call_type: str
    title_fr: str
    title_en: str
    state: str
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    budget: str
    min_amount: str
    max_amount: str
    min_duration: int
    max_duration: int


class CallPage(Page):
    items: list[CallOut]


class ProposalOut(Schema):
    code: str
    call: str
    state: str
    title: str
    acronym: str
    lead: str
    lead_name: str
    lead_organisation: str | None
    submitted_at: datetime | None
    version: int
    full: bool = Field(description="False when the caller sees the summary only (partner contacts).")
    abstract: str | None = None
    keywords: list[str] | None = None
    requested_amount: str | None = None
    duration_months: int | None = None
    eligible: bool | None = None
    warnings: list[str] = Field(
        default_factory=list, description="After a change: what to fix before submitting (e.g. the amount)."
    )


class ProposalPage(Page):
    items: list[ProposalOut]


class ProposalPatch(Schema):
    """The details the team edits on the proposal page; absent fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=250)
    acronym: str | None = Field(None, max_length=30)
    abstract: str | None = Field(None, max_length=5000)
    keywords: list[str] | None = Field(None, max_length=50)
    requested_amount: str | None = Field(None, max_length=20, description='EUR, a decimal string, e.g. "120000.00".')
    duration_months: int | None = Field(None, ge=1, le=120)
    lead_organisation: str | None = Field(None, max_length=12, description="An organisation's code.")


class ReviewOut(Schema):
    assignment: int
    proposal: str
    proposal_title: str
    call: str
    confirmed: bool
    deadline: datetime | None
    open: bool
    state: str
    scores: dict[str, str]
    comments: dict[str, str]
    applicant_comment: str
    confidential_comment: str
    recommendation: str
    submitted_at: datetime | None
    version: int


class ReviewPage(Page):
    items: list[ReviewOut]


class ReviewPut(Schema):
    """The whole review (as the review page posts it); ``submit`` submits it."""

    model_config = ConfigDict(extra="forbid")

    scores: dict[str, str | None] = Field(default_factory=dict, description="Criterion id → score 0–5 in halves.")
    comments: dict[str, str] = Field(default_factory=dict, description="Criterion id → comment.")
    applicant_comment: str = Field("", max_length=10000)
    confidential_comment: str = Field("", max_length=5000)
    recommendation: str = Field("", max_length=10)
    submit: bool = False


class AssignmentOut(Schema):
    id: int
    reviewer: str
    reviewer_name: str
    proposal: str
    state: str
    confirmed: bool
    review_state: str | None
    submitted_at: datetime | None


class AssignmentPage(Page):
    items: list[AssignmentOut]


class RankingRowOut(Schema):
    rank: int | None
    proposal: str
    title: str
    score: str | None
    provisional: bool
    passes: bool
    recommendation: str
    recommended_amount: str | None
    decision: str | None


class RankingOut(Schema):
    call: str
    version: str = Field(description="Changes whenever anything the ranking reads changes.")
    rows: list[RankingRowOut]


class DecisionOut(Schema):
    proposal: str
    outcome: str
    amount: str | None
    reserve_rank: int | None
    recommended: str
    recommended_amount: str | None
    justification: str
    decided_at: datetime
    version: int


class DecisionPage(Page):
    items: list[DecisionOut]


class ProjectOut(Schema):
    code: str
    title: str
    acronym: str
    summary: str
    theme: str
    state: str
    call: str
    lead_name: str
    is_public: bool
    internal: bool = Field(description="False when the caller sees the public page only.")


class ProjectPage(Page):
    items: list[ProjectOut]


def money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page):
    items: list[NotificationOut]


class NotificationsRead(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        None, max_length=1000, description="The notifications to mark read; omitted or null: all of yours."
    )


class MarkedRead(Schema):
    marked: int
